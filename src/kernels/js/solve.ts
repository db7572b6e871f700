/**
 * The JS twin of assembly/solve.ts: one half-step slice, rows [start, end) of the solved side
 * → new factor rows, from the parameter block (abi.ts SOLVE_PARAMS) read by field name.
 */
import { readSolveParams } from '../abi.js';
import { GATHER_ROWS, type Kernels, SOLVE_OK, Solver, roundUp } from '../types.js';
import { rowColumns } from './columns.js';
import type { JsMemory } from './memory.js';
import { positiveCount, shortRowCap, unwhiten } from './short-rows.js';
import { upperTimes } from './whiten-cg.js';

export type SolveKernels = Pick<Kernels, 'solveRows'>;

/** The kernels one row's solve is made of (assembly/solve.ts imports the same ones). */
export type SolveSteps = Pick<
  Kernels,
  'rowWeights' | 'gramRow' | 'cholesky' | 'choleskySolve' | 'cgSolve' | 'subspaceSolve' | 'shortRowSolve'
>;

export function createSolveKernels(memory: JsMemory, steps: SolveSteps): SolveKernels {
  const { F, I } = memory;
  /**
   * For each row u in [start, end): weights → Gram (or CG) → solve → X's row u, with
   * λ_u = λ·w_u. A row without ratings becomes zero. Returns SOLVE_OK (-1); r ≥ 0 when row r's
   * system was not positive definite; -2 − r when row r's solution was not finite.
   */
  function solveRows(params: number, start: number, end: number, scratch: number): number {
    const p = readSolveParams(I, params);
    const {
      X,
      Y,
      stride,
      dim,
      indices,
      values,
      regWeights,
      lambda,
      mode,
      alpha,
      solver,
      cgSteps,
      YtY,
      mu,
      otherBias,
      blockSize,
      whiteFactor,
      whiteUpper,
      indexBytes,
      indexSplits,
      indexBlocks,
    } = p;
    // the short path's M and row addresses live in the gather blocks: n₊ is capped by their size
    const shortMax = Math.min(p.shortMax, shortRowCap(dim, 2 * GATHER_ROWS * stride));
    const indptr = p.indptr >>> 2;

    // Scratch, in the order solveScratchFloats documents (each part a multiple of 4 floats):
    // A, b, CG r/p/Ap, then w, t and the widened columns sized by the current row's n
    // (≤ maxRowNnz, so everything stays inside the scratch without the kernel knowing
    // maxRowNnz), then the gather blocks.
    const sA = scratch;
    const sB = sA + roundUp(stride * stride, 4) * 4;
    const sCg = sB + roundUp(stride, 4) * 4;
    const sW = sCg + roundUp(3 * stride, 4) * 4;

    for (let row = start; row < end; row++) {
      const x = X + row * stride * 4;
      const x0 = x >> 2;
      const lo = I[indptr + row]!,
        n = I[indptr + row + 1]! - lo;
      if (n === 0) {
        F.fill(0, x0, x0 + stride); // no ratings: x_u = 0
        continue;
      }
      const sT = sW + roundUp(n, 4) * 4,
        sC = sT + roundUp(n, 4) * 4,
        sGather = sC + roundUp(n, 4) * 4;
      const cols = rowColumns(memory, indices, lo, n, indexBytes, sC, indexSplits, indexBlocks, row);
      // λ_u = λ w_u; against whitened rows (Y = W, short-rows.ts) every row solves (I + Σ w_j w̃_j w̃_jᵀ) z = g
      const lambdaRow = whiteFactor !== 0 ? 1 : regWeights === 0 ? lambda : lambda * F[(regWeights >> 2) + row]!;
      steps.rowWeights(cols, values + lo * 4, n, mode, alpha, mu, otherBias, sW, sT);
      if (solver === Solver.ConjugateGradient && whiteFactor !== 0) {
        // CG in the whitened basis (whiten-cg.ts): (I + Σ w_j w̃_j w̃_jᵀ) z = Σ t_j w̃_j from
        // z₀ = U·x_u (or 0), in b; no dense product. Then x_u = L⁻ᵀz, through CG's first
        // vector: a row whose x is not finite is not written.
        if (whiteUpper !== 0) upperTimes(F, whiteUpper, stride, dim, x, sB);
        else F.fill(0, sB >> 2, (sB >> 2) + dim);
        steps.cgSolve(0, Y, stride, dim, cols, sW, sT, n, lambdaRow, sB, cgSteps, sCg);
        unwhiten(F, whiteFactor, stride, dim, sB, sCg);
        for (let i = 0; i < dim; i++) if (!Number.isFinite(F[(sCg >> 2) + i]!)) return -2 - row;
        F.copyWithin(x0, sCg >> 2, (sCg >> 2) + dim);
      } else if (solver === Solver.ConjugateGradient) {
        // x_u ← a few CG steps on (YᵀY + Yᵀ(C_u − I)Y + λ_u I) x = YᵀC_u p_u, from the current x_u
        steps.cgSolve(YtY, Y, stride, dim, cols, sW, sT, n, lambdaRow, x, cgSteps, sCg);
      } else if (solver === Solver.Subspace) {
        // x_u ← one iALS++ sweep over blocks of BlockSize unknowns, from the current x_u, worked
        // on a copy in CG's third vector (subspaceSolve's work, from sA, ends before it)
        const xw = sCg + 2 * stride * 4;
        F.copyWithin(xw >> 2, x0, x0 + dim);
        if (steps.subspaceSolve(YtY, Y, stride, dim, cols, sW, sT, n, lambdaRow, xw, blockSize, sA, sGather) >= 0) return row;
        F.copyWithin(x0, xw >> 2, (xw >> 2) + dim);
      } else {
        // x_u = (A0 + Σ_j w_j y_j y_jᵀ + λ_u I)⁻¹ Σ_j t_j y_j, A0 = YᵀY (implicit) or 0; rows with
        // few positive weights by the push-through identity (V₊ᵀ in A; addresses, right-hand
        // side and M in the gather blocks), the standard way when it declines them
        let solved = false;
        if (shortMax > 0 && YtY === 0 && lambdaRow > 0) {
          const np = positiveCount(F, sW, n);
          if (np >= 0 && np <= shortMax)
            solved = steps.shortRowSolve(Y, stride, dim, cols, sW, sT, n, lambdaRow, sB, sA, sGather, 0) < 0;
        }
        if (!solved) {
          steps.gramRow(Y, stride, dim, cols, sW, sT, n, YtY, sA, sB, sGather);
          if (steps.cholesky(sA, stride, dim, lambdaRow) >= 0) return row;
          steps.choleskySolve(sA, stride, dim, sB, sB);
        }
        if (whiteFactor !== 0)
          unwhiten(F, whiteFactor, stride, dim, sB, x); // x = L⁻ᵀ z (whiteFactor is L⁻¹)
        else F.copyWithin(x0, sB >> 2, (sB >> 2) + dim);
      }
      for (let i = 0; i < dim; i++) if (!Number.isFinite(F[x0 + i]!)) return -2 - row;
    }
    return SOLVE_OK;
  }

  return { solveRows };
}

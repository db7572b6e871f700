/**
 * The JS twin of assembly/sample.ts: one Gibbs half-step slice, rows [start, end) of the solved
 * side drawn from their Gaussian conditionals. With the prior block P = Λ_prior/τ (stride ×
 * stride) and h = Λ_prior·μ_prior/τ (stride floats) after it:
 *   A = P + Σ_j y_j y_jᵀ = UᵀU,   m = A⁻¹(h + Σ_j t_j y_j),   x = m + U⁻¹z·noiseScale,
 * noiseScale = 1/√τ, z the row's standard normals (row u of `normals`, stride floats).
 */
import { readSolveParams } from '../abi.js';
import { SOLVE_OK, roundUp, type Kernels } from '../types.js';
import type { JsMemory } from './memory.js';

export type SampleKernels = Pick<Kernels, 'sampleRows'>;

/** The kernels one row's draw is made of (assembly/sample.ts imports the same ones). */
export type SampleSteps = Pick<Kernels, 'rowWeights' | 'gramRow' | 'cholesky' | 'choleskySolve'>;

export function createSampleKernels({ F, I }: JsMemory, steps: SampleSteps): SampleKernels {
  /**
   * For each row u in [start, end): weights → Gram from P → Cholesky → mean → + U⁻¹z·noiseScale
   * → X's row u. A row without ratings is drawn from the prior. Returns SOLVE_OK (-1); r ≥ 0
   * when row r's precision was not positive definite; -2 − r when its draw was not finite.
   */
  function sampleRows(
    params: number,
    prior: number,
    normals: number,
    noiseScale: number,
    start: number,
    end: number,
    scratch: number,
  ): number {
    const p = readSolveParams(I, params);
    const { X, Y, stride, dim, indices, values, mu, otherBias } = p;
    const indptr = p.indptr >> 2;
    const scale = Math.fround(noiseScale);
    const h = (prior >> 2) + stride * stride;

    // Scratch in solveRows' layout: A, b, the CG part (here v = U⁻¹z·scale), w, t, gather.
    const sA = scratch;
    const sB = sA + roundUp(stride * stride, 4) * 4;
    const sV = sB + roundUp(stride, 4) * 4;
    const sW = sV + roundUp(3 * stride, 4) * 4;
    const a = sA >> 2,
      b = sB >> 2,
      v = sV >> 2;

    for (let row = start; row < end; row++) {
      const lo = I[indptr + row]!,
        n = I[indptr + row + 1]! - lo;
      const cols = indices + lo * 4;
      const sT = sW + roundUp(n, 4) * 4,
        sGather = sT + roundUp(n, 4) * 4;
      if (n > 0) steps.rowWeights(cols, values + lo * 4, n, 0, 0, mu, otherBias, sW, sT);
      // A = P + Σ_j y_j y_jᵀ, b = Σ_j t_j y_j; then b += h
      steps.gramRow(Y, stride, dim, cols, sW, sT, n, prior, sA, sB, sGather);
      for (let i = 0; i < dim; i++) F[b + i] = F[b + i]! + F[h + i]!;
      if (steps.cholesky(sA, stride, dim, 0) >= 0) return row;
      steps.choleskySolve(sA, stride, dim, sB, sB);
      // U v = scale·z by back substitution: one f64 dot per entry, rounded when stored.
      const z = (normals >> 2) + row * stride;
      for (let i = dim - 1; i >= 0; i--) {
        const ui = a + i * stride;
        let s = scale * F[z + i]!;
        for (let j = i + 1; j < dim; j++) s -= F[ui + j]! * F[v + j]!;
        F[v + i] = s / F[ui + i]!;
      }
      const x = (X >> 2) + row * stride;
      for (let i = 0; i < dim; i++) F[b + i] = F[b + i]! + F[v + i]!;
      for (let i = 0; i < dim; i++) if (!Number.isFinite(F[b + i]!)) return -2 - row;
      for (let i = 0; i < dim; i++) F[x + i] = F[b + i]!;
    }
    return SOLVE_OK;
  }

  return { sampleRows };
}

/**
 * The JS twin of assembly/sample.ts: one Gibbs half-step slice, rows [start, end) of the solved
 * side drawn from their Gaussian conditionals. With the prior block P = Λ_prior/τ (stride ×
 * stride) and h = Λ_prior·μ_prior/τ (stride floats) after it:
 *   A = P + Σ_j y_j y_jᵀ = UᵀU,   m = A⁻¹(h + Σ_j t_j y_j),   x = m + U⁻¹z·noiseScale
 *   = A⁻¹(h + Σ_j t_j y_j + Uᵀz·noiseScale)  (one solve),
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
   * For each row u in [start, end): weights → Gram from P → Cholesky → b + Uᵀz·noiseScale →
   * solve → X's row u. A row without ratings is drawn from the prior. Returns SOLVE_OK (-1); r ≥ 0
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

    // Scratch in solveRows' layout: A, b, the CG part (unused here), w, t, gather.
    const sA = scratch;
    const sB = sA + roundUp(stride * stride, 4) * 4;
    const sW = sB + roundUp(stride, 4) * 4 + roundUp(3 * stride, 4) * 4;
    const a = sA >> 2,
      b = sB >> 2;

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
      // b += scale·Uᵀz, row by row of U as the kernel (one f32 rounding per update); then the
      // one solve gives x = m + U⁻¹z·scale.
      const z = (normals >> 2) + row * stride;
      for (let i = 0; i < dim; i++) {
        const ui = a + i * stride;
        const zi = Math.fround(scale * F[z + i]!);
        for (let j = i; j < dim; j++) F[b + j] = F[b + j]! + zi * F[ui + j]!;
      }
      steps.choleskySolve(sA, stride, dim, sB, sB);
      const x = (X >> 2) + row * stride;
      for (let i = 0; i < dim; i++) if (!Number.isFinite(F[b + i]!)) return -2 - row;
      for (let i = 0; i < dim; i++) F[x + i] = F[b + i]!;
    }
    return SOLVE_OK;
  }

  return { sampleRows };
}

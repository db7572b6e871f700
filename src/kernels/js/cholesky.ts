/**
 * The JS twin of assembly/cholesky.ts: A + λI = UᵀU, U in the upper triangle, row by row
 * (unblocked). A Cholesky entry U[i][j] is one f64 dot product, rounded to f32 when stored;
 * forward and back substitution likewise.
 */
import type { Kernels } from '../types.js';
import type { JsMemory } from './memory.js';

export type CholeskyKernels = Pick<Kernels, 'cholesky' | 'choleskySolve'>;

export function createCholeskyKernels({ F }: JsMemory): CholeskyKernels {
  const fround = Math.fround;

  /**
   * In-place Cholesky of A + λI = UᵀU (U stored in the upper triangle of A). Returns -1, or
   * the index of the first pivot that is not > 0 or not finite.
   */
  function cholesky(A: number, stride: number, dim: number, lambda: number): number {
    lambda = fround(lambda);
    const a = A >> 2;
    // A + λI = UᵀU, row by row: U_ii = √(A_ii + λ − Σ_{k<i} U_ki²), U_ij = (A_ij − Σ_{k<i} U_ki U_kj) / U_ii
    for (let i = 0; i < dim; i++) {
      const ai = a + i * stride;
      let d = F[ai + i]! + lambda;
      for (let k = 0; k < i; k++) {
        const uki = F[a + k * stride + i]!;
        d -= uki * uki;
      }
      if (!(d > 0) || !Number.isFinite(d)) return i;
      const uii = Math.sqrt(d);
      F[ai + i] = uii;
      const inv = 1 / fround(uii);
      for (let j = i + 1; j < dim; j++) {
        let s = F[ai + j]!;
        for (let k = 0, ak = a; k < i; k++, ak += stride) s -= F[ak + i]! * F[ak + j]!;
        F[ai + j] = s * inv;
      }
    }
    return -1;
  }

  /**
   * Solves UᵀU x = b with U from `cholesky`; x may alias b. Reads only U's upper triangle
   * within dim × dim and writes only x[0, dim).
   */
  function choleskySolve(A: number, stride: number, dim: number, b: number, x: number): void {
    const b0 = b >> 2,
      x0 = x >> 2;
    if (x0 !== b0) for (let i = 0; i < dim; i++) F[x0 + i] = F[b0 + i]!;
    forwardSubstitute(F, A, stride, dim, x);
    backSubstitute(F, A, stride, dim, x);
  }

  return { cholesky, choleskySolve };
}

/**
 * x ← U⁻ᵀ x in place (Uᵀz = x, forward): z_i = (x_i − Σ_{k<i} U_ki z_k) / U_ii. The first half
 * of choleskySolve; alone it whitens a row (short-rows.ts whitenRows).
 */
export function forwardSubstitute(F: Float32Array, A: number, stride: number, dim: number, x: number): void {
  const a = A >> 2,
    x0 = x >> 2;
  for (let i = 0; i < dim; i++) {
    let s = F[x0 + i]!;
    for (let k = 0; k < i; k++) s -= F[a + k * stride + i]! * F[x0 + k]!;
    F[x0 + i] = s / F[a + i * stride + i]!;
  }
}

/**
 * x ← U⁻¹ x in place (Ux = z, back): x_i = (z_i − Σ_{k>i} U_ik x_k) / U_ii. The second half of
 * choleskySolve; alone it maps a row solved against whitened rows back (solve.ts).
 */
export function backSubstitute(F: Float32Array, A: number, stride: number, dim: number, x: number): void {
  const a = A >> 2,
    x0 = x >> 2;
  for (let i = dim - 1; i >= 0; i--) {
    const ai = a + i * stride;
    let s = F[x0 + i]!;
    for (let k = i + 1; k < dim; k++) s -= F[ai + k]! * F[x0 + k]!;
    F[x0 + i] = s / F[ai + i]!;
  }
}

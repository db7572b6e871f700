/**
 * The JS twin of assembly/whiten-cg.ts: the warm start of conjugate gradient in the whitened
 * basis. With B = YᵀY + λI = UᵀU = LLᵀ and the fixed rows whitened (w̃ = L⁻¹y), a row solves
 * (I + Σ_j w_j w̃_j w̃_jᵀ) z = Σ_j t_j w̃_j and x = L⁻ᵀz (solve.ts), so its current x starts
 * CG at z₀ = Lᵀx = U·x.
 */

/**
 * z = U·x = Σ_j x_j (column j of U), from M = U with its transpose mirrored below the diagonal
 * (rows of `stride`; row j of M up to column j is U's column j, as assembly reads it); M's
 * padding is never read. One f64 sum per entry, rounded when stored. z must not alias x.
 */
export function upperTimes(F: Float32Array, M: number, stride: number, dim: number, x: number, z: number): void {
  const m0 = M >> 2,
    x0 = x >> 2,
    z0 = z >> 2;
  for (let i = 0; i < dim; i++) {
    let s = 0;
    for (let j = i; j < dim; j++) s += F[m0 + j * stride + i]! * F[x0 + j]!;
    F[z0 + i] = s;
  }
}

/**
 * The JS twin of assembly/whiten-cg.ts: the warm start of conjugate gradient in the whitened
 * basis. With B = YᵀY + λI = UᵀU = LLᵀ and the fixed rows whitened (w̃ = L⁻¹y), a row solves
 * (I + Σ_j w_j w̃_j w̃_jᵀ) z = Σ_j t_j w̃_j and x = L⁻ᵀz (solve.ts), so its current x starts
 * CG at z₀ = Lᵀx = U·x.
 */

/**
 * z = U·x: z_i = Σ_{j ≥ i} U[i][j] x_j for i < dim, U's upper triangle only (what it holds below
 * the diagonal and past dim is never read); one f64 sum per entry, rounded when stored.
 * z must not alias x.
 */
export function upperTimes(F: Float32Array, U: number, stride: number, dim: number, x: number, z: number): void {
  const u0 = U >> 2,
    x0 = x >> 2,
    z0 = z >> 2;
  for (let i = 0; i < dim; i++) {
    let s = 0;
    for (let j = i; j < dim; j++) s += F[u0 + i * stride + j]! * F[x0 + j]!;
    F[z0 + i] = s;
  }
}

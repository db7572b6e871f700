// Conjugate gradient in the whitened basis (solve.ts): with B = YᵀY + λI = UᵀU = LLᵀ and the
// fixed rows whitened (w̃ = L⁻¹y, short-rows.ts whitenRows), a row's system
// (B + Σ_j w_j y_j y_jᵀ) x = Σ_j t_j y_j becomes (I + Σ_j w_j w̃_j w̃_jᵀ) z = Σ_j t_j w̃_j with
// x = L⁻ᵀz: CG needs no dense product (it is z itself) and is preconditioned by B. Its warm
// start from the row's current x is z₀ = Lᵀx = U·x.
//
// Both triangular products work on four rows at once: U and L⁻¹ (64 KiB each at k = 128, in
// L2) are streamed once for the four, as cgSolve4 streams YᵀY. Every row's sums run in the same
// order whatever the other three rows are (solveRows pads a short group with copies of its
// first row): the same bits for any split into tasks.
import { madd } from './vec';

/**
 * z_q = U·x_q = Σ_j x_q[j] (column j of U) for four vectors x0 … x3 into Z + q·(stride floats),
 * from M = U with its transpose mirrored below the diagonal (rows of `stride`): row j of M,
 * columns 0 … j, is column j of U. So, as `unwhiten4`, eight lanes of each z stay in registers
 * while M's rows stream past, and no horizontal sums: in the diagonal block a row j keeps the
 * lanes i ≤ j (its lanes past j hold U's own row); the lanes past dim (M's padding is never
 * used) are stored as 0. Each z gets roundUp8(dim) ≤ stride floats. Z must not alias the x_q.
 */
// @ts-ignore: decorator
@inline export function upperTimes4(
  M: usize, stride: i32, dim: i32, x0: usize, x1: usize, x2: usize, x3: usize, Z: usize,
): void {
  const rb = <usize>stride << 2;
  const dim8 = (dim + 7) & ~7;
  const lanes0 = i32x4(0, 1, 2, 3);
  const lanes1 = i32x4(4, 5, 6, 7);
  for (let c0 = 0; c0 < dim8; c0 += 8) {
    const off = <usize>c0 << 2;
    let a0 = f32x4.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    let row = M + <usize>c0 * rb + off; // rows j < c0 have no entry in these lanes
    const top = min(c0 + 8, dim);
    let j = c0;
    for (; j < top; j++) { // the diagonal block: lanes i ≤ j only
      const jo = <usize>j << 2;
      const upto = i32x4.splat(j - c0);
      const ma = v128.and(v128.load(row), i32x4.le_s(lanes0, upto));
      const mb = v128.and(v128.load(row, 16), i32x4.le_s(lanes1, upto));
      const s0 = v128.load32_splat(x0 + jo);
      a0 = madd(s0, ma, a0); b0 = madd(s0, mb, b0);
      const s1 = v128.load32_splat(x1 + jo);
      a1 = madd(s1, ma, a1); b1 = madd(s1, mb, b1);
      const s2 = v128.load32_splat(x2 + jo);
      a2 = madd(s2, ma, a2); b2 = madd(s2, mb, b2);
      const s3 = v128.load32_splat(x3 + jo);
      a3 = madd(s3, ma, a3); b3 = madd(s3, mb, b3);
      row += rb;
    }
    for (; j < dim; j++) { // below the block: every lane is U[i][j], i < j
      const jo = <usize>j << 2;
      const ma = v128.load(row), mb = v128.load(row, 16);
      const s0 = v128.load32_splat(x0 + jo);
      a0 = madd(s0, ma, a0); b0 = madd(s0, mb, b0);
      const s1 = v128.load32_splat(x1 + jo);
      a1 = madd(s1, ma, a1); b1 = madd(s1, mb, b1);
      const s2 = v128.load32_splat(x2 + jo);
      a2 = madd(s2, ma, a2); b2 = madd(s2, mb, b2);
      const s3 = v128.load32_splat(x3 + jo);
      a3 = madd(s3, ma, a3); b3 = madd(s3, mb, b3);
      row += rb;
    }
    const past = i32x4.splat(dim - c0);
    const ka = i32x4.lt_s(lanes0, past), kb = i32x4.lt_s(lanes1, past);
    const d = Z + off;
    v128.store(d, v128.and(a0, ka)); v128.store(d, v128.and(b0, kb), 16);
    v128.store(d + rb, v128.and(a1, ka)); v128.store(d + rb, v128.and(b1, kb), 16);
    v128.store(d + 2 * rb, v128.and(a2, ka)); v128.store(d + 2 * rb, v128.and(b2, kb), 16);
    v128.store(d + 3 * rb, v128.and(a3, ka)); v128.store(d + 3 * rb, v128.and(b3, kb), 16);
  }
}

/**
 * x_q = L⁻ᵀ z_q = Σ_j z_q[j] C[j] for the four vectors Z + q·(stride floats) into X + q·(stride
 * floats), C = L⁻¹ (rows of `stride`, row j zero past column j and past dim): short-rows.ts
 * `unwhiten` for four rows, eight lanes of each x in registers while C's rows stream past once.
 * Each x gets roundUp8(dim) ≤ stride floats (zero past dim). X must not alias Z.
 */
// @ts-ignore: decorator
@inline export function unwhiten4(C: usize, stride: i32, dim: i32, Z: usize, X: usize): void {
  const rb = <usize>stride << 2;
  const dim8 = (dim + 7) & ~7; // ≤ stride: C's rows are zero from dim on
  const z1 = Z + rb, z2 = z1 + rb, z3 = z2 + rb;
  for (let c0 = 0; c0 < dim8; c0 += 8) {
    const off = <usize>c0 << 2;
    let a0 = f32x4.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    let row = C + <usize>c0 * rb + off; // rows j < c0 are zero in these lanes
    for (let j = c0; j < dim; j++) {
      const jo = <usize>j << 2;
      const ca = v128.load(row), cb = v128.load(row, 16);
      const s0 = v128.load32_splat(Z + jo);
      a0 = madd(s0, ca, a0); b0 = madd(s0, cb, b0);
      const s1 = v128.load32_splat(z1 + jo);
      a1 = madd(s1, ca, a1); b1 = madd(s1, cb, b1);
      const s2 = v128.load32_splat(z2 + jo);
      a2 = madd(s2, ca, a2); b2 = madd(s2, cb, b2);
      const s3 = v128.load32_splat(z3 + jo);
      a3 = madd(s3, ca, a3); b3 = madd(s3, cb, b3);
      row += rb;
    }
    const d = X + off;
    v128.store(d, a0); v128.store(d, b0, 16);
    v128.store(d + rb, a1); v128.store(d + rb, b1, 16);
    v128.store(d + 2 * rb, a2); v128.store(d + 2 * rb, b2, 16);
    v128.store(d + 3 * rb, a3); v128.store(d + 3 * rb, b3, 16);
  }
}

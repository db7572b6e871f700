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

/** [Σ lanes of a, Σ b, Σ c, Σ d]: four horizontal sums at once (each lane its own vector's). */
@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

/**
 * z_q = U·x_q for four vectors x0 … x3 into Z + q·(stride floats): z_i = Σ_{j ≥ i} U[i][j] x_j
 * for i < dim (U upper triangular, rows of `stride`; what it holds below the diagonal and past
 * dim is never used; each z gets exactly dim floats). Per row i of U: its columns from the f32x4
 * that holds the diagonal (lanes left of it masked) to the last whole f32x4 as two dot chains
 * per vector (even and odd f32x4s), then the columns past it in scalars.
 * Z must not alias the x_q.
 */
// @ts-ignore: decorator
@inline export function upperTimes4(
  U: usize, stride: i32, dim: i32, x0: usize, x1: usize, x2: usize, x3: usize, Z: usize,
): void {
  const rb = <usize>stride << 2;
  const dim4 = dim & ~3;
  const lanes = i32x4(0, 1, 2, 3);
  const z1 = Z + rb, z2 = z1 + rb, z3 = z2 + rb;
  for (let i = 0; i < dim; i++) {
    const ui = U + <usize>i * rb;
    const c0 = i & ~3;
    let s = f32x4.splat(0);
    if (c0 < dim4) {
      const o0 = <usize>c0 << 2;
      const u = v128.and(v128.load(ui + o0), i32x4.ge_s(lanes, i32x4.splat(i - c0)));
      let a0 = f32x4.mul(u, v128.load(x0 + o0)), a1 = f32x4.mul(u, v128.load(x1 + o0));
      let a2 = f32x4.mul(u, v128.load(x2 + o0)), a3 = f32x4.mul(u, v128.load(x3 + o0));
      let b0 = f32x4.splat(0), b1 = b0, b2 = b0, b3 = b0;
      let c = c0 + 4;
      for (; c + 8 <= dim4; c += 8) {
        const o = <usize>c << 2;
        const ua = v128.load(ui + o), ub = v128.load(ui + o, 16);
        b0 = madd(ua, v128.load(x0 + o), b0); a0 = madd(ub, v128.load(x0 + o, 16), a0);
        b1 = madd(ua, v128.load(x1 + o), b1); a1 = madd(ub, v128.load(x1 + o, 16), a1);
        b2 = madd(ua, v128.load(x2 + o), b2); a2 = madd(ub, v128.load(x2 + o, 16), a2);
        b3 = madd(ua, v128.load(x3 + o), b3); a3 = madd(ub, v128.load(x3 + o, 16), a3);
      }
      if (c < dim4) {
        const o = <usize>c << 2;
        const ua = v128.load(ui + o);
        b0 = madd(ua, v128.load(x0 + o), b0);
        b1 = madd(ua, v128.load(x1 + o), b1);
        b2 = madd(ua, v128.load(x2 + o), b2);
        b3 = madd(ua, v128.load(x3 + o), b3);
      }
      s = hsum4(f32x4.add(a0, b0), f32x4.add(a1, b1), f32x4.add(a2, b2), f32x4.add(a3, b3));
    }
    let s0 = f32x4.extract_lane(s, 0), s1 = f32x4.extract_lane(s, 1);
    let s2 = f32x4.extract_lane(s, 2), s3 = f32x4.extract_lane(s, 3);
    for (let c = max(i, dim4); c < dim; c++) {
      const o = <usize>c << 2;
      const uc = load<f32>(ui + o);
      s0 += uc * load<f32>(x0 + o);
      s1 += uc * load<f32>(x1 + o);
      s2 += uc * load<f32>(x2 + o);
      s3 += uc * load<f32>(x3 + o);
    }
    const io = <usize>i << 2;
    store<f32>(Z + io, s0);
    store<f32>(z1 + io, s1);
    store<f32>(z2 + io, s2);
    store<f32>(z3 + io, s3);
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

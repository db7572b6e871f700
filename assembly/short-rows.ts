// Exact solves of short rows through the push-through (Woodbury) identity, and the whitening
// of a fixed side that lets implicit rows use it.
//
// A row solves A x = b with A = c·I + Σ_j w_j v_j v_jᵀ, b = Σ_j t_j v_j over its n ratings.
// (Explicit: v_j = y_j, c = λ_u. Implicit after whitenRows: v_j = w̃_j = L⁻¹ y_j with
// YᵀY + λI = L Lᵀ, c = 1, and the row's x is L⁻ᵀ z of this system's solution z.)
// Split the ratings into V₊ (the n₊ rows with w_j > 0, D = diag(w_j)) and V₀ (w_j = 0: they
// only feed b; e.g. c = α·r with r = 1). With b₀ = V₀ᵀ t₀ and M = c·D⁻¹ + V₊V₊ᵀ (n₊ × n₊):
//   (c·I + V₊ᵀDV₊)⁻¹ V₊ᵀ D = V₊ᵀ (c·D⁻¹ + V₊V₊ᵀ)⁻¹         (push-through)
//   (c·I + V₊ᵀDV₊)⁻¹ = (I − V₊ᵀ M⁻¹ V₊) / c                  (Woodbury)
// so x = A⁻¹ (V₊ᵀ t₊ + b₀) = b₀/c + V₊ᵀ a,   M a = D⁻¹ t₊ − V₊ b₀ / c.
// (Every w_j > 0: x = V₊ᵀ a with (c·D⁻¹ + V₊V₊ᵀ) a = D⁻¹ t; no difference of large terms.)
// Cost n₊²·dim/2 (M) + n₊³/6 (its Cholesky) + O(n·dim), against n·dim²/2 + dim³/6 for the
// Gram and Cholesky of A: far less when n₊ ≪ dim. A weight < 0 (or not finite) leaves M
// possibly indefinite while A is not (or the reverse): such a row is not solved here, nor is
// one whose M fails its Cholesky; the caller solves it the standard way.
import { cholesky, choleskySolve, choleskyForward } from './cholesky';
import { gramTiles } from './gram';
import { madd, hsum } from './vec';

/** Rows w_j > 0 among w[0 … n), or -1 when some w_j is < 0 or not finite (not for this path). */
// @ts-ignore: decorator
@inline export function positiveCount(w: usize, n: i32): i32 {
  let count = 0;
  for (let j = 0; j < n; j++) {
    const v = load<f32>(w + (<usize>j << 2));
    if (v > 0 && v <= f32.MAX_VALUE) count++;
    else if (v != 0) return -1;
  }
  return count;
}

/**
 * The largest n₊ whose work fits in `floats` floats (2·m8 + m8², m8 = roundUp8(n₊)), at most dim.
 */
// @ts-ignore: decorator
@inline export function shortRowCap(dim: i32, floats: i32): i32 {
  let m8 = 8;
  while (m8 + 8 <= dim + 7 && (m8 + 8) * (m8 + 10) <= floats) m8 += 8;
  return m8 * (m8 + 2) <= floats ? min(m8, dim) : 0;
}

/**
 * Solves (c·I + Σ_j w_j v_j v_jᵀ) x = Σ_j t_j v_j + e with v_j = row cols[j] of V (rows of `stride`
 * floats, zero past dim), c > 0, by the identity above; x gets roundUp4(dim) floats. e is
 * read from `extra` (roundUp4(dim) floats, zero past dim; it may be x itself), or is 0 when
 * `extra` is 0: it joins b₀ (the sampler's perturbed prior term, assembly/sample.ts). With
 * m8 = roundUp8(n₊): T holds dim·m8 floats (V₊ transposed), work 2·m8 + m8² (row addresses,
 * the right-hand side, then M with rows of m8).
 * Returns -1, or ≥ 0 when the row is not for this path (a weight < 0 or not finite, or M not
 * positive definite in f32): x is then garbage and the caller solves the row the standard way.
 * On -1 the right-hand side block (work + 4·m8 bytes) holds a, one float per positive row in
 * rating order. With c = 1 and every w_j = 1, V₊x = t₊ − a: a_j = t_j − v_j·x is row j's
 * residual, free (the sampler's RSS, sample.ts).
 * Per row the arithmetic depends only on its inputs: no thread-count dependence.
 */
export function shortRowSolve(
  V: usize, stride: i32, dim: i32, cols: usize, w: usize, t: usize, n: i32, c: f32, x: usize, T: usize, work: usize,
  extra: usize,
): i32 {
  const rb = <usize>stride << 2;
  const bytes4 = <usize>((dim + 3) & ~3) << 2; // lanes read and written; V's padding is 0
  const z = f32x4.splat(0);
  if (extra == 0) for (let o: usize = 0; o < bytes4; o += 16) v128.store(x + o, z);
  else if (extra != x) for (let o: usize = 0; o < bytes4; o += 16) v128.store(x + o, v128.load(extra + o));
  // b₀ into x; the positive rows' addresses into work (compact order = rating order)
  const rows = work;
  let np = 0;
  let anyZero = extra != 0;
  for (let j = 0; j < n; j++) {
    const k = <usize>j << 2;
    const wj = load<f32>(w + k);
    const v = V + <usize>load<i32>(cols + k) * rb;
    if (wj > 0 && wj <= f32.MAX_VALUE) {
      store<u32>(rows + (<usize>np << 2), <u32>v);
      np++;
    } else if (wj == 0) {
      const tj = load<f32>(t + k);
      if (tj == 0) continue;
      anyZero = true;
      const vt = f32x4.splat(tj);
      for (let o: usize = 0; o < bytes4; o += 16) v128.store(x + o, madd(vt, v128.load(v + o), v128.load(x + o)));
    } else {
      return n;
    }
  }
  const vc = f32x4.splat(c);
  for (let o: usize = 0; o < bytes4; o += 16) v128.store(x + o, f32x4.div(v128.load(x + o), vc)); // b₀/c
  if (np == 0) return -1;
  const m8 = (np + 7) & ~7;
  const mb = <usize>m8 << 2;
  const r = rows + mb;
  const M = r + mb;
  // V₊ transposed into T (dim rows of m8, zero past n₊), so M = V₊V₊ᵀ = Σ_e T[e] T[e]ᵀ is a
  // Gram of dim rows: the Gram kernel's 4×8 register tiles over its upper triangle.
  for (let e = 0; e < dim; e++) {
    const te = T + <usize>e * mb;
    for (let q = np; q < m8; q++) store<f32>(te + (<usize>q << 2), 0);
  }
  for (let i = 0; i < np; i++) {
    const v = <usize>load<u32>(rows + (<usize>i << 2));
    let te = T + (<usize>i << 2);
    for (let e = 0; e < dim; e++) {
      store<f32>(te, load<f32>(v + (<usize>e << 2)));
      te += mb;
    }
  }
  gramTiles(T, T, dim, mb, np, 0, M);
  // The diagonal's c/w_j and the right-hand side t_j/w_j − v_j·b₀/c (x holds b₀/c).
  let q = 0;
  for (let j = 0; j < n; j++) {
    const k = <usize>j << 2;
    const wj = load<f32>(w + k);
    if (!(wj > 0)) continue;
    const d = M + <usize>q * mb + (<usize>q << 2);
    store<f32>(d, load<f32>(d) + c / wj);
    let rhs = load<f32>(t + k) / wj;
    if (anyZero) {
      const v = <usize>load<u32>(rows + (<usize>q << 2));
      let acc = z;
      for (let o: usize = 0; o < bytes4; o += 16) acc = madd(v128.load(v + o), v128.load(x + o), acc);
      rhs -= hsum(acc);
    }
    store<f32>(r + (<usize>q << 2), rhs);
    q++;
  }
  const status = cholesky(M, m8, np, 0);
  if (status >= 0) return status;
  choleskySolve(M, m8, np, r, r);
  // x = b₀/c + V₊ᵀ a
  for (let i = 0; i < np; i++) {
    const v = <usize>load<u32>(rows + (<usize>i << 2));
    const va = v128.load32_splat(r + (<usize>i << 2));
    for (let o: usize = 0; o < bytes4; o += 16) v128.store(x + o, madd(va, v128.load(v + o), v128.load(x + o)));
  }
  return -1;
}

/**
 * x = L⁻ᵀ z = Σ_j z_j C[j] with C = L⁻¹ (rows of `stride`, row j zero past column j and past
 * dim): a row solved against whitened rows mapped back. The same k²/2 multiply-adds as back
 * substitution U x = z, without its chain of dependent steps and divisions: 32 lanes of x stay
 * in registers while the rows of C stream past. x must not alias z.
 */
// @ts-ignore: decorator
@inline export function unwhiten(C: usize, stride: i32, dim: i32, z: usize, x: usize): void {
  const rb = <usize>stride << 2;
  const dim8 = (dim + 7) & ~7; // ≤ stride: C's rows are zero from dim on
  let c0 = 0;
  for (; c0 + 32 <= dim8; c0 += 32) {
    const off = <usize>c0 << 2;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    let row = C + <usize>c0 * rb + off; // rows j < c0 are zero in these lanes
    for (let j = c0; j < dim; j++) {
      const s = v128.load32_splat(z + (<usize>j << 2));
      a0 = madd(s, v128.load(row), a0);
      a1 = madd(s, v128.load(row, 16), a1);
      a2 = madd(s, v128.load(row, 32), a2);
      a3 = madd(s, v128.load(row, 48), a3);
      a4 = madd(s, v128.load(row, 64), a4);
      a5 = madd(s, v128.load(row, 80), a5);
      a6 = madd(s, v128.load(row, 96), a6);
      a7 = madd(s, v128.load(row, 112), a7);
      row += rb;
    }
    const d = x + off;
    v128.store(d, a0);
    v128.store(d, a1, 16);
    v128.store(d, a2, 32);
    v128.store(d, a3, 48);
    v128.store(d, a4, 64);
    v128.store(d, a5, 80);
    v128.store(d, a6, 96);
    v128.store(d, a7, 112);
  }
  for (; c0 < dim8; c0 += 8) {
    const off = <usize>c0 << 2;
    let a0 = f32x4.splat(0), a1 = a0;
    let row = C + <usize>c0 * rb + off;
    for (let j = c0; j < dim; j++) {
      const s = v128.load32_splat(z + (<usize>j << 2));
      a0 = madd(s, v128.load(row), a0);
      a1 = madd(s, v128.load(row, 16), a1);
      row += rb;
    }
    v128.store(x + off, a0);
    v128.store(x + off, a1, 16);
  }
}

/**
 * Whitens rows [start, end) of Y in place: y ← L⁻¹ y = U⁻ᵀ y with U from `cholesky` of
 * YᵀY + λI (L = Uᵀ). Only [0, dim) of each row is written (the padding stays 0). Rows are
 * independent: the same bits for any split into tasks.
 */
export function whitenRows(U: usize, stride: i32, dim: i32, Y: usize, start: i32, end: i32): void {
  const rb = <usize>stride << 2;
  for (let row = start; row < end; row++) choleskyForward(U, stride, dim, Y + <usize>row * rb);
}

/**
 * Un-whitens rows [start, end) of Y in place: x ← L x̃ = Uᵀ x̃ = Σ_j x̃_j U[j] (U from
 * `cholesky`, upper triangle; what it holds below the diagonal and past dim is never read),
 * the inverse of whitenRows up to rounding: a solved side that was whitened for the other
 * side's half-step, back to factors for the loss (train/state.ts). x_i reads x̃_j for j ≤ i
 * only, so blocks of 8 lanes from the last down work in place. Only [0, dim) is written.
 */
export function unwhitenRows(U: usize, stride: i32, dim: i32, Y: usize, start: i32, end: i32): void {
  const rb = <usize>stride << 2;
  const lanes0 = i32x4(0, 1, 2, 3);
  const lanes1 = i32x4(4, 5, 6, 7);
  for (let row = start; row < end; row++) {
    const y = Y + <usize>row * rb;
    for (let c0 = (dim - 1) & ~7; c0 >= 0; c0 -= 8) {
      const off = <usize>c0 << 2;
      let a0 = f32x4.splat(0), a1 = a0;
      let u = U + off;
      for (let j = 0; j < c0; j++) { // rows above the block: lanes c0 … c0 + 7 all upper
        const s = v128.load32_splat(y + (<usize>j << 2));
        a0 = madd(s, v128.load(u), a0);
        a1 = madd(s, v128.load(u, 16), a1);
        u += rb;
      }
      const top = min(c0 + 8, dim);
      for (let j = c0; j < top; j++) { // the diagonal block: lanes i ≥ j only
        const s = v128.load32_splat(y + (<usize>j << 2));
        const from = i32x4.splat(j - c0);
        a0 = madd(s, v128.and(v128.load(u), i32x4.ge_s(lanes0, from)), a0);
        a1 = madd(s, v128.and(v128.load(u, 16), i32x4.ge_s(lanes1, from)), a1);
        u += rb;
      }
      const past = i32x4.splat(dim - c0); // the padding stays 0
      v128.store(y + off, v128.and(a0, i32x4.lt_s(lanes0, past)));
      v128.store(y + off, v128.and(a1, i32x4.lt_s(lanes1, past)), 16);
    }
  }
}

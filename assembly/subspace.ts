// iALS++ (Rendle, Krichene, Zhang, Koren 2021): one row's system H x = r,
//   H = A0 + Σ_j w_j y_j y_jᵀ + λI,   r = Σ_j t_j y_j,
// solved by one sweep of block coordinate descent over blocks B = [s, s + bd) of blockSize
// unknowns, warm-started from x. With the other unknowns fixed, block B's optimum x_B + Δ has
//   H_BB Δ = r_B − (H x)_B
//          = Σ_j t_j y_jB − Σ_j w_j ŷ_j y_jB − (A0 x)_B − λ x_B,   ŷ_j = x·y_j,
// i.e. (A0_BB + Σ_j w_j y_jB y_jBᵀ + λI) x_B_new = Σ_j t_j y_jB − Σ_j w_j (ŷ_j − x_B·y_jB) y_jB
//   − (A0 x)_B + A0_BB x_B (the same equation in terms of x_B_new).
// ŷ is kept up to date as e_j = t_j − w_j ŷ_j (stored over t): after Δ, e_j −= w_j (Δ·y_jB).
// (A0 x)_B is recomputed from the current x for each block (k·b reads of A0's upper triangle).
// Per row and sweep: n·k·b (block Grams) + k² (A0 x) + k·b² (block Choleskys), against
// n·k² + k³/3 for the full Cholesky solve.
//
// work:   M (bs² floats, the block system, row stride bs), rhs (bs), Δ (bs); bs = roundUp8(b).
// gather: 2·GATHER_ROWS·bs floats (w_j-scaled and plain copies of 32 rows' block segments).
import { GATHER_ROWS as GATHER } from './abi';
import { cholesky, choleskySolve } from './cholesky';
import { gramTiles } from './gram';
import { madd, dot, axpy, copyf } from './vec';


/**
 * One sweep of block coordinate descent on (A0 + Σ_j w_j y_j y_jᵀ + λI) x = Σ_j t_j y_j over
 * blocks of `blockSize` unknowns (the last one may be partial), x updated in place. A0 = 0
 * means none; y_j is row cols[j] of Y. t is scratch: it holds e_j = t_j − w_j x·y_j during the sweep. Returns -1, or
 * the first unknown of a block whose system was not positive definite (x is then partly
 * updated).
 */
export function subspaceSolve(
  A0: usize, Y: usize, stride: i32, dim: i32, cols: usize, w: usize, t: usize, n: i32,
  lambda: f32, x: usize, blockSize: i32, work: usize, gather: usize,
): i32 {
  const rb = <usize>stride << 2;
  const b = min(max(blockSize, 1), dim);
  const bs = (b + 7) & ~7;
  const mb = <usize>bs << 2;
  const M = work;
  const rhs = M + <usize>bs * mb;
  const delta = rhs + mb;
  const S = gather;
  const P = gather + <usize>GATHER * mb;
  const z = f32x4.splat(0);
  // e_j = t_j − w_j ŷ_j, over t.
  for (let j = 0; j < n; j++) {
    const k = <usize>j << 2;
    const y = Y + <usize>load<i32>(cols + k) * rb;
    store<f32>(t + k, load<f32>(t + k) - load<f32>(w + k) * dot(x, y, dim));
  }
  let prevS = 0;
  let prevBd = 0;
  for (let s = 0; s < dim; s += b) {
    const bd = min(b, dim - s);
    const so = <usize>s << 2;
    // M = A0_BB (upper triangle, exact rows; the rest of each bs-wide row is zeroed so no
    // stale NaN reaches a lane the tiles sum), rhs = −(A0 x)_B − λ x_B.
    for (let i = 0; i < bs; i++) {
      const row = M + <usize>i * mb;
      for (let c = 0; c < bs; c += 4) v128.store(row + (<usize>c << 2), z);
    }
    for (let c = 0; c < bs; c += 4) v128.store(rhs + (<usize>c << 2), z);
    if (A0) {
      for (let i = 0; i < bd; i++) {
        const src = A0 + <usize>(s + i) * rb + so + (<usize>i << 2);
        copyf(src, M + <usize>i * mb + (<usize>i << 2), bd - i);
      }
      // (A0 x)_B from the upper triangle: rows j < s contribute A0[j][B]·x_j (contiguous
      // segments), rows i ∈ B their own tail A0[i][i..dim)·x, and within B the entries below
      // the diagonal come from the rows above them.
      for (let j = 0; j < s; j++) {
        axpy(load<f32>(x + (<usize>j << 2)), A0 + <usize>j * rb + so, rhs, bd);
      }
      for (let i = 0; i < bd; i++) {
        const g = s + i;
        const go = <usize>g << 2;
        const io = <usize>i << 2;
        store<f32>(rhs + io, load<f32>(rhs + io) + dot(A0 + <usize>g * rb + go, x + go, dim - g));
        if (i + 1 < bd) axpy(load<f32>(x + go), A0 + <usize>g * rb + go + 4, rhs + io + 4, bd - i - 1);
      }
    }
    for (let i = 0; i < bd; i++) {
      const io = <usize>i << 2;
      store<f32>(rhs + io, -load<f32>(rhs + io) - lambda * load<f32>(x + so + io));
    }
    // One pass over the row's ratings: finish the previous block's e update, gather this
    // block's segments, rhs += Σ_j e_j y_jB; then the tiles over each gathered group.
    const po = <usize>prevS << 2;
    for (let j0 = 0; j0 < n; j0 += GATHER) {
      const m = min(GATHER, n - j0);
      for (let jj = 0; jj < m; jj++) {
        const k = <usize>(j0 + jj) << 2;
        const y = Y + <usize>load<i32>(cols + k) * rb;
        const wj = load<f32>(w + k);
        let e = load<f32>(t + k);
        if (prevBd > 0) {
          e -= wj * dot(delta, y + po, prevBd);
          store<f32>(t + k, e);
        }
        const ys = y + so;
        const sRow = S + <usize>jj * mb;
        const pRow = P + <usize>jj * mb;
        const vw = f32x4.splat(wj);
        const ve = f32x4.splat(e);
        let c = 0;
        for (; c + 4 <= bd; c += 4) {
          const o = <usize>c << 2;
          const v = v128.load(ys + o);
          v128.store(pRow + o, v);
          v128.store(sRow + o, f32x4.mul(vw, v));
          v128.store(rhs + o, madd(ve, v, v128.load(rhs + o)));
        }
        for (; c < bd; c++) {
          const o = <usize>c << 2;
          const v = load<f32>(ys + o);
          store<f32>(pRow + o, v);
          store<f32>(sRow + o, wj * v);
          store<f32>(rhs + o, load<f32>(rhs + o) + e * v);
        }
        for (; c < bs; c++) {
          const o = <usize>c << 2;
          store<f32>(pRow + o, 0);
          store<f32>(sRow + o, 0);
        }
      }
      gramTiles(S, P, m, mb, bd, M, M);
    }
    const status = cholesky(M, bs, bd, lambda);
    if (status >= 0) return s + status;
    choleskySolve(M, bs, bd, rhs, delta);
    // x_B += Δ
    let c = 0;
    for (; c + 4 <= bd; c += 4) {
      const o = so + (<usize>c << 2);
      v128.store(x + o, f32x4.add(v128.load(x + o), v128.load(delta + (<usize>c << 2))));
    }
    for (; c < bd; c++) {
      const o = <usize>c << 2;
      store<f32>(x + so + o, load<f32>(x + so + o) + load<f32>(delta + o));
    }
    prevS = s;
    prevBd = bd;
  }
  return -1;
}

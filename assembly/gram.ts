// Gram matrices, register-tiled: every output tile is 4 rows × 8 columns held in eight f32x4
// accumulators while the rows of a block stream past (never rank-1 updates of A in memory).
// Only tiles touching the upper triangle (column block end ≥ row block start) are computed;
// the parts of those tiles below the diagonal or past dim land in scratch entries of A.
import { GATHER_ROWS as GATHER } from './abi';
import { madd } from './vec';

/** Rows of Y per block in gramBlock (they are read in place, so any size works). */
// @ts-ignore: decorator
@inline const BLOCK_ROWS: i32 = 64;

/**
 * For every 4×8 tile of A touching the upper triangle of the leading dim × dim block:
 *   A[i][c] = (src ? src[i][c] : 0) + Σ_{j<m} S[j][i] · P[j][c]
 * S and P are m rows of `rowBytes` bytes (the scaled and the plain copy); src may equal A.
 * Also the block Grams of assembly/subspace.ts (src = A: accumulate in place).
 */
@inline export function gramTiles(S: usize, P: usize, m: i32, rowBytes: usize, dim: i32, src: usize, A: usize): void {
  const rb = rowBytes;
  for (let i0 = 0; i0 < dim; i0 += 4) {
    const rowOff = <usize>i0 * rb;
    const sBase = S + (<usize>i0 << 2);
    for (let c0 = i0 & ~7; c0 < dim; c0 += 8) {
      const off = rowOff + (<usize>c0 << 2);
      let a00: v128, a01: v128, a10: v128, a11: v128, a20: v128, a21: v128, a30: v128, a31: v128;
      if (src) {
        const q = src + off;
        a00 = v128.load(q);
        a01 = v128.load(q, 16);
        a10 = v128.load(q + rb);
        a11 = v128.load(q + rb, 16);
        a20 = v128.load(q + 2 * rb);
        a21 = v128.load(q + 2 * rb, 16);
        a30 = v128.load(q + 3 * rb);
        a31 = v128.load(q + 3 * rb, 16);
      } else {
        a00 = f32x4.splat(0);
        a01 = a00; a10 = a00; a11 = a00; a20 = a00; a21 = a00; a30 = a00; a31 = a00;
      }
      let s = sBase;
      let p = P + (<usize>c0 << 2);
      for (let j = 0; j < m; j++) {
        const p0 = v128.load(p);
        const p1 = v128.load(p, 16);
        const s0 = v128.load32_splat(s);
        a00 = madd(s0, p0, a00);
        a01 = madd(s0, p1, a01);
        const s1 = v128.load32_splat(s, 4);
        a10 = madd(s1, p0, a10);
        a11 = madd(s1, p1, a11);
        const s2 = v128.load32_splat(s, 8);
        a20 = madd(s2, p0, a20);
        a21 = madd(s2, p1, a21);
        const s3 = v128.load32_splat(s, 12);
        a30 = madd(s3, p0, a30);
        a31 = madd(s3, p1, a31);
        s += rb;
        p += rb;
      }
      const d = A + off;
      v128.store(d, a00);
      v128.store(d, a01, 16);
      v128.store(d + rb, a10);
      v128.store(d + rb, a11, 16);
      v128.store(d + 2 * rb, a20);
      v128.store(d + 2 * rb, a21, 16);
      v128.store(d + 3 * rb, a30);
      v128.store(d + 3 * rb, a31, 16);
    }
  }
}

/**
 * YᵀY over rows [rowStart, rowEnd): A (+)= Σ y_r y_rᵀ over the upper triangle of dim × dim,
 * then the lower triangle is set to its mirror (CG streams whole rows of YᵀY).
 */
export function gramBlock(Y: usize, stride: i32, dim: i32, rowStart: i32, rowEnd: i32, A: usize, accumulate: i32): void {
  const rb = <usize>stride << 2;
  let src: usize = accumulate ? A : 0;
  if (rowEnd <= rowStart) {
    gramTiles(0, 0, 0, rb, dim, src, A);
  }
  for (let r = rowStart; r < rowEnd; r += BLOCK_ROWS) {
    const m = min(BLOCK_ROWS, rowEnd - r);
    const y = Y + <usize>r * rb;
    gramTiles(y, y, m, rb, dim, src, A);
    src = A;
  }
  for (let i = 1; i < dim; i++) {
    const row = A + <usize>i * rb;
    for (let j = 0; j < i; j++) store<f32>(row + (<usize>j << 2), load<f32>(A + <usize>j * rb + (<usize>i << 2)));
  }
}

/** Loads one byte of each 64-byte line of the first `bytes` of rows cols[0..m) of Y (and the last byte). */
@inline function touchRows(Y: usize, rb: usize, cols: usize, m: i32, bytes: usize): void {
  for (let jj = 0; jj < m; jj++) {
    const y = Y + <usize>load<i32>(cols + (<usize>jj << 2)) * rb;
    for (let o: usize = 0; o < bytes; o += 64) load<u8>(y + o);
    load<u8>(y + bytes - 1);
  }
}

/**
 * One row's normal equations: A = A0 + Σ_j w_j y_{c_j} y_{c_j}ᵀ (A0 = 0: zero start), b = Σ_j t_j y_{c_j}.
 * Up to GATHER rows are gathered into scratch (scaled by w_j, and plain), b accumulating on the
 * way, then the tiles sweep the contiguous block.
 */
export function gramRow(
  Y: usize, stride: i32, dim: i32, cols: usize, w: usize, t: usize, n: i32,
  A0: usize, A: usize, b: usize, scratch: usize,
): void {
  const rb = <usize>stride << 2;
  const dim8 = (dim + 7) & ~7; // ≤ stride; the tiles read up to here
  const S = scratch;
  const P = scratch + <usize>GATHER * rb;
  // b = 0 over [0, roundUp8(dim)) (≤ stride), the lanes the gather accumulates; entries past
  // dim come out 0 because Y's padding is.
  const z = f32x4.splat(0);
  for (let c = 0; c < dim8; c += 4) v128.store(b + (<usize>c << 2), z);
  if (n <= 0) {
    gramTiles(S, P, 0, rb, dim, A0, A);
    return;
  }
  let src = A0;
  for (let j0 = 0; j0 < n; j0 += GATHER) {
    const m = min(GATHER, n - j0);
    // First one load from every cache line of the block's rows and nothing else: the rows are
    // scattered over the other side's factors, often far larger than the cache, and a loop of
    // bare loads keeps all their misses in flight at once (a copy loop's stores fill the store
    // queue after a few rows and stall it). WebAssembly has no prefetch; these loads act as one.
    touchRows(Y, rb, cols + (<usize>j0 << 2), m, <usize>dim8 << 2);
    // Then copy them (now from cache), and scale the copies and accumulate b.
    for (let jj = 0; jj < m; jj++) {
      const y = Y + <usize>load<i32>(cols + (<usize>(j0 + jj) << 2)) * rb;
      const pRow = P + <usize>jj * rb;
      for (let c = 0; c < dim8; c += 8) {
        const o = <usize>c << 2;
        v128.store(pRow + o, v128.load(y + o));
        v128.store(pRow + o, v128.load(y + o, 16), 16);
      }
    }
    for (let jj = 0; jj < m; jj++) {
      const k = <usize>(j0 + jj) << 2;
      const vw = v128.load32_splat(w + k);
      const vt = v128.load32_splat(t + k);
      const sRow = S + <usize>jj * rb;
      const pRow = P + <usize>jj * rb;
      for (let c = 0; c < dim8; c += 8) {
        const o = <usize>c << 2;
        const v0 = v128.load(pRow + o);
        const v1 = v128.load(pRow + o, 16);
        v128.store(sRow + o, f32x4.mul(vw, v0));
        v128.store(sRow + o, f32x4.mul(vw, v1), 16);
        v128.store(b + o, madd(vt, v0, v128.load(b + o)));
        v128.store(b + o, madd(vt, v1, v128.load(b + o, 16)), 16);
      }
    }
    gramTiles(S, P, m, rb, dim, src, A);
    src = A;
  }
}

// Scoring many query vectors against the same rows: each row is read once per block of
// queries instead of once per query (register-tiled like the Gram: four queries by two rows).
import { offerLane, rowTails, sums4, threshold, topKRange } from './score';
import { SCREEN_HEADER, isums4, prepareQuery, rescore, screenFits, screenRange, screenRowsAt, upper } from './score-screen';
import { dot, madd } from './vec';

/** Rows per block: every query of a call scores one block before the next is read (≈ L2). */
// @ts-ignore: decorator
@inline const BLOCK_ROWS: i32 = 512;

/**
 * For each query q < numQueries (x_q at X + q·stride floats), the top-n of
 * s_i = x_q·y_i + bias[i] over the rows i in [start, end), skipping the rows
 * exclIndices[exclIndptr[q] … exclIndptr[q + 1]) (ascending; exclIndptr = 0: none). Query q's
 * heap is outIdx / outScore + q·n entries, as scoreTopK keeps it (the worst kept at the root,
 * ties keep the lower index, NaN never enters); outKept[q] is how many it holds (≤ n). Each
 * score is summed exactly as scoreTopK's `dot` sums it, so the lists are scoreTopK's, query
 * by query. Four queries go through two rows at a time, while the rows are walked in blocks
 * that stay in cache for all the queries of the call.
 */
export function scoreTopKBatch(
  Y: usize, stride: i32, dim: i32, start: i32, end: i32, bias: usize, X: usize, numQueries: i32,
  exclIndptr: usize, exclIndices: usize, n: i32, outIdx: usize, outScore: usize, outKept: usize,
): void {
  for (let q = 0; q < numQueries; q++) store<i32>(outKept + (<usize>q << 2), 0);
  const rb = <usize>stride << 2;
  const heapBytes = <usize>n << 2;
  for (let r0 = start; r0 < end; r0 += BLOCK_ROWS) {
    const r1 = min(end, r0 + BLOCK_ROWS);
    let q = 0;
    for (; q + 4 <= numQueries; q += 4) quadBlock(Y, stride, dim, r0, r1, bias, X, q, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
    for (; q < numQueries; q++) {
      // A query alone (a single one, or those past the last group of four): scoreTopK's loop.
      const qo = <usize>q << 2;
      const lo = exclIndptr ? load<i32>(exclIndptr + qo) : 0;
      const hi = exclIndptr ? load<i32>(exclIndptr + qo, 4) : 0;
      const h = <usize>q * heapBytes;
      store<i32>(outKept + qo, topKRange(
        Y, stride, dim, r0, r1, X + <usize>q * rb, bias, exclIndices + (<usize>lo << 2), hi - lo, n,
        outIdx + h, outScore + h, load<i32>(outKept + qo),
      ));
    }
  }
}

/**
 * scoreTopKBatch screened: the same heaps and kept counts, bit for bit. Every query is
 * quantised first into `scratch` (src/kernels/types.ts screenScratchBytes(numQueries, dim):
 * the scales σ_q, then the bounds E, each padded to a multiple of four queries, then the int16
 * query rows); then the rows are walked in the same blocks, four queries by two rows of the
 * int16 copy in `screen` (built by score.ts screenRows for these rows), and a row is scored
 * exactly for a query only when its bound can enter that query's heap
 * (assembly/score-screen.ts). A screen that does not fit (another dim, too few rows) falls
 * back to scoreTopKBatch; a query that cannot be screened has E = +∞, so all its rows are
 * rescored.
 */
export function screenTopKBatch(
  screen: usize, Y: usize, stride: i32, dim: i32, start: i32, end: i32, bias: usize, X: usize, numQueries: i32,
  exclIndptr: usize, exclIndices: usize, n: i32, outIdx: usize, outScore: usize, outKept: usize, scratch: usize,
): void {
  if (!screenFits(screen, dim, start, end)) {
    scoreTopKBatch(Y, stride, dim, start, end, bias, X, numQueries, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
    return;
  }
  const rb = <usize>stride << 2;
  const padded = <usize>((numQueries + 3) & ~3) << 2;
  const sqAt = scratch;
  const eAt = scratch + padded;
  const xqAt = eAt + padded;
  const qBytes = <usize>load<i32>(screen, 8) << 1;
  for (let q = 0; q < numQueries; q++) {
    store<i32>(outKept + (<usize>q << 2), 0);
    const qo = <usize>q << 2;
    prepareQuery(screen, X + <usize>q * rb, dim, xqAt + <usize>q * qBytes, sqAt + qo, eAt + qo);
  }
  const heapBytes = <usize>n << 2;
  for (let r0 = start; r0 < end; r0 += BLOCK_ROWS) {
    const r1 = min(end, r0 + BLOCK_ROWS);
    let q = 0;
    for (; q + 4 <= numQueries; q += 4) {
      quadScreen(screen, Y, stride, dim, r0, r1, bias, X, q, exclIndptr, exclIndices, n, outIdx, outScore, outKept, scratch, padded);
    }
    for (; q < numQueries; q++) {
      const qo = <usize>q << 2;
      const lo = exclIndptr ? load<i32>(exclIndptr + qo) : 0;
      const hi = exclIndptr ? load<i32>(exclIndptr + qo, 4) : 0;
      const h = <usize>q * heapBytes;
      store<i32>(outKept + qo, screenRange(
        screen, Y, stride, dim, r0, r1, X + <usize>q * rb, xqAt + <usize>q * qBytes, load<f32>(sqAt + qo), load<f32>(eAt + qo),
        bias, exclIndices + (<usize>lo << 2), hi - lo, n, outIdx + h, outScore + h, load<i32>(outKept + qo),
      ));
    }
  }
}

/**
 * Queries q … q + 3 over the rows [r0, r1) screened, their heaps resumed from outKept: two
 * int16 rows at a time against the four int16 queries (eight integer accumulators), then
 * eight bounds in two vectors and one compare against the four thresholds; a (query, row)
 * whose bound passes is scored exactly (`dot`) and offered.
 */
function quadScreen(
  screen: usize, Y: usize, stride: i32, dim: i32, r0: i32, r1: i32, bias: usize, X: usize, q: i32,
  exclIndptr: usize, exclIndices: usize, n: i32, outIdx: usize, outScore: usize, outKept: usize,
  scratch: usize, padded: usize,
): void {
  const rowBytes = <usize>load<i32>(screen, 8) << 1;
  const scales = screen + SCREEN_HEADER;
  const rowsAt = screenRowsAt(screen, load<i32>(screen));
  const qo = <usize>q << 2;
  const vsq = v128.load(scratch + qo);
  const vE = v128.load(scratch + padded + qo);
  const x0 = scratch + 2 * padded + <usize>q * rowBytes;
  const x1 = x0 + rowBytes;
  const x2 = x1 + rowBytes;
  const x3 = x2 + rowBytes;
  const hasBias = bias != 0;
  let thr = thresholds(outScore, outKept, q, n);
  let i = r0;
  for (; i + 2 <= r1; i += 2) {
    const y = rowsAt + <usize>i * rowBytes;
    const z = y + rowBytes;
    let a0 = i32x4.splat(0);
    let a1 = a0; let a2 = a0; let a3 = a0; let a4 = a0; let a5 = a0; let a6 = a0; let a7 = a0;
    for (let o: usize = 0; o < rowBytes; o += 16) {
      const yc = v128.load(y + o);
      const zc = v128.load(z + o);
      const u = v128.load(x0 + o);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(u, yc));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(u, zc));
      const v = v128.load(x1 + o);
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(v, yc));
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(v, zc));
      const w = v128.load(x2 + o);
      a4 = i32x4.add(a4, i32x4.dot_i16x8_s(w, yc));
      a5 = i32x4.add(a5, i32x4.dot_i16x8_s(w, zc));
      const t = v128.load(x3 + o);
      a6 = i32x4.add(a6, i32x4.dot_i16x8_s(t, yc));
      a7 = i32x4.add(a7, i32x4.dot_i16x8_s(t, zc));
    }
    // Lane j: query q + j's bound for row i (uy) and row i + 1 (uz).
    const by = hasBias ? v128.load32_splat(bias + (<usize>i << 2)) : f32x4.splat(0);
    const bz = hasBias ? v128.load32_splat(bias + (<usize>i << 2), 4) : f32x4.splat(0);
    const uy = upper(isums4(a0, a2, a4, a6), v128.load32_splat(scales + (<usize>i << 2)), vsq, vE, by, hasBias);
    const uz = upper(isums4(a1, a3, a5, a7), v128.load32_splat(scales + (<usize>i << 2), 4), vsq, vE, bz, hasBias);
    if (!v128.any_true(v128.or(v128.not(f32x4.le(uy, thr)), v128.not(f32x4.le(uz, thr))))) continue;
    rescoreQuad(uy, Y, stride, dim, i, X, q, bias, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
    rescoreQuad(uz, Y, stride, dim, i + 1, X, q, bias, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
    thr = thresholds(outScore, outKept, q, n);
  }
  // An odd last row: exactly, for each query.
  if (i < r1) rescoreQuad(f32x4.splat(NaN), Y, stride, dim, i, X, q, bias, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
}

/** Row i for queries q … q + 3 (lane j: query q + j's bound u), each rescored if its bound passes. */
function rescoreQuad(
  u: v128, Y: usize, stride: i32, dim: i32, i: i32, X: usize, q: i32, bias: usize,
  exclIndptr: usize, exclIndices: usize, n: i32, outIdx: usize, outScore: usize, outKept: usize,
): void {
  rescoreOne(f32x4.extract_lane(u, 0), Y, stride, dim, i, X, q, bias, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
  rescoreOne(f32x4.extract_lane(u, 1), Y, stride, dim, i, X, q + 1, bias, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
  rescoreOne(f32x4.extract_lane(u, 2), Y, stride, dim, i, X, q + 2, bias, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
  rescoreOne(f32x4.extract_lane(u, 3), Y, stride, dim, i, X, q + 3, bias, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
}

/** Row i with bound u for query q: score.ts-exact rescoring into q's heap (see score-screen.ts rescore). */
@inline function rescoreOne(
  u: f32, Y: usize, stride: i32, dim: i32, i: i32, X: usize, q: i32, bias: usize,
  exclIndptr: usize, exclIndices: usize, n: i32, outIdx: usize, outScore: usize, outKept: usize,
): void {
  const qo = <usize>q << 2;
  const lo = exclIndptr ? load<i32>(exclIndptr + qo) : 0;
  const hi = exclIndptr ? load<i32>(exclIndptr + qo, 4) : 0;
  const h = <usize>q * (<usize>n << 2);
  const rb = <usize>stride << 2;
  store<i32>(outKept + qo, rescore(
    Y, rb, dim, X + <usize>q * rb, bias, i, u, exclIndices + (<usize>lo << 2), hi - lo, n, outIdx + h, outScore + h,
    load<i32>(outKept + qo),
  ));
}

/**
 * Queries q … q + 3 over the rows [r0, r1), their heaps resumed from outKept. Two rows at a
 * time: for each chunk of four columns, two row loads and four query loads feed eight
 * multiply-adds (the query rows come from L1). To keep every sum bit-identical to `dot`'s,
 * whose two accumulators take the chunks at c ≡ 0 and c ≡ 4 (mod 8), the chunks go in two
 * passes of eight accumulators each (first c ≡ 0, which includes dot's lone last chunk of
 * four, then c ≡ 4): sixteen live accumulators would not fit the sixteen SIMD registers.
 */
function quadBlock(
  Y: usize, stride: i32, dim: i32, r0: i32, r1: i32, bias: usize, X: usize, q: i32,
  exclIndptr: usize, exclIndices: usize, n: i32, outIdx: usize, outScore: usize, outKept: usize,
): void {
  const rb = <usize>stride << 2;
  const x0 = X + <usize>q * rb;
  const x1 = x0 + rb;
  const x2 = x1 + rb;
  const x3 = x2 + rb;
  const full = dim & ~7; // columns of dot's eight-wide loop
  // dot then takes a lone chunk of four at `full` into its first accumulator: the c ≡ 0 pass
  // below runs to `tail`, so that chunk is its last step. Then scalar columns [tail, dim).
  const tail = dim & ~3;
  // Lane j: the score query q + j's row must beat to enter its heap (see `threshold`).
  let thr = thresholds(outScore, outKept, q, n);
  let i = r0;
  for (; i + 2 <= r1; i += 2) {
    const y = Y + <usize>i * rb;
    const z = y + rb;
    // a(2j) / a(2j + 1): query j against rows i / i + 1.
    let a0 = f32x4.splat(0);
    let a1 = a0; let a2 = a0; let a3 = a0; let a4 = a0; let a5 = a0; let a6 = a0; let a7 = a0;
    for (let c = 0; c < tail; c += 8) {
      const o = <usize>c << 2;
      const yc = v128.load(y + o);
      const zc = v128.load(z + o);
      const u = v128.load(x0 + o);
      a0 = madd(u, yc, a0);
      a1 = madd(u, zc, a1);
      const v = v128.load(x1 + o);
      a2 = madd(v, yc, a2);
      a3 = madd(v, zc, a3);
      const w = v128.load(x2 + o);
      a4 = madd(w, yc, a4);
      a5 = madd(w, zc, a5);
      const t = v128.load(x3 + o);
      a6 = madd(t, yc, a6);
      a7 = madd(t, zc, a7);
    }
    let b0 = f32x4.splat(0);
    let b1 = b0; let b2 = b0; let b3 = b0; let b4 = b0; let b5 = b0; let b6 = b0; let b7 = b0;
    for (let c = 0; c < full; c += 8) {
      const o = (<usize>c << 2) + 16;
      const yc = v128.load(y + o);
      const zc = v128.load(z + o);
      const u = v128.load(x0 + o);
      b0 = madd(u, yc, b0);
      b1 = madd(u, zc, b1);
      const v = v128.load(x1 + o);
      b2 = madd(v, yc, b2);
      b3 = madd(v, zc, b3);
      const w = v128.load(x2 + o);
      b4 = madd(w, yc, b4);
      b5 = madd(w, zc, b5);
      const t = v128.load(x3 + o);
      b6 = madd(t, yc, b6);
      b7 = madd(t, zc, b7);
    }
    // Lane j = query j's sum for the row, added as dot adds it: hsum(acc0 + acc1), then the tail.
    let sy = sums4(f32x4.add(a0, b0), f32x4.add(a2, b2), f32x4.add(a4, b4), f32x4.add(a6, b6));
    let sz = sums4(f32x4.add(a1, b1), f32x4.add(a3, b3), f32x4.add(a5, b5), f32x4.add(a7, b7));
    if (tail < dim) {
      sy = rowTails(sy, y, x0, rb, tail, dim);
      sz = rowTails(sz, z, x0, rb, tail, dim);
    }
    if (bias) {
      sy = f32x4.add(sy, v128.load32_splat(bias + (<usize>i << 2)));
      sz = f32x4.add(sz, v128.load32_splat(bias + (<usize>i << 2), 4));
    }
    // Most row pairs enter no heap: one compare against the four roots skips them.
    if (!v128.any_true(v128.or(v128.not(f32x4.le(sy, thr)), v128.not(f32x4.le(sz, thr))))) continue;
    offerQuad(sy, i, q, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
    offerQuad(sz, i + 1, q, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
    thr = thresholds(outScore, outKept, q, n);
  }
  if (i < r1) {
    // An odd last row: dot for each query.
    const y = Y + <usize>i * rb;
    let sv = f32x4.splat(dot(x0, y, dim));
    sv = f32x4.replace_lane(sv, 1, dot(x1, y, dim));
    sv = f32x4.replace_lane(sv, 2, dot(x2, y, dim));
    sv = f32x4.replace_lane(sv, 3, dot(x3, y, dim));
    if (bias) sv = f32x4.add(sv, v128.load32_splat(bias + (<usize>i << 2)));
    offerQuad(sv, i, q, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
  }
}

/** Lane j = the threshold of query q + j's heap. */
@inline function thresholds(outScore: usize, outKept: usize, q: i32, n: i32): v128 {
  const kq = outKept + (<usize>q << 2);
  const heapBytes = <usize>n << 2;
  const h0 = outScore + <usize>q * heapBytes;
  let thr = f32x4.splat(threshold(h0, load<i32>(kq), n));
  thr = f32x4.replace_lane(thr, 1, threshold(h0 + heapBytes, load<i32>(kq, 4), n));
  thr = f32x4.replace_lane(thr, 2, threshold(h0 + 2 * heapBytes, load<i32>(kq, 8), n));
  thr = f32x4.replace_lane(thr, 3, threshold(h0 + 3 * heapBytes, load<i32>(kq, 12), n));
  return thr;
}

/** Row i offered to the heaps of queries q … q + 3 (lane j: query q + j's score). */
function offerQuad(
  sv: v128, i: i32, q: i32, exclIndptr: usize, exclIndices: usize, n: i32, outIdx: usize, outScore: usize, outKept: usize,
): void {
  offerOne(f32x4.extract_lane(sv, 0), i, q, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
  offerOne(f32x4.extract_lane(sv, 1), i, q + 1, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
  offerOne(f32x4.extract_lane(sv, 2), i, q + 2, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
  offerOne(f32x4.extract_lane(sv, 3), i, q + 3, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
}

/** Row i with score s offered to query q's heap, unless q excludes it. */
@inline function offerOne(
  s: f32, i: i32, q: i32, exclIndptr: usize, exclIndices: usize, n: i32, outIdx: usize, outScore: usize, outKept: usize,
): void {
  const qo = <usize>q << 2;
  const lo = exclIndptr ? load<i32>(exclIndptr + qo) : 0;
  const hi = exclIndptr ? load<i32>(exclIndptr + qo, 4) : 0;
  const h = <usize>q * (<usize>n << 2);
  store<i32>(outKept + qo, offerLane(
    outIdx + h, outScore + h, load<i32>(outKept + qo), n, i, s, exclIndices + (<usize>lo << 2), hi - lo,
  ));
}

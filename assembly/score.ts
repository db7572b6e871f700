// Scoring one query vector against many rows, keeping the best n without sorting them all.
import {
  RANK_QUERIES, RANK_STRIDE, RANK_DIM, RANK_ROWS, RANK_NUM_ROWS, RANK_BIAS, RANK_EXCL_INDPTR, RANK_EXCL_INDICES,
  RANK_POS_INDPTR, RANK_POS_INDICES, RANK_POS_COUNT, RANK_N, RANK_OUT_IDX, RANK_OUT_SCORE, RANK_KEPT, RANK_POS_SCORE,
  RANK_OUT_RANK,
} from './abi';
import { dot, dot2, madd } from './vec';
import { SCREEN_HEADER, maxAbs, prepareQuery, quantise, screenFits, screenLevel, screenRange, screenRowsAt } from './score-screen';

/**
 * Top-n of s_i = x·y_i + bias[i] over the rows i in [start, end) (cands = 0) or the rows
 * cands[0 … numCands) (cands ≠ 0), skipping the rows listed in excl[0 … numExcl) (ascending,
 * read by a merge walk when cands = 0, by binary search otherwise). The best n are kept in a
 * binary min-heap (outIdx, outScore; the worst kept at the root), so the work is one dot per
 * row plus O(log n) per row that enters. Ties keep the lower index. Returns how many were kept
 * (≤ n); the caller orders them. bias = 0: no bias.
 */
export function scoreTopK(
  Y: usize, stride: i32, dim: i32, start: i32, end: i32, cands: usize, numCands: i32,
  x: usize, bias: usize, excl: usize, numExcl: i32, n: i32, outIdx: usize, outScore: usize,
): i32 {
  if (!cands) return topKRange(Y, stride, dim, start, end, x, bias, excl, numExcl, n, outIdx, outScore, 0);
  const rb = <usize>stride << 2;
  let kept = 0;
  for (let q = 0; q < numCands; q++) {
    const i = load<i32>(cands + (<usize>q << 2));
    if (numExcl > 0 && contains(excl, numExcl, i)) continue;
    let s = dot(x, Y + <usize>i * rb, dim);
    if (bias) s += load<f32>(bias + (<usize>i << 2));
    kept = offer(outIdx, outScore, kept, n, i, s);
  }
  return kept;
}

/**
 * The screen block at `screen` for the rows Y[0 … numRows) (dim columns of stride floats):
 * each row's int16 copy at its own scale and the norms the bound needs (assembly/score-screen.ts
 * describes the block and the bound). Rows holding a non-finite value get the scale NaN and are
 * always rescored. The block must be rebuilt whenever a row changes.
 */
export function screenRows(Y: usize, stride: i32, dim: i32, numRows: i32, screen: usize): void {
  const width = (dim + 7) & ~7;
  const level = screenLevel(width);
  store<i32>(screen, numRows);
  store<i32>(screen, dim, 4);
  store<i32>(screen, width, 8);
  store<i32>(screen, level, 12);
  const rb = <usize>stride << 2;
  const rowBytes = <usize>width << 1;
  const rowsAt = screenRowsAt(screen, numRows);
  const sums = screen + 40; // three f64 of scratch inside the header until the maxima are stored
  let R = 0.0;
  let W = 0.0;
  let Ymax = 0.0;
  for (let i = 0; i < numRows; i++) {
    const y = Y + <usize>i * rb;
    const m = maxAbs(y, dim);
    const s: f32 = m == m ? m / <f32>level : 0;
    quantise(y, dim, width, s, level, rowsAt + <usize>i * rowBytes, sums);
    store<f32>(screen + SCREEN_HEADER + (<usize>i << 2), m == m ? s : NaN);
    if (m != m) continue;
    R = max(R, Math.sqrt(load<f64>(sums)));
    W = max(W, Math.sqrt(load<f64>(sums, 8)));
    Ymax = max(Ymax, Math.sqrt(load<f64>(sums, 16)));
  }
  store<f64>(screen, R, 16);
  store<f64>(screen, W, 24);
  store<f64>(screen, Ymax, 32);
}

/**
 * scoreTopK over the rows [start, end) (no candidate list), screened: the same heap, the same
 * return value, bit for bit. The query is quantised into `scratch` (src/kernels/types.ts
 * screenScratchBytes(1, dim)); each row's bound from the int16 copy in `screen` (built by
 * screenRows for these rows) decides whether its exact score is needed at all. A screen that
 * does not fit (another dim, too few rows) or a query that cannot be screened falls back to
 * scoreTopK.
 */
export function screenTopK(
  screen: usize, Y: usize, stride: i32, dim: i32, start: i32, end: i32, x: usize, bias: usize,
  excl: usize, numExcl: i32, n: i32, outIdx: usize, outScore: usize, scratch: usize,
): i32 {
  const xq = scratch + 32;
  if (!screenFits(screen, dim, start, end) || !prepareQuery(screen, x, dim, xq, scratch, scratch + 16)) {
    return scoreTopK(Y, stride, dim, start, end, 0, 0, x, bias, excl, numExcl, n, outIdx, outScore);
  }
  return screenRange(
    screen, Y, stride, dim, start, end, x, xq, load<f32>(scratch), load<f32>(scratch, 16),
    bias, excl, numExcl, n, outIdx, outScore, 0,
  );
}

/**
 * The heap of `kept` entries at outIdx / outScore carried on over the rows [r0, r1): every
 * row not in excl[0 … numExcl) (ascending) is offered with s = x·y_i + bias[i], summed exactly
 * as `dot` sums it. Four rows go through the loop at a time (eight independent chains: one
 * query is bound by latency and loads, not by the arithmetic), and one SIMD compare against
 * the heap's threshold skips the four rows that cannot enter, which is nearly all of them once
 * the heap is full; only then are exclusions looked up. Returns how many the heap holds.
 */
@inline export function topKRange(
  Y: usize, stride: i32, dim: i32, r0: i32, r1: i32, x: usize, bias: usize,
  excl: usize, numExcl: i32, n: i32, outIdx: usize, outScore: usize, kept: i32,
): i32 {
  const rb = <usize>stride << 2;
  let thr = threshold(outScore, kept, n);
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const y0 = Y + <usize>i * rb;
    const y1 = y0 + rb;
    const y2 = y1 + rb;
    const y3 = y2 + rb;
    let a0 = f32x4.splat(0);
    let b0 = a0; let a1 = a0; let b1 = a0; let a2 = a0; let b2 = a0; let a3 = a0; let b3 = a0;
    let c = 0;
    for (; c + 8 <= dim; c += 8) {
      const o = <usize>c << 2;
      const v0 = v128.load(x + o);
      const v1 = v128.load(x + o, 16);
      a0 = madd(v0, v128.load(y0 + o), a0);
      b0 = madd(v1, v128.load(y0 + o, 16), b0);
      a1 = madd(v0, v128.load(y1 + o), a1);
      b1 = madd(v1, v128.load(y1 + o, 16), b1);
      a2 = madd(v0, v128.load(y2 + o), a2);
      b2 = madd(v1, v128.load(y2 + o, 16), b2);
      a3 = madd(v0, v128.load(y3 + o), a3);
      b3 = madd(v1, v128.load(y3 + o, 16), b3);
    }
    if (c + 4 <= dim) {
      const o = <usize>c << 2;
      const v0 = v128.load(x + o);
      a0 = madd(v0, v128.load(y0 + o), a0);
      a1 = madd(v0, v128.load(y1 + o), a1);
      a2 = madd(v0, v128.load(y2 + o), a2);
      a3 = madd(v0, v128.load(y3 + o), a3);
      c += 4;
    }
    // Lane j = row i + j's dot, in hsum's order, then dot's scalar tail.
    let sv = sums4(f32x4.add(a0, b0), f32x4.add(a1, b1), f32x4.add(a2, b2), f32x4.add(a3, b3));
    if (c < dim) sv = rowTails(sv, x, y0, rb, c, dim);
    if (bias) sv = f32x4.add(sv, v128.load(bias + (<usize>i << 2)));
    if (!v128.any_true(v128.not(f32x4.le(sv, f32x4.splat(thr))))) continue;
    kept = offerLane(outIdx, outScore, kept, n, i, f32x4.extract_lane(sv, 0), excl, numExcl);
    kept = offerLane(outIdx, outScore, kept, n, i + 1, f32x4.extract_lane(sv, 1), excl, numExcl);
    kept = offerLane(outIdx, outScore, kept, n, i + 2, f32x4.extract_lane(sv, 2), excl, numExcl);
    kept = offerLane(outIdx, outScore, kept, n, i + 3, f32x4.extract_lane(sv, 3), excl, numExcl);
    thr = threshold(outScore, kept, n);
  }
  for (; i < r1; i++) {
    let s = dot(x, Y + <usize>i * rb, dim);
    if (bias) s += load<f32>(bias + (<usize>i << 2));
    kept = offerLane(outIdx, outScore, kept, n, i, s, excl, numExcl);
  }
  return kept;
}

/** offer, unless row i is in the ascending list excl[0 … numExcl). */
@inline export function offerLane(
  outIdx: usize, outScore: usize, kept: i32, n: i32, i: i32, s: f32, excl: usize, numExcl: i32,
): i32 {
  if (numExcl > 0 && contains(excl, numExcl, i)) return kept;
  return offer(outIdx, outScore, kept, n, i, s);
}

/**
 * Lane j = (v_j[0] + v_j[1]) + (v_j[2] + v_j[3]): four `hsum`s at once, each added in hsum's
 * order (a 4×4 transpose, then two vector adds), so every sum is bit-identical to hsum's.
 */
@inline export function sums4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
  const l0 = i32x4.shuffle(t0, t2, 0, 1, 4, 5);
  const l1 = i32x4.shuffle(t0, t2, 2, 3, 6, 7);
  const l2 = i32x4.shuffle(t1, t3, 0, 1, 4, 5);
  const l3 = i32x4.shuffle(t1, t3, 2, 3, 6, 7);
  return f32x4.add(f32x4.add(l0, l1), f32x4.add(l2, l3));
}

/** dot's scalar tail, columns [from, dim), added to lane j for the row at y0 + j·rb. */
@inline export function rowTails(sv: v128, x: usize, y0: usize, rb: usize, from: i32, dim: i32): v128 {
  let s0 = f32x4.extract_lane(sv, 0);
  let s1 = f32x4.extract_lane(sv, 1);
  let s2 = f32x4.extract_lane(sv, 2);
  let s3 = f32x4.extract_lane(sv, 3);
  for (let c = from; c < dim; c++) {
    const o = <usize>c << 2;
    const xc = load<f32>(x + o);
    s0 += xc * load<f32>(y0 + o);
    s1 += xc * load<f32>(y0 + rb + o);
    s2 += xc * load<f32>(y0 + 2 * rb + o);
    s3 += xc * load<f32>(y0 + 3 * rb + o);
  }
  return f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(sv, 0, s0), 1, s1), 2, s2), 3, s3);
}

/**
 * The score a row must beat to be offered to a heap: a score s is offered unless s ≤ it.
 * NaN while the heap has room (nothing compares ≤ NaN: every score is offered, and offer
 * drops NaN itself); the root (the worst kept) once full — an equal score cannot enter, as
 * rows come in ascending order and ties keep the lower index; +∞ for n = 0 (only NaN passes
 * the test, and offer drops it).
 */
@inline export function threshold(outScore: usize, kept: i32, n: i32): f32 {
  return n == 0 ? Infinity : kept < n ? NaN : load<f32>(outScore);
}

/**
 * Offers (i, s) to the bounded min-heap of n slots holding `kept` entries (the worst kept at
 * the root) and returns how many it holds now. A NaN score never enters.
 */
@inline export function offer(outIdx: usize, outScore: usize, kept: i32, n: i32, i: i32, s: f32): i32 {
  if (s != s) return kept;
  if (kept < n) {
    siftUp(outIdx, outScore, kept, i, s);
    return kept + 1;
  }
  if (n > 0 && better(s, i, load<f32>(outScore), load<i32>(outIdx))) siftDown(outIdx, outScore, n, i, s);
  return kept;
}

/** (s, i) ranks above (t, j): higher score, or the same score and a lower index. */
@inline function better(s: f32, i: i32, t: f32, j: i32): bool {
  return s > t || (s == t && i < j);
}

/** Binary search in an ascending i32 list. */
@inline function contains(list: usize, n: i32, value: i32): bool {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = load<i32>(list + (<usize>mid << 2));
    if (v < value) lo = mid + 1;
    else hi = mid;
  }
  return lo < n && load<i32>(list + (<usize>lo << 2)) == value;
}

// siftUp and siftDown stay calls (not inlined): a row enters a heap rarely once it is full,
// and offer is inlined at every scoring loop of score.ts and score-batch.ts.

/** Adds (i, s) at slot `at` of a min-heap (worst at the root) and restores the order. */
function siftUp(idx: usize, score: usize, at: i32, i: i32, s: f32): void {
  let c = at;
  while (c > 0) {
    const p = (c - 1) >> 1;
    const ps = load<f32>(score + (<usize>p << 2));
    const pi = load<i32>(idx + (<usize>p << 2));
    if (!better(ps, pi, s, i)) break; // parent already ranks at or below the new one
    store<f32>(score + (<usize>c << 2), ps);
    store<i32>(idx + (<usize>c << 2), pi);
    c = p;
  }
  store<f32>(score + (<usize>c << 2), s);
  store<i32>(idx + (<usize>c << 2), i);
}

/** Replaces the root (the worst kept) with (i, s) and sinks it to its place. */
function siftDown(idx: usize, score: usize, n: i32, i: i32, s: f32): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= n) break;
    let w = l;
    const r = l + 1;
    if (r < n && better(load<f32>(score + (<usize>l << 2)), load<i32>(idx + (<usize>l << 2)), load<f32>(score + (<usize>r << 2)), load<i32>(idx + (<usize>r << 2)))) w = r;
    const ws = load<f32>(score + (<usize>w << 2));
    const wi = load<i32>(idx + (<usize>w << 2));
    if (!better(s, i, ws, wi)) break; // the new one ranks at or below the worse child: stop
    store<f32>(score + (<usize>c << 2), ws);
    store<i32>(idx + (<usize>c << 2), wi);
    c = w;
  }
  store<f32>(score + (<usize>c << 2), s);
  store<i32>(idx + (<usize>c << 2), i);
}

/**
 * scoreTopK over the rows [start, end), and in the same pass the rank of each of a few
 * "positive" rows among the others: for pos[0 … numPos) (ascending, none of them in excl),
 * outRank[p] += 2·(rows scoring below pos[p]) + (rows scoring the same), counted over the
 * rows of the range that are neither excluded nor positive — twice the ROC-AUC numerator, so
 * it stays an integer. Ranking evaluation needs both, and one pass over the item rows is the
 * whole cost. posScore (f32, room for numPos rounded up to 4) holds each positive's score
 * (the same bits the pass computes for that row); its padding lanes hold NaN, which no score
 * compares below or equal to, so the comparisons run four positives at a time; outRank needs
 * the same room (its padding lanes stay 0). A NaN score counts in neither direction.
 *
 * kept < 0 starts afresh: posScore is computed, outRank zeroed, the heap empty. kept ≥ 0
 * resumes over a further range with the heap holding `kept` entries and posScore / outRank
 * as the previous call left them — so a caller can walk the rows in cache-sized blocks for
 * many users in turn. Returns how many are in the heap (≤ n), as scoreTopK.
 */
export function scoreTopKRanks(
  Y: usize, stride: i32, dim: i32, start: i32, end: i32, x: usize, bias: usize, excl: usize, numExcl: i32,
  pos: usize, numPos: i32, n: i32, kept: i32, outIdx: usize, outScore: usize, posScore: usize, outRank: usize,
): i32 {
  const rb = <usize>stride << 2;
  const groups = (numPos + 3) >> 2;
  if (kept < 0) {
    for (let p = 0; p < groups << 2; p++) {
      let s: f32 = NaN;
      if (p < numPos) {
        const i = load<i32>(pos + (<usize>p << 2));
        s = dot(x, Y + <usize>i * rb, dim);
        if (bias) s += load<f32>(bias + (<usize>i << 2));
      }
      store<f32>(posScore + (<usize>p << 2), s);
      store<i32>(outRank + (<usize>p << 2), 0);
    }
    kept = 0;
  }
  let e = lowerBound(excl, numExcl, start); // next excluded row to pass (merge walk)
  let q = lowerBound(pos, numPos, start); // next positive to pass (merge walk)
  // Rows go in pairs through dot2 (two independent chains; each sum bit-identical to dot's,
  // so scores equal scoreTopK's); an excluded row's dot is computed and dropped.
  for (let i0 = start; i0 < end; i0 += 2) {
    const pair = i0 + 1 < end;
    const v2 = pair ? dot2(Y + <usize>i0 * rb, Y + <usize>(i0 + 1) * rb, x, dim) : f32x4.splat(dot(x, Y + <usize>i0 * rb, dim));
    const rows = pair ? 2 : 1;
    for (let j = 0; j < rows; j++) {
      const i = i0 + j;
      if (numExcl > 0) {
        while (e < numExcl && load<i32>(excl + (<usize>e << 2)) < i) e++;
        if (e < numExcl && load<i32>(excl + (<usize>e << 2)) == i) continue;
      }
      while (q < numPos && load<i32>(pos + (<usize>q << 2)) < i) q++;
      let s: f32;
      if (q < numPos && load<i32>(pos + (<usize>q << 2)) == i) {
        s = load<f32>(posScore + (<usize>q << 2));
      } else {
        s = j == 0 ? f32x4.extract_lane(v2, 0) : f32x4.extract_lane(v2, 1);
        if (bias) s += load<f32>(bias + (<usize>i << 2));
        // A negative: each positive above it gains 2, each one tied with it 1.
        const v = f32x4.splat(s);
        for (let g = 0; g < groups; g++) {
          const o = <usize>g << 4;
          const ps = v128.load(posScore + o);
          const acc = v128.load(outRank + o);
          v128.store(outRank + o, i32x4.sub(i32x4.sub(acc, f32x4.lt(v, ps)), f32x4.le(v, ps)));
        }
      }
      kept = offer(outIdx, outScore, kept, n, i, s);
    }
  }
  return kept;
}

/** The first position in an ascending i32 list whose value is ≥ value. */
@inline function lowerBound(list: usize, n: i32, value: i32): i32 {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<i32>(list + (<usize>mid << 2)) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * scoreTopKRanks for the queries [first, end) described by the parameter block at `params`
 * (src/kernels/abi.ts RANK_PARAMS), the rows walked `rowBlock` at a time: every query of the range scores
 * one cache-sized block of rows before the next block is read, so the rows come from memory
 * once per range instead of once per query — and one call replaces a JS→WASM call per query
 * and block.
 */
export function rankQueries(params: usize, first: i32, end: i32, rowBlock: i32): void {
  const queries = <usize>load<u32>(params, RANK_QUERIES);
  const stride = load<i32>(params, RANK_STRIDE);
  const dim = load<i32>(params, RANK_DIM);
  const Y = <usize>load<u32>(params, RANK_ROWS);
  const numRows = load<i32>(params, RANK_NUM_ROWS);
  const bias = <usize>load<u32>(params, RANK_BIAS);
  const exclIndptr = <usize>load<u32>(params, RANK_EXCL_INDPTR);
  const exclIndices = <usize>load<u32>(params, RANK_EXCL_INDICES);
  const posIndptr = <usize>load<u32>(params, RANK_POS_INDPTR);
  const posIndices = <usize>load<u32>(params, RANK_POS_INDICES);
  const posCount = <usize>load<u32>(params, RANK_POS_COUNT);
  const n = load<i32>(params, RANK_N);
  const outIdx = <usize>load<u32>(params, RANK_OUT_IDX);
  const outScore = <usize>load<u32>(params, RANK_OUT_SCORE);
  const kept = <usize>load<u32>(params, RANK_KEPT);
  const posScore = <usize>load<u32>(params, RANK_POS_SCORE);
  const outRank = <usize>load<u32>(params, RANK_OUT_RANK);
  for (let r0 = 0; r0 < numRows; r0 += rowBlock) {
    const r1 = min(numRows, r0 + rowBlock);
    for (let q = first; q < end; q++) {
      const qo = <usize>q << 2;
      const lo = load<i32>(exclIndptr + qo);
      const at = <usize>load<i32>(posIndptr + qo) << 2;
      const heap = <usize>q * <usize>n << 2;
      store<i32>(kept + qo, scoreTopKRanks(
        Y, stride, dim, r0, r1, queries + <usize>q * (<usize>stride << 2), bias,
        exclIndices + (<usize>lo << 2), load<i32>(exclIndptr + qo + 4) - lo, posIndices + at, load<i32>(posCount + qo), n,
        r0 == 0 ? -1 : load<i32>(kept + qo), outIdx + heap, outScore + heap, posScore + at, outRank + at,
      ));
    }
  }
}

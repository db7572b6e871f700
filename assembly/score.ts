// Scoring one query vector against many rows, keeping the best n without sorting them all.
import {
  RANK_QUERIES, RANK_STRIDE, RANK_DIM, RANK_ROWS, RANK_NUM_ROWS, RANK_BIAS, RANK_EXCL_INDPTR, RANK_EXCL_INDICES,
  RANK_POS_INDPTR, RANK_POS_INDICES, RANK_POS_COUNT, RANK_N, RANK_OUT_IDX, RANK_OUT_SCORE, RANK_KEPT, RANK_POS_SCORE,
  RANK_OUT_RANK,
} from './abi';
import { dot, dot2 } from './vec';

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
  const rb = <usize>stride << 2;
  let kept = 0;
  let e = 0; // next excluded index to pass (merge walk over a range)
  const count = cands ? numCands : end - start;
  for (let q = 0; q < count; q++) {
    const i = cands ? load<i32>(cands + (<usize>q << 2)) : start + q;
    if (numExcl > 0) {
      if (cands) {
        if (contains(excl, numExcl, i)) continue;
      } else {
        while (e < numExcl && load<i32>(excl + (<usize>e << 2)) < i) e++;
        if (e < numExcl && load<i32>(excl + (<usize>e << 2)) == i) continue;
      }
    }
    let s = dot(x, Y + <usize>i * rb, dim);
    if (bias) s += load<f32>(bias + (<usize>i << 2));
    kept = offer(outIdx, outScore, kept, n, i, s);
  }
  return kept;
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

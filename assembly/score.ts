// Scoring one query vector against many rows, keeping the best n without sorting them all.
import { dot } from './vec';

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
    if (s != s) continue; // a NaN score never enters
    if (kept < n) {
      siftUp(outIdx, outScore, kept, i, s);
      kept++;
    } else if (n > 0 && better(s, i, load<f32>(outScore), load<i32>(outIdx))) {
      siftDown(outIdx, outScore, n, i, s);
    }
  }
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

/** Adds (i, s) at slot `at` of a min-heap (worst at the root) and restores the order. */
@inline function siftUp(idx: usize, score: usize, at: i32, i: i32, s: f32): void {
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
@inline function siftDown(idx: usize, score: usize, n: i32, i: i32, s: f32): void {
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
 * outRank[p] = 2·(rows scoring below pos[p]) + (rows scoring the same), counted over the
 * rows of the range that are neither excluded nor positive — twice the ROC-AUC numerator, so
 * it stays an integer. Ranking evaluation needs both, and one pass over the item rows is the
 * whole cost. posScore (f32, room for numPos rounded up to 4) receives each positive's score
 * (the same bits the pass computes for that row); its padding lanes are set to NaN, which no
 * score compares below or equal to, so the comparisons run four positives at a time; outRank
 * needs the same room (its padding lanes end at 0). A NaN score counts in neither direction. Returns how many entered the heap (≤ n), as scoreTopK.
 */
export function scoreTopKRanks(
  Y: usize, stride: i32, dim: i32, start: i32, end: i32, x: usize, bias: usize, excl: usize, numExcl: i32,
  pos: usize, numPos: i32, n: i32, outIdx: usize, outScore: usize, posScore: usize, outRank: usize,
): i32 {
  const rb = <usize>stride << 2;
  const groups = (numPos + 3) >> 2;
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
  let kept = 0;
  let e = 0; // next excluded row to pass (merge walk)
  let q = 0; // next positive to pass (merge walk)
  for (let i = start; i < end; i++) {
    if (numExcl > 0) {
      while (e < numExcl && load<i32>(excl + (<usize>e << 2)) < i) e++;
      if (e < numExcl && load<i32>(excl + (<usize>e << 2)) == i) continue;
    }
    while (q < numPos && load<i32>(pos + (<usize>q << 2)) < i) q++;
    let s: f32;
    if (q < numPos && load<i32>(pos + (<usize>q << 2)) == i) {
      s = load<f32>(posScore + (<usize>q << 2));
    } else {
      s = dot(x, Y + <usize>i * rb, dim);
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
    if (s != s) continue; // a NaN score never enters
    if (kept < n) {
      siftUp(outIdx, outScore, kept, i, s);
      kept++;
    } else if (n > 0 && better(s, i, load<f32>(outScore), load<i32>(outIdx))) {
      siftDown(outIdx, outScore, n, i, s);
    }
  }
  return kept;
}

// Scoring many query vectors against the same rows: each row is read once per block of
// queries instead of once per query (register-tiled like the Gram: four queries per pass).
import { offer } from './score';
import { dot, hsum, madd } from './vec';

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
 * by query. Four queries go through each row at a time, in eight accumulators, while the
 * rows are walked in blocks that stay in cache for all the queries of the call.
 */
export function scoreTopKBatch(
  Y: usize, stride: i32, dim: i32, start: i32, end: i32, bias: usize, X: usize, numQueries: i32,
  exclIndptr: usize, exclIndices: usize, n: i32, outIdx: usize, outScore: usize, outKept: usize,
): void {
  for (let q = 0; q < numQueries; q++) store<i32>(outKept + (<usize>q << 2), 0);
  for (let r0 = start; r0 < end; r0 += BLOCK_ROWS) {
    const r1 = min(end, r0 + BLOCK_ROWS);
    let q = 0;
    for (; q + 4 <= numQueries; q += 4) quadBlock(Y, stride, dim, r0, r1, bias, X, q, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
    for (; q < numQueries; q++) oneBlock(Y, stride, dim, r0, r1, bias, X, q, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
  }
}

/** Where query q's exclusions start (at or after row r0), and where they end. */
@inline function exclFrom(exclIndptr: usize, exclIndices: usize, q: i32, r0: i32): i32 {
  if (!exclIndptr) return 0;
  let lo = load<i32>(exclIndptr + (<usize>q << 2));
  let hi = load<i32>(exclIndptr + (<usize>q << 2), 4);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<i32>(exclIndices + (<usize>mid << 2)) < r0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

@inline function exclEnd(exclIndptr: usize, q: i32): i32 {
  return exclIndptr ? load<i32>(exclIndptr + (<usize>q << 2), 4) : 0;
}

/** The merge position `e` advanced past the excluded rows before i. */
@inline function passBefore(exclIndices: usize, e: i32, eEnd: i32, i: i32): i32 {
  while (e < eEnd && load<i32>(exclIndices + (<usize>e << 2)) < i) e++;
  return e;
}

/** Queries q … q + 3 over the rows [r0, r1), their heaps resumed from outKept. */
function quadBlock(
  Y: usize, stride: i32, dim: i32, r0: i32, r1: i32, bias: usize, X: usize, q: i32,
  exclIndptr: usize, exclIndices: usize, n: i32, outIdx: usize, outScore: usize, outKept: usize,
): void {
  const rb = <usize>stride << 2;
  const x0 = X + <usize>q * rb;
  const x1 = x0 + rb;
  const x2 = x1 + rb;
  const x3 = x2 + rb;
  const heapBytes = <usize>n << 2;
  const h0 = <usize>q * heapBytes;
  const h1 = h0 + heapBytes;
  const h2 = h1 + heapBytes;
  const h3 = h2 + heapBytes;
  const kq = outKept + (<usize>q << 2);
  let k0 = load<i32>(kq);
  let k1 = load<i32>(kq, 4);
  let k2 = load<i32>(kq, 8);
  let k3 = load<i32>(kq, 12);
  let e0 = exclFrom(exclIndptr, exclIndices, q, r0);
  let e1 = exclFrom(exclIndptr, exclIndices, q + 1, r0);
  let e2 = exclFrom(exclIndptr, exclIndices, q + 2, r0);
  let e3 = exclFrom(exclIndptr, exclIndices, q + 3, r0);
  const f0 = exclEnd(exclIndptr, q);
  const f1 = exclEnd(exclIndptr, q + 1);
  const f2 = exclEnd(exclIndptr, q + 2);
  const f3 = exclEnd(exclIndptr, q + 3);
  // Lane j: the score query j's row must beat to enter its heap (see `threshold`).
  let thr = f32x4.splat(threshold(outScore + h0, k0, n));
  thr = f32x4.replace_lane(thr, 1, threshold(outScore + h1, k1, n));
  thr = f32x4.replace_lane(thr, 2, threshold(outScore + h2, k2, n));
  thr = f32x4.replace_lane(thr, 3, threshold(outScore + h3, k3, n));
  for (let i = r0; i < r1; i++) {
    const y = Y + <usize>i * rb;
    // The same two accumulators per query as `dot`, so every sum is bit-identical to it.
    let a0 = f32x4.splat(0);
    let b0 = a0; let a1 = a0; let b1 = a0; let a2 = a0; let b2 = a0; let a3 = a0; let b3 = a0;
    let c = 0;
    for (; c + 8 <= dim; c += 8) {
      const o = <usize>c << 2;
      const y0 = v128.load(y + o);
      const y1 = v128.load(y + o, 16);
      a0 = madd(v128.load(x0 + o), y0, a0);
      b0 = madd(v128.load(x0 + o, 16), y1, b0);
      a1 = madd(v128.load(x1 + o), y0, a1);
      b1 = madd(v128.load(x1 + o, 16), y1, b1);
      a2 = madd(v128.load(x2 + o), y0, a2);
      b2 = madd(v128.load(x2 + o, 16), y1, b2);
      a3 = madd(v128.load(x3 + o), y0, a3);
      b3 = madd(v128.load(x3 + o, 16), y1, b3);
    }
    if (c + 4 <= dim) {
      const o = <usize>c << 2;
      const y0 = v128.load(y + o);
      a0 = madd(v128.load(x0 + o), y0, a0);
      a1 = madd(v128.load(x1 + o), y0, a1);
      a2 = madd(v128.load(x2 + o), y0, a2);
      a3 = madd(v128.load(x3 + o), y0, a3);
      c += 4;
    }
    // Lane j = query j's sum, added in hsum's order: (l0 + l1) + (l2 + l3).
    let sv = sums4(f32x4.add(a0, b0), f32x4.add(a1, b1), f32x4.add(a2, b2), f32x4.add(a3, b3));
    if (c < dim) {
      let s0 = f32x4.extract_lane(sv, 0);
      let s1 = f32x4.extract_lane(sv, 1);
      let s2 = f32x4.extract_lane(sv, 2);
      let s3 = f32x4.extract_lane(sv, 3);
      for (; c < dim; c++) {
        const o = <usize>c << 2;
        const yc = load<f32>(y + o);
        s0 += load<f32>(x0 + o) * yc;
        s1 += load<f32>(x1 + o) * yc;
        s2 += load<f32>(x2 + o) * yc;
        s3 += load<f32>(x3 + o) * yc;
      }
      sv = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(sv, 0, s0), 1, s1), 2, s2), 3, s3);
    }
    if (bias) sv = f32x4.add(sv, v128.load32_splat(bias + (<usize>i << 2)));
    // Most rows enter no heap: one compare against the four roots skips them all.
    if (!v128.any_true(v128.not(f32x4.le(sv, thr)))) continue;
    const s0 = f32x4.extract_lane(sv, 0);
    const s1 = f32x4.extract_lane(sv, 1);
    const s2 = f32x4.extract_lane(sv, 2);
    const s3 = f32x4.extract_lane(sv, 3);
    e0 = passBefore(exclIndices, e0, f0, i);
    if (!(e0 < f0 && load<i32>(exclIndices + (<usize>e0 << 2)) == i)) {
      k0 = offer(outIdx + h0, outScore + h0, k0, n, i, s0);
      thr = f32x4.replace_lane(thr, 0, threshold(outScore + h0, k0, n));
    }
    e1 = passBefore(exclIndices, e1, f1, i);
    if (!(e1 < f1 && load<i32>(exclIndices + (<usize>e1 << 2)) == i)) {
      k1 = offer(outIdx + h1, outScore + h1, k1, n, i, s1);
      thr = f32x4.replace_lane(thr, 1, threshold(outScore + h1, k1, n));
    }
    e2 = passBefore(exclIndices, e2, f2, i);
    if (!(e2 < f2 && load<i32>(exclIndices + (<usize>e2 << 2)) == i)) {
      k2 = offer(outIdx + h2, outScore + h2, k2, n, i, s2);
      thr = f32x4.replace_lane(thr, 2, threshold(outScore + h2, k2, n));
    }
    e3 = passBefore(exclIndices, e3, f3, i);
    if (!(e3 < f3 && load<i32>(exclIndices + (<usize>e3 << 2)) == i)) {
      k3 = offer(outIdx + h3, outScore + h3, k3, n, i, s3);
      thr = f32x4.replace_lane(thr, 3, threshold(outScore + h3, k3, n));
    }
  }
  store<i32>(kq, k0);
  store<i32>(kq, k1, 4);
  store<i32>(kq, k2, 8);
  store<i32>(kq, k3, 12);
}

/** Query q alone over the rows [r0, r1) (a single query, or those past the last group of four). */
function oneBlock(
  Y: usize, stride: i32, dim: i32, r0: i32, r1: i32, bias: usize, X: usize, q: i32,
  exclIndptr: usize, exclIndices: usize, n: i32, outIdx: usize, outScore: usize, outKept: usize,
): void {
  const rb = <usize>stride << 2;
  const x = X + <usize>q * rb;
  const h = <usize>q * (<usize>n << 2);
  const kq = outKept + (<usize>q << 2);
  let kept = load<i32>(kq);
  let e = exclFrom(exclIndptr, exclIndices, q, r0);
  const f = exclEnd(exclIndptr, q);
  let thr = threshold(outScore + h, kept, n);
  let i = r0;
  // Four rows at a time: eight independent chains instead of dot's two (latency, not
  // bandwidth, bounds one query), each row summed exactly as `dot` sums it.
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
    let sv = sums4(f32x4.add(a0, b0), f32x4.add(a1, b1), f32x4.add(a2, b2), f32x4.add(a3, b3));
    if (c < dim) {
      let s0 = f32x4.extract_lane(sv, 0);
      let s1 = f32x4.extract_lane(sv, 1);
      let s2 = f32x4.extract_lane(sv, 2);
      let s3 = f32x4.extract_lane(sv, 3);
      for (; c < dim; c++) {
        const o = <usize>c << 2;
        const xc = load<f32>(x + o);
        s0 += xc * load<f32>(y0 + o);
        s1 += xc * load<f32>(y1 + o);
        s2 += xc * load<f32>(y2 + o);
        s3 += xc * load<f32>(y3 + o);
      }
      sv = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(sv, 0, s0), 1, s1), 2, s2), 3, s3);
    }
    if (bias) sv = f32x4.add(sv, v128.load(bias + (<usize>i << 2)));
    if (!v128.any_true(v128.not(f32x4.le(sv, f32x4.splat(thr))))) continue;
    for (let j = 0; j < 4; j++) {
      const r = i + j;
      e = passBefore(exclIndices, e, f, r);
      if (e < f && load<i32>(exclIndices + (<usize>e << 2)) == r) continue;
      const sj = j == 0 ? f32x4.extract_lane(sv, 0) : j == 1 ? f32x4.extract_lane(sv, 1) : j == 2 ? f32x4.extract_lane(sv, 2) : f32x4.extract_lane(sv, 3);
      kept = offer(outIdx + h, outScore + h, kept, n, r, sj);
    }
    thr = threshold(outScore + h, kept, n);
  }
  for (; i < r1; i++) {
    e = passBefore(exclIndices, e, f, i);
    if (e < f && load<i32>(exclIndices + (<usize>e << 2)) == i) continue;
    let s = dot(x, Y + <usize>i * rb, dim);
    if (bias) s += load<f32>(bias + (<usize>i << 2));
    kept = offer(outIdx + h, outScore + h, kept, n, i, s);
  }
  store<i32>(kq, kept);
}

/**
 * Lane j = (v_j[0] + v_j[1]) + (v_j[2] + v_j[3]): four `hsum`s at once, each added in hsum's
 * order (a 4×4 transpose, then two vector adds), so every sum is bit-identical to hsum's.
 */
@inline function sums4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
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

/**
 * The score a row must beat to be offered to a heap: a score s is offered unless s ≤ it.
 * NaN while the heap has room (nothing compares ≤ NaN: every score is offered, and offer
 * drops NaN itself); the root (the worst kept) once full — an equal score cannot enter, as
 * rows come in ascending order and ties keep the lower index; +∞ for n = 0 (only NaN passes
 * the test, and offer drops it).
 */
@inline function threshold(outScore: usize, kept: i32, n: i32): f32 {
  return n == 0 ? Infinity : kept < n ? NaN : load<f32>(outScore);
}

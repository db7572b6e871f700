// The screening pass of the scoring kernels: an int16 copy of the rows, scored with
// i32x4.dot_i16x8_s (half the bytes of the f32 rows, eight multiply-adds per instruction),
// and a rigorous upper bound on each row's exact score, so that a row whose bound cannot
// enter the heap is skipped without its f32 dot. Rows that may enter are rescored exactly
// (`dot`, as scoreTopK scores them) and offered in ascending order, so every heap goes through
// the very states it goes through in scoreTopK / scoreTopKBatch: the same rows, scores, order
// and ties.
//
// The bound. u = 2⁻²⁴. For a query q (dim floats) and a row y (dim floats), scoreTopK's score
// is s = fl(d + b) (b the row's bias, 0 without), d the f32 dot in any summation order, with
// or without fused multiply-adds. With t = Σ q_c·y_c (real) and K = dim + 4:
//   (1) |d − t| ≤ γ_K·Σ|q_c y_c| ≤ 2Ku·‖q‖·‖y‖ (Higham, γ_K = Ku/(1 − Ku) ≤ 2Ku), as long
//       as nothing overflows: screening is only used when ‖q‖·Ymax ≤ 2¹⁰⁰;
//   (2) the screen holds y = σ·ŷ + δy exactly (σ the row's f32 scale, ŷ integers, |ŷ_c| ≤ L),
//       the query q = σ_q·q̂ + δq likewise, so with P = q̂·ŷ (an exact integer, |P| < 2³¹ as
//       width·L² < 2³¹) t − σ_q σ P = q·δy + σŷ·δq and, by Cauchy–Schwarz,
//       |t − σ_q σ P| ≤ ‖q‖·R + W·‖δq‖, R ≥ max ‖δy‖ and W ≥ max ‖σŷ‖ over the finite rows;
//   (3) s ≤ (d + b) + u·|d + b| + η (η = 2⁻¹⁴⁹ for underflow) when s is finite, and
//       |d| ≤ ‖q‖·Ymax·(1 + 2Ku), Ymax ≥ max ‖y‖.
// So s ≤ σ_q σ P + b + ‖q‖R + W‖δq‖ + (2K + 2)u‖q‖Ymax + u|b| + 2η. The kernels compute
// U = fl(fl(fl(a + b) + E) + fl(κ·|b|)) with a = fl(fl(fl(P)·σ)·σ_q), κ = 2⁻²¹ (8u) and
//   E = ↑f32[(1 + 2⁻²⁰)·(‖q‖R + W‖δq‖ + 2(K + 2)u·‖q‖Ymax + 8u·G) + 2⁻¹⁰⁰],
// G = (‖q‖ + ‖δq‖)·W ≥ |σ_q σ P| (Cauchy–Schwarz again). Each of the six f32 roundings of U
// loses at most u of its magnitude (plus η), |a − σ_q σ P| ≤ 3.01u·G, so U ≥ σ_q σ P + b + E
// + κ|b| − 3.1u(2G + |b| + E + κ|b|) − 6η, and the margins in E (the factor 1 + 2⁻²⁰, the
// 8u·G, the 2(K + 2)u, the 2⁻¹⁰⁰) and κ (8u against the 4.1u needed) cover every term: s ≤ U.
// The norms are summed in f64 (relative error ~dim·2⁻⁵³, inside the 1 + 2⁻²⁰ margin) and E
// is rounded up to f32. If any operation of U overflows, U is +∞ or NaN and the row is
// rescored; if s overflows to +∞ then d + b ≥ 2¹²⁸(1 − 2⁻²⁵), which a finite U ≥ (d + b)(1 + u)
// cannot be. A row holding a non-finite value gets σ = NaN (U = NaN: always rescored); a
// query that is not finite, or too large for (1), is not screened at all.
//
// A row is skipped when U ≤ the heap's threshold (see score.ts `threshold`): then s ≤ U ≤ the
// threshold, and scoreTopK would not have let it in either (NaN while the heap has room:
// nothing is skipped; +∞ for n = 0).
//
// The screen block (built by score.ts `screenRows`), byte offsets:
//   0 numRows (i32), 4 dim (i32), 8 width (i32: dim rounded up to 8), 12 L (i32),
//   16 R, 24 W, 32 Ymax (f64), then from SCREEN_HEADER the row scales σ (f32[numRows]), then
//   from SCREEN_HEADER + numRows·4 rounded up to 16 the int16 rows (width each, zero padded).
import { offer, threshold } from './score';
import { dot } from './vec';

/** Bytes of the screen block's header (src/kernels/types.ts screenBytes says the same). */
// @ts-ignore: decorator
@inline export const SCREEN_HEADER: usize = 64;

/** κ: the weight of |b| in the bound (8u). */
// @ts-ignore: decorator
@inline const KAPPA: f32 = 4.76837158203125e-7;

/** The largest level L with width·L² < 2³¹ (so no integer dot can overflow), at most 32767. */
@inline export function screenLevel(width: i32): i32 {
  let level = min<i32>(32767, <i32>Math.sqrt(2147483647.0 / <f64>max<i32>(width, 1)));
  while (<i64>width * <i64>level * <i64>level > 2147483647) level--;
  return level;
}

/** Byte offset of the int16 rows inside a screen block of numRows rows. */
@inline export function screenRowsAt(screen: usize, numRows: i32): usize {
  return screen + SCREEN_HEADER + ((<usize>numRows * 4 + 15) & ~15);
}

/** Lane j is all ones where column c + j < dim. */
@inline function columnMask(c: i32, dim: i32): v128 {
  return i32x4.lt_s(i32x4.add(i32x4.splat(c), i32x4(0, 1, 2, 3)), i32x4.splat(dim));
}

/**
 * The int16 row h[0 … width) of v[0 … dim) at the f32 scale s: h_c = nearest(v_c·(1/s))
 * clamped to ±level (0 past dim, and where v_c·(1/s) is NaN: a zero row at s = 0). Writes
 * Σ(v_c − s·h_c)², Σ(s·h_c)² and Σ v_c², summed in f64 from the integers actually stored (the
 * exact errors of the row, not estimates), as three f64 at `sums`. Four columns at a time: v is
 * read up to width ≤ stride, the columns past dim masked off.
 */
export function quantise(v: usize, dim: i32, width: i32, s: f32, level: i32, h: usize, sums: usize): void {
  const inv = f32x4.splat(<f32>1 / s); // s = 0: ±∞ or NaN, as x / 0
  const hi = f32x4.splat(<f32>level);
  const lo = f32x4.neg(hi);
  const s2 = f64x2.splat(<f64>s);
  let r2 = f64x2.splat(0);
  let w2 = r2;
  let y2 = r2;
  for (let c = 0; c < width; c += 4) {
    let x = v128.load(v + (<usize>c << 2));
    if (c + 4 > dim) x = v128.and(x, columnMask(c, dim));
    const q = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.min(hi, f32x4.max(lo, f32x4.mul(x, inv)))));
    // The int16 of columns c … c + 3 (the upper half of the narrowed vector is not kept).
    v128.store64_lane(h + (<usize>c << 1), i16x8.narrow_i32x4_s(q, q), 0);
    // In f64, two columns at a time: x, s·h (exact: 24 × 15 bits) and their difference.
    const xa = f64x2.promote_low_f32x4(x);
    const xb = f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1));
    const ba = f64x2.mul(f64x2.convert_low_i32x4_s(q), s2);
    const bb = f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(q, q, 2, 3, 0, 1)), s2);
    const ea = f64x2.sub(xa, ba);
    const eb = f64x2.sub(xb, bb);
    r2 = f64x2.add(r2, f64x2.add(f64x2.mul(ea, ea), f64x2.mul(eb, eb)));
    w2 = f64x2.add(w2, f64x2.add(f64x2.mul(ba, ba), f64x2.mul(bb, bb)));
    y2 = f64x2.add(y2, f64x2.add(f64x2.mul(xa, xa), f64x2.mul(xb, xb)));
  }
  store<f64>(sums, f64x2.extract_lane(r2, 0) + f64x2.extract_lane(r2, 1));
  store<f64>(sums, f64x2.extract_lane(w2, 0) + f64x2.extract_lane(w2, 1), 8);
  store<f64>(sums, f64x2.extract_lane(y2, 0) + f64x2.extract_lane(y2, 1), 16);
}

/** max |v_c| over c < dim, or NaN when some v_c is not finite (v readable up to dim rounded up to 4). */
@inline export function maxAbs(v: usize, dim: i32): f32 {
  let m = f32x4.splat(0);
  for (let c = 0; c < dim; c += 4) {
    let x = f32x4.abs(v128.load(v + (<usize>c << 2)));
    if (c + 4 > dim) x = v128.and(x, columnMask(c, dim));
    m = f32x4.max(m, x); // NaN-propagating
  }
  const r = max<f32>(max<f32>(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max<f32>(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  return r <= f32.MAX_VALUE ? r : NaN;
}

/** The smallest f32 ≥ x (x ≥ 0). */
@inline function f32Up(x: f64): f32 {
  let r = <f32>x;
  if (<f64>r < x) r = reinterpret<f32>(reinterpret<u32>(r) + 1);
  return r;
}

/**
 * Quantises the query x (dim floats) for the screen block: its int16 row at xq (width int16),
 * its scale σ_q at sqAt and its bound E at eAt (f32 each; see the top of this file). A query
 * that cannot be screened (not finite, a dim other than the block's, or ‖q‖·Ymax > 2¹⁰⁰) gets
 * σ_q = 0 and E = +∞: every row is then rescored. Returns whether it can be screened.
 */
export function prepareQuery(screen: usize, x: usize, dim: i32, xq: usize, sqAt: usize, eAt: usize): bool {
  const width = load<i32>(screen, 8);
  const level = load<i32>(screen, 12);
  const R = load<f64>(screen, 16);
  const W = load<f64>(screen, 24);
  const Ymax = load<f64>(screen, 32);
  const m = maxAbs(x, dim);
  let sq: f32 = m / <f32>level;
  if (dim != load<i32>(screen, 4) || m != m) sq = 0;
  // The sums land in the scratch after xq: they are not needed past this call.
  const sums = xq + ((<usize>width << 1) + 7 & ~7);
  quantise(x, dim, width, sq, level, xq, sums);
  const dq = Math.sqrt(load<f64>(sums));
  const nq = Math.sqrt(load<f64>(sums, 16));
  const ok = dim == load<i32>(screen, 4) && m == m && nq * Ymax <= 1.2676506002282294e30; // 2¹⁰⁰
  const u = 5.9604644775390625e-8; // 2⁻²⁴
  const K = <f64>dim + 4;
  const G = (nq + dq) * W;
  const E = (1 + 9.5367431640625e-7) * (nq * R + W * dq + 2 * (K + 2) * u * nq * Ymax + 8 * u * G) + 7.888609052210118e-31;
  store<f32>(sqAt, ok ? sq : 0);
  store<f32>(eAt, ok ? f32Up(E) : Infinity);
  return ok;
}

/** Lane j = the (wrapping) sum of v_j's four lanes: four integer horizontal sums at once. */
@inline export function isums4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  const t0 = i32x4.add(i32x4.shuffle(v0, v1, 0, 4, 1, 5), i32x4.shuffle(v0, v1, 2, 6, 3, 7));
  const t1 = i32x4.add(i32x4.shuffle(v2, v3, 0, 4, 1, 5), i32x4.shuffle(v2, v3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
}

/**
 * U = ((a + b) + E) + κ|b| with a = (P·σ)·σ_q, lane by lane (P the integer dots, σ the rows'
 * scales, b their biases): the bound above, in the order it was derived for.
 */
@inline export function upper(P: v128, scales: v128, sq: v128, E: v128, b: v128, hasBias: bool): v128 {
  const a = f32x4.mul(f32x4.mul(f32x4.convert_i32x4_s(P), scales), sq);
  if (!hasBias) return f32x4.add(a, E);
  return f32x4.add(f32x4.add(f32x4.add(a, b), E), f32x4.mul(f32x4.abs(b), f32x4.splat(KAPPA)));
}

/**
 * Row i scored exactly (scoreTopK's `dot`, then its bias) and offered to the heap, unless it
 * is in the ascending list excl[0 … numExcl) or its bound u is at most the heap's threshold.
 */
// rescore and screenRange stay calls (not inlined): a row is rescored rarely once the heap is
// full, and inlining them into each caller cost ~14 kB per wasm build for no measured gain.
export function rescore(
  Y: usize, rb: usize, dim: i32, x: usize, bias: usize, i: i32, u: f32,
  excl: usize, numExcl: i32, n: i32, outIdx: usize, outScore: usize, kept: i32,
): i32 {
  if (u <= threshold(outScore, kept, n)) return kept;
  if (numExcl > 0 && listHas(excl, numExcl, i)) return kept;
  let s = dot(x, Y + <usize>i * rb, dim);
  if (bias) s += load<f32>(bias + (<usize>i << 2));
  return offer(outIdx, outScore, kept, n, i, s);
}

/** Binary search in an ascending i32 list. */
@inline function listHas(list: usize, n: i32, value: i32): bool {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<i32>(list + (<usize>mid << 2)) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo < n && load<i32>(list + (<usize>lo << 2)) == value;
}

/**
 * The heap of `kept` entries carried on over the rows [r0, r1) for one query whose screen
 * data prepareQuery wrote (xq, σ_q = sq, E): four rows at a time, their integer dots, the four
 * bounds, one SIMD compare against the threshold; only rows whose bound passes are rescored.
 * The same heap states as score.ts topKRange. Returns how many the heap holds.
 */
export function screenRange(
  screen: usize, Y: usize, stride: i32, dim: i32, r0: i32, r1: i32, x: usize, xq: usize, sq: f32, E: f32,
  bias: usize, excl: usize, numExcl: i32, n: i32, outIdx: usize, outScore: usize, kept: i32,
): i32 {
  const rb = <usize>stride << 2;
  const rowBytes = <usize>load<i32>(screen, 8) << 1;
  const scales = screen + SCREEN_HEADER;
  const rowsAt = screenRowsAt(screen, load<i32>(screen));
  const vsq = f32x4.splat(sq);
  const vE = f32x4.splat(E);
  let thr = threshold(outScore, kept, n);
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const h0 = rowsAt + <usize>i * rowBytes;
    const h1 = h0 + rowBytes;
    const h2 = h1 + rowBytes;
    const h3 = h2 + rowBytes;
    let a0 = i32x4.splat(0);
    let a1 = a0; let a2 = a0; let a3 = a0;
    for (let o: usize = 0; o < rowBytes; o += 16) {
      const qv = v128.load(xq + o);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(qv, v128.load(h0 + o)));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(qv, v128.load(h1 + o)));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(qv, v128.load(h2 + o)));
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(qv, v128.load(h3 + o)));
    }
    const b = bias ? v128.load(bias + (<usize>i << 2)) : f32x4.splat(0);
    const u = upper(isums4(a0, a1, a2, a3), v128.load(scales + (<usize>i << 2)), vsq, vE, b, bias != 0);
    if (!v128.any_true(v128.not(f32x4.le(u, f32x4.splat(thr))))) continue;
    kept = rescore(Y, rb, dim, x, bias, i, f32x4.extract_lane(u, 0), excl, numExcl, n, outIdx, outScore, kept);
    kept = rescore(Y, rb, dim, x, bias, i + 1, f32x4.extract_lane(u, 1), excl, numExcl, n, outIdx, outScore, kept);
    kept = rescore(Y, rb, dim, x, bias, i + 2, f32x4.extract_lane(u, 2), excl, numExcl, n, outIdx, outScore, kept);
    kept = rescore(Y, rb, dim, x, bias, i + 3, f32x4.extract_lane(u, 3), excl, numExcl, n, outIdx, outScore, kept);
    thr = threshold(outScore, kept, n);
  }
  // The last rows (fewer than four): exactly, as scoreTopK.
  for (; i < r1; i++) kept = rescore(Y, rb, dim, x, bias, i, NaN, excl, numExcl, n, outIdx, outScore, kept);
  return kept;
}

/** Whether `screen` was built for rows of dim columns covering [start, end). */
@inline export function screenFits(screen: usize, dim: i32, start: i32, end: i32): bool {
  return screen != 0 && load<i32>(screen, 4) == dim && start >= 0 && end <= load<i32>(screen);
}

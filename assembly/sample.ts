// One Gibbs half-step slice (Bayesian ALS): rows [start, end) of the solved side are drawn from
// their Gaussian conditionals instead of being solved for their mode.
//
// The prior block is scaled by the noise variance 1/τ, so the row's system is exactly the one
// solveRows builds plus a dense start matrix: with P = Λ_prior/τ and h = Λ_prior·μ_prior/τ,
//   A = P + Σ_j y_j y_jᵀ = UᵀU,   m = A⁻¹(h + Σ_j t_j y_j),   x = m + U⁻¹ z / √τ
//   = A⁻¹(h + Σ_j t_j y_j + Uᵀz/√τ)  (one solve, as solveRows),
// which is the BPMF draw x ~ N(m, (τA)⁻¹). gramRow takes P as its start matrix (the A0 slot
// implicit feedback uses for YᵀY), so the Gram work is solveRows' own.
//
// prior: P (stride × stride, upper triangle within dim; the rest is copied as scratch) followed
// by h (stride floats). The standard normals z of row u are drawn here, from the row's own
// stream seeded mix(streamKey ^ u): a row's draw never depends on which thread ran it, and no
// memory outside the scratch holds them. The generator (mulberry32 pairs, Marsaglia's polar
// method, fdlibm's log) is restated in the JS twin operation for operation: both backends
// draw the same z to the bit, and the same as V8's Math.log would give.
// Scratch: the solveRows layout (types.ts solveScratchFloats); z sits in its CG part.
import {
  SOLVE_X, SOLVE_Y, SOLVE_STRIDE, SOLVE_DIM, SOLVE_INDPTR, SOLVE_INDICES, SOLVE_VALUES, SOLVE_MU, SOLVE_OTHER_BIAS,
} from './abi';
import { rowWeights } from './weights';
import { gramRow } from './gram';
import { cholesky, choleskySolve } from './cholesky';
import { allFinite, madd } from './vec';

/**
 * Draws rows [start, end) of the side the parameter block at `params` solves (its X, Y,
 * stride, dim, ratings, mu and otherBias slots; explicit weights), row u's normals from the
 * stream mix(streamKey ^ u). Returns -1, r ≥ 0 when row r's precision was not positive
 * definite, -2 - r when its draw was not finite.
 */
export function sampleRows(
  params: usize, prior: usize, noiseScale: f32, streamKey: u32, start: i32, end: i32, scratch: usize,
): i32 {
  const X = <usize>load<u32>(params, SOLVE_X);
  const Y = <usize>load<u32>(params, SOLVE_Y);
  const stride = load<i32>(params, SOLVE_STRIDE);
  const dim = load<i32>(params, SOLVE_DIM);
  const indptr = <usize>load<u32>(params, SOLVE_INDPTR);
  const indices = <usize>load<u32>(params, SOLVE_INDICES);
  const values = <usize>load<u32>(params, SOLVE_VALUES);
  const mu = load<f32>(params, SOLVE_MU);
  const otherBias = <usize>load<u32>(params, SOLVE_OTHER_BIAS);

  const rb = <usize>stride << 2;
  const h = prior + <usize>stride * rb;
  const A = scratch;
  const b = A + <usize>stride * rb;
  // The CG part (3·stride floats, unused otherwise): z, then the polar method's accepted points
  // (⌈dim/2⌉ f64 pairs: 8·dim bytes when dim is even, else at most 8·(dim + 1) ≤ 8·stride).
  const z = b + rb;
  const points = z + rb;
  const wPtr = b + 4 * rb; // past b and the CG part

  for (let u = start; u < end; u++) {
    const xRow = X + <usize>u * rb;
    const lo = load<i32>(indptr + (<usize>u << 2));
    const hi = load<i32>(indptr + (<usize>u << 2), 4);
    const n = hi - lo;
    const cols = indices + (<usize>lo << 2);
    const m4 = <usize>((n + 3) & ~3) << 2;
    const w = wPtr;
    const t = w + m4;
    const gather = t + m4;
    // A row without ratings is drawn from the prior alone (n = 0: A = P, b = 0).
    if (n > 0) rowWeights(cols, values + (<usize>lo << 2), n, 0, 0, mu, otherBias, w, t);
    gramRow(Y, stride, dim, cols, w, t, n, prior, A, b, gather);
    for (let i = 0; i < dim; i++) {
      const o = <usize>i << 2;
      store<f32>(b + o, load<f32>(b + o) + load<f32>(h + o));
    }
    const status = cholesky(A, stride, dim, 0);
    if (status >= 0) return u;
    // x = A⁻¹(b + s·Uᵀz) = m + s·U⁻¹U⁻ᵀUᵀz = m + s·U⁻¹z: the noise rides through the mean's
    // own solve, so a draw costs one solve, as an ALS row (no separate back substitution).
    standardNormals(z, dim, mix(streamKey ^ <u32>u), points);
    addUpperTransposeProduct(A, stride, dim, z, noiseScale, b);
    choleskySolve(A, stride, dim, b, b);
    if (!allFinite(b, dim)) return -2 - u;
    for (let i = 0; i < dim; i++) store<f32>(xRow + (<usize>i << 2), load<f32>(b + (<usize>i << 2)));
  }
  return -1;
}

/**
 * b += scale·Uᵀz (U upper triangular from `cholesky`, row-major): row i of U adds scale·z_i·U[i][j]
 * to b_j for j ≥ i. Reads only U's upper triangle within dim × dim (the rest of A is scratch),
 * writes only b[0, dim).
 *
 * Four rows at a time: each aligned 4-column block of b is loaded once and takes the four rows'
 * updates in row order (f32x4 madd), the diagonal block's lanes right of row p one scalar update
 * each, the columns past the last full block scalar too. Every b_j so takes the same updates,
 * in the same order, each as the same operation (madd or scalar) as row-by-row axpys over
 * [roundUp4(i), dim & ~3) with scalar ends: one row at a time would load and store b dim/4
 * times as often.
 */
function addUpperTransposeProduct(U: usize, stride: i32, dim: i32, z: usize, scale: f32, b: usize): void {
  const rb = <usize>stride << 2;
  const full = dim & ~3;
  for (let p = 0; p < full; p += 4) {
    const po = <usize>p << 2;
    const u0 = U + <usize>p * rb + po; // U[p][p]
    const u1 = u0 + rb; // U[p+1][p]
    const u2 = u1 + rb;
    const u3 = u2 + rb;
    const z0: f32 = scale * load<f32>(z + po);
    const z1: f32 = scale * load<f32>(z + po, 4);
    const z2: f32 = scale * load<f32>(z + po, 8);
    const z3: f32 = scale * load<f32>(z + po, 12);
    const v0 = f32x4.splat(z0);
    const v1 = f32x4.splat(z1);
    const v2 = f32x4.splat(z2);
    const v3 = f32x4.splat(z3);
    // The diagonal block: row p on all four lanes, rows p+1..p+3 on the lanes from their own.
    const bp = b + po;
    v128.store(bp, madd(v0, v128.load(u0), v128.load(bp)));
    store<f32>(bp, load<f32>(bp, 4) + z1 * load<f32>(u1, 4), 4);
    store<f32>(bp, load<f32>(bp, 8) + z1 * load<f32>(u1, 8), 8);
    store<f32>(bp, load<f32>(bp, 12) + z1 * load<f32>(u1, 12), 12);
    store<f32>(bp, load<f32>(bp, 8) + z2 * load<f32>(u2, 8), 8);
    store<f32>(bp, load<f32>(bp, 12) + z2 * load<f32>(u2, 12), 12);
    store<f32>(bp, load<f32>(bp, 12) + z3 * load<f32>(u3, 12), 12);
    let j = p + 4;
    for (; j < full; j += 4) {
      const o = <usize>(j - p) << 2;
      const bj = bp + o;
      let v = madd(v0, v128.load(u0 + o), v128.load(bj));
      v = madd(v1, v128.load(u1 + o), v);
      v = madd(v2, v128.load(u2 + o), v);
      v128.store(bj, madd(v3, v128.load(u3 + o), v));
    }
    for (; j < dim; j++) {
      const o = <usize>(j - p) << 2;
      const bj = bp + o;
      store<f32>(bj, load<f32>(bj) + z0 * load<f32>(u0 + o));
      store<f32>(bj, load<f32>(bj) + z1 * load<f32>(u1 + o));
      store<f32>(bj, load<f32>(bj) + z2 * load<f32>(u2 + o));
      store<f32>(bj, load<f32>(bj) + z3 * load<f32>(u3 + o));
    }
  }
  // The last 1–3 rows: scalar.
  for (let i = full; i < dim; i++) {
    const row = U + <usize>i * rb;
    const zi: f32 = scale * load<f32>(z + (<usize>i << 2));
    for (let j = i; j < dim; j++) {
      const o = <usize>j << 2;
      store<f32>(b + o, load<f32>(b + o) + zi * load<f32>(row + o));
    }
  }
}

/** A splitmix32 finalizer step (train/prng.ts mix): the row seeds of a stream. */
@inline function mix(x: u32): u32 {
  x += 0x9e3779b9;
  x = (x ^ (x >> 16)) * 0x85ebca6b;
  x = (x ^ (x >> 13)) * 0xc2b2ae35;
  return x ^ (x >> 16);
}

/**
 * `count` standard normals into out (f32) from one mulberry32 stream: Marsaglia's polar method,
 * a pair per accepted point of the unit disc, both values used. The uniforms are
 * u32 · 2⁻³¹ − 1 in f64, the pair's factor √(−2 ln q / q) in f64, each value rounded to f32 once.
 *
 * Two passes: the accepted points first (`points`: x, y as f64 pairs, ⌈count/2⌉ of them), then
 * their transforms. The first holds the stream's only dependency chain and the rejection's
 * unpredictable branch; the second is independent per point, so the core overlaps the points'
 * divisions, square roots and logs.
 */
function standardNormals(out: usize, count: i32, seed: u32, points: usize): void {
  let state = seed;
  const pairs = (count + 1) >> 1;
  for (let c = 0; c < pairs; c++) {
    let x: f64;
    let y: f64;
    let q: f64;
    do {
      state += 0x6d2b79f5;
      x = <f64>mulberry32(state) * (2.0 / 4294967296.0) - 1;
      state += 0x6d2b79f5;
      y = <f64>mulberry32(state) * (2.0 / 4294967296.0) - 1;
      q = x * x + y * y;
    } while (q >= 1 || q == 0);
    const at = points + (<usize>c << 4);
    store<f64>(at, x);
    store<f64>(at, y, 8);
  }
  for (let c = 0; c < pairs; c++) {
    const at = points + (<usize>c << 4);
    const x = load<f64>(at);
    const y = load<f64>(at, 8);
    const q = x * x + y * y;
    const f = Math.sqrt((-2 * logUnit(q)) / q);
    const o = out + (<usize>c << 3);
    store<f32>(o, <f32>(x * f));
    if (2 * c + 1 < count) store<f32>(o, <f32>(y * f), 4);
  }
}

/** mulberry32's output for a state (the state advances by 0x6d2b79f5 per draw, outside). */
@inline function mulberry32(state: u32): u32 {
  let t = state;
  t = (t ^ (t >> 15)) * (t | 1);
  t ^= t + (t ^ (t >> 7)) * (t | 61);
  return t ^ (t >> 14);
}

/**
 * ln q for 2⁻⁶² ≤ q < 1 (the polar method's q: no zero, subnormal, negative or non-finite
 * argument reaches it), as fdlibm's __ieee754_log computes it (V8's Math.log is that code):
 * AssemblyScript's Math.log is musl's table-driven log, whose last bits differ.
 *
 * fdlibm's k = 0 branches are its k ≠ 0 formulas with dk = 0 (0·ln2 terms add exact zeros and
 * 0 − t = −t; only a zero result could differ, in its sign, and ln q ≠ 0 here), and its two
 * polynomial tails are both computed and one selected: no branch depends on q's bits but the
 * |f| < 2⁻²⁰ one (about one q in 2¹⁹), so consecutive calls overlap in the core.
 */
@inline function logUnit(q: f64): f64 {
  const bits = reinterpret<u64>(q);
  let hx = <i32>(bits >> 32);
  let k = (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  // x (or x/2) in [√2/2, √2): the high word's exponent set to 0 (or -1)
  const x = reinterpret<f64>((<u64>(hx | (i0 ^ 0x3ff00000)) << 32) | (bits & 0xffffffff));
  k += i0 >> 20;
  const f = x - 1.0;
  const dk = <f64>k;
  if ((0x000fffff & (2 + hx)) < 3) return logNearPower(f, dk);
  const s = f / (2.0 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const r = t2 + t1;
  const hfsq = 0.5 * f * f;
  const wide = dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
  const narrow = dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f);
  return select<f64>(wide, narrow, ((hx - 0x6147a) | (0x6b851 - hx)) > 0);
}

/** logUnit's |f| < 2⁻²⁰ case (q within 2⁻²⁰ of a power of two), as fdlibm. */
function logNearPower(f: f64, dk: f64): f64 {
  if (f == 0) return dk * LN2_HI + dk * LN2_LO;
  const r = f * f * (0.5 - 0.33333333333333333 * f);
  return dk * LN2_HI - ((r - dk * LN2_LO) - f);
}

// fdlibm e_log.c's constants: ln 2 split in two, and the minimax polynomial of
// ln((1 + s)/(1 − s)) on |s| ≤ 0.1716.
const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const LG1: f64 = 6.666666666666735130e-1;
const LG2: f64 = 3.999999999940941908e-1;
const LG3: f64 = 2.857142874366239149e-1;
const LG4: f64 = 2.222219843214978396e-1;
const LG5: f64 = 1.818357216161805012e-1;
const LG6: f64 = 1.531383769920937332e-1;
const LG7: f64 = 1.479819860511658591e-1;

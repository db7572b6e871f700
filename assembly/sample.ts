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
// prior: the PRIOR_PARAMS block (abi.ts): P (stride × stride, upper triangle within dim; the
// rest is copied as scratch) and h (stride floats). The standard normals z of row u are drawn
// here, from the row's own stream seeded mix(streamKey ^ u): a row's draw never depends on
// which thread ran it, and no memory outside the scratch holds them. The generator (mulberry32,
// Box–Muller in f32x4 with our own log, sin and cos polynomials) is restated in the JS twin
// operation for operation: both backends draw the same z to the bit.
//
// Short rows (n ≤ shortMax) skip the dim × dim precision, as ALS's short rows do
// (short-rows.ts): with P = LLᵀ and the fixed rows whitened, ỹ_j = L⁻¹y_j, the precision is
// L(I + Σ_j ỹ_jỹ_jᵀ)Lᵀ, and a draw is the exact solution of a perturbed system ("perturb and
// MAP", Papandreou & Yuille 2010):
//   (I + Σ_j ỹ_jỹ_jᵀ) z = L⁻¹h + s·η + Σ_j (t_j + s·ε_j) ỹ_j,   x = L⁻ᵀz,   η, ε standard normal,
// because the right-hand side's noise L⁻¹(s·Lη + s·Σ_j ε_j y_j) has covariance s²·L⁻¹ALᵀ⁻¹:
// x then has mean A⁻¹(h + Σ_j t_j y_j) and covariance s²A⁻¹, the same law as the standard
// draw (different numbers). The n × n system costs n²·dim/2 + n³/6 against the standard
// path's n·dim²/2 + dim³/6 + dim² (Gram, Cholesky, Uᵀz and the solve); both pay dim + n or dim
// normals, and x = L⁻ᵀz costs dim²/2 (upperTimes). With `rowLoss` each drawn row also leaves its residual
// squares Σ_j (t_j − x·y_j)², free on the short path (short-rows.ts: the solve's a). With
// `keep` a kept sample's row is written scaled into the model's rows while it is in cache
// (keepRow), instead of a pass over the whole side afterwards; with `mirror` every row drawn is
// copied there too, for the next hyperparameter draw (train/gibbs.ts).
// Scratch: the solveRows layout (types.ts solveScratchFloats); z sits in its CG part.
import {
  SOLVE_X, SOLVE_Y, SOLVE_STRIDE, SOLVE_DIM, SOLVE_INDPTR, SOLVE_INDICES, SOLVE_VALUES, SOLVE_MU, SOLVE_OTHER_BIAS,
  GATHER_ROWS, PRIOR_PRECISION, PRIOR_MEAN, PRIOR_SHORT_MAX, PRIOR_WHITE_ROWS, PRIOR_WHITE_FACTOR, PRIOR_WHITE_MEAN,
  PRIOR_ROW_LOSS, PRIOR_KEEP, PRIOR_KEEP_FACTORS, PRIOR_KEEP_SAMPLES, PRIOR_KEEP_INDEX, PRIOR_KEEP_BIAS, PRIOR_MIRROR,
  SOLVE_INDEX_BYTES, SOLVE_INDEX_SPLITS, SOLVE_INDEX_BLOCKS,
} from './abi';
import { rowColumns } from './columns';
import { rowWeights } from './weights';
import { gramRow } from './gram';
import { cholesky, choleskySolve } from './cholesky';
import { shortRowCap, shortRowSolve } from './short-rows';
import { allFinite, copyf, hsum, madd } from './vec';

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
  const indexBytes = load<i32>(params, SOLVE_INDEX_BYTES);
  const splits = <usize>load<u32>(params, SOLVE_INDEX_SPLITS);
  const blocks = load<i32>(params, SOLVE_INDEX_BLOCKS);
  const values = <usize>load<u32>(params, SOLVE_VALUES);
  const mu = load<f32>(params, SOLVE_MU);
  const otherBias = <usize>load<u32>(params, SOLVE_OTHER_BIAS);

  const P = <usize>load<u32>(prior, PRIOR_PRECISION);
  const h = <usize>load<u32>(prior, PRIOR_MEAN);
  // capped as in solveRows: M and its row addresses live in the gather blocks
  const shortMax = min(load<i32>(prior, PRIOR_SHORT_MAX), shortRowCap(dim, 2 * GATHER_ROWS * stride));
  const W = <usize>load<u32>(prior, PRIOR_WHITE_ROWS);
  const C = <usize>load<u32>(prior, PRIOR_WHITE_FACTOR);
  const hw = <usize>load<u32>(prior, PRIOR_WHITE_MEAN);
  const rowLoss = <usize>load<u32>(prior, PRIOR_ROW_LOSS);
  const keep = <usize>load<u32>(prior, PRIOR_KEEP);
  const keepFactors = load<i32>(prior, PRIOR_KEEP_FACTORS);
  const keepSamples = load<i32>(prior, PRIOR_KEEP_SAMPLES);
  const keepIndex = load<i32>(prior, PRIOR_KEEP_INDEX);
  const keepBias = <usize>load<u32>(prior, PRIOR_KEEP_BIAS);
  const keepScale: f64 = 1 / Math.sqrt(<f64>keepSamples);
  const mirror = <usize>load<u32>(prior, PRIOR_MIRROR);

  const rb = <usize>stride << 2;
  const A = scratch;
  const b = A + <usize>stride * rb;
  const z = b + rb; // in the CG part (unused otherwise): stride floats
  const wPtr = b + 4 * rb; // past b and the CG part

  for (let u = start; u < end; u++) {
    const xRow = X + <usize>u * rb;
    const lo = load<i32>(indptr + (<usize>u << 2));
    const hi = load<i32>(indptr + (<usize>u << 2), 4);
    const n = hi - lo;
    const m4 = <usize>((n + 3) & ~3) << 2;
    const w = wPtr;
    const t = w + m4;
    const cols = rowColumns(indices, lo, n, indexBytes, t + m4, splits, blocks, u);
    const gather = t + 2 * m4;
    // A row without ratings is drawn from the prior alone (n = 0: A = P, b = 0).
    if (n > 0) rowWeights(cols, values + (<usize>lo << 2), n, 0, 0, mu, otherBias, w, t);
    const seed = mix(streamKey ^ <u32>u);
    if (shortMax > 0 && n <= shortMax) {
      // b = L⁻¹h + s·η, t_j += s·ε_j (η = z[0, dim), ε = z[dim, dim + n)); the solve in
      // scratch as ALS's short rows (T in A, its work in the gather blocks), x = L⁻ᵀz into z.
      standardNormals(z, dim + n, seed);
      // b = L⁻¹h + s·η in f32x4, the lanes past dim zeroed (z holds more normals there)
      const vs = f32x4.splat(noiseScale);
      const lanes = i32x4(0, 1, 2, 3);
      for (let i = 0; i < dim; i += 4) {
        const o = <usize>i << 2;
        const v = f32x4.add(v128.load(hw + o), f32x4.mul(vs, v128.load(z + o)));
        v128.store(b + o, v128.and(v, i32x4.lt_s(lanes, i32x4.splat(dim - i))));
      }
      const eps = z + (<usize>dim << 2);
      for (let j = 0; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(t + o, load<f32>(t + o) + noiseScale * load<f32>(eps + o));
      }
      if (shortRowSolve(W, stride, dim, cols, w, t, n, 1, b, A, gather, b) < 0) {
        if (rowLoss) {
          // a_j = t_j + s·ε_j − y_j·x (short-rows.ts): the residual of the unperturbed t_j is
          // a_j − s·ε_j; a follows the n row addresses in the solve's work (roundUp8(n) floats).
          const a = gather + (<usize>((n + 7) & ~7) << 2);
          let squares: f64 = 0;
          for (let j = 0; j < n; j++) {
            const o = <usize>j << 2;
            const e = <f64>(load<f32>(a + o) - noiseScale * load<f32>(eps + o));
            squares += e * e;
          }
          store<f64>(rowLoss + (<usize>u << 3), squares);
        }
        upperTimes(C, stride, dim, b, z); // x = L⁻ᵀz; overwrites ε
        if (!allFinite(z, dim)) return -2 - u;
        copyf(z, xRow, dim);
        if (mirror) copyf(z, mirror + <usize>u * rb, dim);
        if (keep) keepRow(keep, keepFactors, keepSamples, keepIndex, keepScale, keepBias, z, u);
        continue;
      }
      // M not positive definite in f32 (rare): the standard draw, from unperturbed targets.
      rowWeights(cols, values + (<usize>lo << 2), n, 0, 0, mu, otherBias, w, t);
    }
    gramRow(Y, stride, dim, cols, w, t, n, P, A, b, gather);
    for (let i = 0; i < dim; i += 4) { // h is 0 past dim
      const o = <usize>i << 2;
      v128.store(b + o, f32x4.add(v128.load(b + o), v128.load(h + o)));
    }
    const status = cholesky(A, stride, dim, 0);
    if (status >= 0) return u;
    // x = A⁻¹(b + s·Uᵀz) = m + s·U⁻¹U⁻ᵀUᵀz = m + s·U⁻¹z: the noise rides through the mean's
    // own solve, so a draw costs one solve, as an ALS row (no separate back substitution).
    standardNormals(z, dim, seed);
    addUpperTransposeProduct(A, stride, dim, z, noiseScale, b);
    choleskySolve(A, stride, dim, b, b);
    if (!allFinite(b, dim)) return -2 - u;
    copyf(b, xRow, dim);
    if (mirror) copyf(b, mirror + <usize>u * rb, dim);
    if (keep) keepRow(keep, keepFactors, keepSamples, keepIndex, keepScale, keepBias, b, u);
    if (rowLoss) store<f64>(rowLoss + (<usize>u << 3), residualSquares(Y, rb, dim, cols, t, n, b));
  }
  return -1;
}

/**
 * Row u's kept sample: x[0, k) times `scale` (= 1/√samples) into floats [index·k, (index + 1)·k)
 * of its row of k·samples floats at `keep`, and x[k] (the bias) added to the f64 sum at
 * bias + 8u when bias ≠ 0. The product is taken in f64 and rounded to f32, as JavaScript's
 * f32 × f64 stored to a Float32Array: promote, multiply, demote are exact IEEE operations in
 * both, so both backends keep the same bits.
 */
// @ts-ignore: decorator
@inline function keepRow(keep: usize, k: i32, samples: i32, index: i32, scale: f64, bias: usize, x: usize, u: i32): void {
  const to = keep + ((<usize>u * <usize>(k * samples) + <usize>(index * k)) << 2);
  const vs = f64x2.splat(scale);
  let c = 0;
  for (; c + 4 <= k; c += 4) {
    const v = v128.load(x + (<usize>c << 2));
    const lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v), vs));
    const hi = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), vs));
    v128.store(to + (<usize>c << 2), v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
  }
  for (; c < k; c++) store<f32>(to + (<usize>c << 2), <f32>(<f64>load<f32>(x + (<usize>c << 2)) * scale));
  if (bias) {
    const at = bias + (<usize>u << 3);
    store<f64>(at, load<f64>(at) + <f64>load<f32>(x + (<usize>k << 2)));
  }
}

/**
 * x = R z for R upper triangular (rows of `stride`, zero below the diagonal and past dim; here
 * L⁻ᵀ): x_i = R[i][i…dim)·z[i…dim), each a dot product from the aligned lane at or below i (R's
 * zeros fill the gap), so no lane multiplies a zero block of R: about dim²/8 f32x4
 * multiply-adds against short-rows.ts `unwhiten`'s dim²/4 from L⁻¹ in blocks of 32 lanes.
 * z's lanes [dim, roundUp4(dim)) are read (times R's zero padding): they must be finite.
 * Writes x[0, dim); x must not alias z.
 *
 * Rows 4p … 4p + 3 start at the same lane, so they run together: four independent chains
 * sharing each load of z, where one row's chain waits on its own adds (2.5 against 0.9 ms a
 * half-step on ml-latest-small's items, k = 64). Each row's sum takes the same operations in
 * the same order as alone: the same bits.
 */
// @ts-ignore: decorator
@inline function upperTimes(R: usize, stride: i32, dim: i32, z: usize, x: usize): void {
  const rb = <usize>stride << 2;
  const end = <usize>((dim + 3) & ~3) << 2;
  const full = dim & ~3;
  let i = 0;
  for (; i < full; i += 4) {
    const r0 = R + <usize>i * rb;
    const r1 = r0 + rb;
    const r2 = r1 + rb;
    const r3 = r2 + rb;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let o = <usize>i << 2; o < end; o += 16) {
      const v = v128.load(z + o);
      a0 = madd(v128.load(r0 + o), v, a0);
      a1 = madd(v128.load(r1 + o), v, a1);
      a2 = madd(v128.load(r2 + o), v, a2);
      a3 = madd(v128.load(r3 + o), v, a3);
    }
    const xo = x + (<usize>i << 2);
    store<f32>(xo, hsum(a0));
    store<f32>(xo, hsum(a1), 4);
    store<f32>(xo, hsum(a2), 8);
    store<f32>(xo, hsum(a3), 12);
  }
  for (; i < dim; i++) {
    const row = R + <usize>i * rb;
    let acc = f32x4.splat(0);
    for (let o = <usize>full << 2; o < end; o += 16) acc = madd(v128.load(row + o), v128.load(z + o), acc);
    store<f32>(x + (<usize>i << 2), hsum(acc));
  }
}

/**
 * Σ_j (t_j − x·y_j)² over a row's n ratings (y_j = row cols[j] of Y), f32 dot products, f64 sum.
 * Four ratings at a time: their dot products are independent chains sharing each load of x
 * (one chain alone waits on its own adds); each keeps its operations and order, and the
 * squares are added in rating order, so the sum has the same bits as one rating at a time.
 */
function residualSquares(Y: usize, rb: usize, dim: i32, cols: usize, t: usize, n: i32, x: usize): f64 {
  const full = <usize>(dim & ~3) << 2;
  const end = <usize>dim << 2;
  let squares: f64 = 0;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const c = cols + (<usize>j << 2);
    const y0 = Y + <usize>load<i32>(c) * rb;
    const y1 = Y + <usize>load<i32>(c, 4) * rb;
    const y2 = Y + <usize>load<i32>(c, 8) * rb;
    const y3 = Y + <usize>load<i32>(c, 12) * rb;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let o: usize = 0; o < full; o += 16) {
      const v = v128.load(x + o);
      a0 = madd(v, v128.load(y0 + o), a0);
      a1 = madd(v, v128.load(y1 + o), a1);
      a2 = madd(v, v128.load(y2 + o), a2);
      a3 = madd(v, v128.load(y3 + o), a3);
    }
    let d0 = hsum(a0), d1 = hsum(a1), d2 = hsum(a2), d3 = hsum(a3);
    for (let o = full; o < end; o += 4) {
      const v = load<f32>(x + o);
      d0 += v * load<f32>(y0 + o);
      d1 += v * load<f32>(y1 + o);
      d2 += v * load<f32>(y2 + o);
      d3 += v * load<f32>(y3 + o);
    }
    const tj = t + (<usize>j << 2);
    const e0 = <f64>(load<f32>(tj) - d0);
    squares += e0 * e0;
    const e1 = <f64>(load<f32>(tj, 4) - d1);
    squares += e1 * e1;
    const e2 = <f64>(load<f32>(tj, 8) - d2);
    squares += e2 * e2;
    const e3 = <f64>(load<f32>(tj, 12) - d3);
    squares += e3 * e3;
  }
  for (; j < n; j++) {
    const y = Y + <usize>load<i32>(cols + (<usize>j << 2)) * rb;
    let acc = f32x4.splat(0);
    for (let o: usize = 0; o < full; o += 16) acc = madd(v128.load(x + o), v128.load(y + o), acc);
    let dot = hsum(acc);
    for (let o = full; o < end; o += 4) dot += load<f32>(x + o) * load<f32>(y + o);
    const e = <f64>(load<f32>(t + (<usize>j << 2)) - dot);
    squares += e * e;
  }
  return squares;
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
 * Standard normals into out (f32) from one mulberry32 stream, eight at a time (⌈count/8⌉·8 are
 * written: out has room for stride floats), by Box–Muller in f32x4: the stream's draws 8b+1 …
 * 8b+8 make block b, its first four the radii r = √(−2 ln u₁) with u₁ = (w ≫ 8 + 1)·2⁻²⁴ in
 * (0, 1], its last four the angles: 2 bits of quadrant and 22 of ψ ∈ [−π/4, π/4), so the
 * angle qπ/2 + ψ is uniform on the circle. out[8b + l] = r_l cos, out[8b + 4 + l] = r_l sin.
 * mulberry32's state is a Weyl sequence (seed + n·0x6d2b79f5), so the lanes compute their
 * states, not wait for each other. ln, sin and cos are polynomials of our own (musl's logf,
 * Taylor to ψ⁹ and ψ⁸: errors below 2·10⁻⁷), f32 operations only, no fused multiply-add: the
 * JS twin restates each operation and draws the same bits. |z| ≤ √(−2 ln 2⁻²⁴) ≈ 5.77.
 */
function standardNormals(out: usize, count: i32, seed: u32): void {
  const one = i32x4.splat(1);
  let s1 = i32x4(<i32>(seed + WEYL), <i32>(seed + 2 * WEYL), <i32>(seed + 3 * WEYL), <i32>(seed + 4 * WEYL));
  let s2 = i32x4.add(s1, i32x4.splat(<i32>(4 * WEYL)));
  const step = i32x4.splat(<i32>(8 * WEYL));
  for (let c = 0; c < count; c += 8) {
    const w1 = mulberry32x4(s1);
    const w2 = mulberry32x4(s2);
    s1 = i32x4.add(s1, step);
    s2 = i32x4.add(s2, step);
    const u1 = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(i32x4.shr_u(w1, 8), one)), f32x4.splat(TWO_M24));
    const r = f32x4.sqrt(f32x4.mul(f32x4.splat(-2), log4(u1)));
    const a = i32x4.shr_u(w2, 8);
    const q = i32x4.shr_u(a, 22);
    const t = f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(v128.and(a, i32x4.splat(0x3fffff))), f32x4.splat(TWO_M22)), f32x4.splat(0.5));
    const psi = f32x4.mul(t, f32x4.splat(HALF_PI));
    const p = f32x4.mul(psi, psi);
    const sinPoly = f32x4.add(f32x4.splat(S1), f32x4.mul(p, f32x4.add(f32x4.splat(S2), f32x4.mul(p, f32x4.add(f32x4.splat(S3), f32x4.mul(p, f32x4.splat(S4)))))));
    const sin = f32x4.add(psi, f32x4.mul(f32x4.mul(psi, p), sinPoly));
    const cosPoly = f32x4.add(f32x4.splat(C1), f32x4.mul(p, f32x4.add(f32x4.splat(C2), f32x4.mul(p, f32x4.add(f32x4.splat(C3), f32x4.mul(p, f32x4.splat(C4)))))));
    const cos = f32x4.add(f32x4.splat(1), f32x4.mul(p, cosPoly));
    // (cos, sin) of qπ/2 + ψ: odd quadrants swap them; cos is negated in quadrants 1 and 2, sin
    // in 2 and 3 (sign-bit flips: exact).
    const swap = i32x4.ne(v128.and(q, one), i32x4.splat(0));
    const x = v128.bitselect(sin, cos, swap);
    const y = v128.bitselect(cos, sin, swap);
    const cosSign = i32x4.shl(v128.and(v128.xor(q, i32x4.shr_u(q, 1)), one), 31);
    const sinSign = i32x4.shl(i32x4.shr_u(q, 1), 31);
    const o = out + (<usize>c << 2);
    v128.store(o, f32x4.mul(r, v128.xor(x, cosSign)));
    v128.store(o, f32x4.mul(r, v128.xor(y, sinSign)), 16);
  }
}

/** mulberry32's output for four states. */
@inline function mulberry32x4(state: v128): v128 {
  let t = i32x4.mul(v128.xor(state, i32x4.shr_u(state, 15)), v128.or(state, i32x4.splat(1)));
  t = v128.xor(t, i32x4.add(t, i32x4.mul(v128.xor(t, i32x4.shr_u(t, 7)), v128.or(t, i32x4.splat(61)))));
  return v128.xor(t, i32x4.shr_u(t, 14));
}

/**
 * ln x for 2⁻²⁴ ≤ x ≤ 1 (f32x4), musl's logf: x = 2^k·m with m in [√2/2, √2), f = m − 1,
 * s = f/(2 + f), ln m = f − hfsq + s·(hfsq + R(s²)).
 */
@inline function log4(x: v128): v128 {
  let ix = i32x4.add(x, i32x4.splat(0x3f800000 - 0x3f3504f3));
  const k = i32x4.sub(i32x4.shr_s(ix, 23), i32x4.splat(0x7f));
  ix = i32x4.add(v128.and(ix, i32x4.splat(0x007fffff)), i32x4.splat(0x3f3504f3));
  const f = f32x4.sub(ix, f32x4.splat(1));
  const s = f32x4.div(f, f32x4.add(f32x4.splat(2), f));
  const z = f32x4.mul(s, s);
  const w = f32x4.mul(z, z);
  const t1 = f32x4.mul(w, f32x4.add(f32x4.splat(LG2), f32x4.mul(w, f32x4.splat(LG4))));
  const t2 = f32x4.mul(z, f32x4.add(f32x4.splat(LG1), f32x4.mul(w, f32x4.splat(LG3))));
  const r = f32x4.add(t2, t1);
  const hfsq = f32x4.mul(f32x4.mul(f32x4.splat(0.5), f), f);
  const dk = f32x4.convert_i32x4_s(k);
  const sum = f32x4.add(f32x4.mul(s, f32x4.add(hfsq, r)), f32x4.mul(dk, f32x4.splat(LN2_LO)));
  return f32x4.add(f32x4.add(f32x4.sub(sum, hfsq), f), f32x4.mul(dk, f32x4.splat(LN2_HI)));
}

/** mulberry32's state increment. */
const WEYL: u32 = 0x6d2b79f5;
const TWO_M24: f32 = 5.9604644775390625e-8;
const TWO_M22: f32 = 2.384185791015625e-7;
const HALF_PI: f32 = 1.5707963705062866;
// sin ψ = ψ + ψ·p·(S1 + p(S2 + p(S3 + p·S4))), cos ψ = 1 + p(C1 + p(C2 + p(C3 + p·C4))), p = ψ²:
// Taylor's coefficients rounded to f32.
const S1: f32 = -0.1666666716337204;
const S2: f32 = 0.008333333767950535;
const S3: f32 = -0.00019841270113829523;
const S4: f32 = 0.0000027557318844628753;
const C1: f32 = -0.5;
const C2: f32 = 0.0416666679084301;
const C3: f32 = -0.0013888889225199819;
const C4: f32 = 0.000024801587642286904;
// musl logf's: ln 2 split in two, and the polynomial R.
const LN2_HI: f32 = 0.6931381225585938;
const LN2_LO: f32 = 0.00000905800061445916;
const LG1: f32 = 0.6666666269302368;
const LG2: f32 = 0.40000972151756287;
const LG3: f32 = 0.2849878668785095;
const LG4: f32 = 0.24279078841209412;

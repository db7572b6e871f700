/**
 * The Normal–Wishart hyperprior of Bayesian probabilistic matrix factorization (Salakhutdinov &
 * Mnih, ICML 2008) and the Gamma draw of the noise precision (libFM's MCMC, Rendle 2013), in
 * f64 on the JS heap: the matrices are d × d with d = k (+ 1 with the bias coordinate), small
 * next to the O(nnz·d²) of a half-step.
 *
 * Matrices are dense row-major Float64Array of d × d.
 */
import type { Prng } from './prng.js';

/** The Normal–Wishart prior on one side's (mean, precision). BPMF's defaults are {@link bpmfPrior}. */
export interface NormalWishart {
  mu0: Float64Array;
  beta0: number;
  nu0: number;
  /** W₀⁻¹ (the inverse scale matrix), d × d. */
  w0Inverse: Float64Array;
}

/** Scalar settings of the Normal–Wishart hyperprior: W₀ = w0·I, ν₀ = d + nu0Extra. */
export interface HyperpriorSettings {
  beta0?: number;
  nu0Extra?: number;
  w0?: number;
}

/** BPMF's defaults: μ₀ = 0, β₀ = 2, ν₀ = d, W₀ = I; `settings` overrides them. */
export function bpmfPrior(d: number, settings: HyperpriorSettings = {}): NormalWishart {
  const w0 = settings.w0 ?? 1;
  const w0Inverse = new Float64Array(d * d);
  for (let i = 0; i < d; i++) w0Inverse[i * d + i] = 1 / w0;
  return { mu0: new Float64Array(d), beta0: settings.beta0 ?? 2, nu0: d + (settings.nu0Extra ?? 0), w0Inverse };
}

/**
 * Scratch arrays of one dimension d for the draws below, reused from draw to draw. A draw at
 * d = 65 allocated a dozen 34 KB arrays; in a fit, whose kernels sweep the caches between
 * draws, their pages were often fresh (a page fault each), and a draw took 0.55 ms or 1.5–2.75 ms
 * by the allocator's luck.
 */
export class WishartWork {
  readonly factor: Float64Array;
  readonly factorTransposed: Float64Array;
  readonly inverse: Float64Array;
  readonly bartlett: Float64Array;
  readonly product: Float64Array;
  readonly scaleInverse: Float64Array;
  readonly scaled: Float64Array;
  /** inverseSpd's column solves, four at a time. */
  readonly columns: [Float64Array, Float64Array, Float64Array, Float64Array];
  readonly mean: Float64Array;
  readonly posteriorMean: Float64Array;

  constructor(d: number) {
    const square = () => new Float64Array(d * d);
    this.factor = square();
    this.factorTransposed = square();
    this.inverse = square();
    this.bartlett = square();
    this.product = square();
    this.scaleInverse = square();
    this.scaled = square();
    this.columns = [new Float64Array(d), new Float64Array(d), new Float64Array(d), new Float64Array(d)];
    this.mean = new Float64Array(d);
    this.posteriorMean = new Float64Array(d);
  }
}

/**
 * Lower-triangular L with M = LLᵀ (M symmetric positive definite; only its lower part is read).
 * Each entry is M[i][j] less Σ_{p<j} L[i][p]·L[j][p] in p order; rows are taken four at a time
 * below their diagonal block, so four such chains run side by side sharing the loads of row j
 * (one chain alone waits on its own subtractions). Each keeps its order: the same bits as one
 * row at a time.
 */
export function choleskyLower(m: Float64Array, d: number, into?: Float64Array): Float64Array {
  const l = into ? into.fill(0) : new Float64Array(d * d);
  let i = 0;
  for (; i + 4 <= d; i += 4) {
    const r0 = i * d;
    const r1 = r0 + d;
    const r2 = r1 + d;
    const r3 = r2 + d;
    for (let j = 0; j < i; j++) {
      const rj = j * d;
      let s0 = m[r0 + j]!;
      let s1 = m[r1 + j]!;
      let s2 = m[r2 + j]!;
      let s3 = m[r3 + j]!;
      for (let p = 0; p < j; p++) {
        const v = l[rj + p]!;
        s0 -= l[r0 + p]! * v;
        s1 -= l[r1 + p]! * v;
        s2 -= l[r2 + p]! * v;
        s3 -= l[r3 + p]! * v;
      }
      const pivot = l[rj + j]!;
      l[r0 + j] = s0 / pivot;
      l[r1 + j] = s1 / pivot;
      l[r2 + j] = s2 / pivot;
      l[r3 + j] = s3 / pivot;
    }
    for (let row = i; row < i + 4; row++) choleskyRowFrom(m, l, d, row, i);
  }
  for (; i < d; i++) choleskyRowFrom(m, l, d, i, 0);
  return l;
}

/** Entries [from, row] of L's row `row`, one at a time (its entries before `from` are done). */
function choleskyRowFrom(m: Float64Array, l: Float64Array, d: number, row: number, from: number): void {
  const ri = row * d;
  for (let j = from; j <= row; j++) {
    const rj = j * d;
    let s = m[ri + j]!;
    for (let p = 0; p < j; p++) s -= l[ri + p]! * l[rj + p]!;
    if (row === j) {
      if (!(s > 0)) throw new RangeError(`matrix not positive definite at pivot ${row}`);
      l[ri + row] = Math.sqrt(s);
    } else {
      l[ri + j] = s / l[rj + j]!;
    }
  }
}

/**
 * M⁻¹ of a symmetric positive definite M, through its Cholesky factor: column c solves
 * L y = e_c, then Lᵀ x = y. y's first c entries are exactly +0 (each is 0 less products with
 * +0, over a positive pivot), so the forward solve starts at c. Columns go four at a time,
 * their solves side by side sharing the loads of L (Lᵀ read by rows, L's columns copied once);
 * a column's products with the +0 entries of its block's start leave its sums unchanged, and
 * each sum keeps its order: the same bits as one column at a time from row 0.
 */
export function inverseSpd(m: Float64Array, d: number, work: WishartWork = new WishartWork(d)): Float64Array {
  const l = choleskyLower(m, d, work.factor);
  const lt = work.factorTransposed.fill(0);
  for (let i = 0; i < d; i++) for (let p = 0; p <= i; p++) lt[p * d + i] = l[i * d + p]!;
  const out = work.inverse;
  const [x0, x1, x2, x3] = work.columns;
  for (const x of work.columns) x.fill(0);
  let c = 0;
  for (; c + 4 <= d; c += 4) {
    for (let i = c; i < d; i++) {
      const ri = i * d;
      let s0 = i === c ? 1 : 0;
      let s1 = i === c + 1 ? 1 : 0;
      let s2 = i === c + 2 ? 1 : 0;
      let s3 = i === c + 3 ? 1 : 0;
      for (let p = c; p < i; p++) {
        const v = l[ri + p]!;
        s0 -= v * x0[p]!;
        s1 -= v * x1[p]!;
        s2 -= v * x2[p]!;
        s3 -= v * x3[p]!;
      }
      const pivot = l[ri + i]!;
      x0[i] = s0 / pivot;
      x1[i] = s1 / pivot;
      x2[i] = s2 / pivot;
      x3[i] = s3 / pivot;
    }
    for (let i = d - 1; i >= 0; i--) {
      const ri = i * d;
      let s0 = x0[i]!;
      let s1 = x1[i]!;
      let s2 = x2[i]!;
      let s3 = x3[i]!;
      for (let p = i + 1; p < d; p++) {
        const v = lt[ri + p]!;
        s0 -= v * x0[p]!;
        s1 -= v * x1[p]!;
        s2 -= v * x2[p]!;
        s3 -= v * x3[p]!;
      }
      const pivot = lt[ri + i]!;
      x0[i] = s0 / pivot;
      x1[i] = s1 / pivot;
      x2[i] = s2 / pivot;
      x3[i] = s3 / pivot;
      out[ri + c] = x0[i]!;
      out[ri + c + 1] = x1[i]!;
      out[ri + c + 2] = x2[i]!;
      out[ri + c + 3] = x3[i]!;
    }
    // the next block's forward solves read x's first entries as the +0 of L y = e_c
    x0.fill(0);
    x1.fill(0);
    x2.fill(0);
    x3.fill(0);
  }
  for (; c < d; c++) {
    x0.fill(0);
    for (let i = c; i < d; i++) {
      let s = i === c ? 1 : 0;
      for (let p = c; p < i; p++) s -= l[i * d + p]! * x0[p]!;
      x0[i] = s / l[i * d + i]!;
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = x0[i]!;
      for (let p = i + 1; p < d; p++) s -= lt[i * d + p]! * x0[p]!;
      x0[i] = s / lt[i * d + i]!;
      out[i * d + c] = x0[i]!;
    }
  }
  // Symmetric in exact arithmetic: make it so in floating point too.
  for (let i = 0; i < d; i++)
    for (let j = 0; j < i; j++) out[i * d + j] = out[j * d + i] = (out[i * d + j]! + out[j * d + i]!) / 2;
  return out;
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 through the usual u^(1/shape) boost. */
export function sampleGamma(rng: Prng, shape: number): number {
  if (shape < 1) return sampleGamma(rng, shape + 1) * (1 - rng.next()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next(); // (0, 1]
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Λ ~ Wishart(W, ν) (mean νW) by the Bartlett decomposition: Λ = (LA)(LA)ᵀ, W = LLᵀ. */
export function sampleWishart(
  rng: Prng,
  w: Float64Array,
  nu: number,
  d: number,
  work: WishartWork = new WishartWork(d),
): Float64Array {
  const l = choleskyLower(w, d, work.factor);
  const a = work.bartlett.fill(0);
  for (let i = 0; i < d; i++) {
    a[i * d + i] = Math.sqrt(2 * sampleGamma(rng, (nu - i) / 2)); // χ²(ν − i)
    for (let j = 0; j < i; j++) a[i * d + j] = rng.normal();
  }
  const la = work.product.fill(0); // L·A, lower triangular
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = j; p <= i; p++) s += l[i * d + p]! * a[p * d + j]!;
      la[i * d + j] = s;
    }
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p <= j; p++) s += la[i * d + p]! * la[j * d + p]!;
      out[i * d + j] = out[j * d + i] = s;
    }
  return out;
}

/** Sufficient statistics of one side's rows: their count, Σ x and Σ x xᵀ (d × d, symmetric). */
export interface RowStatistics {
  n: number;
  sum: Float64Array;
  outer: Float64Array;
}

/**
 * (μ, Λ) from the Normal–Wishart posterior given the rows' statistics:
 *   β* = β₀ + N, ν* = ν₀ + N, μ* = (β₀μ₀ + N x̄)/β*,
 *   W*⁻¹ = W₀⁻¹ + N S̄ + β₀N/β* (x̄ − μ₀)(x̄ − μ₀)ᵀ,  N S̄ = Σ x xᵀ − N x̄ x̄ᵀ,
 *   Λ ~ Wishart(W*, ν*),  μ ~ N(μ*, (β*Λ)⁻¹).
 */
export function sampleNormalWishart(
  rng: Prng,
  prior: NormalWishart,
  stats: RowStatistics,
  d: number,
  work: WishartWork = new WishartWork(d),
): { mean: Float64Array; precision: Float64Array } {
  const { n, sum, outer } = stats;
  const betaN = prior.beta0 + n;
  const nuN = prior.nu0 + n;
  const xbar = work.mean.fill(0);
  if (n > 0) for (let i = 0; i < d; i++) xbar[i] = sum[i]! / n;
  const muN = work.posteriorMean;
  for (let i = 0; i < d; i++) muN[i] = (prior.beta0 * prior.mu0[i]! + n * xbar[i]!) / betaN;
  const shrink = (prior.beta0 * n) / betaN;
  const wInverse = work.scaleInverse;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      const scatter = outer[i * d + j]! - n * xbar[i]! * xbar[j]!;
      const di = xbar[i]! - prior.mu0[i]!;
      const dj = xbar[j]! - prior.mu0[j]!;
      wInverse[i * d + j] = prior.w0Inverse[i * d + j]! + scatter + shrink * di * dj;
    }
  const precision = sampleWishart(rng, inverseSpd(wInverse, d, work), nuN, d, work);
  // μ = μ* + L⁻ᵀz with β*Λ = LLᵀ: covariance L⁻ᵀL⁻¹ = (β*Λ)⁻¹.
  const scaled = work.scaled;
  for (let e = 0; e < d * d; e++) scaled[e] = precision[e]! * betaN;
  const l = choleskyLower(scaled, d, work.factor);
  const mean = new Float64Array(d);
  for (let i = 0; i < d; i++) mean[i] = rng.normal();
  for (let i = d - 1; i >= 0; i--) {
    let s = mean[i]!;
    for (let p = i + 1; p < d; p++) s -= l[p * d + i]! * mean[p]!;
    mean[i] = s / l[i * d + i]!;
  }
  for (let i = 0; i < d; i++) mean[i] = mean[i]! + muN[i]!;
  return { mean, precision };
}

/**
 * τ ~ Gamma(α₀ + N/2, rate β₀ + RSS/2): the noise precision's conditional given the residual
 * sum of squares of N ratings (libFM's α-sampling, α₀ = β₀ = 1).
 */
export function sampleNoisePrecision(rng: Prng, residualSquares: number, n: number, alpha0 = 1, beta0 = 1): number {
  return sampleGamma(rng, alpha0 + n / 2) / (beta0 + residualSquares / 2);
}

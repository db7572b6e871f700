import { Ratings } from '../data/ratings.js';
import { ErrorCode, fail } from '../errors.js';
import { abortSignal, boolean, callback, checkOptions, describe, integer, nonNegative, oneOf, positive } from '../validate.js';
import { checkThreads } from '../parallel/threads.js';

export type Feedback = 'explicit' | 'implicit';
export type Confidence = 'one-plus-alpha' | 'alpha';
export type RegularizationScaling = 'none' | 'count';
export type SolverName = 'cholesky' | 'cg' | 'subspace' | 'gibbs';
export type BackendName = 'auto' | 'wasm' | 'js';

/** What `onIteration` receives after each iteration (all users, then all items). */
export interface IterationInfo {
  /** 1-based. */
  iteration: number;
  /** Wall time of the iteration's two half-steps, in seconds (the loss is not included). */
  seconds: number;
  /**
   * The objective being minimized divided by the number of ratings: data term (squared
   * error, or confidence-weighted error over all pairs for implicit) plus the regularization
   * penalty. With `unobservedWeight` α₀ it is the same confidence form (c = 1 + 1/α₀,
   * p = 1/(1 + α₀)), which is Rendle et al.'s iALS objective J divided by α₀ less a constant:
   * loss = (J/α₀ − P/(1 + α₀)) / ratings, P the number of positive ratings.
   */
  loss: number;
}

export interface AlsOptions {
  /** Latent factors per user and item (k). Default 64. */
  factors?: number;
  /** Iterations; each updates all users, then all items. Default 15. */
  iterations?: number;
  /**
   * λ ≥ 0. Default 10 with regularizationScaling 'none', 0.1 with 'count' (Spark's regParam):
   * chosen by held-out error on MovieLens latest-small, LibMF's demo and Last.fm 2K (see the
   * README's defaults table).
   */
  regularization?: number;
  /**
   * 'none': λ as given (the textbook form). 'count': λ·n_u per row, n_u = the row's number
   * of ratings (positives for implicit) — ALS-WR, what Spark MLlib does. Default 'none'.
   */
  regularizationScaling?: RegularizationScaling;
  /**
   * ν ≥ 0 of frequency-scaled regularization (Rendle et al. 2022): λ_u = λ·(n_u + α₀·N)^ν per
   * row, n_u the row's count of ratings (positives for implicit), N the number of rows on the
   * other side, α₀ = `unobservedWeight` (0 without it). ν = 0 is plain λ, ν = 1 with α₀ = 0 is
   * 'count'. It takes precedence over `regularizationScaling`, which then must agree: 'none'
   * means ν = 0, 'count' means ν > 0 (1 unless given here). Default: 0, or 1 with 'count'.
   */
  regularizationExponent?: number;
  /** 'explicit' ratings or 'implicit' feedback (counts, clicks). Default 'explicit'. */
  feedback?: Feedback;
  /** α of the implicit confidence. Default 1. */
  alpha?: number;
  /**
   * Implicit confidence: 'one-plus-alpha' c = 1 + α|r| (Spark, Hu–Koren–Volinsky) or 'alpha'
   * c = α·|r| (the Python `implicit` library). r < 0 is a dislike: p = 0, c from |r|.
   * Default 'one-plus-alpha'.
   */
  confidence?: Confidence;
  /**
   * α₀ > 0, implicit feedback only: train Rendle et al.'s iALS loss
   * Σ_{(u,i) observed} (1 − ŷ)² + α₀ Σ_{all u,i} ŷ² + Σ_u λ_u‖x_u‖² + Σ_i λ_i‖y_i‖²
   * instead of the confidence form (so `alpha` and `confidence` are refused beside it). Its
   * normal equations (Σ_obs y yᵀ + α₀ YᵀY + λ_u I) x = Σ_obs y, divided by α₀, are ours,
   * A = YᵀY + Σ_j w_j y_j y_jᵀ + λ'_u I, b = Σ_j t_j y_j, with w_j = t_j = 1/α₀ on positives
   * and λ'_u = λ_u/α₀: Hu–Koren–Volinsky with confidence c = 1 + 1/α₀, preference
   * p = 1/(1 + α₀) on observed pairs and λ scaled by 1/α₀. Default (or null): not used.
   */
  unobservedWeight?: number | null;
  /**
   * 'cholesky' (exact), 'cg' (conjugate gradient, warm-started), 'subspace' (iALS++, Rendle
   * et al. 2021: one sweep of block coordinate descent over blocks of `blockSize` factors,
   * warm-started; O(nnz·k·b + n·k²) per iteration instead of O(nnz·k² + n·k³), for large k) or
   * 'gibbs' (Bayesian ALS: explicit only, see `samples`). Default 'cholesky'.
   */
  solver?: SolverName;
  /** Conjugate-gradient steps per row and half-step. Default 3. */
  cgSteps?: number;
  /**
   * solver 'subspace': factors per block b (any b ≥ 1; a last partial block is fine; b ≥ k is
   * one block, i.e. the Cholesky solution). Default 64 (see docs/ials-plus-plus.md).
   */
  blockSize?: number;
  /**
   * Explicit only: learn a global mean and user and item biases inside ALS. Default true for
   * explicit feedback (it wins on every rating data set measured), false for implicit.
   */
  biases?: boolean;
  /** Seed of the initial factors. Default 0. */
  seed?: number;
  /**
   * σ > 0: start from entries drawn from normal(0, σ/√k), as Rendle et al.'s iALS code does,
   * instead of the default (null: rows of |N(0, 1)| scaled to unit length). Same seeded stream.
   * Default null, but 0.1 with solver 'subspace' ({@link SUBSPACE_INIT_STD}).
   */
  initStd?: number | null;
  /**
   * Starting factors instead of random ones: row-major Float32Array of numUsers × factors
   * and numItems × factors, in dense-index order.
   */
  init?: { userFactors: Float32Array; itemFactors: Float32Array };
  /** 'auto' picks WASM SIMD where the runtime has it, else JS. Default 'auto'. */
  backend?: BackendName;
  /**
   * Worker threads. 'auto': all cores in Node (os.availableParallelism()), or
   * navigator.hardwareConcurrency in a cross-origin-isolated page; 1 for small problems
   * (starting workers costs 0.1–0.3 s) and where there is no SharedArrayBuffer or Worker
   * (with one warning naming the fix). A number is honoured, even above the core count.
   * Results are bit-identical for any count. Default 'auto'.
   */
  threads?: number | 'auto';
  /** Called after every iteration; return false to stop early. */
  onIteration?: (info: IterationInfo) => void | boolean | Promise<void | boolean>;
  /** Aborts training between half-steps. */
  signal?: AbortSignal;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  factors: number;
  iterations: number;
  regularization: number;
  regularizationScaling: RegularizationScaling;
  /** ν: 0 with 'none', > 0 with 'count'. */
  regularizationExponent: number;
  feedback: Feedback;
  /** Meaningless (1) when unobservedWeight is set. */
  alpha: number;
  confidence: Confidence;
  /** α₀, or null for the confidence form. */
  unobservedWeight: number | null;
  solver: SolverName;
  cgSteps: number;
  blockSize: number;
  samples: number;
  burnIn: number;
  biases: boolean;
  seed: number;
  /** σ, or null for unit-length rows (never null for solver subspace without init). */
  initStd: number | null;
  backend: BackendName;
  threads: number | 'auto';
}

/** The default λ under regularizationScaling 'count' (Spark MLlib's regParam default). */
export const COUNT_SCALED_REGULARIZATION = 0.1;

/**
 * The default initStd of solver 'subspace' (Rendle et al.'s iALS++ code draws normal(0, 0.1/√k)).
 * Block coordinate descent is slow to leave the unit-row start: those rows are all positive, so
 * every block is coupled to the others through one dominant direction of YᵀY. After 16 epochs
 * on ml-latest-small (implicit, λ = 10) the unit-row start left subspace 7–22% above Cholesky's
 * loss at k = 64 / 256 / 1024, this start within 0.2% (docs/ials-plus-plus.md).
 */
export const SUBSPACE_INIT_STD = 0.1;

/** The defaults of explicit feedback; implicit feedback defaults to biases: false. */
export const DEFAULTS: ResolvedOptions = {
  factors: 64,
  iterations: 15,
  regularization: 10,
  regularizationScaling: 'none',
  regularizationExponent: 0,
  feedback: 'explicit',
  alpha: 1,
  confidence: 'one-plus-alpha',
  unobservedWeight: null,
  solver: 'cholesky',
  cgSteps: 3,
  blockSize: 64,
  samples: 100, // solver 'gibbs' (docs/bayesian-als.md)
  burnIn: 10,
  biases: true,
  seed: 0,
  initStd: null,
  backend: 'auto',
  threads: 'auto',
};

/** Every key AlsOptions has: anything else is refused, so a typo never trains with a default. */
export const ALS_OPTION_KEYS: readonly (keyof AlsOptions)[] = [
  'factors',
  'iterations',
  'regularization',
  'regularizationScaling',
  'regularizationExponent',
  'feedback',
  'alpha',
  'confidence',
  'unobservedWeight',
  'solver',
  'cgSteps',
  'blockSize',
  'samples',
  'burnIn',
  'validation',
  'biases',
  'seed',
  'initStd',
  'init',
  'backend',
  'threads',
  'onIteration',
  'signal',
];

/** Names users bring from Spark MLlib and the Python `implicit` library, and what ours are. */
const ALIASES: Readonly<Record<string, string>> = {
  implicit: "Use feedback: 'implicit'.",
  implicitPrefs: "Use feedback: 'implicit', or ALS.sparkCompatible({ implicitPrefs: true }) for Spark's names.",
  rank: 'Use factors (or ALS.sparkCompatible for Spark’s names).',
  maxIter: 'Use iterations (or ALS.sparkCompatible for Spark’s names).',
  regParam: 'Use regularization (or ALS.sparkCompatible for Spark’s names).',
  lambda: 'Use regularization.',
  k: 'Use factors.',
  use_cg: "Use solver: 'cg' (or ALS.implicitCompatible for the implicit library's names).",
  cg_steps: 'Use cgSteps (or ALS.implicitCompatible for the implicit library’s names).',
  num_threads: 'Use threads.',
  numThreads: 'Use threads.',
  random_state: 'Use seed.',
  unobserved_weight: 'Use unobservedWeight.',
  reg_exp: 'Use regularizationExponent.',
  regularization_exp: 'Use regularizationExponent.',
  stddev: 'Use initStd.',
};

export function resolveOptions(options: AlsOptions): ResolvedOptions {
  checkOptions('ALS options', options, ALS_OPTION_KEYS, ALIASES);
  const o = { ...DEFAULTS };
  o.factors = integer('factors', options.factors ?? o.factors, 1, 4096);
  o.iterations = integer('iterations', options.iterations ?? o.iterations, 0, 1e6);
  resolveScaling(options, o);
  // λ·n_u with the unscaled default would be 100× too strong: 'count' takes Spark's 0.1.
  o.regularization = nonNegative(
    'regularization',
    options.regularization ?? (o.regularizationScaling === 'count' ? COUNT_SCALED_REGULARIZATION : o.regularization),
  );
  o.feedback = oneOf('feedback', options.feedback ?? o.feedback, ['explicit', 'implicit']);
  o.alpha = nonNegative('alpha', options.alpha ?? o.alpha);
  if (o.alpha === 0 && o.feedback === 'implicit') {
    fail(ErrorCode.INVALID_OPTION, 'alpha must be > 0 for implicit feedback.', 'Use alpha: 1 (the default) or larger.');
  }
  o.confidence = oneOf('confidence', options.confidence ?? o.confidence, ['one-plus-alpha', 'alpha']);
  o.unobservedWeight = resolveUnobservedWeight(options, o.feedback);
  o.solver = oneOf('solver', options.solver ?? o.solver, ['cholesky', 'cg', 'subspace', 'gibbs']);
  resolveGibbsOptions(options, o);
  o.cgSteps = integer('cgSteps', options.cgSteps ?? o.cgSteps, 1, 1000);
  o.blockSize = integer('blockSize', options.blockSize ?? o.blockSize, 1, 4096);
  o.biases = boolean('biases', options.biases ?? o.feedback === 'explicit');
  if (o.biases && o.feedback === 'implicit') {
    fail(ErrorCode.INVALID_OPTION, 'biases apply to explicit feedback only.', "Drop biases, or use feedback: 'explicit'.");
  }
  o.seed = integer('seed', options.seed ?? o.seed, -(2 ** 31), 2 ** 32 - 1);
  o.initStd = options.initStd == null ? null : positive('initStd', options.initStd);
  if (o.initStd !== null && options.init !== undefined) {
    fail(
      ErrorCode.INVALID_OPTION,
      'initStd and init both set the starting factors.',
      'Drop initStd to start from init, or drop init to draw normal(0, initStd/√k) factors.',
    );
  }
  if (o.initStd === null && options.init === undefined && o.solver === 'subspace') o.initStd = SUBSPACE_INIT_STD;
  o.backend = oneOf('backend', options.backend ?? o.backend, ['auto', 'wasm', 'js']);
  o.threads = checkThreads(options.threads ?? o.threads);
  if (options.onIteration !== undefined) callback('onIteration', options.onIteration);
  if (options.signal !== undefined) abortSignal('signal', options.signal);
  if (options.init !== undefined) checkInitShape(options.init);
  return o;
}

/**
 * ν and 'none' / 'count' from either or both: ν wins, the scaling must agree with it
 * ('none' ⇔ ν = 0); the scaling alone means ν = 0 or 1.
 */
function resolveScaling(options: AlsOptions, o: ResolvedOptions): void {
  const given = options.regularizationScaling;
  const scaling =
    given === undefined ? undefined : oneOf('regularizationScaling', given, ['none', 'count'] as RegularizationScaling[]);
  const nu = options.regularizationExponent;
  if (nu === undefined) {
    o.regularizationScaling = scaling ?? o.regularizationScaling;
    o.regularizationExponent = o.regularizationScaling === 'count' ? 1 : 0;
    return;
  }
  o.regularizationExponent = nonNegative('regularizationExponent', nu);
  if (o.regularizationExponent > 64) {
    fail(ErrorCode.INVALID_OPTION, `regularizationExponent must be at most 64 (got ${nu}).`, 'Use a value in [0, 1].');
  }
  const implied: RegularizationScaling = o.regularizationExponent === 0 ? 'none' : 'count';
  if (scaling !== undefined && scaling !== implied) {
    fail(
      ErrorCode.INVALID_OPTION,
      `regularizationScaling '${scaling}' contradicts regularizationExponent ${nu}.`,
      `Drop regularizationScaling (regularizationExponent alone decides), or use '${implied}' with it ('none' means exponent 0, 'count' a positive exponent).`,
    );
  }
  o.regularizationScaling = implied;
}

/** α₀ of Rendle et al.'s loss: implicit only, and instead of the confidence options. */
function resolveUnobservedWeight(options: AlsOptions, feedback: Feedback): number | null {
  if (options.unobservedWeight == null) return null;
  const a0 = positive('unobservedWeight', options.unobservedWeight);
  if (feedback !== 'implicit') {
    fail(
      ErrorCode.INVALID_OPTION,
      'unobservedWeight applies to implicit feedback only.',
      "Use feedback: 'implicit', or drop unobservedWeight.",
    );
  }
  for (const key of ['alpha', 'confidence'] as const) {
    if (options[key] !== undefined) {
      fail(
        ErrorCode.INVALID_OPTION,
        `${key} and unobservedWeight are two forms of the same weighting: set one.`,
        `Drop ${key} (unobservedWeight α₀ equals confidence c = 1 + 1/α₀ with preference 1/(1 + α₀) and λ/α₀), or drop unobservedWeight.`,
      );
    }
  }
  if (!Number.isFinite(1 / a0) || 1 / a0 > 3.4e38) {
    fail(ErrorCode.INVALID_OPTION, `unobservedWeight ${a0} is too small for float32 (1/α₀ overflows).`, 'Use α₀ ≥ 1e-30.');
  }
  return a0;
}

/** The shape of `init` (its sizes are checked against the data in fit). */
function checkInitShape(init: unknown): void {
  const i = init as { userFactors?: unknown; itemFactors?: unknown } | null;
  if (
    i === null ||
    typeof i !== 'object' ||
    !(i.userFactors instanceof Float32Array) ||
    !(i.itemFactors instanceof Float32Array)
  ) {
    fail(
      ErrorCode.INVALID_OPTION,
      `init must be { userFactors: Float32Array, itemFactors: Float32Array } (got ${describe(init)}).`,
    );
  }
  checkOptions('init', i, ['userFactors', 'itemFactors']);
}

// ── Bayesian ALS (solver: 'gibbs') ──

export interface AlsOptions {
  /**
   * solver 'gibbs': posterior samples averaged for prediction, after `burnIn`. The model keeps
   * every kept sample's factors side by side, scaled by 1/√samples, so its x_u·y_i is the
   * average prediction exactly: factors × samples numbers per row. Default 100.
   */
  samples?: number;
  /** solver 'gibbs': first samples drawn and discarded (the chain forgetting its start). Default 10. */
  burnIn?: number;
  /**
   * solver 'gibbs': held-out ratings (IDs as in the training Ratings) whose RMSE under the
   * running sample average `onIteration` reports as `validationRmse`.
   */
  validation?: Ratings;
}

export interface IterationInfo {
  /** solver 'gibbs' with `validation`: RMSE of the running average prediction (NaN during burn-in). */
  validationRmse?: number;
}

function resolveGibbsOptions(options: AlsOptions, o: ResolvedOptions): void {
  o.samples = integer('samples', options.samples ?? o.samples, 1, 1e6);
  o.burnIn = integer('burnIn', options.burnIn ?? o.burnIn, 0, 1e6);
  // samples and burnIn are kept in every model's options (files read back), so only the data
  // option is refused outside 'gibbs'.
  if (o.solver !== 'gibbs' && options.validation !== undefined) {
    fail(ErrorCode.INVALID_OPTION, "validation applies to solver 'gibbs' only.", "Drop validation, or use solver: 'gibbs'.");
  } else if (o.solver === 'gibbs' && (options.feedback ?? 'explicit') !== 'explicit') {
    fail(
      ErrorCode.INVALID_OPTION,
      "solver 'gibbs' samples explicit ratings only.",
      "Use feedback: 'explicit', or solver: 'cholesky'.",
    );
  }
  if (options.validation !== undefined && !(options.validation instanceof Ratings)) {
    fail(
      ErrorCode.INVALID_OPTION,
      `validation must be a Ratings (got ${describe(options.validation)}).`,
      'Build it with Ratings.fromTriples({ users, items, values }).',
    );
  }
}

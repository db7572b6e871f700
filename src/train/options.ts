import { Ratings } from '../data/ratings.js';
import { ErrorCode, fail } from '../errors.js';
import { abortSignal, boolean, callback, checkOptions, describe, integer, nonNegative, oneOf } from '../validate.js';
import { checkThreads } from '../parallel/threads.js';

export type Feedback = 'explicit' | 'implicit';
export type Confidence = 'one-plus-alpha' | 'alpha';
export type RegularizationScaling = 'none' | 'count';
export type SolverName = 'cholesky' | 'cg' | 'gibbs';
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
   * penalty.
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
   * 'cholesky' (exact), 'cg' (conjugate gradient, warm-started), or 'gibbs' (Bayesian ALS:
   * explicit only, see `samples`). Default 'cholesky'.
   */
  solver?: SolverName;
  /** Conjugate-gradient steps per row and half-step. Default 3. */
  cgSteps?: number;
  /**
   * Explicit only: learn a global mean and user and item biases inside ALS. Default true for
   * explicit feedback (it wins on every rating data set measured), false for implicit.
   */
  biases?: boolean;
  /** Seed of the initial factors. Default 0. */
  seed?: number;
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
  feedback: Feedback;
  alpha: number;
  confidence: Confidence;
  solver: SolverName;
  cgSteps: number;
  samples: number;
  burnIn: number;
  biases: boolean;
  seed: number;
  backend: BackendName;
  threads: number | 'auto';
}

/** The default λ under regularizationScaling 'count' (Spark MLlib's regParam default). */
export const COUNT_SCALED_REGULARIZATION = 0.1;

/** The defaults of explicit feedback; implicit feedback defaults to biases: false. */
export const DEFAULTS: ResolvedOptions = {
  factors: 64,
  iterations: 15,
  regularization: 10,
  regularizationScaling: 'none',
  feedback: 'explicit',
  alpha: 1,
  confidence: 'one-plus-alpha',
  solver: 'cholesky',
  cgSteps: 3,
  samples: 100, // solver 'gibbs' (docs/bayesian-als.md)
  burnIn: 10,
  biases: true,
  seed: 0,
  backend: 'auto',
  threads: 'auto',
};

/** Every key AlsOptions has: anything else is refused, so a typo never trains with a default. */
export const ALS_OPTION_KEYS: readonly (keyof AlsOptions)[] = [
  'factors',
  'iterations',
  'regularization',
  'regularizationScaling',
  'feedback',
  'alpha',
  'confidence',
  'solver',
  'cgSteps',
  'samples',
  'burnIn',
  'validation',
  'biases',
  'seed',
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
};

export function resolveOptions(options: AlsOptions): ResolvedOptions {
  checkOptions('ALS options', options, ALS_OPTION_KEYS, ALIASES);
  const o = { ...DEFAULTS };
  o.factors = integer('factors', options.factors ?? o.factors, 1, 4096);
  o.iterations = integer('iterations', options.iterations ?? o.iterations, 0, 1e6);
  o.regularizationScaling = oneOf('regularizationScaling', options.regularizationScaling ?? o.regularizationScaling, [
    'none',
    'count',
  ]);
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
  o.solver = oneOf('solver', options.solver ?? o.solver, ['cholesky', 'cg', 'gibbs']);
  resolveGibbsOptions(options, o);
  o.cgSteps = integer('cgSteps', options.cgSteps ?? o.cgSteps, 1, 1000);
  o.biases = boolean('biases', options.biases ?? o.feedback === 'explicit');
  if (o.biases && o.feedback === 'implicit') {
    fail(ErrorCode.INVALID_OPTION, 'biases apply to explicit feedback only.', "Drop biases, or use feedback: 'explicit'.");
  }
  o.seed = integer('seed', options.seed ?? o.seed, -(2 ** 31), 2 ** 32 - 1);
  o.backend = oneOf('backend', options.backend ?? o.backend, ['auto', 'wasm', 'js']);
  o.threads = checkThreads(options.threads ?? o.threads);
  if (options.onIteration !== undefined) callback('onIteration', options.onIteration);
  if (options.signal !== undefined) abortSignal('signal', options.signal);
  if (options.init !== undefined) checkInitShape(options.init);
  return o;
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

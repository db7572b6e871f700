/**
 * The conventions of Spark MLlib's ALS and of the Python `implicit` library, by their own
 * parameter names, mapped onto this library's options. One table, used by
 * ALS.sparkCompatible / ALS.implicitCompatible and by the model readers (so fold-in on a
 * loaded model solves what the other system would have solved).
 *
 * | meaning               | Spark (`ALS`)                   | `implicit` (`AlternatingLeastSquares`) | here                          |
 * |-----------------------|---------------------------------|----------------------------------------|-------------------------------|
 * | k                     | rank = 10                       | factors = 100                          | factors                       |
 * | iterations            | maxIter = 10                    | iterations = 15                        | iterations                    |
 * | λ                     | regParam = 0.1, × n_u per row   | regularization = 0.01, unscaled        | regularization, regularizationScaling 'count' / 'none' |
 * | feedback              | implicitPrefs = false           | always implicit                        | feedback                      |
 * | confidence            | 1 + α·|r|, alpha = 1.0          | c = alpha·r, alpha = 1.0             | confidence 'one-plus-alpha' / 'alpha', alpha |
 * | solver                | Cholesky (NNLS if nonnegative)  | conjugate gradient, cg_steps = 3 (use_cg = True) | solver, cgSteps       |
 * | seed                  | seed                            | random_state                           | seed                          |
 */
import { ErrorCode, fail } from '../errors.js';
import type { AlsOptions, ResolvedOptions } from '../train/options.js';
import { boolean, checkOptions, integer, nonNegative, positive } from '../validate.js';

/** Spark MLlib ALS parameters (org.apache.spark.ml.recommendation.ALS), with Spark's defaults. */
export interface SparkParams {
  /** Default 10. */
  rank?: number;
  /** Default 10. */
  maxIter?: number;
  /** λ, multiplied by each row's rating count (positives for implicit). Default 0.1. */
  regParam?: number;
  /** Default false. */
  implicitPrefs?: boolean;
  /** Confidence c = 1 + alpha·|r|. Default 1.0. */
  alpha?: number;
  /** Non-negative least squares: not supported here; true is refused. Default false. */
  nonnegative?: boolean;
  /** Default 0 here (Spark derives one from the class name). */
  seed?: number;
}

/** Python `implicit` AlternatingLeastSquares parameters, with that library's defaults. */
export interface ImplicitParams {
  /** Default 100. */
  factors?: number;
  /** λ, not scaled by counts. Default 0.01. */
  regularization?: number;
  /** Confidence c = alpha·r. Default 1.0. */
  alpha?: number;
  /** Default 15. */
  iterations?: number;
  /** Conjugate gradient (true) or Cholesky. Default true. */
  use_cg?: boolean;
  /** Default 3. */
  cg_steps?: number;
  /** Seed. Default 0. */
  random_state?: number;
}

/** What stays this library's own when training with another system's conventions. */
export type RuntimeOptions = Pick<AlsOptions, 'threads' | 'backend' | 'onIteration' | 'signal' | 'init'>;

const SPARK_PARAMS = ['rank', 'maxIter', 'regParam', 'implicitPrefs', 'alpha', 'nonnegative', 'seed'];
const IMPLICIT_PARAMS = ['factors', 'regularization', 'alpha', 'iterations', 'use_cg', 'cg_steps', 'random_state'];
/** The names users bring from this library or the other system, with where they went. */
const SPARK_ALIASES = {
  factors: "Spark's name for it is 'rank'.",
  iterations: "Spark's name for it is 'maxIter'.",
  regularization: "Spark's name for it is 'regParam'.",
  lambda: "Spark's name for it is 'regParam'.",
  feedback: "Spark's name for it is 'implicitPrefs' (true or false).",
  numUserBlocks: 'Blocks are how Spark distributes work; use threads here.',
  numItemBlocks: 'Blocks are how Spark distributes work; use threads here.',
  coldStartStrategy: 'Cold start is chosen when serving (recommend / predict), not when training.',
};
const IMPLICIT_ALIASES = {
  rank: "implicit's name for it is 'factors'.",
  regParam: "implicit's name for it is 'regularization'.",
  maxIter: "implicit's name for it is 'iterations'.",
  seed: "implicit's name for it is 'random_state'.",
  num_threads: "Pass threads (this library's name).",
  dtype: 'Factors are always float32 here.',
  use_gpu: 'There is no GPU solver here; training runs in WebAssembly.',
  use_native: 'Training always runs in WebAssembly here.',
  calculate_training_loss: 'Use onIteration, which receives the loss of every iteration.',
};

/**
 * Spark's parameters as this library's options. Unknown names (also this library's own, such
 * as `factors`) are refused with the Spark name to use; values are checked by their Spark names.
 */
export function sparkOptions(params: SparkParams = {}): AlsOptions {
  checkOptions('Spark ALS parameters', params, SPARK_PARAMS, SPARK_ALIASES);
  const given = <T>(key: keyof SparkParams, check: (name: string, value: unknown) => T): T | undefined =>
    params[key] === undefined ? undefined : check(key, params[key]);
  given('rank', (k, v) => integer(k, v, 1, 4096));
  given('maxIter', (k, v) => integer(k, v, 0, 1e6));
  given('regParam', nonNegative);
  given('implicitPrefs', boolean);
  given('alpha', nonNegative);
  given('nonnegative', boolean);
  given('seed', (k, v) => integer(k, v, -(2 ** 31), 2 ** 32 - 1));
  if (params.nonnegative) {
    fail(
      ErrorCode.INVALID_OPTION,
      'nonnegative (NNLS) is not supported by this library.',
      'Train with nonnegative: false, or train on Spark and load the model here.',
    );
  }
  return {
    factors: params.rank ?? 10,
    iterations: params.maxIter ?? 10,
    regularization: params.regParam ?? 0.1,
    regularizationScaling: 'count',
    feedback: params.implicitPrefs ? 'implicit' : 'explicit',
    alpha: params.alpha ?? 1,
    confidence: 'one-plus-alpha',
    solver: 'cholesky',
    biases: false,
    seed: params.seed ?? 0,
  };
}

/**
 * implicit's parameters as this library's options; unknown names refused (with this library's
 * or implicit's name to use), values checked by implicit's names (`use_cg: 'no'` is refused,
 * not read as true).
 */
export function implicitOptions(params: ImplicitParams = {}): AlsOptions {
  checkOptions('implicit parameters', params, IMPLICIT_PARAMS, IMPLICIT_ALIASES);
  const given = <T>(key: keyof ImplicitParams, check: (name: string, value: unknown) => T): T | undefined =>
    params[key] === undefined ? undefined : check(key, params[key]);
  given('factors', (k, v) => integer(k, v, 1, 4096));
  given('regularization', nonNegative);
  given('alpha', positive);
  given('iterations', (k, v) => integer(k, v, 0, 1e6));
  given('use_cg', boolean);
  given('cg_steps', (k, v) => integer(k, v, 1, 1000));
  given('random_state', (k, v) => integer(k, v, -(2 ** 31), 2 ** 32 - 1));
  return {
    factors: params.factors ?? 100,
    iterations: params.iterations ?? 15,
    regularization: params.regularization ?? 0.01,
    regularizationScaling: 'none',
    feedback: 'implicit',
    alpha: params.alpha ?? 1,
    confidence: 'alpha',
    solver: (params.use_cg ?? true) ? 'cg' : 'cholesky',
    cgSteps: params.cg_steps ?? 3,
    biases: false,
    seed: params.random_state ?? 0,
  };
}

/** Every key trainingConventions may write: what a reader takes back from a file's metadata. */
export const CONVENTION_KEYS: readonly (keyof AlsOptions)[] = [
  'factors',
  'iterations',
  'regularization',
  'regularizationScaling',
  'regularizationExponent',
  'feedback',
  'alpha',
  'confidence',
  'unobservedWeight',
  'initStd',
  'solver',
  'cgSteps',
  'seed',
];

/**
 * The options that say how a model was trained (what fold-in must reproduce), without the
 * runtime ones (threads, backend): what a foreign file carries to keep our conventions.
 */
export function trainingConventions(o: ResolvedOptions): AlsOptions {
  const { factors, iterations, regularization, regularizationScaling, regularizationExponent, feedback, solver, cgSteps, seed } =
    o;
  const conventions: AlsOptions = {
    factors,
    iterations,
    regularization,
    regularizationScaling,
    regularizationExponent,
    feedback,
  };
  // With unobservedWeight the confidence is 1 + 1/α₀: alpha and confidence are placeholders
  // that new ALS() refuses beside it, so only one of the two forms travels.
  if (o.unobservedWeight !== null) conventions.unobservedWeight = o.unobservedWeight;
  else Object.assign(conventions, { alpha: o.alpha, confidence: o.confidence });
  if (o.initStd !== null) conventions.initStd = o.initStd;
  return { ...conventions, solver, cgSteps, seed };
}

/** Spark parameters that describe options (for writing a model back in Spark's layout). */
export function sparkParamsOf(options: AlsOptions): Required<Omit<SparkParams, 'nonnegative'>> {
  return {
    rank: options.factors ?? 10,
    maxIter: options.iterations ?? 10,
    regParam: options.regularization ?? 0.1,
    implicitPrefs: options.feedback === 'implicit',
    alpha: options.alpha ?? 1,
    seed: options.seed ?? 0,
  };
}

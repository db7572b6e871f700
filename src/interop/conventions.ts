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

export function sparkOptions(params: SparkParams = {}): AlsOptions {
  if (params.nonnegative) {
    fail(ErrorCode.INVALID_OPTION, 'nonnegative (NNLS) is not supported by this library.', 'Train with nonnegative: false, or train on Spark and load the model here.');
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

export function implicitOptions(params: ImplicitParams = {}): AlsOptions {
  return {
    factors: params.factors ?? 100,
    iterations: params.iterations ?? 15,
    regularization: params.regularization ?? 0.01,
    regularizationScaling: 'none',
    feedback: 'implicit',
    alpha: params.alpha ?? 1,
    confidence: 'alpha',
    solver: params.use_cg ?? true ? 'cg' : 'cholesky',
    cgSteps: params.cg_steps ?? 3,
    biases: false,
    seed: params.random_state ?? 0,
  };
}

/**
 * The options that say how a model was trained (what fold-in must reproduce), without the
 * runtime ones (threads, backend): what a foreign file carries to keep our conventions.
 */
export function trainingConventions(o: ResolvedOptions): AlsOptions {
  const { factors, iterations, regularization, regularizationScaling, feedback, alpha, confidence, solver, cgSteps, seed } = o;
  return { factors, iterations, regularization, regularizationScaling, feedback, alpha, confidence, solver, cgSteps, seed };
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

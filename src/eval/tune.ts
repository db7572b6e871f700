/**
 * Cross-validation and hyperparameter search with early stopping on a validation metric.
 *
 * Early stopping trains in steps of `evalEvery` iterations, each step warm-started from the
 * previous factors (`init`), evaluates the validation metric after each step, and stops after
 * `patience` steps without improvement; the best checkpoint is kept. With biases the warm
 * start carries the factors but not the biases, which the next half-step re-learns.
 *
 * Fits made here use one thread unless `threads` is given: starting a worker pool costs about
 * 0.3 s per fit on this project's machines, more than it saves on folds of ~100k ratings.
 * Ranking metrics of the models go through the WASM top-k kernel (evaluateRanking) with one
 * evaluator per split, whose memory and worker pool are set up once and reused by every
 * early-stopping checkpoint: so evaluation uses every core ('auto') unless `threads` is given.
 */
import { Ratings } from '../data/ratings.js';
import { ErrorCode, fail } from '../errors.js';
import { boolean, callback, checkOptions, integer, nonNegative, oneOf } from '../validate.js';
import type { ALSModel } from '../model/model.js';
import { ALS } from '../train/als.js';
import type { AlsOptions } from '../train/options.js';
import { Prng } from '../train/prng.js';
import { fitBaseline } from './baseline.js';
import { mae, type RankingMetrics, rmse } from './metrics.js';
import { evaluateRanking, rankingEvaluator, type RankingEvaluator } from './ranking.js';
import type { FactorModel } from './scoring.js';
import { kFold, type Split, type TripleArrays } from './split.js';

/** Triples with dense indices and the matrix size. */
export type EvalData = TripleArrays & { numUsers: number; numItems: number };

export type MetricName = 'rmse' | 'mae' | 'precision' | 'precisionImplicit' | 'recall' | 'map' | 'ndcg' | 'auc' | 'coverage';
export const LOWER_IS_BETTER: ReadonlySet<MetricName> = new Set(['rmse', 'mae']);
export type Scores = Partial<Record<MetricName, number>> & {
  /** With coldStart: 'drop', the test ratings left out (user or item without factors). */
  dropped?: number;
};

/**
 * Test ratings whose user or item has no factors: 'nan' (the default, as Spark's) predicts
 * NaN for indices outside the model, so RMSE and MAE are NaN, and μ + biases for rows that
 * had no training ratings (all-zero factors); 'drop' (Spark's 'drop') leaves both kinds out
 * of RMSE and MAE and counts them in `dropped`.
 */
export type EvalColdStart = 'nan' | 'drop';

export interface EvalOptions {
  /** Ranking list length. Default 10. */
  k?: number;
  /** Compute AUC for implicit models (counted in the same pass as the lists). Default true. */
  auc?: boolean;
  /** RMSE / MAE of test ratings whose user or item has no factors. Default 'nan'. */
  coldStart?: EvalColdStart;
}

/** evaluateModel / evaluateBaseline only: one evaluation, so progress and threads are theirs. */
export interface SingleEvalOptions extends EvalOptions {
  /** Ranking evaluation: (users done, users to evaluate), for a progress bar. */
  onProgress?: (done: number, total: number) => void;
  /** Ranking evaluation threads: a count or 'auto' (default, as recommendAll). */
  threads?: number | 'auto';
}

const EVAL_KEYS = ['k', 'auc', 'coldStart'] as const;
const SINGLE_EVAL_KEYS = [...EVAL_KEYS, 'onProgress', 'threads'] as const;
const STOPPING_KEYS = ['metric', 'evalEvery', 'patience', 'minDelta'] as const;
const CV_KEYS = [...EVAL_KEYS, 'folds', 'seed', 'earlyStopping', 'baseline', 'onFold'] as const;
const TUNE_KEYS = [...CV_KEYS, 'base', 'space', 'strategy', 'trials', 'metric', 'onTrial'] as const;
const SPACE_KEYS = [
  'factors',
  'regularization',
  'alpha',
  'iterations',
  'regularizationScaling',
  'confidence',
  'biases',
  'solver',
] as const;
const METRICS: readonly MetricName[] = [
  'rmse',
  'mae',
  'precision',
  'precisionImplicit',
  'recall',
  'map',
  'ndcg',
  'auc',
  'coverage',
];

function checkEvalOptions(what: string, options: EvalOptions | undefined, keys: readonly string[]): EvalOptions {
  const o = checkOptions(what, options, keys);
  if (o.k !== undefined) integer('k', o.k, 1, 1e6);
  if (o.auc !== undefined) boolean('auc', o.auc);
  if (o.coldStart !== undefined) oneOf('coldStart', o.coldStart, ['nan', 'drop']);
  return o;
}

function checkStopping(stopping: EarlyStopping | false | undefined): void {
  if (stopping === undefined || stopping === false) return;
  const s = checkOptions('earlyStopping options', stopping, STOPPING_KEYS);
  if (s.metric !== undefined) oneOf('earlyStopping.metric', s.metric, METRICS);
  if (s.evalEvery !== undefined) integer('evalEvery', s.evalEvery, 1, 1e6);
  if (s.patience !== undefined) integer('patience', s.patience, 1, 1e6);
  if (s.minDelta !== undefined) nonNegative('minDelta', s.minDelta);
}

function checkCrossValidateOptions(
  what: string,
  cv: CrossValidateOptions | undefined,
  keys: readonly string[],
): CrossValidateOptions {
  const o = checkEvalOptions(what, cv, keys) as CrossValidateOptions;
  if (o.folds !== undefined) integer('folds', o.folds, 2, 1000);
  if (o.seed !== undefined) integer('seed', o.seed, -(2 ** 31), 2 ** 32 - 1);
  if (o.earlyStopping !== undefined && o.earlyStopping !== false) checkStopping(o.earlyStopping);
  if (o.baseline !== undefined) boolean('baseline', o.baseline);
  if (o.onFold !== undefined) callback('onFold', o.onFold);
  return o;
}

/** The triples of a Ratings, with dense indices (CSR order). */
export function triplesOf(ratings: Ratings): EvalData {
  const { indptr, indices, values } = ratings.byUser;
  const users = new Int32Array(indices.length);
  for (let u = 0; u < ratings.numUsers; u++) users.fill(u, indptr[u]!, indptr[u + 1]!);
  return {
    users,
    items: Int32Array.from(indices),
    values: Float32Array.from(values),
    numUsers: ratings.numUsers,
    numItems: ratings.numItems,
  };
}

/** Ratings over the dense indices of `data` (every user and item kept, even without ratings here). */
export function ratingsOf(triples: TripleArrays, numUsers: number, numItems: number): Ratings {
  return Ratings.fromTriples(triples, { denseIds: true, numUsers, numItems });
}

/**
 * Scores of a model on a split: RMSE and MAE for explicit feedback; precision@k (both
 * variants), recall@k, MAP@k, NDCG@k, AUC and coverage, training items excluded, for implicit
 * — through the WASM top-k kernel on worker threads (evaluateRanking), the same numbers as
 * rankingMetrics(factorScorer(model), …). Returns a Promise (it was synchronous before 0.2).
 */
export async function evaluateModel(model: ALSModel, split: Split, options: SingleEvalOptions = {}): Promise<Scores> {
  checkEvalOptions('evaluateModel options', options, SINGLE_EVAL_KEYS);
  if (model.options.feedback === 'explicit') return accuracy(model, split.test, options.coldStart ?? 'nan');
  const metrics = await evaluateRanking(model, split.test, rankingOptionsOf(split, options));
  return rankingScores(metrics);
}

/**
 * The baseline of the same kind: bias-only (explicit) or popularity (implicit; ranked by the
 * kernel as a one-factor model whose scores are the training counts, exact in f32).
 */
export async function evaluateBaseline(
  feedback: 'explicit' | 'implicit',
  split: Split,
  numUsers: number,
  numItems: number,
  options: SingleEvalOptions = {},
): Promise<Scores> {
  oneOf('feedback', feedback, ['explicit', 'implicit']);
  checkEvalOptions('evaluateBaseline options', options, SINGLE_EVAL_KEYS);
  if (feedback === 'explicit') {
    const baseline = fitBaseline(split.train, numUsers, numItems);
    return { rmse: rmse(split.test, baseline.predict), mae: mae(split.test, baseline.predict) };
  }
  const metrics = await evaluateRanking(
    popularityModel(split.train, numUsers, numItems),
    split.test,
    rankingOptionsOf(split, options),
  );
  return rankingScores(metrics);
}

/**
 * The popularity scorer as a factor model: no factors that matter (one, zero), item bias =
 * the item's training count, so score = count exactly and rankings are popularityScorer's.
 */
export function popularityModel(train: { items: ArrayLike<number> }, numUsers: number, numItems: number): FactorModel {
  const counts = new Float32Array(numItems);
  for (let e = 0; e < train.items.length; e++) counts[train.items[e]!]!++;
  return { factors: 1, userFactors: new Float32Array(numUsers), itemFactors: new Float32Array(numItems), itemBiases: counts };
}

/** What a single evaluation passes on to the ranking evaluator (model and baseline alike). */
function rankingOptionsOf(split: Split, options: SingleEvalOptions) {
  const { k, auc, threads, onProgress } = options;
  return { k, train: split.train, auc, threads, onProgress };
}

/** The ranking metrics a tuning score reports (RankingMetrics without k and users). */
function rankingScores(m: RankingMetrics): Scores {
  const { precision, precisionImplicit, recall, map, ndcg, auc, coverage } = m;
  return { precision, precisionImplicit, recall, map, ndcg, auc, coverage };
}

/** RMSE and MAE of model.score on the test ratings, with the cold-start rule of EvalColdStart. */
function accuracy(model: ALSModel, test: TripleArrays, coldStart: EvalColdStart): Scores {
  const predict = (u: number, i: number) => model.score(u, i);
  if (coldStart === 'nan') return { rmse: rmse(test, predict), mae: mae(test, predict) };
  const userKnown = hasFactors(model.userFactors, model.userBiases, model.factors);
  const itemKnown = hasFactors(model.itemFactors, model.itemBiases, model.factors);
  const keep = new Uint8Array(test.values.length);
  let kept = 0;
  for (let e = 0; e < keep.length; e++) {
    if (userKnown[test.users[e]!] === 1 && itemKnown[test.items[e]!] === 1) (keep[e] = 1), kept++;
  }
  const pick = <T extends Int32Array | Float32Array>(from: ArrayLike<number>, make: new (n: number) => T): T => {
    const out = new make(kept);
    for (let e = 0, j = 0; e < keep.length; e++) if (keep[e]) out[j++] = from[e]!;
    return out;
  };
  const known = {
    users: pick(test.users, Int32Array),
    items: pick(test.items, Int32Array),
    values: pick(test.values, Float32Array),
  };
  return { rmse: rmse(known, predict), mae: mae(known, predict), dropped: keep.length - kept };
}

/** 1 for each row with factors: any non-zero factor or bias (ALS leaves a row without ratings all zero). */
function hasFactors(factors: Float32Array, biases: Float32Array | null, k: number): Uint8Array {
  const rows = factors.length / k;
  const out = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let any = biases !== null && biases[r] !== 0;
    for (let c = 0; c < k && !any; c++) any = factors[r * k + c] !== 0;
    out[r] = any ? 1 : 0;
  }
  return out;
}

export interface EarlyStopping {
  /** Metric to watch. Default 'rmse' (explicit) or 'ndcg' (implicit). */
  metric?: MetricName;
  /** Evaluate every this many iterations. Default 1. */
  evalEvery?: number;
  /** Stop after this many evaluations without improvement. Default 2. */
  patience?: number;
  /** Improvements smaller than this do not count. Default 0. */
  minDelta?: number;
}

export interface FitResult {
  model: ALSModel;
  /** Iterations of the kept (best) checkpoint. */
  iterations: number;
  scores: Scores;
  /** Validation metric after each evaluation step: [iterations, value]. */
  history: [number, number][];
  seconds: number;
}

/** Trains up to `options.iterations` iterations, stopping early on the validation metric of `split.test`. */
export async function fitWithEarlyStopping(
  split: Split,
  numUsers: number,
  numItems: number,
  options: AlsOptions,
  stopping: EarlyStopping = {},
  evalOptions: EvalOptions = {},
): Promise<FitResult> {
  return fitStopping(split, numUsers, numItems, options, stopping, evalOptions, options.threads ?? 'auto');
}

/** fitWithEarlyStopping with the evaluation's threads given (CV passes the user's, not the fits' 1). */
async function fitStopping(
  split: Split,
  numUsers: number,
  numItems: number,
  options: AlsOptions,
  stopping: EarlyStopping,
  evalOptions: EvalOptions,
  evalThreads: number | 'auto',
): Promise<FitResult> {
  const start = performance.now();
  options = withThreads(options);
  const als = new ALS(options); // validates the options
  checkStopping(stopping);
  checkEvalOptions('evaluation options', evalOptions, EVAL_KEYS);
  const o = als.options;
  const metric = stopping.metric ?? (o.feedback === 'explicit' ? 'rmse' : 'ndcg');
  checkMetric(metric, o.feedback);
  const every = stopping.evalEvery ?? 1;
  const patience = stopping.patience ?? 2;
  const minDelta = stopping.minDelta ?? 0;
  const sign = LOWER_IS_BETTER.has(metric) ? 1 : -1; // minimize sign · value
  const ratings = ratingsOf(split.train, numUsers, numItems);
  const history: [number, number][] = [];
  let best: { model: ALSModel; iterations: number; scores: Scores; value: number } | null = null;
  let model: ALSModel | null = null;
  let done = 0;
  let stale = 0;
  const evaluator = await splitEvaluator(split, o.feedback, evalThreads, evalOptions);
  try {
    while (done < o.iterations) {
      const steps = Math.min(every, o.iterations - done);
      const init: AlsOptions['init'] = model ? { userFactors: model.userFactors, itemFactors: model.itemFactors } : undefined;
      model = await new ALS({ ...options, iterations: steps, init, onIteration: undefined }).fit(ratings);
      done += steps;
      const scores = await evaluator.evaluate(model);
      const value = scores[metric]!;
      history.push([done, value]);
      if (!best || sign * value < sign * best.value - minDelta) {
        best = { model, iterations: done, scores, value };
        stale = 0;
      } else if (++stale >= patience) break;
    }
    if (!best) {
      // iterations: 0 — the initial factors.
      model = await new ALS({ ...options, onIteration: undefined }).fit(ratings);
      best = { model, iterations: 0, scores: await evaluator.evaluate(model), value: NaN };
    }
  } finally {
    await evaluator.close();
  }
  return {
    model: best.model,
    iterations: best.iterations,
    scores: best.scores,
    history,
    seconds: (performance.now() - start) / 1000,
  };
}

/**
 * Evaluates the models fitted on one split: RMSE / MAE (explicit), or ranking metrics through
 * one RankingEvaluator kept for the whole series (memory and worker threads set up once).
 */
async function splitEvaluator(
  split: Split,
  feedback: 'explicit' | 'implicit',
  threads: number | 'auto',
  options: EvalOptions,
): Promise<{ evaluate(model: ALSModel): Promise<Scores>; close(): Promise<void> }> {
  if (feedback === 'explicit') {
    const coldStart = options.coldStart ?? 'nan';
    return { evaluate: async (model) => accuracy(model, split.test, coldStart), close: async () => undefined };
  }
  const ranking: RankingEvaluator = await rankingEvaluator(split.test, {
    k: options.k,
    train: split.train,
    auc: options.auc,
    threads,
  });
  return { evaluate: async (model) => rankingScores(await ranking.evaluate(model)), close: () => ranking.close() };
}

export interface CrossValidateOptions extends EvalOptions {
  /** Default 5. */
  folds?: number;
  /** Seed of the fold assignment. Default 0. */
  seed?: number;
  /** Early stopping per fold; without it every fold trains `iterations` iterations. */
  earlyStopping?: EarlyStopping | false;
  /** Also score the bias-only (explicit) or popularity (implicit) baseline on each fold. Default true. */
  baseline?: boolean;
  /** Called after each fold. */
  onFold?: (fold: FoldResult, index: number, folds: number) => void;
}

export interface FoldResult {
  scores: Scores;
  baseline: Scores | null;
  iterations: number;
  seconds: number;
}

export interface CrossValidation {
  folds: FoldResult[];
  /** Mean of each metric over the folds. */
  mean: Scores;
  /** Sample standard deviation over the folds. */
  std: Scores;
  baseline: Scores | null;
  /** Mean of the iterations kept per fold. */
  iterations: number;
  seconds: number;
}

/** k-fold cross-validation of ALS with the given options (seeded folds). */
export async function crossValidate(
  data: EvalData,
  options: AlsOptions,
  cv: CrossValidateOptions = {},
): Promise<CrossValidation> {
  checkCrossValidateOptions('crossValidate options', cv, CV_KEYS);
  return runCrossValidation(data, options, cv);
}

async function runCrossValidation(data: EvalData, options: AlsOptions, cv: CrossValidateOptions): Promise<CrossValidation> {
  const start = performance.now();
  const evalThreads = options.threads ?? 'auto';
  options = withThreads(options);
  const folds = kFold(data, cv.folds ?? 5, cv.seed ?? 0);
  const feedback = new ALS(options).options.feedback;
  const evalOptions: EvalOptions = { k: cv.k, auc: cv.auc, coldStart: cv.coldStart };
  const results: FoldResult[] = [];
  for (let f = 0; f < folds.length; f++) {
    const split = folds[f]!;
    const t0 = performance.now();
    let scores: Scores;
    let iterations: number;
    if (cv.earlyStopping) {
      const fit = await fitStopping(split, data.numUsers, data.numItems, options, cv.earlyStopping, evalOptions, evalThreads);
      scores = fit.scores;
      iterations = fit.iterations;
    } else {
      const model = await new ALS({ ...options, onIteration: undefined }).fit(
        ratingsOf(split.train, data.numUsers, data.numItems),
      );
      const evaluator = await splitEvaluator(split, feedback, evalThreads, evalOptions);
      try {
        scores = await evaluator.evaluate(model);
      } finally {
        await evaluator.close();
      }
      iterations = model.options.iterations;
    }
    const baseline =
      cv.baseline === false
        ? null
        : await evaluateBaseline(feedback, split, data.numUsers, data.numItems, { ...evalOptions, threads: evalThreads });
    const result = { scores, baseline, iterations, seconds: (performance.now() - t0) / 1000 };
    results.push(result);
    cv.onFold?.(result, f, folds.length);
  }
  const summary = (pick: (r: FoldResult) => Scores | null) => {
    const mean: Scores = {};
    const std: Scores = {};
    const keys = Object.keys(pick(results[0]!) ?? {}) as MetricName[];
    for (const key of keys) {
      const xs = results.map((r) => pick(r)![key]!);
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      mean[key] = m;
      std[key] = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
    }
    return { mean, std };
  };
  const { mean, std } = summary((r) => r.scores);
  return {
    folds: results,
    mean,
    std,
    baseline: cv.baseline === false ? null : summary((r) => r.baseline).mean,
    iterations: results.reduce((a, r) => a + r.iterations, 0) / results.length,
    seconds: (performance.now() - start) / 1000,
  };
}

/** Values to try per option, e.g. { factors: [16, 32], regularization: [0.05, 0.1] }. */
export type SearchSpace = Partial<
  Record<
    'factors' | 'regularization' | 'alpha' | 'iterations' | 'regularizationScaling' | 'confidence' | 'biases' | 'solver',
    readonly (number | string | boolean)[]
  >
>;

export interface TuneOptions extends CrossValidateOptions {
  /** The options every candidate starts from (the space's values override them). */
  base?: AlsOptions;
  space: SearchSpace;
  /** 'grid': every combination; 'random': `trials` combinations drawn without replacement (seeded). Default 'grid'. */
  strategy?: 'grid' | 'random';
  /** Random search: how many. Default 10. */
  trials?: number;
  /** The metric that picks the best. Default the early-stopping metric, else 'rmse' / 'ndcg'. */
  metric?: MetricName;
  /** Called after each candidate. */
  onTrial?: (row: TuneRow, index: number, total: number) => void;
}

export interface TuneRow {
  options: AlsOptions;
  /** Mean over the folds. */
  scores: Scores;
  std: Scores;
  /** Mean iterations kept by early stopping (or the fixed count). */
  iterations: number;
  seconds: number;
}

export interface TuneResult {
  metric: MetricName;
  /** Every candidate, best first. */
  table: TuneRow[];
  /** The best candidate's options, iterations set to what early stopping kept (rounded). */
  best: AlsOptions;
  bestScores: Scores;
  baseline: Scores | null;
  seconds: number;
}

/** Grid or random search over the space, each candidate scored by k-fold CV (early stopping on by default). */
export async function tune(data: EvalData, options: TuneOptions): Promise<TuneResult> {
  const start = performance.now();
  checkCrossValidateOptions('tune options', options, TUNE_KEYS);
  if (options.space === undefined)
    fail(ErrorCode.INVALID_OPTION, 'tune needs a search space.', 'Pass space: { regularization: [0.01, 0.1] } or the like.');
  if (options.strategy !== undefined) oneOf('strategy', options.strategy, ['grid', 'random']);
  if (options.trials !== undefined) integer('trials', options.trials, 1, 1e6);
  if (options.metric !== undefined) oneOf('metric', options.metric, METRICS);
  if (options.onTrial !== undefined) callback('onTrial', options.onTrial);
  const base = options.base ?? {};
  const feedback = new ALS(base).options.feedback;
  const given = options.earlyStopping === undefined ? {} : options.earlyStopping;
  const metric: MetricName = options.metric ?? (given ? given.metric : undefined) ?? (feedback === 'explicit' ? 'rmse' : 'ndcg');
  checkMetric(metric, feedback);
  const stopping = given ? { ...given, metric } : false;
  let candidates = grid(options.space);
  if (options.strategy === 'random') {
    const rng = new Prng(options.seed ?? 0);
    const trials = Math.min(options.trials ?? 10, candidates.length);
    for (let j = 0; j < trials; j++) {
      const r = j + rng.int(candidates.length - j);
      [candidates[j], candidates[r]] = [candidates[r]!, candidates[j]!];
    }
    candidates = candidates.slice(0, trials);
  }
  // Every candidate is checked before the first one trains: a bad value in the space is an
  // error now, not after an hour of search.
  for (const candidate of candidates) new ALS({ ...base, ...candidate } as AlsOptions);
  const cv: CrossValidateOptions = {
    k: options.k,
    auc: options.auc,
    coldStart: options.coldStart,
    folds: options.folds,
    seed: options.seed,
  };
  const table: TuneRow[] = [];
  let baseline: Scores | null = null;
  for (let c = 0; c < candidates.length; c++) {
    const candidate = { ...base, ...candidates[c] } as AlsOptions;
    const result = await runCrossValidation(data, candidate, {
      ...cv,
      earlyStopping: stopping,
      baseline: c === 0 && options.baseline !== false,
    });
    baseline ??= result.baseline;
    const row = {
      options: candidates[c] as AlsOptions,
      scores: result.mean,
      std: result.std,
      iterations: result.iterations,
      seconds: result.seconds,
    };
    table.push(row);
    options.onTrial?.(row, c, candidates.length);
  }
  const sign = LOWER_IS_BETTER.has(metric) ? 1 : -1;
  table.sort((a, b) => sign * (a.scores[metric]! - b.scores[metric]!));
  const top = table[0]!;
  return {
    metric,
    table,
    best: { ...base, ...top.options, iterations: Math.max(1, Math.round(top.iterations)) },
    bestScores: top.scores,
    baseline,
    seconds: (performance.now() - start) / 1000,
  };
}

/** Every combination of the space's values. */
export function grid(space: SearchSpace): Record<string, number | string | boolean>[] {
  checkOptions('The search space', space, SPACE_KEYS, {
    lambda: 'Use regularization.',
    rank: 'Use factors.',
    k: 'Use factors.',
    maxIter: 'Use iterations.',
    regParam: 'Use regularization.',
  });
  let out: Record<string, number | string | boolean>[] = [{}];
  for (const [key, values] of Object.entries(space)) {
    if (!Array.isArray(values) || values.length === 0)
      fail(ErrorCode.INVALID_OPTION, `The search space for ${key} must be a non-empty array.`);
    out = out.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v })));
  }
  return out;
}

function withThreads(options: AlsOptions): AlsOptions {
  return options.threads === undefined ? { ...options, threads: 1 } : options;
}

function checkMetric(metric: MetricName, feedback: 'explicit' | 'implicit'): void {
  const allowed: MetricName[] =
    feedback === 'explicit' ? ['rmse', 'mae'] : ['precision', 'precisionImplicit', 'recall', 'map', 'ndcg', 'auc', 'coverage'];
  if (!allowed.includes(metric)) {
    fail(
      ErrorCode.INVALID_OPTION,
      `Metric '${String(metric)}' does not apply to ${feedback} feedback.`,
      `Use one of ${allowed.join(', ')}.`,
    );
  }
}

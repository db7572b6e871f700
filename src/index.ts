/**
 * als-wasm: matrix factorization by Alternating Least Squares, with WebAssembly SIMD kernels.
 *
 * The main entry trains and serves, and runs in every runtime. Evaluation lives in
 * `als-wasm/eval`, Node's file loaders in `als-wasm/node`, inference alone in `als-wasm/serve`,
 * other systems' model formats in `als-wasm/interop`. The names of eval and node are still
 * re-exported here, deprecated, for code written before the split.
 *
 * @module
 */
import * as evaluation from './eval/index.js';
import * as node from './node.js';
import { loadWasmModule as loadWasm, type WasmLoadOptions } from './wasm/load.js';

export { ALS } from './train/als.js';
export type {
  AlsOptions,
  ResolvedOptions,
  IterationInfo,
  Feedback,
  Confidence,
  RegularizationScaling,
  SolverName,
  BackendName,
} from './train/options.js';
export { ALSModel } from './model/model.js';
export type {
  ColdStart,
  FactorsInput,
  ModelParts,
  RecommendOptions,
  Recommendations,
  AllRecommendations,
  PartialRatings,
  PartialFitInput,
  RowInput,
  Clip,
  Explanation,
  ModelRecommendAllOptions,
} from './model/model.js';
export { init, wasmInfo } from './wasm/init.js';
export type { BackendChoice, InitOptions, WasmInfo, WasmSource, SimdChoice, BuildName, WasmLoadOptions } from './wasm/init.js';
export { recommendAllThreaded, recommendAll } from './model/recommend-all.js';
export type { RecommendAllOptions } from './model/recommend-all.js';
export type { SparkParams, ImplicitParams, RuntimeOptions } from './interop/conventions.js';
export { Ratings, RatingsBuilder } from './data/ratings.js';
export type { Triples, RatingsOptions, CsrInput, CsrOptions } from './data/ratings.js';
export type { Id, IdMap, IdKind } from './data/id-map.js';
export type { SparseRows, DuplicatePolicy } from './data/sparse.js';
export { AlsError, ErrorCode } from './errors.js';
export { syntheticRatings } from './data/synthetic.js';
export type { SyntheticOptions, SyntheticRatings } from './data/synthetic.js';
export { parseTriples, loadRatings } from './data/loaders/load.js';
export type { RatingsInput, LoadOptions, LoadedRatings } from './data/loaders/load.js';
export { TripleParser } from './data/loaders/parse.js';
export type { ParseOptions, ParsedTriples, ParseProgress, BadLine } from './data/loaders/parse.js';
export { PRESETS } from './data/loaders/presets.js';
export type { PresetName, PresetKind, Delimiter, Column, Columns, FormatOptions } from './data/loaders/presets.js';
export { bm25Weight, tfidfWeight, logScale } from './data/weighting.js';
export type { DenseTriples } from './data/weighting.js';

/**
 * @deprecated Use {@link init}, the one way to set up the WebAssembly kernels (`await init()`
 * loads the default build now). Still compiles a build and resolves with it.
 */
export function loadWasmModule(options?: WasmLoadOptions): Promise<WebAssembly.Module> {
  return loadWasm(options);
}

// Compatibility: the names below moved to their own entries. Each is the same function or type.
/** @deprecated Import from 'als-wasm/node'. */
export const parseTriplesFile: typeof node.parseTriplesFile = node.parseTriplesFile;
/** @deprecated Import from 'als-wasm/node'. */
export const loadRatingsFile: typeof node.loadRatingsFile = node.loadRatingsFile;
/** @deprecated Import from 'als-wasm/eval'. */
export const randomSplit: typeof evaluation.randomSplit = evaluation.randomSplit;
/** @deprecated Import from 'als-wasm/eval'. */
export const perUserSplit: typeof evaluation.perUserSplit = evaluation.perUserSplit;
/** @deprecated Import from 'als-wasm/eval'. */
export const leaveKOut: typeof evaluation.leaveKOut = evaluation.leaveKOut;
/** @deprecated Import from 'als-wasm/eval'. */
export const timeSplit: typeof evaluation.timeSplit = evaluation.timeSplit;
/** @deprecated Import from 'als-wasm/eval'. */
export const kFold: typeof evaluation.kFold = evaluation.kFold;
/** @deprecated Import from 'als-wasm/eval'. */
export const splitByMask: typeof evaluation.splitByMask = evaluation.splitByMask;
/** @deprecated Import from 'als-wasm/eval'. */
export const rmse: typeof evaluation.rmse = evaluation.rmse;
/** @deprecated Import from 'als-wasm/eval'. */
export const mae: typeof evaluation.mae = evaluation.mae;
/** @deprecated Import from 'als-wasm/eval'. */
export const precisionAtK: typeof evaluation.precisionAtK = evaluation.precisionAtK;
/** @deprecated Import from 'als-wasm/eval'. */
export const precisionAtKImplicit: typeof evaluation.precisionAtKImplicit = evaluation.precisionAtKImplicit;
/** @deprecated Import from 'als-wasm/eval'. */
export const recallAtK: typeof evaluation.recallAtK = evaluation.recallAtK;
/** @deprecated Import from 'als-wasm/eval'. */
export const averagePrecisionAtK: typeof evaluation.averagePrecisionAtK = evaluation.averagePrecisionAtK;
/** @deprecated Import from 'als-wasm/eval'. */
export const ndcgAtK: typeof evaluation.ndcgAtK = evaluation.ndcgAtK;
/** @deprecated Import from 'als-wasm/eval'. */
export const auc: typeof evaluation.auc = evaluation.auc;
/** @deprecated Import from 'als-wasm/eval'. */
export const rankingMetrics: typeof evaluation.rankingMetrics = evaluation.rankingMetrics;
/** @deprecated Import from 'als-wasm/eval'. */
export const evaluateRanking: typeof evaluation.evaluateRanking = evaluation.evaluateRanking;
/** @deprecated Import from 'als-wasm/eval'. */
export const rankingEvaluator: typeof evaluation.rankingEvaluator = evaluation.rankingEvaluator;
/** @deprecated Import from 'als-wasm/eval'. */
export const factorScorer: typeof evaluation.factorScorer = evaluation.factorScorer;
/** @deprecated Import from 'als-wasm/eval'. */
export const popularityScorer: typeof evaluation.popularityScorer = evaluation.popularityScorer;
/** @deprecated Import from 'als-wasm/eval'. */
export const topK: typeof evaluation.topK = evaluation.topK;
/** @deprecated Import from 'als-wasm/eval'. */
export const fitBaseline: typeof evaluation.fitBaseline = evaluation.fitBaseline;
/** @deprecated Import from 'als-wasm/eval'. */
export const crossValidate: typeof evaluation.crossValidate = evaluation.crossValidate;
/** @deprecated Import from 'als-wasm/eval'. */
export const tune: typeof evaluation.tune = evaluation.tune;
/** @deprecated Import from 'als-wasm/eval'. */
export const fitWithEarlyStopping: typeof evaluation.fitWithEarlyStopping = evaluation.fitWithEarlyStopping;
/** @deprecated Import from 'als-wasm/eval'. */
export const evaluateModel: typeof evaluation.evaluateModel = evaluation.evaluateModel;
/** @deprecated Import from 'als-wasm/eval'. */
export const evaluateBaseline: typeof evaluation.evaluateBaseline = evaluation.evaluateBaseline;
/** @deprecated Import from 'als-wasm/eval'. */
export const triplesOf: typeof evaluation.triplesOf = evaluation.triplesOf;
/** @deprecated Import from 'als-wasm/eval'. */
export const ratingsOf: typeof evaluation.ratingsOf = evaluation.ratingsOf;
/** @deprecated Import from 'als-wasm/eval'. */
export const grid: typeof evaluation.grid = evaluation.grid;
/** @deprecated Import from 'als-wasm/eval'. */
export const popularityModel: typeof evaluation.popularityModel = evaluation.popularityModel;
/** @deprecated Import from 'als-wasm/eval'. */
export type TripleArrays<U = ArrayLike<number>> = evaluation.TripleArrays<U>;
/** @deprecated Import from 'als-wasm/eval'. */
export type SplitTriples = evaluation.SplitTriples;
/** @deprecated Import from 'als-wasm/eval'. */
export type Split = evaluation.Split;
/** @deprecated Import from 'als-wasm/eval'. */
export type RankingOptions = evaluation.RankingOptions;
/** @deprecated Import from 'als-wasm/eval'. */
export type RankingMetrics = evaluation.RankingMetrics;
/** @deprecated Import from 'als-wasm/eval'. */
export type RankingEvaluationOptions = evaluation.RankingEvaluationOptions;
/** @deprecated Import from 'als-wasm/eval'. */
export type RankingEvaluator = evaluation.RankingEvaluator;
/** @deprecated Import from 'als-wasm/eval'. */
export type Scorer = evaluation.Scorer;
/** @deprecated Import from 'als-wasm/eval'. */
export type FactorModel = evaluation.FactorModel;
/** @deprecated Import from 'als-wasm/eval'. */
export type Baseline = evaluation.Baseline;
/** @deprecated Import from 'als-wasm/eval'. */
export type EvalData = evaluation.EvalData;
/** @deprecated Import from 'als-wasm/eval'. */
export type MetricName = evaluation.MetricName;
/** @deprecated Import from 'als-wasm/eval'. */
export type Scores = evaluation.Scores;
/** @deprecated Import from 'als-wasm/eval'. */
export type EvalOptions = evaluation.EvalOptions;
/** @deprecated Import from 'als-wasm/eval'. */
export type SingleEvalOptions = evaluation.SingleEvalOptions;
/** @deprecated Import from 'als-wasm/eval'. */
export type EvalColdStart = evaluation.EvalColdStart;
/** @deprecated Import from 'als-wasm/eval'. */
export type EarlyStopping = evaluation.EarlyStopping;
/** @deprecated Import from 'als-wasm/eval'. */
export type FitResult = evaluation.FitResult;
/** @deprecated Import from 'als-wasm/eval'. */
export type CrossValidateOptions = evaluation.CrossValidateOptions;
/** @deprecated Import from 'als-wasm/eval'. */
export type CrossValidation = evaluation.CrossValidation;
/** @deprecated Import from 'als-wasm/eval'. */
export type FoldResult = evaluation.FoldResult;
/** @deprecated Import from 'als-wasm/eval'. */
export type SearchSpace = evaluation.SearchSpace;
/** @deprecated Import from 'als-wasm/eval'. */
export type TuneOptions = evaluation.TuneOptions;
/** @deprecated Import from 'als-wasm/eval'. */
export type TuneRow = evaluation.TuneRow;
/** @deprecated Import from 'als-wasm/eval'. */
export type TuneResult = evaluation.TuneResult;

/** als-wasm: matrix factorization by Alternating Least Squares, with WebAssembly SIMD kernels. */
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
  Clip,
  Explanation,
  ModelRecommendAllOptions,
} from './model/model.js';
export { loadWasmModule } from './wasm/load.js';
export { init, wasmInfo } from './wasm/init.js';
export type { InitOptions, WasmInfo, WasmSource, SimdChoice, BuildName, WasmLoadOptions } from './wasm/init.js';
export { recommendAllThreaded, recommendAll } from './model/recommend-all.js';
export type { RecommendAllOptions } from './model/recommend-all.js';
export type { SparkParams, ImplicitParams, RuntimeOptions } from './interop/conventions.js';
export { Ratings, RatingsBuilder } from './data/ratings.js';
export type { Triples, RatingsOptions, CsrInput, CsrOptions } from './data/ratings.js';
export type { Id, IdMap } from './data/id-map.js';
export type { SparseRows, DuplicatePolicy } from './data/sparse.js';
export { AlsError, ErrorCode } from './errors.js';
export { syntheticRatings } from './data/synthetic.js';
export type { SyntheticOptions, SyntheticRatings } from './data/synthetic.js';
export { parseTriples, loadRatings } from './data/loaders/load.js';
export type { RatingsInput, LoadOptions, LoadedRatings } from './data/loaders/load.js';
export { parseTriplesFile, loadRatingsFile } from './data/loaders/file.node.js';
export { TripleParser } from './data/loaders/parse.js';
export type { ParseOptions, ParsedTriples, ParseProgress, BadLine } from './data/loaders/parse.js';
export { PRESETS } from './data/loaders/presets.js';
export type { PresetName, Delimiter, Column, Columns, FormatOptions } from './data/loaders/presets.js';
export { randomSplit, perUserSplit, leaveKOut, timeSplit, kFold, splitByMask } from './eval/split.js';
export type { TripleArrays, SplitTriples, Split } from './eval/split.js';
export {
  rmse,
  mae,
  precisionAtK,
  precisionAtKImplicit,
  recallAtK,
  averagePrecisionAtK,
  ndcgAtK,
  auc,
  rankingMetrics,
} from './eval/metrics.js';
export type { RankingOptions, RankingMetrics } from './eval/metrics.js';
export { evaluateRanking, rankingEvaluator } from './eval/ranking.js';
export type { RankingEvaluationOptions, RankingEvaluator } from './eval/ranking.js';
export { factorScorer, popularityScorer, topK } from './eval/scoring.js';
export type { Scorer, FactorModel } from './eval/scoring.js';
export { fitBaseline } from './eval/baseline.js';
export type { Baseline } from './eval/baseline.js';
export {
  crossValidate,
  tune,
  fitWithEarlyStopping,
  evaluateModel,
  evaluateBaseline,
  triplesOf,
  ratingsOf,
  grid,
  popularityModel,
} from './eval/tune.js';
export type {
  EvalData,
  MetricName,
  Scores,
  EvalOptions,
  SingleEvalOptions,
  EvalColdStart,
  EarlyStopping,
  FitResult,
  CrossValidateOptions,
  CrossValidation,
  FoldResult,
  SearchSpace,
  TuneOptions,
  TuneRow,
  TuneResult,
} from './eval/tune.js';
export { bm25Weight, tfidfWeight, logScale } from './data/weighting.js';
export type { DenseTriples } from './data/weighting.js';

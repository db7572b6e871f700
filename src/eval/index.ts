/**
 * als-wasm/eval: measuring models — train/test splits, rating and ranking metrics, ranking
 * evaluation on worker threads, scorers, a bias-only baseline, cross-validation, early
 * stopping and grid search. Runs wherever als-wasm runs; nothing here touches node:fs.
 *
 * @module
 */
export { randomSplit, perUserSplit, leaveKOut, timeSplit, kFold, splitByMask } from './split.js';
export type { TripleArrays, SplitTriples, Split } from './split.js';
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
} from './metrics.js';
export type { RankingOptions, RankingMetrics } from './metrics.js';
export { evaluateRanking, rankingEvaluator } from './ranking.js';
export type { RankingEvaluationOptions, RankingEvaluator } from './ranking.js';
export { factorScorer, popularityScorer, topK } from './scoring.js';
export type { Scorer, FactorModel } from './scoring.js';
export { fitBaseline } from './baseline.js';
export type { Baseline } from './baseline.js';
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
} from './tune.js';
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
} from './tune.js';
export { ncfSplit, ncfMetrics } from './protocols/ncf.js';
export type { NcfSplit, NcfSplitOptions, NcfTest, NcfOptions, NcfMetrics } from './protocols/ncf.js';
export {
  strongGeneralizationSplit,
  strongGeneralizationMetrics,
  foldInScorer,
  popularityFoldIn,
} from './protocols/strong-generalization.js';
export type {
  StrongGeneralizationSplit,
  StrongGeneralizationSplitOptions,
  HeldOutUsers,
  FoldInScorer,
  FoldInModel,
  StrongGeneralizationOptions,
  StrongGeneralizationMetrics,
} from './protocols/strong-generalization.js';

/** als-wasm: matrix factorization by Alternating Least Squares, with WebAssembly SIMD kernels. */
export { ALS } from './train/als.js';
export type { AlsOptions, ResolvedOptions, IterationInfo, Feedback, Confidence, RegularizationScaling, SolverName, BackendName } from './train/options.js';
export { ALSModel } from './model/model.js';
export { Ratings, RatingsBuilder } from './data/ratings.js';
export type { Triples, RatingsOptions } from './data/ratings.js';
export type { Id } from './data/id-map.js';
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

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

// The kernel export list: exactly the names of the `Kernels` interface (src/kernels/types.ts).
export { gramBlock, gramRow } from './gram';
export { cholesky, choleskySolve } from './cholesky';
export { cgSolve } from './cg';
export { rowWeights } from './weights';
export { solveRows } from './solve';
export { dataLoss, penalty } from './loss';
export { scoreTopK, scoreTopKRanks, rankQueries } from './score';
export { sampleRows } from './sample';

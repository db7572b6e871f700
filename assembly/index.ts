// The kernel export list: exactly the names of the `Kernels` interface (src/kernels/types.ts).
export { gramBlock, gramRow } from './gram';
export { cholesky, choleskySolve } from './cholesky';
export { cgSolve } from './cg';
export { subspaceSolve } from './subspace';
export { rowWeights } from './weights';
export { solveRows } from './solve';
export { dataLoss, penalty, columnSums } from './loss';
export { scoreTopK, screenRows, screenTopK, scoreTopKRanks, rankQueries } from './score';
export { scoreTopKBatch, screenTopKBatch } from './score-batch';
export { sampleRows } from './sample';
export { shortRowSolve, whitenRows, unwhitenRows } from './short-rows';

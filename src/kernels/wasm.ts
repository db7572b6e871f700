import type { Kernels } from './types.js';

type Exports = Omit<Kernels, 'backend'>;

/**
 * The WASM backend: one instance of the kernel module on `memory` (imported as env.memory).
 * A thin pass-through: the methods are the module's exports themselves. Pointers above 2 GiB
 * pass as numbers and wrap to the same u32 address in the i32 parameters.
 */
export function createWasmKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const e = instance.exports as unknown as Exports;
  return {
    backend: 'wasm',
    gramBlock: e.gramBlock,
    rowWeights: e.rowWeights,
    gramRow: e.gramRow,
    cholesky: e.cholesky,
    choleskySolve: e.choleskySolve,
    cgSolve: e.cgSolve,
    solveRows: e.solveRows,
    dataLoss: e.dataLoss,
    penalty: e.penalty,
    columnSums: e.columnSums,
    scoreTopK: e.scoreTopK,
    screenRows: e.screenRows,
    screenTopK: e.screenTopK,
    scoreTopKRanks: e.scoreTopKRanks,
    rankQueries: e.rankQueries,
    subspaceSolve: e.subspaceSolve,
    scoreTopKBatch: e.scoreTopKBatch,
    screenTopKBatch: e.screenTopKBatch,
    sampleRows: e.sampleRows,
    shortRowSolve: e.shortRowSolve,
    whitenRows: e.whitenRows,
    unwhitenRows: e.unwhitenRows,
  };
}

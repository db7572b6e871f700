/**
 * The JavaScript kernels: the readable twin of the WASM module (assembly/), one file per
 * AssemblyScript file with the same name, the same kernel names, arguments and semantics (see
 * ../types.ts), over Float32Array / Int32Array views of the same buffer (memory.ts). This is
 * the reference to learn from, the fallback where WebAssembly SIMD is missing, and the
 * baseline of the WASM-vs-JS benchmarks.
 *
 *   assembly/gram.ts     → gram.ts      gramBlock, gramRow
 *   assembly/cholesky.ts → cholesky.ts  cholesky, choleskySolve
 *   assembly/cg.ts       → cg.ts        cgSolve
 *   assembly/subspace.ts → subspace.ts  subspaceSolve
 *   assembly/weights.ts  → weights.ts   rowWeights
 *   assembly/solve.ts    → solve.ts     solveRows
 *   assembly/loss.ts     → loss.ts      dataLoss, penalty, columnSums
 *   assembly/score.ts    → score.ts     scoreTopK, screenRows, screenTopK, scoreTopKRanks, rankQueries
 *   assembly/score-batch.ts → score-batch.ts  scoreTopKBatch, screenTopKBatch
 *   assembly/score-screen.ts → score-screen.ts  (the screening steps both use)
 *   assembly/sample.ts   → sample.ts    sampleRows
 *   assembly/short-rows.ts → short-rows.ts  shortRowSolve, whitenRows, unwhitenRows
 *   assembly/whiten-cg.ts → whiten-cg.ts  (no kernel: solveRows' whitened CG, upperTimes)
 *   (assembly/vec.ts, the SIMD helpers, has no twin: the JS loops are scalar.)
 *
 * Precision. Storage is f32, as in WASM. Arithmetic is in JS doubles and rounded to f32 once
 * per store to memory (Math.fround semantics, which Float32Array stores apply):
 * - a Gram entry is updated in memory once per rating, so it accumulates in f32 exactly as the
 *   WASM kernels' f32 multiply-adds do (only the order of the sum differs);
 * - a Cholesky entry U[i][j] is one f64 dot product, rounded when stored; forward and back
 *   substitution likewise; CG keeps its vectors in the f32 scratch and its scalars in f64;
 * - the loss reductions (`dataLoss`, `penalty`) are f64 throughout.
 * So the two backends agree to f32 rounding, not bit for bit.
 *
 * Notation: dim unknowns per row, stride floats per stored row (columns [dim, stride) of a
 * factor row are zero and stay zero); A[i][j] is the upper triangle (j ≥ i) of a stride ×
 * stride system; entries below the diagonal and in the padding are never read.
 */
import type { Kernels } from '../types.js';
import { createCgKernels } from './cg.js';
import { createCholeskyKernels } from './cholesky.js';
import { createGramKernels } from './gram.js';
import { createLossKernels } from './loss.js';
import { viewMemory } from './memory.js';
import { createSampleKernels } from './sample.js';
import { createShortRowsKernels } from './short-rows.js';
import { createScoreKernels } from './score.js';
import { createScoreBatchKernels } from './score-batch.js';
import { createSolveKernels } from './solve.js';
import { createSubspaceKernels } from './subspace.js';
import { createWeightsKernels } from './weights.js';

export function createJsKernels(buffer: ArrayBufferLike): Kernels {
  const memory = viewMemory(buffer);
  // The kernels solveRows is made of, as assembly/solve.ts imports them.
  const cholesky = createCholeskyKernels(memory);
  const shortRows = createShortRowsKernels(memory);
  const steps = {
    ...createGramKernels(memory),
    ...cholesky,
    ...createCgKernels(memory),
    ...createSubspaceKernels(memory, cholesky),
    ...createWeightsKernels(memory),
  };
  return {
    backend: 'js',
    ...steps,
    ...createSolveKernels(memory, { ...steps, ...shortRows }),
    ...createLossKernels(memory),
    ...createScoreKernels(memory),
    ...createScoreBatchKernels(memory),
    ...createSampleKernels(memory, { ...steps, ...shortRows }),
    ...shortRows,
  };
}

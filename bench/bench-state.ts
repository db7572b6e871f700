/**
 * The training state a fit has, set up by hand for the benches that time half-steps and their
 * kernels (half-step.ts, short-rows.ts, whitened-cg.ts): an ALSCOO01 file as dense-ID Ratings
 * (or the caller's), implicit Cholesky (c = α·r, λ = 0.05, seed 1: bench/fit-one.ts's
 * settings) unless `options` says otherwise, the ratings and seeded starting factors in kernel
 * memory, and an executor of `threads` threads.
 */
import { Ratings } from '../src/data/ratings.js';
import type { AlsOptions } from '../src/train/options.js';
import { createBackend } from '../src/kernels/select.js';
import { roundUp } from '../src/kernels/types.js';
import { startExecutor } from '../src/parallel/executor.js';
import { planTraining } from '../src/train/layout.js';
import { resolveOptions } from '../src/train/options.js';
import { randomFactors } from '../src/train/random-factors.js';
import { TrainingState } from '../src/train/state.js';
import { readAlscoo } from './triples-file.js';

export interface BenchStateConfig {
  /** ALSCOO01 path (read unless `ratings` is given). */
  data: string;
  /** The Ratings to train on instead of reading `data`. */
  ratings?: Ratings;
  factors: number;
  threads: number;
  /** Run on the threads build (shared memory) whatever `threads` is. Default: threads > 1. */
  shared?: boolean;
  /** α of c = α·r. Default 1. */
  alpha?: number;
  /** Training options over the defaults above (solver, cgSteps, confidence, regularization, …). */
  options?: AlsOptions;
}

export async function benchTrainingState(config: BenchStateConfig) {
  const { factors: k, threads } = config;
  const ratings = config.ratings ?? readRatings(config.data);
  const o = resolveOptions({
    factors: k,
    feedback: 'implicit',
    solver: 'cholesky',
    confidence: 'alpha',
    alpha: config.alpha ?? 1,
    regularization: 0.05,
    threads,
    backend: 'wasm',
    seed: 1,
    ...config.options,
  });
  const stride = roundUp(k, 8);
  const layout = planTraining(ratings, stride, threads);
  const backend = await createBackend('wasm', layout.totalBytes, config.shared ?? threads > 1);
  const state = new TrainingState(backend.kernels, backend.buffer, layout, o, stride, 0);
  state.loadRatings(ratings);
  const init = randomFactors(ratings.numUsers, ratings.numItems, k, o.seed, o.initStd);
  state.loadFactors('users', init.userFactors);
  state.loadFactors('items', init.itemFactors);
  const executor = await startExecutor({
    threads,
    backend,
    ctrl: layout.ctrl,
    scratch: layout.scratch,
    scratchBytes: layout.scratchBytes,
    what: 'Training',
  });
  state.executor = executor;
  return { ratings, o, stride, layout, backend, state, executor };
}

function readRatings(path: string): Ratings {
  const data = readAlscoo(path);
  return Ratings.fromTriples(data, { denseIds: true, numUsers: data.numUsers, numItems: data.numItems });
}

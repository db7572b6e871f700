/**
 * Hooks into a training run for the tests of the whitened paths (short-rows, whitened-cg):
 * count its jobs, abort it right after a half-step that left the fixed side whitened, or set
 * up a training state by hand.
 */
import type { Ratings } from '../src/data/ratings.js';
import { createBackend } from '../src/kernels/select.js';
import { planTraining } from '../src/train/layout.js';
import { type AlsOptions, resolveOptions } from '../src/train/options.js';
import { TrainingState, startTraining } from '../src/train/state.js';

/** Runs `run` and counts the jobs it starts, by name (Whiten: one per whitened side and half-step). */
export async function countJobs<T>(run: () => Promise<T>): Promise<{ result: T; jobs: Record<string, number> }> {
  const original = TrainingState.prototype.runJob;
  const jobs: Record<string, number> = {};
  TrainingState.prototype.runJob = async function (this: TrainingState, job, tasks, args) {
    jobs[job] = (jobs[job] ?? 0) + 1;
    return original.call(this, job, tasks, args);
  } as typeof original;
  try {
    return { result: await run(), jobs };
  } finally {
    TrainingState.prototype.runJob = original;
  }
}

/**
 * Runs the fit `fit(signal)` and aborts it right after the first users' half-step that may
 * leave the items whitened; returns whether that happened and what the fit threw (null: none).
 */
export async function abortAfterWhitenedHalfStep(
  fit: (signal: AbortSignal) => Promise<unknown>,
): Promise<{ whitened: boolean; error: unknown }> {
  const controller = new AbortController();
  const original = TrainingState.prototype.halfStep;
  let whitened = false;
  TrainingState.prototype.halfStep = async function (this: TrainingState, side, ids, how) {
    await original.call(this, side, ids, how);
    if (side === 'users' && how?.mayLeaveFixedWhitened) {
      whitened = true;
      controller.abort();
    }
  };
  try {
    const error = await fit(controller.signal).then(
      () => null,
      (e: unknown) => e,
    );
    return { whitened, error };
  } finally {
    TrainingState.prototype.halfStep = original;
  }
}

/** A training state on `ratings` with `options` (WASM, 1 thread), as fitAls sets one up. */
export async function trainingStateFor(ratings: Ratings, options: AlsOptions & { factors: number }) {
  const o = resolveOptions({ ...options, backend: 'wasm', threads: 1 });
  const stride = Math.ceil(options.factors / 8) * 8;
  const layout = planTraining(ratings, stride, 1);
  const backend = await createBackend('wasm', layout.totalBytes, false);
  return startTraining({ backend, layout, options: o, stride, ratings, init: null, threads: 1 });
}

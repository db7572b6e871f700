/**
 * Hooks into a training run for the tests of the whitened paths (short-rows, whitened-cg):
 * count its jobs, abort it right after a half-step that left the fixed side whitened, set up a
 * training state by hand, or check a fit's bits on one and two threads.
 */
import { expect, it } from 'vitest';
import type { Ratings } from '../src/data/ratings.js';
import type { ALSModel } from '../src/model/model.js';
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

/** A fit's model and the losses its onIteration recorded. */
interface RecordedFit {
  model: ALSModel;
  losses: number[];
}

/**
 * Two tests: `fit` on threads 1 and 2, without and with onIteration, gives the same factors and
 * losses to the bit.
 */
export function itFitsBitIdenticalOnThreads(
  fit: (o: { onIteration: 'none' | 'record'; threads: number; iterations: number }) => Promise<RecordedFit>,
): void {
  for (const onIteration of ['none', 'record'] as const) {
    it(`factors are bit-identical for threads 1 and 2 (${onIteration === 'none' ? 'no onIteration' : 'onIteration'})`, async () => {
      const one = await fit({ onIteration, threads: 1, iterations: 3 });
      const two = await fit({ onIteration, threads: 2, iterations: 3 });
      expect(two.model.options.threads).toBe(2);
      expect(Array.from(two.model.userFactors)).toEqual(Array.from(one.model.userFactors));
      expect(Array.from(two.model.itemFactors)).toEqual(Array.from(one.model.itemFactors));
      expect(two.losses).toEqual(one.losses);
    });
  }
}

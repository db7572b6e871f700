/** Counting the jobs a training run starts, by name (tests of the whitened paths). */
import { TrainingState } from '../src/train/state.js';

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

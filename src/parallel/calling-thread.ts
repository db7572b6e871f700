import { runTasks, type ThreadContext } from './tasks.js';

/**
 * The calling thread's share of a job: it claims tasks from the same counter as any worker,
 * in slices of `sliceMs`, and gives the event loop a turn between slices, so an abort() from
 * a timer or another task, or a worker's failure message, lands within one task. Resolves
 * when no task is left or Stop is set; a failing task throws.
 */
export async function runCallingThreadShare(context: ThreadContext, sliceMs: number): Promise<void> {
  while (runTasks(context, performance.now() + sliceMs)) await yieldToEventLoop();
}

/** One turn of the event loop: setImmediate where it exists (µs), else a MessageChannel. */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (fn: () => void) => void };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => g.setImmediate!(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

import { createJsKernels } from '../kernels/js/index.js';
import { createWasmKernels } from '../kernels/wasm.js';
import type { FromWorker, ToWorker } from './messages.js';
import { Ctrl, runTasks, type ThreadContext } from './tasks.js';

/**
 * A worker's message handler, the same in Node and browsers: instantiate the module on the
 * shared memory once, then run the tasks of each job and say when done. Every failure is
 * caught, stops the other threads (Stop), and is posted back with its message.
 * `runJob` runs this thread's share of one job: runTasks, unless a test's worker entry wraps it.
 */
export function createWorkerHandler(
  post: (message: FromWorker) => void,
  runJob: (context: ThreadContext) => void = runTasks,
): (message: ToWorker) => void {
  let context: ThreadContext | null = null;
  return (message) => {
    try {
      if (message.type === 'init') {
        const kernels =
          message.backend === 'wasm'
            ? createWasmKernels(message.module!, message.memory)
            : createJsKernels(message.memory.buffer);
        context = { kernels, i32: new Int32Array(message.memory.buffer), ctrl: message.ctrl, scratch: message.scratch };
        post({ type: 'ready' });
      } else if (message.type === 'run') {
        if (!context) throw new Error('run before init');
        runJob(context);
        post({ type: 'done' });
      }
    } catch (error) {
      if (context) Atomics.store(context.i32, (context.ctrl >>> 2) + Ctrl.Stop, 1);
      const e = error as Error;
      post({ type: 'error', message: e?.message ?? String(error), stack: e?.stack });
    }
  };
}

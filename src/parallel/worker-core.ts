import { createJsKernels } from '../kernels/js/index.js';
import { createWasmKernels } from '../kernels/wasm.js';
import type { FromWorker, InitMessage, ToWorker } from './messages.js';
import { Ctrl, runTasks, type ThreadContext } from './tasks.js';

/**
 * A worker's message handler, the same in Node and browsers: instantiate the module on the
 * shared memory once, then run the tasks of each job and say when done. Every failure is
 * caught, stops the other threads (Stop), and is posted back with its message.
 */
export function createWorkerHandler(post: (message: FromWorker) => void): (message: ToWorker) => void {
  let context: ThreadContext | null = null;
  let init: InitMessage | null = null;
  let jobs = 0;
  return (message) => {
    try {
      if (message.type === 'init') {
        init = message;
        const kernels = message.backend === 'wasm' ? createWasmKernels(message.module!, message.memory) : createJsKernels(message.memory.buffer);
        context = { kernels, i32: new Int32Array(message.memory.buffer), ctrl: message.ctrl, scratch: message.scratch };
        post({ type: 'ready' });
      } else if (message.type === 'run') {
        if (!context || !init) throw new Error('run before init');
        const job = jobs++;
        if (init.fault && init.fault.job === job) throw new Error(init.fault.message);
        runTasks(context);
        post({ type: 'done' });
      }
    } catch (error) {
      if (context) Atomics.store(context.i32, (context.ctrl >>> 2) + Ctrl.Stop, 1);
      const e = error as Error;
      post({ type: 'error', message: e?.message ?? String(error), stack: e?.stack });
    }
  };
}

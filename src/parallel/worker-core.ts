import { createWasmKernels } from '../kernels/wasm.js';
import type { Kernels } from '../kernels/types.js';
import type { FromWorker, InitMessage, ToWorker } from './messages.js';
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
  const failed = (error: unknown) => {
    if (context) Atomics.store(context.i32, (context.ctrl >>> 2) + Ctrl.Stop, 1);
    const e = error as Error;
    post({ type: 'error', message: e?.message ?? String(error), stack: e?.stack });
  };
  return (message) => {
    try {
      if (message.type === 'init') {
        // 'ready' only once the kernels exist: the pool sends no job before every worker is ready.
        kernelsFor(message).then((kernels) => {
          context = { kernels, i32: new Int32Array(message.memory.buffer), ctrl: message.ctrl, scratch: message.scratch };
          post({ type: 'ready' });
        }, failed);
      } else if (message.type === 'run') {
        if (!context) throw new Error('run before init');
        runJob(context);
        post({ type: 'done' });
      }
    } catch (error) {
      failed(error);
    }
  };
}

/**
 * The kernels this worker runs. The JavaScript twin is loaded only by a worker that runs it:
 * a WASM job's worker isolate loads 11 modules fewer (about 0.5 MiB of RSS in Node).
 */
async function kernelsFor(message: InitMessage): Promise<Kernels> {
  if (message.backend === 'wasm') return createWasmKernels(message.module!, message.memory);
  const { createJsKernels } = await import('../kernels/js/index.js');
  return createJsKernels(message.memory.buffer);
}

/** Starting a worker in browsers. Same signature as spawn.node.ts; package.json picks one. */
import type { FromWorker, ToWorker } from './messages.js';
import type { WorkerHandle } from './worker-handle.js';

export function spawnWorker(): WorkerHandle {
  const worker = new Worker(new URL('./worker.browser.js', import.meta.url), { type: 'module' });
  return {
    post: (message: ToWorker) => worker.postMessage(message),
    onMessage: (listener: (message: FromWorker) => void) =>
      worker.addEventListener('message', (event) => listener(event.data as FromWorker)),
    onFailure: (listener: (error: Error) => void) => {
      worker.addEventListener('error', (event) => listener(new Error(event.message || 'the worker failed to load or threw')));
      worker.addEventListener('messageerror', () => listener(new Error('a message from the worker could not be read')));
    },
    terminate: async () => worker.terminate(),
  };
}

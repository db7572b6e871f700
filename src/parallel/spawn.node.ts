/** Starting a worker in Node. Same signature as spawn.browser.ts; package.json picks one. */
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './messages.js';
import type { WorkerHandle } from './worker-handle.js';

/**
 * The compiled worker next to this module; when this module runs from TypeScript source
 * (vitest, tsx), the built one in dist/ — a worker thread cannot load .ts.
 */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../../dist/parallel/worker.node.js', import.meta.url)
    : new URL('./worker.node.js', import.meta.url);
}

export function spawnWorker(): WorkerHandle {
  return spawnNodeWorker(workerUrl());
}

/** A worker running the entry at `url` (tests start their own entries around the worker core). */
export function spawnNodeWorker(url: URL, workerData?: unknown): WorkerHandle {
  const worker = new Worker(url, { workerData });
  // Never keep the process alive for a worker: a pool that is not closed must not hang Node.
  worker.unref();
  return {
    post: (message: ToWorker) => worker.postMessage(message),
    onMessage: (listener: (message: FromWorker) => void) => void worker.on('message', listener),
    onFailure: (listener: (error: Error) => void) => {
      worker.on('error', listener);
      worker.on('exit', (code) => listener(new Error(`the worker exited with code ${code}`)));
    },
    terminate: async () => {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

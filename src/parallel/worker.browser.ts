/** The worker entry in browsers (a module Web Worker). */
import { createWorkerHandler } from './worker-core.js';
import type { ToWorker } from './messages.js';

const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
const handle = createWorkerHandler((message) => scope.postMessage(message));
scope.onmessage = (event) => handle(event.data);

import type { FromWorker, ToWorker } from './messages.js';

/** A started worker, the same shape in Node and browsers. */
export interface WorkerHandle {
  post(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** An uncaught error in the worker, or its unexpected exit. */
  onFailure(listener: (error: Error) => void): void;
  terminate(): Promise<void>;
}

/** Starts one worker running the worker entry (spawn.node.ts or spawn.browser.ts by default). */
export type SpawnWorker = () => WorkerHandle;

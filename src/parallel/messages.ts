/** What the main thread and the workers say to each other: a typed union each way. */

export interface InitMessage {
  type: 'init';
  /** Compiled once on the main thread; structured-cloned as a module, never recompiled from bytes. */
  module: WebAssembly.Module | null;
  /** The one shared memory every thread works in. */
  memory: WebAssembly.Memory;
  backend: 'wasm' | 'js';
  ctrl: number;
  scratch: number;
  thread: number;
  /** Test hook: throw this message on receiving the `job`-th job (0-based), as a failing kernel would. */
  fault?: { job: number; message: string };
}

export interface RunMessage {
  type: 'run';
}

export type ToWorker = InitMessage | RunMessage;

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done' }
  | { type: 'error'; message: string; stack?: string };

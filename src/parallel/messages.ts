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
}

export interface RunMessage {
  type: 'run';
}

export type ToWorker = InitMessage | RunMessage;

export type FromWorker = { type: 'ready' } | { type: 'done' } | { type: 'error'; message: string; stack?: string };

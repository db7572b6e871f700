import { AlsError, ErrorCode } from '../errors.js';
import { Ctrl, runTasks, type ThreadContext } from './tasks.js';

/** Runs the job described in the control block to completion, on one or more threads. */
export interface Executor {
  readonly threads: number;
  /** Resolves when every task is done; rejects with ABORTED when the signal fires mid-job. */
  run(): Promise<void>;
  close(): Promise<void>;
}

/** Clears the counters before a job and turns an abort into Stop, so threads quit between tasks. */
export class JobControl {
  private readonly i32: Int32Array;
  private readonly c0: number;
  private readonly signal: AbortSignal | undefined;
  /** What the job belongs to, for the ABORTED message ("Training", "recommendAll"). */
  private readonly what: string;
  private readonly onAbort = () => Atomics.store(this.i32, this.c0 + Ctrl.Stop, 1);

  constructor(i32: Int32Array, ctrl: number, signal: AbortSignal | undefined, what = 'Training') {
    this.i32 = i32;
    this.what = what;
    this.c0 = ctrl >>> 2;
    this.signal = signal;
    signal?.addEventListener('abort', this.onAbort);
  }

  begin(): void {
    Atomics.store(this.i32, this.c0 + Ctrl.Counter, 0);
    Atomics.store(this.i32, this.c0 + Ctrl.Stop, this.signal?.aborted ? 1 : 0);
  }

  /** Throws ABORTED if the job was cut short by the signal. */
  end(): void {
    if (this.signal?.aborted) throw new AlsError(ErrorCode.ABORTED, `${this.what} was aborted.`, undefined, { cause: this.signal.reason });
  }

  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

/**
 * The main thread alone. It gives the event loop a turn every `sliceMs` of work, so an
 * abort() from a timer or another task lands within one task.
 */
export class LocalExecutor implements Executor {
  readonly threads = 1;
  private readonly context: ThreadContext;
  private readonly control: JobControl;
  private readonly sliceMs: number;

  constructor(context: ThreadContext, control: JobControl, sliceMs = 50) {
    this.context = context;
    this.control = control;
    this.sliceMs = sliceMs;
  }

  async run(): Promise<void> {
    this.control.begin();
    while (runTasks(this.context, performance.now() + this.sliceMs)) await yieldToEventLoop();
    this.control.end();
  }

  async close(): Promise<void> {
    this.control.dispose();
  }
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

import { ErrorCode, fail } from '../errors.js';
import type { Backend } from '../kernels/select.js';
import { runCallingThreadShare } from './calling-thread.js';
import { WorkerPool } from './pool.js';
import { Ctrl, type ThreadContext } from './tasks.js';
import type { SpawnWorker } from './worker-handle.js';

/** Runs the job described in the control block to completion, on one or more threads. */
export interface Executor {
  readonly threads: number;
  /**
   * Resolves when every task is done; rejects with ABORTED when the signal fires mid-job.
   * `alongside` is work of the calling thread's own, run once the workers have started and
   * before it claims tasks (the workers take more of them meanwhile): it must not touch what
   * the job reads or writes. If it throws, the job is stopped and run rejects with its error.
   */
  run(alongside?: () => void): Promise<void>;
  close(): Promise<void>;
}

/** Clears the counters before a job and turns an abort into Stop, so threads quit between tasks. */
export class JobControl {
  private readonly i32: Int32Array;
  private readonly c0: number;
  private readonly signal: AbortSignal | undefined;
  /** What the job belongs to, for the ABORTED message ("Training", "recommendAll"). */
  private readonly what: string;
  private readonly onAbort = () => this.stop();

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

  /** Sets Stop: every thread quits the job after its current task (an abort, a failed thread). */
  stop(): void {
    Atomics.store(this.i32, this.c0 + Ctrl.Stop, 1);
  }

  /** Throws ABORTED if the job was cut short by the signal. */
  end(): void {
    throwIfAborted(this.signal, this.what);
  }

  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

/** ABORTED for `what` ("Training", "recommendAll"), with the signal's reason as the cause. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) fail(ErrorCode.ABORTED, `${what} was aborted.`, undefined, signal.reason);
}

/** Where and how a job runs: see startExecutor. */
export interface ExecutorOptions {
  threads: number;
  /** The kernels and the memory the job's control block lives in. */
  backend: Backend;
  /** Byte offset of the control block. */
  ctrl: number;
  /** Thread t's scratch starts at scratch + t·scratchBytes (0 for jobs that need none). */
  scratch?: number;
  scratchBytes?: number;
  signal?: AbortSignal;
  /** What the job belongs to, for the ABORTED message ("Training", "recommendAll"). */
  what: string;
  /** How a worker is started: the runtime's own by default (tests start failing ones). */
  spawnWorker?: SpawnWorker;
}

/**
 * `threads` threads, the calling one among them: one thread runs on the calling thread alone
 * (no worker to start); n run on n − 1 workers plus the calling thread, which takes a share
 * of the tasks with the backend instance it already has on the shared memory, in scratch
 * slot n − 1 (one isolate fewer than n workers: about 9.5 MiB in Node, and one start less).
 */
export async function startExecutor(o: ExecutorOptions): Promise<Executor> {
  const i32 = new Int32Array(o.backend.buffer);
  const scratch = o.scratch ?? 0;
  const scratchBytes = o.scratchBytes ?? 0;
  const control = new JobControl(i32, o.ctrl, o.signal, o.what);
  const { module, memory, kernels } = o.backend;
  const caller: ThreadContext = { kernels, i32, ctrl: o.ctrl, scratch: scratch + (o.threads - 1) * scratchBytes };
  if (o.threads === 1) return new LocalExecutor(caller, control);
  const init = { module, memory: memory!, backend: kernels.backend, ctrl: o.ctrl, scratch, scratchBytes };
  return WorkerPool.start(o.threads, init, caller, control, o.spawnWorker);
}

/**
 * The calling thread alone. It gives the event loop a turn every `sliceMs` of work, so an
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

  async run(alongside?: () => void): Promise<void> {
    this.control.begin();
    alongside?.();
    await runCallingThreadShare(this.context, this.sliceMs);
    this.control.end();
  }

  async close(): Promise<void> {
    this.control.dispose();
  }
}

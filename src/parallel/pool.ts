import { AlsError, ErrorCode } from '../errors.js';
import { spawnWorker } from '#spawn';
import { runCallingThreadShare } from './calling-thread.js';
import type { JobControl, Executor } from './executor.js';
import type { FromWorker, InitMessage } from './messages.js';
import type { ThreadContext } from './tasks.js';
import type { SpawnWorker, WorkerHandle } from './worker-handle.js';

/** What the workers' init messages share; thread t's scratch starts at scratch + t·scratchBytes. */
export interface PoolInit extends Omit<InitMessage, 'type' | 'thread'> {
  scratchBytes: number;
}

interface Pending {
  remaining: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

const HINT = 'Training was stopped and every worker terminated.';

/**
 * n threads over one shared memory: n − 1 workers (threads 0 … n − 2) and the calling thread
 * (thread n − 1). Every thread claims tasks from the shared counter; the calling thread runs
 * its share in slices of `sliceMs` with a turn of the event loop between them (so an abort
 * lands within one task), then waits for the workers' 'done'. The first failure, in a worker
 * or on the calling thread, sets Stop, terminates every worker and rejects the job with
 * WORKER_FAILED and the failing thread's message.
 */
export class WorkerPool implements Executor {
  readonly threads: number;
  private readonly workers: WorkerHandle[];
  private readonly caller: ThreadContext;
  private readonly control: JobControl;
  private readonly sliceMs: number;
  private pending: Pending | null = null;
  private failure: AlsError | null = null;

  private constructor(workers: WorkerHandle[], caller: ThreadContext, control: JobControl, sliceMs: number) {
    this.workers = workers;
    this.threads = workers.length + 1;
    this.caller = caller;
    this.control = control;
    this.sliceMs = sliceMs;
  }

  /**
   * Starts `threads − 1` workers, thread t by the t-th call of `spawn`, and waits for each to be
   * ready; `caller` is the calling thread's context (its kernels on the same memory, scratch
   * slot threads − 1).
   */
  static async start(
    threads: number,
    init: PoolInit,
    caller: ThreadContext,
    control: JobControl,
    spawn: SpawnWorker = spawnWorker,
    sliceMs = 50,
  ): Promise<WorkerPool> {
    const workers = Array.from({ length: threads - 1 }, () => spawn());
    const pool = new WorkerPool(workers, caller, control, sliceMs);
    workers.forEach((worker, t) => {
      worker.onMessage((message) => pool.receive(t, message));
      worker.onFailure((error) => pool.fail(`Worker thread ${t} failed: ${error.message}`));
    });
    try {
      await pool.all(() =>
        workers.forEach((worker, t) =>
          worker.post({
            type: 'init',
            module: init.module,
            memory: init.memory,
            backend: init.backend,
            ctrl: init.ctrl,
            scratch: init.scratch + t * init.scratchBytes,
            thread: t,
          }),
        ),
      );
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  async run(alongside?: () => void): Promise<void> {
    if (this.failure) throw this.failure;
    this.control.begin();
    const workersDone = this.all(() => this.workers.forEach((worker) => worker.post({ type: 'run' })));
    // Awaited below; handled now too, as a worker may fail while the calling thread runs its share.
    workersDone.catch(() => undefined);
    if (alongside) {
      try {
        alongside();
      } catch (error) {
        // Not a worker's failure: the workers stop after their current task, and the pool
        // stays usable for the next job (begin() clears Stop).
        this.control.stop();
        await workersDone.catch(() => undefined);
        throw error;
      }
    }
    try {
      await runCallingThreadShare(this.caller, this.sliceMs);
    } catch (error) {
      const cause = error as Error;
      this.fail(`Thread ${this.threads - 1} (the calling thread) failed: ${cause?.message ?? String(error)}`, cause);
    }
    await workersDone;
    // The workers may all have said 'done' before the calling thread's task failed.
    if (this.failure) throw this.failure;
    this.control.end();
  }

  async close(): Promise<void> {
    this.control.dispose();
    await Promise.all(this.workers.map((worker) => worker.terminate().catch(() => undefined)));
  }

  /** Sends, then waits for one 'ready' or 'done' from every worker. */
  private all(send: () => void): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.pending = { remaining: this.workers.length, resolve, reject };
      send();
    });
  }

  private receive(thread: number, message: FromWorker): void {
    if (message.type === 'error') {
      this.fail(`Worker thread ${thread} failed: ${message.message}`);
      return;
    }
    const pending = this.pending;
    if (pending && --pending.remaining === 0) {
      this.pending = null;
      pending.resolve();
    }
  }

  /** The first failure wins: Stop for the threads still running, every worker terminated. */
  private fail(message: string, cause?: Error): void {
    if (this.failure) return;
    this.failure = new AlsError(ErrorCode.WORKER_FAILED, message, HINT, cause ? { cause } : undefined);
    // A worker that exits without a word leaves Stop unset: the calling thread must still quit.
    this.control.stop();
    const pending = this.pending;
    this.pending = null;
    void this.close();
    pending?.reject(this.failure);
  }
}

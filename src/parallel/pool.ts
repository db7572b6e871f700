import { AlsError, ErrorCode } from '../errors.js';
import { spawnWorker } from '#spawn';
import type { JobControl, Executor } from './executor.js';
import type { FromWorker, InitMessage } from './messages.js';
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

/**
 * Worker threads over one shared memory. The main thread only dispatches and waits (so an
 * abort lands at once and costs each worker at most one task); workers claim tasks from the
 * shared counter. The first failure terminates every worker and rejects the job with the
 * worker's message.
 */
export class WorkerPool implements Executor {
  readonly threads: number;
  private readonly workers: WorkerHandle[];
  private readonly control: JobControl;
  private pending: Pending | null = null;
  private failure: AlsError | null = null;

  private constructor(workers: WorkerHandle[], control: JobControl) {
    this.workers = workers;
    this.threads = workers.length;
    this.control = control;
  }

  /** Starts `threads` workers, thread t by the t-th call of `spawn`, and waits for each to be ready. */
  static async start(
    threads: number,
    init: PoolInit,
    control: JobControl,
    spawn: SpawnWorker = spawnWorker,
  ): Promise<WorkerPool> {
    const workers = Array.from({ length: threads }, () => spawn());
    const pool = new WorkerPool(workers, control);
    workers.forEach((worker, t) => {
      worker.onMessage((message) => pool.receive(t, message));
      worker.onFailure((error) => pool.fail(t, error.message));
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

  async run(): Promise<void> {
    this.control.begin();
    await this.all(() => this.workers.forEach((worker) => worker.post({ type: 'run' })));
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
      this.fail(thread, message.message);
      return;
    }
    const pending = this.pending;
    if (pending && --pending.remaining === 0) {
      this.pending = null;
      pending.resolve();
    }
  }

  private fail(thread: number, message: string): void {
    if (this.failure) return;
    this.failure = new AlsError(
      ErrorCode.WORKER_FAILED,
      `Worker thread ${thread} failed: ${message}`,
      'Training was stopped and every worker terminated.',
    );
    const pending = this.pending;
    this.pending = null;
    void this.close();
    pending?.reject(this.failure);
  }
}

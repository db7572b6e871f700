/**
 * The calling thread takes a share of every threaded job (src/parallel/pool.ts): n threads are
 * n − 1 workers and the calling thread, the same tasks from the same counter, so factors stay
 * bit-identical for any thread count, an abort lands within one task, and a failure on either
 * side stops the other and fails the job with WORKER_FAILED.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Ratings } from '../src/data/ratings.js';
import { syntheticRatings } from '../src/data/synthetic.js';
import { AlsError, ErrorCode } from '../src/errors.js';
import { createBackend } from '../src/kernels/select.js';
import { startExecutor } from '../src/parallel/executor.js';
import { spawnNodeWorker, spawnWorker } from '../src/parallel/spawn.node.js';
import type { FromWorker } from '../src/parallel/messages.js';
import { Ctrl } from '../src/parallel/tasks.js';
import { createWorkerHandler } from '../src/parallel/worker-core.js';
import type { SpawnWorker, WorkerHandle } from '../src/parallel/worker-handle.js';
import { fitAls } from '../src/train/als.js';
import { resolveOptions } from '../src/train/options.js';
import type { AlsOptions } from '../src/train/options.js';

// Workers run the built JavaScript (dist/parallel/worker.node.js): `npm test` builds first.
const built =
  existsSync(new URL('../dist/parallel/worker.node.js', import.meta.url)) &&
  existsSync(new URL('../build/als-threads.wasm', import.meta.url));
if (!built) console.warn('dist/ or build/ is missing (run `npm run build`): the calling-thread tests are skipped.');

const data = syntheticRatings({ numUsers: 3000, numItems: 800, nnz: 60_000, seed: 11 });
const ratings = Ratings.fromTriples(data, { denseIds: true, numUsers: data.numUsers, numItems: data.numItems });

/** Real workers, counted, each handle remembering whether the pool terminated it. */
function countingSpawn(start: () => WorkerHandle = spawnWorker) {
  const handles: { terminated: boolean }[] = [];
  const spawn: SpawnWorker = () => {
    const worker = start();
    const record = { terminated: false };
    handles.push(record);
    return {
      ...worker,
      terminate: async () => {
        record.terminated = true;
        await worker.terminate();
      },
    };
  };
  return { spawn, handles };
}

/** Workers whose share of every job is empty ('none': done at once; 'stop': done once Stop is set). */
function emptyShareWorker(until: 'none' | 'stop'): WorkerHandle {
  return spawnNodeWorker(new URL('./fixtures/caller-runs-worker.mjs', import.meta.url), { until });
}

async function fit(options: AlsOptions, spawnWorker?: SpawnWorker) {
  const o = resolveOptions({ factors: 12, iterations: 4, seed: 5, feedback: 'implicit', ...options });
  return fitAls(ratings, o, {}, { spawnWorker });
}

function same(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe.runIf(built)('the calling thread takes a share of every threaded job', () => {
  it('a 2-thread fit starts one worker and gives the same factors as 1 and 3 threads', async () => {
    const one = await fit({ threads: 1 });
    const two = countingSpawn();
    const twoThreads = await fit({ threads: 2 }, two.spawn);
    const three = countingSpawn();
    const threeThreads = await fit({ threads: 3 }, three.spawn);
    expect(two.handles.length).toBe(1);
    expect(three.handles.length).toBe(2);
    expect(twoThreads.options.threads).toBe(2);
    for (const model of [twoThreads, threeThreads]) {
      expect(same(model.userFactors, one.userFactors)).toBe(true);
      expect(same(model.itemFactors, one.itemFactors)).toBe(true);
    }
    // Every worker is terminated when the fit ends.
    expect([...two.handles, ...three.handles].every((h) => h.terminated)).toBe(true);
  });

  it('the calling thread alone finishes every job when the workers claim no task, with the same factors', async () => {
    const one = await fit({ threads: 1, solver: 'cholesky' });
    const idle = countingSpawn(() => emptyShareWorker('none'));
    const two = await fit({ threads: 2, solver: 'cholesky' }, idle.spawn);
    expect(idle.handles.length).toBe(1);
    expect(same(two.userFactors, one.userFactors)).toBe(true);
    expect(same(two.itemFactors, one.itemFactors)).toBe(true);
  });

  it("an abort during the calling thread's share ends the job with ABORTED", async () => {
    // The worker claims nothing, so every task of the job runs on the calling thread: only its
    // slices (a turn of the event loop every 50 ms) let the timer's abort() in.
    const big = syntheticRatings({ numUsers: 20_000, numItems: 4000, nnz: 400_000, seed: 3 });
    const r = Ratings.fromTriples(big, { denseIds: true, numUsers: big.numUsers, numItems: big.numItems });
    const controller = new AbortController();
    let iterationSeconds = 0;
    const started = performance.now();
    const o = resolveOptions({ factors: 48, iterations: 20, threads: 2, feedback: 'implicit' });
    const error = await fitAls(
      r,
      o,
      {
        signal: controller.signal,
        onIteration: ({ seconds }) => {
          iterationSeconds = seconds;
          setTimeout(() => controller.abort(new Error('user cancelled')), 5);
        },
      },
      { spawnWorker: () => emptyShareWorker('none') },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    const abortedAfter = (performance.now() - started) / 1000;
    expect(error).toBeInstanceOf(AlsError);
    expect((error as AlsError).code).toBe(ErrorCode.ABORTED);
    expect(((error as AlsError).cause as Error).message).toBe('user cancelled');
    // Rejected well before the second iteration could finish.
    expect(abortedAfter).toBeLessThan(2 * iterationSeconds + 1);
  });

  it('a failing worker still fails the job with WORKER_FAILED and its message', async () => {
    // Three threads: workers 0 and 1, and the calling thread; worker 1 throws on its 2nd job.
    let spawned = 0;
    const failing = new URL('./fixtures/failing-worker.mjs', import.meta.url);
    const { spawn, handles } = countingSpawn(() =>
      spawned++ === 1 ? spawnNodeWorker(failing, { job: 1, message: 'injected kernel failure' }) : spawnWorker(),
    );
    const error = await fit({ threads: 3 }, spawn).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AlsError);
    expect((error as AlsError).code).toBe(ErrorCode.WORKER_FAILED);
    expect((error as AlsError).message).toContain('Worker thread 1 failed: injected kernel failure');
    expect(handles.length).toBe(2);
    expect(handles.every((h) => h.terminated)).toBe(true);
  });

  it('a failing task on the calling thread stops the workers and fails the job with WORKER_FAILED', async () => {
    const backend = await createBackend('wasm', 1 << 16, true);
    const i32 = new Int32Array(backend.buffer);
    const ctrl = 1024;
    // A job no thread knows: the first task the calling thread claims throws.
    i32[(ctrl >>> 2) + Ctrl.Job] = 999;
    i32[(ctrl >>> 2) + Ctrl.Tasks] = 16;
    // The workers claim nothing and return only once Stop is set.
    const { spawn, handles } = countingSpawn(() => emptyShareWorker('stop'));
    const executor = await startExecutor({ threads: 3, backend, ctrl, what: 'Training', spawnWorker: spawn });
    const error = await executor.run().then(
      () => null,
      (e: unknown) => e,
    );
    await executor.close();
    expect(error).toBeInstanceOf(AlsError);
    expect((error as AlsError).code).toBe(ErrorCode.WORKER_FAILED);
    expect((error as AlsError).message).toContain('Thread 2 (the calling thread) failed: unknown job 999');
    expect(((error as AlsError).cause as Error).message).toBe('unknown job 999');
    expect(Atomics.load(i32, (ctrl >>> 2) + Ctrl.Stop)).toBe(1);
    expect(handles.length).toBe(2);
    expect(handles.every((h) => h.terminated)).toBe(true);
    // The pool stays failed: a later job is refused with the same error.
    await expect(executor.run()).rejects.toBe(error);
  });
});

describe.runIf(built)('work alongside a job (Executor.run): the calling thread’s own, before its share', () => {
  /** A control block at 1024 of a fresh shared memory, with a job of `tasks` tasks no thread knows (0: none to claim). */
  async function job(tasks: number) {
    const backend = await createBackend('wasm', 1 << 16, true);
    const i32 = new Int32Array(backend.buffer);
    const ctrl = 1024;
    i32[(ctrl >>> 2) + Ctrl.Job] = 999;
    i32[(ctrl >>> 2) + Ctrl.Tasks] = tasks;
    return { backend, i32, ctrl };
  }

  for (const threads of [1, 2]) {
    it(`${threads} thread(s): it runs once, after the workers were started, and the job completes`, async () => {
      const { backend, i32, ctrl } = await job(0);
      const executor = await startExecutor({ threads, backend, ctrl, what: 'Training' });
      const seen: number[] = [];
      // begin() has cleared the counter when it runs: the job is under way.
      await executor.run(() => seen.push(Atomics.load(i32, (ctrl >>> 2) + Ctrl.Counter)));
      await executor.close();
      expect(seen).toEqual([0]);
    });

    it(`${threads} thread(s): when it throws, the job stops and run rejects with its own error; the next job runs`, async () => {
      // Tasks no thread knows: were any claimed, the job would fail with WORKER_FAILED instead.
      const { backend, i32, ctrl } = await job(16);
      // Workers that claim nothing (their share is done at once), so no unknown task is run.
      const { spawn, handles } = countingSpawn(() => emptyShareWorker('none'));
      const executor = await startExecutor({ threads, backend, ctrl, what: 'Training', spawnWorker: spawn });
      const thrown = new RangeError('matrix not positive definite at pivot 3');
      await expect(
        executor.run(() => {
          throw thrown;
        }),
      ).rejects.toBe(thrown);
      if (threads > 1) expect(Atomics.load(i32, (ctrl >>> 2) + Ctrl.Stop)).toBe(1);
      expect(handles.every((h) => !h.terminated)).toBe(true);
      i32[(ctrl >>> 2) + Ctrl.Tasks] = 0;
      await executor.run();
      await executor.close();
      expect(handles.length).toBe(threads - 1);
    });
  }
});

describe('a worker sets up only the kernels it runs', () => {
  async function init(backend: 'wasm' | 'js', module: WebAssembly.Module | null): Promise<FromWorker[]> {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const posted: FromWorker[] = [];
    const handle = createWorkerHandler((message) => posted.push(message));
    handle({ type: 'init', module, memory, backend, ctrl: 0, scratch: 0, thread: 0 });
    // The kernels are set up asynchronously (the JS twin is imported on demand).
    for (let i = 0; i < 100 && posted.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    return posted;
  }

  it('a worker of the JS backend imports the JS kernels on demand and says ready', async () => {
    expect(await init('js', null)).toEqual([{ type: 'ready' }]);
  });

  it('a worker whose kernels cannot be set up posts the error instead of ready', async () => {
    const posted = await init('wasm', null);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.type).toBe('error');
  });
});

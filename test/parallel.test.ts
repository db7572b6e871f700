import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALS, AlsError, ErrorCode, Ratings, type ALSModel, type AlsOptions } from '../src/index.js';
import { syntheticRatings } from '../src/data/synthetic.js';
import { fitAls } from '../src/train/als.js';
import { spawnNodeWorker, spawnWorker } from '../src/parallel/spawn.node.js';
import type { SpawnWorker } from '../src/parallel/worker-handle.js';

// Workers run the built JavaScript (dist/parallel/worker.node.js): `npm test` builds first.
const built =
  existsSync(new URL('../dist/parallel/worker.node.js', import.meta.url)) &&
  existsSync(new URL('../build/als-threads.wasm', import.meta.url));
if (!built) console.warn('dist/ or build/ is missing (run `npm run build`): the parallel tests are skipped.');

// Power-law activity: a few users with hundreds of ratings, most with a handful.
const data = syntheticRatings({ numUsers: 3000, numItems: 800, nnz: 60_000, seed: 11 });
const ratings = Ratings.fromTriples(data, { denseIds: true, numUsers: data.numUsers, numItems: data.numItems });

async function fit(options: AlsOptions): Promise<ALSModel> {
  return new ALS({ factors: 12, iterations: 5, seed: 5, ...options }).fit(ratings);
}

/**
 * Starts real workers, except that worker `thread` (the pool spawns in thread order; n threads
 * start n − 1 workers, the calling thread is the last) fails its `job`-th job.
 */
function oneFailingWorker(thread: number, job: number, message: string): SpawnWorker {
  const failing = new URL('./fixtures/failing-worker.mjs', import.meta.url);
  let spawned = 0;
  return () => (spawned++ === thread ? spawnNodeWorker(failing, { job, message }) : spawnWorker());
}

describe.runIf(built)('parallel training', () => {
  it.each([
    { feedback: 'explicit', solver: 'cholesky', biases: true, regularizationScaling: 'count', regularization: 0.05 },
    { feedback: 'explicit', solver: 'cg' },
    { feedback: 'implicit', solver: 'cholesky', alpha: 3 },
    { feedback: 'implicit', solver: 'cg', confidence: 'alpha', alpha: 2 },
  ] as AlsOptions[])('factors after 5 iterations are bit-identical for 1, 2, 3 and 4 threads: %o', async (options) => {
    const one = await fit({ ...options, threads: 1 });
    for (const threads of [2, 3, 4]) {
      const many = await fit({ ...options, threads });
      expect(many.options.threads).toBe(threads);
      expect(Buffer.from(many.userFactors.buffer).equals(Buffer.from(one.userFactors.buffer))).toBe(true);
      expect(Buffer.from(many.itemFactors.buffer).equals(Buffer.from(one.itemFactors.buffer))).toBe(true);
      if (one.userBiases) expect(many.userBiases).toEqual(one.userBiases);
    }
  });

  it('the JS backend runs on worker threads too, with the same factors as on one thread', async () => {
    const one = await fit({ backend: 'js', threads: 1, iterations: 2 });
    const two = await fit({ backend: 'js', threads: 2, iterations: 2 });
    expect(two.userFactors).toEqual(one.userFactors);
  });

  it('the loss is the same for any thread count', async () => {
    const losses = async (threads: number) => {
      const out: number[] = [];
      await fit({ threads, feedback: 'implicit', onIteration: ({ loss }) => void out.push(loss) });
      return out;
    };
    expect(await losses(3)).toEqual(await losses(1));
  });

  it('a failure in one worker rejects fit with that worker’s message', async () => {
    const { options } = new ALS({ factors: 4, iterations: 3, threads: 2 });
    // Two threads: worker 0 and the calling thread.
    const spawn = oneFailingWorker(0, 0, 'injected kernel failure');
    const error = await fitAls(ratings, options, {}, { spawnWorker: spawn }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AlsError);
    expect((error as AlsError).code).toBe(ErrorCode.WORKER_FAILED);
    expect((error as AlsError).message).toContain('injected kernel failure');
  });

  it('abort in the middle of an iteration rejects promptly', async () => {
    const big = syntheticRatings({ numUsers: 20_000, numItems: 4000, nnz: 600_000, seed: 3 });
    const r = Ratings.fromTriples(big, { denseIds: true, numUsers: big.numUsers, numItems: big.numItems });
    for (const threads of [1, 2]) {
      const controller = new AbortController();
      let iterationSeconds = 0;
      // Measure one iteration, then abort a few milliseconds into the next one.
      const started = performance.now();
      const pending = new ALS({
        factors: 64,
        iterations: 20,
        threads,
        signal: controller.signal,
        onIteration: ({ seconds }) => {
          iterationSeconds = seconds;
          setTimeout(() => controller.abort(new Error('user cancelled')), 5);
        },
      }).fit(r);
      const error = await pending.then(
        () => null,
        (e: unknown) => e,
      );
      const abortedAfter = (performance.now() - started) / 1000;
      expect((error as AlsError).code).toBe(ErrorCode.ABORTED);
      expect(((error as AlsError).cause as Error).message).toBe('user cancelled');
      // Rejected well before the second iteration could finish.
      expect(abortedAfter).toBeLessThan(2 * iterationSeconds + 1);
    }
  });

  it('refuses 0, negative and fractional thread counts', () => {
    for (const threads of [0, -1, 1.5, 'many']) {
      expect(() => new ALS({ threads: threads as number })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
    }
  });

  it('leaves nothing running: a process whose fit failed in a worker exits by itself', () => {
    const script = fileURLToPath(new URL('./fixtures/worker-failure.mjs', import.meta.url));
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stdout).toContain('rejected: WORKER_FAILED');
    expect(result.status).toBe(0);
    expect(result.signal).toBeNull();
  });
});

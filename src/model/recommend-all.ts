import type { SparseRows } from '../data/sparse.js';
import { roundUp } from '../kernels/types.js';
import { createBackend } from '../kernels/select.js';
import { JobControl, LocalExecutor, type Executor } from '../parallel/executor.js';
import { WorkerPool } from '../parallel/pool.js';
import { CTRL_BYTES, Ctrl, Job, QUERY_BLOCK } from '../parallel/tasks.js';
import { AlsError, ErrorCode } from '../errors.js';
import { resolveThreads } from '../parallel/threads.js';
import type { ALSModel, AllRecommendations } from './model.js';

/** One side asks (queries), the other side answers (rows): users → items or items → users. */
export interface AllTopNInput {
  k: number;
  queries: Float32Array;
  rows: Float32Array;
  /** Bias of each answering row, or null. */
  rowBias: Float32Array | null;
  /** Added to every score of query q (μ + the query's own bias). */
  shift: (q: number) => number;
  /** Rows each query must not get (CSR by query, ascending), or null. */
  excluded: SparseRows | null;
  n: number;
  threads: number;
  signal?: AbortSignal;
}

/** Flat top-n lists: row q is [q·n, (q + 1)·n), best first; -1 / NaN pad short rows. */
export interface AllTopN {
  indices: Int32Array;
  scores: Float32Array;
}

/**
 * Every query's top n through the scoreTopK kernel, on worker threads over one shared memory
 * where there are several (the main thread otherwise): factors, exclusions and results live
 * in that memory, tasks are blocks of queries claimed from the atomic counter, and each
 * kernel call keeps its n best in place — no per-query allocation. The main thread then
 * orders each short list.
 */
export async function allTopN(input: AllTopNInput): Promise<AllTopN> {
  const { k, n } = input;
  const stride = roundUp(k, 8);
  const numQueries = input.queries.length / k;
  const numRows = input.rows.length / k;
  const nnz = input.excluded ? input.excluded.indices.length : 0;
  let offset = 64;
  const take = (bytes: number) => {
    const at = offset;
    offset = roundUp(offset + bytes, 64);
    return at;
  };
  const ctrl = take(CTRL_BYTES);
  const queries = take(numQueries * stride * 4);
  const rows = take(numRows * stride * 4);
  const bias = input.rowBias ? take(numRows * 4) : 0;
  const indptr = input.excluded ? take((numQueries + 1) * 4) : 0;
  const indices = take(nnz * 4);
  const outIdx = take((numQueries * n + numQueries) * 4);
  const outScore = take(numQueries * n * 4);
  if (offset > 2 ** 32) {
    throw new AlsError(ErrorCode.TOO_LARGE, `recommendAll needs ${offset} bytes in one WebAssembly memory, more than 4 GiB.`, 'Lower n, or run it on a subset of the users.');
  }
  const backend = await createBackend('auto', offset, input.threads > 1);
  const f32 = new Float32Array(backend.buffer);
  const i32 = new Int32Array(backend.buffer);
  const pad = (at: number, src: Float32Array, count: number) => {
    for (let r = 0; r < count; r++) f32.set(src.subarray(r * k, (r + 1) * k), (at >>> 2) + r * stride);
  };
  pad(queries, input.queries, numQueries);
  pad(rows, input.rows, numRows);
  if (input.rowBias) f32.set(input.rowBias, bias >>> 2);
  if (input.excluded) {
    i32.set(input.excluded.indptr, indptr >>> 2);
    i32.set(input.excluded.indices, indices >>> 2);
  }
  const c0 = ctrl >>> 2;
  i32[c0 + Ctrl.Job] = Job.TopN;
  i32[c0 + Ctrl.Tasks] = Math.ceil(numQueries / QUERY_BLOCK);
  [queries, stride, k, numQueries, rows, numRows, bias, indptr, indices, n, outIdx, outScore].forEach((v, j) => (i32[c0 + Ctrl.A0 + j] = v));

  const control = new JobControl(i32, ctrl, input.signal);
  const executor: Executor =
    input.threads > 1
      ? await WorkerPool.start(input.threads, { module: backend.module, memory: backend.memory!, backend: backend.kernels.backend, ctrl, scratch: 0, scratchBytes: 0 }, control)
      : new LocalExecutor({ kernels: backend.kernels, i32, ctrl, scratch: 0 }, control);
  try {
    await executor.run();
  } finally {
    await executor.close();
  }

  const outIndices = new Int32Array(numQueries * n).fill(-1);
  const outScores = new Float32Array(numQueries * n).fill(NaN);
  const order = new Int32Array(n);
  for (let q = 0; q < numQueries; q++) {
    const kept = i32[(outIdx >>> 2) + numQueries * n + q]!;
    const base = q * n;
    const idx = (j: number) => i32[(outIdx >>> 2) + base + j]!;
    const score = (j: number) => f32[(outScore >>> 2) + base + j]!;
    for (let j = 0; j < kept; j++) order[j] = j;
    order.subarray(0, kept).sort((a, b) => score(b) - score(a) || idx(a) - idx(b));
    const shift = input.shift(q);
    for (let j = 0; j < kept; j++) {
      outIndices[base + j] = idx(order[j]!);
      outScores[base + j] = score(order[j]!) + shift;
    }
  }
  return { indices: outIndices, scores: outScores };
}

/**
 * recommendAll on worker threads: the top n items for every user (`of: 'users'`, excluding
 * seen items when the model keeps them and excludeSeen is not false), or the top n users for
 * every item (`of: 'items'`). The same lists as model.recommendAll / recommendAllUsers, which
 * run on the calling thread (and are what als-wasm/serve offers). threads: as ALS ('auto':
 * every core where workers exist).
 */
export async function recommendAll(
  model: ALSModel,
  options: { n?: number; of?: 'users' | 'items'; excludeSeen?: boolean; threads?: number | 'auto'; signal?: AbortSignal } = {},
): Promise<AllRecommendations> {
  const n = options.n ?? 10;
  if (!Number.isInteger(n) || n < 0) throw new AlsError(ErrorCode.INVALID_OPTION, `n must be an integer ≥ 0 (got ${n}).`);
  const threads = await resolveThreads(options.threads ?? 'auto');
  const users = (options.of ?? 'users') === 'users';
  const mu = model.globalMean;
  const result = users
    ? await allTopN({
        k: model.factors, queries: model.userFactors, rows: model.itemFactors, rowBias: model.itemBiases,
        shift: (u) => mu + (model.userBiases ? model.userBiases[u]! : 0),
        excluded: options.excludeSeen === false ? null : model.seen, n, threads, signal: options.signal,
      })
    : await allTopN({
        k: model.factors, queries: model.itemFactors, rows: model.userFactors, rowBias: model.userBiases,
        shift: (i) => mu + (model.itemBiases ? model.itemBiases[i]! : 0), excluded: null, n, threads, signal: options.signal,
      });
  return { n, ...result };
}

/**
 * The kernel side of ranking evaluation: every evaluated user's top-n and the ranks of their
 * test items, from one scoreTopKRanks pass per user over the item rows, on the calling thread and
 * n − 1 workers over one shared memory (the calling thread alone for one thread), as recommendAll does.
 *
 * The memory, the exclusions and the test items are laid out once; `run(model)` only copies
 * the factors in, so early stopping re-evaluates each checkpoint without re-planning, and a
 * worker pool is started once per job, not once per evaluation.
 */
import { ErrorCode, fail } from '../errors.js';
import { createBackend, type Backend } from '../kernels/select.js';
import { RANK_PARAMS, writeFields, writeJob, writeRankParams } from '../kernels/abi.js';
import { roundUp } from '../kernels/types.js';
import { startExecutor, type Executor } from '../parallel/executor.js';
import { CTRL_BYTES, RANK_QUERY_BLOCK } from '../parallel/tasks.js';
import { MemoryPlan } from '../wasm/memory-plan.js';
import type { FactorModel } from './scoring.js';

/** Per query (an evaluated user, in evaluation order): its model row, exclusions and positives. */
export interface RankQueries {
  /** The user (model row) of each query. */
  users: Int32Array;
  /** Items each query must not get: CSR by query, ascending, no repeats, all < numItems. */
  excluded: { indptr: Int32Array; indices: Int32Array };
  /** The query's test items that can be ranked (not excluded, < numItems): CSR, ascending. */
  positives: { indptr: Int32Array; indices: Int32Array };
}

export interface RankJobShape {
  /** Factors per row. */
  k: number;
  numItems: number;
  /** List length. */
  n: number;
  threads: number;
  signal?: AbortSignal;
}

export class RankingJob {
  private readonly shape: RankJobShape;
  private readonly queries: RankQueries;
  private readonly executor: Executor;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly stride: number;
  private readonly at: RankLayout;
  private readonly order: Int32Array;

  private constructor(
    shape: RankJobShape,
    queries: RankQueries,
    backend: Backend,
    executor: Executor,
    stride: number,
    at: RankLayout,
  ) {
    this.shape = shape;
    this.queries = queries;
    this.executor = executor;
    this.f32 = new Float32Array(backend.buffer);
    this.i32 = new Int32Array(backend.buffer);
    this.stride = stride;
    this.at = at;
    this.order = new Int32Array(shape.n);
  }

  /** Plans and fills the memory, and starts the threads. */
  static async start(shape: RankJobShape, queries: RankQueries): Promise<RankingJob> {
    const { k, numItems, n, threads } = shape;
    const numQueries = queries.users.length;
    const stride = roundUp(k, 8);
    // Each query's positives start at a multiple of 4: the kernel compares four at a time.
    const posIndptr = new Int32Array(numQueries + 1);
    for (let q = 0; q < numQueries; q++) {
      posIndptr[q + 1] = posIndptr[q]! + roundUp(queries.positives.indptr[q + 1]! - queries.positives.indptr[q]!, 4);
    }
    const padded = posIndptr[numQueries]!;
    const nnz = queries.excluded.indices.length;
    const at = planRankJob(numQueries, numItems, stride, nnz, padded, n);
    const backend = await createBackend('auto', at.totalBytes, threads > 1);
    const i32 = new Int32Array(backend.buffer);
    i32.set(queries.excluded.indptr, at.exclIndptr >>> 2);
    i32.set(queries.excluded.indices, at.exclIndices >>> 2);
    i32.set(posIndptr, at.posIndptr >>> 2);
    for (let q = 0; q < numQueries; q++) {
      const lo = queries.positives.indptr[q]!;
      const hi = queries.positives.indptr[q + 1]!;
      i32.set(queries.positives.indices.subarray(lo, hi), (at.posIndices >>> 2) + posIndptr[q]!);
      i32[(at.posCount >>> 2) + q] = hi - lo;
    }
    // bias, first and end are set by each run.
    writeRankParams(i32, at.args, {
      queries: at.queries,
      stride,
      dim: k,
      rows: at.rows,
      numRows: numItems,
      bias: 0,
      exclIndptr: at.exclIndptr,
      exclIndices: at.exclIndices,
      posIndptr: at.posIndptr,
      posIndices: at.posIndices,
      posCount: at.posCount,
      n,
      outIdx: at.outIdx,
      outScore: at.outScore,
      kept: at.kept,
      posScore: at.posScore,
      outRank: at.outRank,
      first: 0,
      end: 0,
    });
    writeJob(i32, at.ctrl, 'TopNRanks', 0, { params: at.args });
    const executor = await startExecutor({ threads, backend, ctrl: at.ctrl, signal: shape.signal, what: 'Ranking evaluation' });
    return new RankingJob(shape, queries, backend, executor, stride, at);
  }

  /**
   * Scores every query against `model` (same k and items as planned), in slices so that
   * `onSlice(queries done)` can report progress between them.
   */
  async run(model: FactorModel, onSlice?: (done: number) => void): Promise<void> {
    const { k, numItems } = this.shape;
    if (model.factors !== k || model.itemFactors.length !== numItems * k) {
      fail(
        ErrorCode.INVALID_OPTION,
        `This evaluation was planned for ${numItems} items × ${k} factors; the model has ${model.itemFactors.length / model.factors} × ${model.factors}.`,
      );
    }
    const { f32, i32, stride, at } = this;
    const users = this.queries.users;
    for (let q = 0; q < users.length; q++) {
      const u = users[q]!;
      f32.set(model.userFactors.subarray(u * k, (u + 1) * k), (at.queries >>> 2) + q * stride);
    }
    for (let i = 0; i < numItems; i++) f32.set(model.itemFactors.subarray(i * k, (i + 1) * k), (at.rows >>> 2) + i * stride);
    const bias = model.itemBiases ?? null;
    if (bias) f32.set(bias.subarray(0, numItems), at.bias >>> 2);
    writeFields(i32, at.args, RANK_PARAMS, { bias: bias ? at.bias : 0 });
    // Slices of a few tasks per thread: small enough for a live progress bar, large enough
    // that the per-run message round trip stays negligible.
    const slice = Math.max(RANK_QUERY_BLOCK * this.executor.threads * 4, Math.ceil(users.length / 64));
    for (let first = 0; first < users.length; first += slice) {
      const end = Math.min(users.length, first + slice);
      writeFields(i32, at.args, RANK_PARAMS, { first, end });
      writeJob(i32, at.ctrl, 'TopNRanks', Math.ceil((end - first) / RANK_QUERY_BLOCK), { params: at.args });
      await this.executor.run();
      onSlice?.(end);
    }
  }

  /** Query q's list, best first (ties: lower index first), into `out`; returns its length. */
  list(q: number, out: Int32Array): number {
    const { f32, i32, at, order } = this;
    const n = this.shape.n;
    const kept = i32[(at.kept >>> 2) + q]!;
    const base = q * n;
    const idx = (j: number) => i32[(at.outIdx >>> 2) + base + j]!;
    const score = (j: number) => f32[(at.outScore >>> 2) + base + j]!;
    for (let j = 0; j < kept; j++) order[j] = j;
    order.subarray(0, kept).sort((a, b) => score(b) - score(a) || idx(a) - idx(b));
    for (let j = 0; j < kept; j++) out[j] = idx(order[j]!);
    return kept;
  }

  /** Σ over query q's positives of (items below + ½ ties): the AUC numerator, exact. */
  aucNumerator(q: number): number {
    const { i32, at } = this;
    const start = (at.outRank >>> 2) + i32[(at.posIndptr >>> 2) + q]!;
    const count = i32[(at.posCount >>> 2) + q]!;
    let twice = 0;
    for (let p = 0; p < count; p++) twice += i32[start + p]!;
    return twice / 2;
  }

  async close(): Promise<void> {
    await this.executor.close();
  }
}

type RankLayout = ReturnType<typeof planRankJob>;

/** Where everything lives; past 4 GiB this refuses with TOO_LARGE before anything is allocated. */
function planRankJob(numQueries: number, numItems: number, stride: number, nnz: number, padded: number, n: number) {
  const plan = new MemoryPlan();
  const at = {
    ctrl: plan.take(CTRL_BYTES, 'factors'),
    args: plan.take(RANK_PARAMS.bytes, 'factors'),
    queries: plan.take(numQueries * stride * 4, 'factors'),
    rows: plan.take(numItems * stride * 4, 'factors'),
    bias: plan.take(numItems * 4, 'factors'),
    exclIndptr: plan.take((numQueries + 1) * 4, 'excluded'),
    exclIndices: plan.take(nnz * 4, 'excluded'),
    posIndptr: plan.take((numQueries + 1) * 4, 'test'),
    posIndices: plan.take(padded * 4, 'test'),
    posCount: plan.take(numQueries * 4, 'test'),
    posScore: plan.take(padded * 4, 'test'),
    outRank: plan.take(padded * 4, 'test'),
    outIdx: plan.take(numQueries * n * 4, 'lists'),
    outScore: plan.take(numQueries * n * 4, 'lists'),
    kept: plan.take(numQueries * 4, 'lists'),
  };
  plan.refuseBeyondMemory('Ranking evaluation', {
    factors: {
      label: `factors (${numQueries + numItems} rows of ${stride} floats)`,
      hint: 'Evaluate fewer users (maxUsers), or a model with fewer factors.',
    },
    excluded: { label: `training items (${nnz})`, hint: 'Evaluate fewer users (maxUsers).' },
    test: { label: `test items (${padded})`, hint: 'Evaluate fewer users (maxUsers).' },
    lists: { label: `the lists (${numQueries} × k = ${n})`, hint: 'Lower k.' },
  });
  return { ...at, totalBytes: plan.totalBytes };
}

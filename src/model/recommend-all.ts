import type { SparseRows } from '../data/sparse.js';
import { createBackend } from '../kernels/select.js';
import { startExecutor, throwIfAborted } from '../parallel/executor.js';
import { writeJob } from '../kernels/abi.js';
import { QUERY_BLOCK } from '../parallel/tasks.js';
import { ErrorCode, fail } from '../errors.js';
import { checkThreads, resolveThreads } from '../parallel/threads.js';
import { abortSignal, boolean, checkOptions, oneOf } from '../validate.js';
import { planTopN } from '../wasm/memory-plan.js';
import { SCREEN_MIN_ROWS } from './engine.js';
import { gatherRows, itemsAtLeast, noCounts, restrictColumns } from './item-filter.js';
import { checkClip, clamp, clipRangeOf, minItemRatings, topCount, type Clip } from './serving-options.js';
import type { ALSModel, AllRecommendations } from './model.js';

/**
 * Flops of scoring below which 'auto' stays on the calling thread: starting the workers
 * (spawning, compiling the module, the shared memory) costs more than they save on smaller
 * work. Measured (2 cores, k = 64, lastfm-2k's 1,892 users × 17,632 items, 4.3·10⁹ flops):
 * 160 ms on the calling thread, 350 ms on 2 workers; 100,000 × 20,000 (2.6·10¹¹ flops): 11.1 s
 * on one thread, 4.8 s on 2. 10¹⁰ flops is about 0.4 s of scoring on one core.
 */
export const RANKING_THREADS_MIN_FLOPS = 1e10;

/** The threads recommendAllThreaded runs on: 1 for 'auto' below the work that pays for workers. */
export async function rankingThreads(requested: number | 'auto', queries: number, rows: number, k: number): Promise<number> {
  if (requested === 'auto' && 2 * queries * rows * k < RANKING_THREADS_MIN_FLOPS) return 1;
  return resolveThreads(requested);
}

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
 * Every query's top n through the scoreTopK kernel (screened through the items' int16 copy
 * where it fits), on the calling thread and n − 1 workers over one shared memory (the calling
 * thread alone for one thread): factors, exclusions and results live in that memory, tasks
 * are blocks of queries claimed from the atomic counter, and each kernel call keeps its n best
 * in place — no per-query allocation. The calling thread then orders each short list.
 */
export async function allTopN(input: AllTopNInput): Promise<AllTopN> {
  const { k, n } = input;
  const numQueries = input.queries.length / k;
  const numRows = input.rows.length / k;
  const nnz = input.excluded ? input.excluded.indices.length : 0;
  // Planned before anything is allocated: past 4 GiB this refuses with TOO_LARGE at once.
  // The rows are screened (an int16 copy, score.ts screenRows) unless they are few.
  const screened = numRows >= SCREEN_MIN_ROWS;
  const plan = planTopN({
    k,
    numQueries,
    numRows,
    n,
    rowBias: input.rowBias !== null,
    excludedNnz: input.excluded ? nnz : null,
    screenThreads: screened ? input.threads : 0,
  });
  const { stride, ctrl, queries, rows, bias, indptr, indices, outIdx, outScore, screen } = plan;
  const offset = plan.totalBytes;
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
  if (screen) backend.kernels.screenRows(rows, stride, k, numRows, screen);
  writeJob(i32, ctrl, 'TopN', Math.ceil(numQueries / QUERY_BLOCK), {
    queries,
    stride,
    dim: k,
    numQueries,
    rows,
    numRows,
    bias,
    exclIndptr: indptr,
    exclIndices: indices,
    n,
    outIdx,
    outScore,
    screen,
  });

  const executor = await startExecutor({
    threads: input.threads,
    backend,
    ctrl,
    scratch: plan.screenScratch,
    scratchBytes: plan.screenScratchBytes,
    signal: input.signal,
    what: 'recommendAll',
  });
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

export interface RecommendAllOptions {
  /** Results per user (or item); default 10, more than there are rows returns them all. */
  n?: number;
  /** 'users' (default): the top items of every user; 'items': the top users of every item. */
  of?: 'users' | 'items';
  /** Leave out each user's seen items when the model keeps them. Default true. */
  excludeSeen?: boolean;
  /**
   * of: 'users' only: only items with at least this many training ratings (counted from the
   * model's seen items; a model without them refuses values ≥ 1). Default 0: every item.
   */
  minItemRatings?: number;
  /** Clip the scores: 'auto' (default: model.clip), false, or [min, max]. Ranking is by raw scores. */
  clip?: Clip;
  /** As ALS: a count, or 'auto' (every core where workers exist). */
  threads?: number | 'auto';
  signal?: AbortSignal;
}

/**
 * Every user's (or item's) top n on worker threads: the top n items for every user (`of:
 * 'users'`, excluding seen items when the model keeps them and excludeSeen is not false), or
 * the top n users for every item (`of: 'items'`). The same lists as the synchronous
 * model.recommendAll / recommendAllUsers, which run on the calling thread (and are what
 * als-wasm/serve offers); named apart from them so a reader knows which one runs. threads: as
 * ALS ('auto': every core where workers exist, except for work too small to pay for starting
 * them: under RANKING_THREADS_MIN_FLOPS it runs on the calling thread).
 */
export async function recommendAllThreaded(model: ALSModel, options: RecommendAllOptions = {}): Promise<AllRecommendations> {
  const o = checkOptions('recommendAll options', options, [
    'n',
    'of',
    'excludeSeen',
    'threads',
    'signal',
    'minItemRatings',
    'clip',
  ]);
  const of = oneOf('of', o.of ?? 'users', ['users', 'items']);
  const users = of === 'users';
  // n past the rows that exist would only pad: clamped, so it can never size an allocation.
  const n = topCount(o.n, users ? model.numItems : model.numUsers);
  const excludeSeen = o.excludeSeen === undefined ? true : boolean('excludeSeen', o.excludeSeen);
  const minRatings = minItemRatings(o.minItemRatings);
  if (!users && minRatings > 0)
    fail(
      ErrorCode.INVALID_OPTION,
      "recommendAll: minItemRatings applies to of: 'users' (the top items of every user).",
      "Leave minItemRatings out with of: 'items'.",
    );
  const range = clipRangeOf(o.clip === undefined ? model.clip : checkClip(o.clip), model.options.feedback, model.valueRange);
  // The eligible items (null: all); checked before any work so a model without counts fails at once.
  let kept: Int32Array | null = null;
  if (minRatings > 0) kept = itemsAtLeast(model.itemRatingCounts ?? noCounts('recommendAll'), minRatings);
  const requested = checkThreads(o.threads ?? 'auto');
  if (o.signal !== undefined) abortSignal('signal', o.signal);
  throwIfAborted(o.signal, 'recommendAll');
  const queries = users ? model.numUsers : model.numItems;
  const answers = users ? (kept ? kept.length : model.numItems) : model.numUsers;
  const threads = await rankingThreads(requested, queries, answers, model.factors);
  const mu = model.globalMean;
  const k = model.factors;
  let result: AllTopN;
  if (kept) {
    // Only the eligible items are scored: the catalogue is cut down to them (seen items
    // renumbered alike) rather than every user excluding the rare ones, which would cost
    // numUsers × rare entries. Order is kept, so ties break as on the full catalogue.
    if (kept.length === 0)
      return { n, indices: new Int32Array(model.numUsers * n).fill(-1), scores: new Float32Array(model.numUsers * n).fill(NaN) };
    result = await allTopN({
      k,
      queries: model.userFactors,
      rows: gatherRows(model.itemFactors, kept, k),
      rowBias: model.itemBiases && gatherRows(model.itemBiases, kept, 1),
      shift: (u) => mu + (model.userBiases ? model.userBiases[u]! : 0),
      excluded: excludeSeen && model.seen ? restrictColumns(model.seen, kept, model.numItems) : null,
      n,
      threads,
      signal: o.signal,
    });
    const { indices } = result;
    for (let e = 0; e < indices.length; e++) if (indices[e]! >= 0) indices[e] = kept[indices[e]!]!;
  } else if (users) {
    result = await allTopN({
      k,
      queries: model.userFactors,
      rows: model.itemFactors,
      rowBias: model.itemBiases,
      shift: (u) => mu + (model.userBiases ? model.userBiases[u]! : 0),
      excluded: excludeSeen ? model.seen : null,
      n,
      threads,
      signal: o.signal,
    });
  } else {
    result = await allTopN({
      k,
      queries: model.itemFactors,
      rows: model.userFactors,
      rowBias: model.userBiases,
      shift: (i) => mu + (model.itemBiases ? model.itemBiases[i]! : 0),
      excluded: null,
      n,
      threads,
      signal: o.signal,
    });
  }
  if (range) {
    const { scores } = result;
    for (let e = 0; e < scores.length; e++) scores[e] = clamp(scores[e]!, range);
  }
  return { n, ...result };
}

/**
 * @deprecated Renamed {@link recommendAllThreaded}: the old name was the same as the
 * synchronous method `model.recommendAll()`. Kept as an alias; it will go in a major release.
 */
export function recommendAll(model: ALSModel, options: RecommendAllOptions = {}): Promise<AllRecommendations> {
  return recommendAllThreaded(model, options);
}

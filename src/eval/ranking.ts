/**
 * Ranking evaluation of a factor model through the WASM top-k kernel on worker threads: the
 * same metrics as rankingMetrics(factorScorer(model), …) — the same top-k lists (ties to the
 * lower index) and the same AUC (ties counting ½), averaged in the same user order — at the
 * cost of recommendAll for the evaluated users, AUC included (it is counted in the same pass
 * over the item rows, never by sorting every score).
 *
 * Scores are b_i + x_u·y_i as the kernel sums them in f32 (μ and b_u do not change a user's
 * ranking). Where two items' true scores differ by less than f32 rounding, the kernel's order
 * may differ from the JS path's (which sums in f64 and rounds once); on any data whose scores
 * are exact in f32 the two agree bit for bit.
 */
import { ErrorCode, fail } from '../errors.js';
import { throwIfAborted } from '../parallel/executor.js';
import { checkThreads, resolveThreads } from '../parallel/threads.js';
import { abortSignal, checkOptions } from '../validate.js';
import {
  RANKING_KEYS,
  RankingSums,
  checkRankingOptions,
  evaluatedUsers,
  type EvaluatedUsers,
  type RankingMetrics,
  type RankingOptions,
} from './metrics.js';
import { RankingJob, type RankQueries } from './ranking-job.js';
import type { FactorModel } from './scoring.js';
import type { TripleArrays } from './split.js';

export interface RankingEvaluationOptions extends RankingOptions {
  /** Threads to score on: a count, or 'auto' (every core where workers exist). Default 'auto'. */
  threads?: number | 'auto';
  /** Stops the evaluation between slices of users (rejects with ABORTED). */
  signal?: AbortSignal;
}

/** Evaluates one model, or a series of models of the same shape (early stopping) on one split. */
export interface RankingEvaluator {
  /** The metrics of `model` (the same k and items every call); progress goes to onProgress. */
  evaluate(model: FactorModel): Promise<RankingMetrics>;
  /** Stops the worker threads. The evaluator cannot be used after. */
  close(): Promise<void>;
}

const KEYS = [...RANKING_KEYS, 'threads', 'signal'] as const;

/**
 * Ranking metrics of a factor model on held-out positives, training items excluded: the
 * kernel twin of rankingMetrics(factorScorer(model), test, options). Resolves to the same
 * RankingMetrics. threads: as recommendAll ('auto' by default).
 */
export async function evaluateRanking(
  model: FactorModel,
  test: TripleArrays,
  options: RankingEvaluationOptions = {},
): Promise<RankingMetrics> {
  const evaluator = await rankingEvaluator(test, options);
  try {
    return await evaluator.evaluate(model);
  } finally {
    await evaluator.close();
  }
}

/**
 * An evaluator for one split: users grouped and exclusions laid out once, the memory and the
 * worker threads set up on the first evaluate and kept while the models keep their shape.
 */
export async function rankingEvaluator(test: TripleArrays, options: RankingEvaluationOptions = {}): Promise<RankingEvaluator> {
  checkOptions('evaluateRanking options', options, KEYS);
  const k = checkRankingOptions(options);
  const requested = checkThreads(options.threads ?? 'auto');
  if (options.signal !== undefined) abortSignal('signal', options.signal);
  const threads = await resolveThreads(requested);
  const withAuc = options.auc ?? true;
  const groups = groupUsers(test, options.train, options.maxUsers);
  let job: RankingJob | null = null;
  let plannedFor = '';
  const list = new Int32Array(k);
  return {
    async evaluate(model) {
      throwIfAborted(options.signal, 'Ranking evaluation');
      const numItems = model.itemFactors.length / model.factors;
      const numUsers = model.userFactors.length / model.factors;
      const shape = `${model.factors} ${numUsers} ${numItems}`;
      if (!job || plannedFor !== shape) {
        await job?.close();
        job = null;
        const queries = rankQueries(groups, options.train, numItems, numUsers);
        job = await RankingJob.start(
          { k: model.factors, numItems, n: Math.min(k, numItems), threads, signal: options.signal },
          queries,
        );
        plannedFor = shape;
      }
      const total = groups.users.length;
      await job.run(model, options.onProgress ? (done) => options.onProgress!(done, total) : undefined);
      const sums = new RankingSums(k, numItems);
      for (let q = 0; q < total; q++) {
        const length = job.list(q, list);
        const relevant = groups.relevant[q]!;
        const numPos = groups.positives[q]!;
        const numNeg = numItems - groups.excludedCount[q]! - numPos;
        const pairs = withAuc && numPos > 0 && numNeg > 0 ? numPos * numNeg : 0;
        sums.add(list.subarray(0, length), relevant, pairs > 0 ? job.aucNumerator(q) : 0, pairs);
      }
      return sums.result(groups.usersWithoutTest);
    },
    async close() {
      await job?.close();
      job = null;
    },
  };
}

/** The evaluated users (the same walk as rankingMetrics) and, per catalog size, what rankQueries fills. */
interface UserGroups extends EvaluatedUsers {
  /** Filled per catalog size by rankQueries: positives and exclusions within the items. */
  positives: Int32Array;
  excludedCount: Int32Array;
}

function groupUsers(test: TripleArrays, train: TripleArrays | undefined, maxUsers: number | undefined): UserGroups {
  checkIndices('test', test);
  if (train) checkIndices('train', train);
  const walk = evaluatedUsers(test, train, maxUsers);
  return { ...walk, positives: new Int32Array(walk.users.length), excludedCount: new Int32Array(walk.users.length) };
}

/**
 * Per evaluated user, the training items within the catalog (ascending, once each) and the
 * test items that can be ranked: within the catalog and not training items (a test item that
 * is also a training item cannot be recommended; it still counts in |T_u|, as in rankingMetrics).
 */
function rankQueries(groups: UserGroups, train: TripleArrays | undefined, numItems: number, numUsers: number): RankQueries {
  const { users, trainBy } = groups;
  const q = users.length;
  const exclIndptr = new Int32Array(q + 1);
  const posIndptr = new Int32Array(q + 1);
  const excl: number[] = [];
  const pos: number[] = [];
  for (let j = 0; j < q; j++) {
    const u = users[j]!;
    if (u >= numUsers) {
      fail(
        ErrorCode.UNKNOWN_ID,
        `Test user index ${u} has no factors: the model has ${numUsers} users.`,
        'Evaluate a model trained on the same user indices as the split (ratingsOf(split.train, numUsers, numItems)).',
      );
    }
    const mine = new Set<number>();
    if (trainBy && train && u + 1 < trainBy.start.length) {
      for (let p = trainBy.start[u]!; p < trainBy.start[u + 1]!; p++) {
        const i = train.items[trainBy.order[p]!]!;
        if (i < numItems) mine.add(i);
      }
    }
    const sortedExcl = Int32Array.from(mine).sort();
    for (let e = 0; e < sortedExcl.length; e++) excl.push(sortedExcl[e]!);
    exclIndptr[j + 1] = excl.length;
    const positives = Int32Array.from([...groups.relevant[j]!].filter((i) => i < numItems && !mine.has(i))).sort();
    for (let p = 0; p < positives.length; p++) pos.push(positives[p]!);
    posIndptr[j + 1] = pos.length;
    groups.positives[j] = positives.length;
    groups.excludedCount[j] = sortedExcl.length;
  }
  return {
    users,
    excluded: { indptr: exclIndptr, indices: Int32Array.from(excl) },
    positives: { indptr: posIndptr, indices: Int32Array.from(pos) },
  };
}

/** Dense indices: non-negative integers (a negative index would address another row). */
function checkIndices(what: string, data: TripleArrays): void {
  for (const [name, list] of [
    ['users', data.users],
    ['items', data.items],
  ] as const) {
    for (let e = 0; e < list.length; e++) {
      const v = list[e]!;
      if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 31)) {
        fail(
          ErrorCode.INVALID_ID,
          `${what}.${name}[${e}] is ${String(v)}, not a dense index.`,
          'Pass triples with dense indices (0 … n − 1), e.g. from triplesOf(ratings) or a split.',
        );
      }
    }
  }
}

/**
 * Accuracy and ranking metrics, with the textbook definitions (and the Python `implicit`
 * library's variant of precision@k by name).
 *
 * Ranking metrics, for a user u with test items T_u and the top-k list L_u (training items
 * excluded from the ranking; ties broken by lower item index), rel_j = 1 when L_u[j] ∈ T_u:
 * - precision@k = |L_u ∩ T_u| / k
 * - precision@k ('implicit' variant, `implicit.evaluation.precision_at_k`) = |L_u ∩ T_u| / min(k, |T_u|)
 * - recall@k = |L_u ∩ T_u| / |T_u|
 * - AP@k = (1 / min(k, |T_u|)) Σ_{j ≤ k} rel_j · precision@j; MAP@k is its mean
 * - NDCG@k = DCG / IDCG with DCG = Σ_{j ≤ k} rel_j / log2(j + 1) (binary relevance) and IDCG the
 *   DCG of min(k, |T_u|) hits in the first places
 * - AUC = P(score of a test item > score of a non-test, non-training item), ties counting ½,
 *   over all such pairs (the full ROC area, not the top-k approximation)
 * All are averaged over users with at least one test item; users with none are skipped and
 * counted. Catalog coverage = |∪_u L_u| / numItems over the evaluated users.
 */
import { lowerBound, upperBound } from '../data/search-sorted.js';
import { boolean, callback, checkOptions, integer } from '../validate.js';
import { groupByUser, type TripleArrays } from './split.js';
import { topK, type Scorer } from './scoring.js';

/** Root mean squared error of predict(user, item) against the values: √(Σ (r − r̂)² / n). */
export function rmse(data: TripleArrays, predict: (user: number, item: number) => number): number {
  let sum = 0;
  const n = data.values.length;
  for (let e = 0; e < n; e++) {
    const err = data.values[e]! - predict(data.users[e]!, data.items[e]!);
    sum += err * err;
  }
  return Math.sqrt(sum / n);
}

/** Mean absolute error: Σ |r − r̂| / n. */
export function mae(data: TripleArrays, predict: (user: number, item: number) => number): number {
  let sum = 0;
  const n = data.values.length;
  for (let e = 0; e < n; e++) sum += Math.abs(data.values[e]! - predict(data.users[e]!, data.items[e]!));
  return sum / n;
}

/** precision@k of one ranked list: hits in the first k / k. */
export function precisionAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return hits(ranked, relevant, k) / k;
}

/** The `implicit` library's precision@k: hits in the first k / min(k, |relevant|). */
export function precisionAtKImplicit(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return relevant.size === 0 ? 0 : hits(ranked, relevant, k) / Math.min(k, relevant.size);
}

/** recall@k: hits in the first k / |relevant|. */
export function recallAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return relevant.size === 0 ? 0 : hits(ranked, relevant, k) / relevant.size;
}

/** AP@k = (1 / min(k, |relevant|)) Σ_{j ≤ k} rel_j · (hits in the first j) / j. */
export function averagePrecisionAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) return 0;
  let found = 0;
  let sum = 0;
  for (let j = 0; j < Math.min(k, ranked.length); j++) {
    if (relevant.has(ranked[j]!)) sum += ++found / (j + 1);
  }
  return sum / Math.min(k, relevant.size);
}

/** NDCG@k with binary relevance: Σ rel_j / log2(j + 1) over the ideal Σ_{j ≤ min(k, |relevant|)} 1 / log2(j + 1). */
export function ndcgAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  for (let j = 0; j < Math.min(k, ranked.length); j++) if (relevant.has(ranked[j]!)) dcg += 1 / Math.log2(j + 2);
  let ideal = 0;
  for (let j = 0; j < Math.min(k, relevant.size); j++) ideal += 1 / Math.log2(j + 2);
  return dcg / ideal;
}

/**
 * ROC AUC of one user: the fraction of (positive, negative) pairs where the positive scores
 * higher, ties counting ½. `negatives` is sorted ascending in place.
 */
export function auc(positives: ArrayLike<number>, negatives: Float32Array | Float64Array): number {
  if (positives.length === 0 || negatives.length === 0) return NaN;
  return aucNumerator(positives, negatives) / (positives.length * negatives.length);
}

/** Σ over the positives of (negatives scoring below + ½ those tied); sorts `negatives`. */
function aucNumerator(positives: ArrayLike<number>, negatives: Float32Array | Float64Array): number {
  negatives.sort();
  let sum = 0;
  for (let p = 0; p < positives.length; p++) {
    const s = positives[p]!;
    const below = lowerBound(negatives, s);
    const upTo = upperBound(negatives, s);
    sum += below + 0.5 * (upTo - below);
  }
  return sum;
}

export interface RankingOptions {
  /** List length. Default 10. */
  k?: number;
  /** Training ratings, excluded from each user's ranking (and from AUC's negatives). */
  train?: TripleArrays;
  /** Compute AUC too (sorts every user's scores: about as costly as scoring). Default true. */
  auc?: boolean;
  /** Evaluate at most this many users with test items (the first ones by index). Default all. */
  maxUsers?: number;
  /** Called as users are evaluated: (users done, users to evaluate), ending with done = total. */
  onProgress?: (done: number, total: number) => void;
}

export interface RankingMetrics {
  k: number;
  precision: number;
  /** precision@k as the `implicit` library defines it: hits / min(k, |test|). */
  precisionImplicit: number;
  recall: number;
  map: number;
  ndcg: number;
  auc: number;
  /** Catalog coverage of the top-k lists. */
  coverage: number;
  /** Users evaluated (with at least one test item). */
  users: number;
  /** Users in the training data without test items (skipped). */
  usersWithoutTest: number;
}

export const RANKING_KEYS = ['k', 'train', 'auc', 'maxUsers', 'onProgress'] as const;

/** Checks the options rankingMetrics and evaluateRanking share; returns k. */
export function checkRankingOptions(options: RankingOptions): number {
  const k = integer('k', options.k ?? 10, 1, 1e6);
  if (options.auc !== undefined) boolean('auc', options.auc);
  if (options.maxUsers !== undefined) integer('maxUsers', options.maxUsers, 0, 2 ** 31 - 1);
  if (options.onProgress !== undefined) callback('onProgress', options.onProgress);
  return k;
}

/** How often (in users) the JS path reports progress. */
const PROGRESS_EVERY = 64;

/**
 * Ranking metrics of a scorer on held-out positives (every test triple counts as relevant),
 * scoring every item for every user in plain JS: the readable reference, and the path for
 * any Scorer. For a factor model, evaluateRanking (eval/ranking.ts) gives the same metrics
 * through the WASM top-k kernel on worker threads, many times faster.
 */
export function rankingMetrics(scorer: Scorer, test: TripleArrays, options: RankingOptions = {}): RankingMetrics {
  checkOptions('rankingMetrics options', options, RANKING_KEYS);
  const k = checkRankingOptions(options);
  const numItems = scorer.numItems;
  const walk = evaluatedUsers(test, options.train, options.maxUsers);
  const { trainBy } = walk;
  const scores = new Float32Array(numItems);
  const excluded = new Uint8Array(numItems);
  const negatives = new Float32Array(numItems);
  const withAuc = options.auc ?? true;
  const sums = new RankingSums(k, numItems);
  const total = walk.users.length;
  const mark = (u: number, flag: number) => {
    if (trainBy && u + 1 < trainBy.start.length) {
      for (let p = trainBy.start[u]!; p < trainBy.start[u + 1]!; p++) excluded[options.train!.items[trainBy.order[p]!]!] = flag;
    }
  };
  for (let q = 0; q < total; q++) {
    const u = walk.users[q]!;
    const relevant = walk.relevant[q]!;
    scorer.scoreAll(u, scores);
    mark(u, 1);
    // A test item that is also a training item cannot be recommended; it still counts in |T_u|.
    const list = topK(scores, k, excluded);
    let aucSum = 0;
    let aucPairs = 0;
    if (withAuc) {
      const positives: number[] = [];
      let n = 0;
      for (let i = 0; i < numItems; i++) {
        if (excluded[i]) continue;
        if (relevant.has(i)) positives.push(scores[i]!);
        else negatives[n++] = scores[i]!;
      }
      if (positives.length > 0 && n > 0) {
        aucSum = aucNumerator(positives, negatives.subarray(0, n));
        aucPairs = positives.length * n;
      }
    }
    sums.add(list, relevant, aucSum, aucPairs);
    mark(u, 0);
    if (options.onProgress && (sums.users % PROGRESS_EVERY === 0 || sums.users === total)) options.onProgress(sums.users, total);
  }
  return sums.result(walk.usersWithoutTest);
}

/** The users a ranking evaluation scores, in order, with their test items. */
export interface EvaluatedUsers {
  /** Users with at least one test item, ascending, at most maxUsers of them. */
  users: Int32Array;
  /** Each evaluated user's test items (every test triple counts as relevant). */
  relevant: Set<number>[];
  /** Users with training but no test items (skipped, and counted). */
  usersWithoutTest: number;
  /** The training triples grouped by user, or null without training data. */
  trainBy: { start: Int32Array; order: Int32Array } | null;
}

/**
 * The one walk over the users that both ranking paths (rankingMetrics here, evaluateRanking in
 * ranking.ts) take, so they score the same users in the same order and skip the same ones.
 */
export function evaluatedUsers(
  test: TripleArrays,
  train: TripleArrays | undefined,
  maxUsers: number | undefined,
): EvaluatedUsers {
  const testBy = groupByUser(test.users);
  const trainBy = train ? groupByUser(train.users) : null;
  const numUsers = Math.max(testBy.start.length, trainBy ? trainBy.start.length : 0) - 1;
  const total = usersToEvaluate(testBy.start, maxUsers);
  const users: number[] = [];
  const relevant: Set<number>[] = [];
  let usersWithoutTest = 0;
  for (let u = 0; u < numUsers; u++) {
    const ts = u + 1 < testBy.start.length ? testBy.start[u]! : 0;
    const te = u + 1 < testBy.start.length ? testBy.start[u + 1]! : 0;
    if (ts === te) {
      if (trainBy && u + 1 < trainBy.start.length && trainBy.start[u + 1]! > trainBy.start[u]!) usersWithoutTest++;
      continue;
    }
    if (users.length >= total) break;
    const set = new Set<number>();
    for (let p = ts; p < te; p++) set.add(test.items[testBy.order[p]!]!);
    users.push(u);
    relevant.push(set);
  }
  return { users: Int32Array.from(users), relevant, usersWithoutTest, trainBy };
}

/** Users with test items, capped at maxUsers: how many a ranking evaluation scores. */
export function usersToEvaluate(testStart: Int32Array, maxUsers: number | undefined): number {
  let n = 0;
  for (let u = 0; u + 1 < testStart.length; u++) if (testStart[u + 1]! > testStart[u]!) n++;
  return maxUsers === undefined ? n : Math.min(n, maxUsers);
}

/**
 * The running sums behind RankingMetrics, shared by rankingMetrics (any Scorer, plain JS) and
 * evaluateRanking (a factor model, the WASM kernel): both add the same per-user terms in the
 * same user order, so the two give the same numbers.
 */
export class RankingSums {
  private readonly k: number;
  private readonly covered: Uint8Array;
  private precision = 0;
  private precisionImplicit = 0;
  private recall = 0;
  private map = 0;
  private ndcg = 0;
  private auc = 0;
  private aucUsers = 0;
  users = 0;

  constructor(k: number, numItems: number) {
    this.k = k;
    this.covered = new Uint8Array(numItems);
  }

  /**
   * One user's list (best first, at most k), test items, and AUC numerator: Σ over the
   * positives of (negatives below + ½ ties) — NaN-free, so exact in f64 — with the pair count
   * |positives|·|negatives| (0: no AUC for this user).
   */
  add(list: ArrayLike<number>, relevant: ReadonlySet<number>, aucSum: number, aucPairs: number): void {
    const k = this.k;
    for (let j = 0; j < list.length; j++) this.covered[list[j]!] = 1;
    this.precision += precisionAtK(list, relevant, k);
    this.precisionImplicit += precisionAtKImplicit(list, relevant, k);
    this.recall += recallAtK(list, relevant, k);
    this.map += averagePrecisionAtK(list, relevant, k);
    this.ndcg += ndcgAtK(list, relevant, k);
    if (aucPairs > 0) {
      this.auc += aucSum / aucPairs;
      this.aucUsers++;
    }
    this.users++;
  }

  result(usersWithoutTest: number): RankingMetrics {
    const numItems = this.covered.length;
    let coveredCount = 0;
    for (let i = 0; i < numItems; i++) coveredCount += this.covered[i]!;
    const users = this.users;
    const mean = (x: number) => (users === 0 ? NaN : x / users);
    return {
      k: this.k,
      precision: mean(this.precision),
      precisionImplicit: mean(this.precisionImplicit),
      recall: mean(this.recall),
      map: mean(this.map),
      ndcg: mean(this.ndcg),
      auc: this.aucUsers === 0 ? NaN : this.auc / this.aucUsers,
      coverage: coveredCount / numItems,
      users,
      usersWithoutTest,
    };
  }
}

function hits(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  let h = 0;
  for (let j = 0; j < Math.min(k, ranked.length); j++) if (relevant.has(ranked[j]!)) h++;
  return h;
}

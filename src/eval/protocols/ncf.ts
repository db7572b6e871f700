/**
 * The NCF protocol (He, Liao, Zhang, Nie, Hu & Chua, "Neural Collaborative Filtering", WWW
 * 2017, §4.1): leave-one-out with sampled negatives.
 *
 * Split: for each user with at least 2 interactions, the LAST one is held out — the latest by
 * timestamp when `timestamps` is given (equal timestamps: the later in the input counts as
 * later), else the last in input order — and the rest is training data. With
 * `heldOut: 'random'` it is one of the user's interactions drawn uniformly instead (seeded,
 * users in index order, before the negatives): for data without timestamps whose input order
 * means something else (Last.fm lists each user's artists by ascending ID). Users with a
 * single interaction stay in train and are not evaluated (counted in `usersTooFew`).
 *
 * Negatives: `negatives` (99) items per evaluated user, drawn uniformly without replacement
 * from the items the user never interacted with — neither in train nor in test — seeded
 * (one mulberry32 stream, users in index order; see sampleUnseen).
 *
 * Metrics, for a user whose held-out item is ranked among itself and its negatives by score,
 * with 0-based rank r (the number of negatives placed ahead of it):
 *   HR@k = [r < k],   NDCG@k = [r < k] / log2(r + 2),
 * averaged over the evaluated users.
 *
 * Ties are pessimistic: a negative that scores the same as the held-out item is placed ahead
 * of it, r = #{negatives j : s_j ≥ s_pos}. This is what He et al.'s evaluate.py does (the
 * held-out item is appended after the negatives and heapq.nlargest keeps the earlier item of
 * a tie), it gives a scorer no credit for scores it cannot tell apart (a constant scorer gets
 * r = negatives: HR = NDCG = 0 for k ≤ negatives), and it does not depend on the arbitrary
 * order of item indices. NaN scores rank last: a NaN held-out score has every negative ahead
 * of it; a NaN negative is never ahead.
 */
import { ErrorCode, fail } from '../../errors.js';
import { Prng } from '../../train/prng.js';
import { checkOptions, integer, oneOf } from '../../validate.js';
import type { FactorModel, Scorer } from '../scoring.js';
import type { SplitTriples, TripleArrays } from '../split.js';
import { catalogueSize, checkSeed, checkTriples } from './input.js';
import { itemsByUser, sampleUnseen } from './sampling.js';

export interface NcfSplitOptions {
  /** Seed of the negative sampling. Default 0. */
  seed?: number;
  /** Negatives per held-out item. Default 99, as He et al. */
  negatives?: number;
  /** One per interaction: the held-out interaction is each user's latest. Default: input order. */
  timestamps?: ArrayLike<number>;
  /**
   * Which interaction is held out: 'last' (by timestamp, else input order; He et al.) or
   * 'random' (uniform among the user's, seeded). Default 'last'.
   */
  heldOut?: 'last' | 'random';
  /** Catalogue size, to sample items that no one interacted with too. Default: largest item index + 1. */
  numItems?: number;
}

/** The held-out interactions (one per evaluated user, users ascending) and their negatives. */
export interface NcfTest extends SplitTriples {
  /** Row-major, `negativesPerUser` per held-out item, each row ascending. */
  negatives: Int32Array;
  negativesPerUser: number;
}

export interface NcfSplit {
  /** Every interaction but the held-out ones, in input order. */
  train: SplitTriples;
  test: NcfTest;
  numItems: number;
  /** How the held-out interaction was chosen. */
  heldOutBy: 'timestamp' | 'input order' | 'random';
  /** Users with a single interaction: kept in train, not evaluated. */
  usersTooFew: number;
}

export interface NcfOptions {
  /** Cut-off of HR@k and NDCG@k. Default 10. */
  k?: number;
}

export interface NcfMetrics {
  k: number;
  /** HR@k: the share of users whose held-out item ranks in the top k. */
  hitRate: number;
  /** NDCG@k with one relevant item: 1 / log2(r + 2) when r < k. */
  ndcg: number;
  /** Users evaluated. */
  users: number;
  /** Each evaluated user's 0-based rank r of the held-out item (ties pessimistic), as split.test. */
  ranks: Int32Array;
}

/** Holds out each user's last interaction and samples its negatives (see the file's comment). */
export function ncfSplit(data: TripleArrays, options: NcfSplitOptions = {}): NcfSplit {
  checkOptions('ncfSplit options', options, ['seed', 'negatives', 'timestamps', 'numItems', 'heldOut']);
  const heldOut = oneOf('heldOut', options.heldOut ?? 'last', ['last', 'random']);
  checkTriples('ncfSplit', data);
  const seed = checkSeed(options.seed);
  const count = options.negatives === undefined ? 99 : integer('negatives', options.negatives, 1, 2 ** 31 - 1);
  const numItems = catalogueSize(options.numItems, data.items);
  const n = data.values.length;
  const { timestamps } = options;
  if (timestamps !== undefined) {
    if (timestamps === null || typeof timestamps !== 'object' || timestamps.length !== n)
      fail(ErrorCode.LENGTH_MISMATCH, `timestamps must have one entry per interaction (${n}).`);
    for (let e = 0; e < n; e++) {
      if (Number.isNaN(timestamps[e]))
        fail(ErrorCode.INVALID_OPTION, `timestamps[${e}] is NaN.`, 'Give every interaction a timestamp.');
    }
  }
  let numUsers = 0;
  for (let e = 0; e < n; e++) if (data.users[e]! >= numUsers) numUsers = data.users[e]! + 1;
  // The last interaction per user: later timestamp wins, then later position.
  const last = new Int32Array(numUsers).fill(-1);
  const seen = new Int32Array(numUsers);
  for (let e = 0; e < n; e++) {
    const u = data.users[e]!;
    seen[u]!++;
    const at = last[u]!;
    if (at < 0 || !timestamps || timestamps[e]! >= timestamps[at]!) last[u] = e;
  }
  const rng = new Prng(seed);
  if (heldOut === 'random') chooseRandomly(data.users, seen, rng, last);
  const all = itemsByUser(data, numUsers);
  const inTest = new Uint8Array(n);
  const testUsers: number[] = [];
  let usersTooFew = 0;
  for (let u = 0; u < numUsers; u++) {
    if (seen[u] === 0) continue;
    if (seen[u] === 1) {
      usersTooFew++;
      continue;
    }
    const unseen = numItems - (all.start[u + 1]! - all.start[u]!);
    if (unseen < count) {
      fail(
        ErrorCode.INVALID_OPTION,
        `User index ${u} never interacted with only ${unseen} items, fewer than negatives = ${count}.`,
        'Lower negatives, or leave out users who interacted with almost every item.',
      );
    }
    inTest[last[u]!] = 1;
    testUsers.push(u);
  }
  const q = testUsers.length;
  const test: NcfTest = {
    users: Int32Array.from(testUsers),
    items: new Int32Array(q),
    values: new Float32Array(q),
    negatives: new Int32Array(q * count),
    negativesPerUser: count,
  };
  for (let j = 0; j < q; j++) {
    const u = testUsers[j]!;
    const e = last[u]!;
    test.items[j] = data.items[e]!;
    test.values[j] = data.values[e]!;
    test.negatives.set(sampleUnseen(rng, numItems, all.items.subarray(all.start[u]!, all.start[u + 1]!), count), j * count);
  }
  const train: SplitTriples = {
    users: new Int32Array(n - q),
    items: new Int32Array(n - q),
    values: new Float32Array(n - q),
  };
  for (let e = 0, o = 0; e < n; e++) {
    if (inTest[e]) continue;
    train.users[o] = data.users[e]!;
    train.items[o] = data.items[e]!;
    train.values[o++] = data.values[e]!;
  }
  const heldOutBy = heldOut === 'random' ? 'random' : timestamps ? 'timestamp' : 'input order';
  return { train, test, numItems, heldOutBy, usersTooFew };
}

/**
 * last[u] = one of user u's interactions drawn uniformly (u in index order, one draw each from
 * `rng`), for every user with at least two; `count[u]` is how many u has.
 */
function chooseRandomly(users: ArrayLike<number>, count: Int32Array, rng: Prng, last: Int32Array): void {
  const pick = new Int32Array(count.length);
  for (let u = 0; u < count.length; u++) pick[u] = count[u]! >= 2 ? rng.int(count[u]!) : 0;
  const seenSoFar = new Int32Array(count.length);
  for (let e = 0; e < users.length; e++) {
    const u = users[e]!;
    if (seenSoFar[u]!++ === pick[u]) last[u] = e;
  }
}

/**
 * HR@k and NDCG@k of a scorer — any Scorer (popularityScorer, factorScorer, your own) or a
 * factor model (an ALSModel), which is scored on the 1 + negatives candidates only, with the
 * scores factorScorer gives (b_i + x_u·y_i summed in f64, rounded to f32) — on an ncfSplit.
 */
export function ncfMetrics(scorer: Scorer | FactorModel, split: NcfSplit, options: NcfOptions = {}): NcfMetrics {
  checkOptions('ncfMetrics options', options, ['k']);
  const k = integer('k', options.k ?? 10, 1, 2 ** 31 - 1);
  const { test } = split;
  const count = test.negativesPerUser;
  const q = test.users.length;
  const scoreCandidates = candidateScorer(scorer, split.numItems);
  const candidates = new Int32Array(count + 1);
  const scores = new Float32Array(count + 1);
  const ranks = new Int32Array(q);
  let hits = 0;
  let ndcg = 0;
  for (let j = 0; j < q; j++) {
    candidates[0] = test.items[j]!;
    candidates.set(test.negatives.subarray(j * count, (j + 1) * count), 1);
    scoreCandidates(test.users[j]!, candidates, scores);
    const r = pessimisticRank(scores);
    ranks[j] = r;
    if (r < k) {
      hits++;
      ndcg += 1 / Math.log2(r + 2);
    }
  }
  return { k, hitRate: q === 0 ? NaN : hits / q, ndcg: q === 0 ? NaN : ndcg / q, users: q, ranks };
}

/** The negatives (scores[1 …]) placed ahead of the held-out item (scores[0]): ties ahead, NaN last. */
export function pessimisticRank(scores: Float32Array): number {
  const s = scores[0]!;
  if (Number.isNaN(s)) return scores.length - 1;
  let r = 0;
  for (let j = 1; j < scores.length; j++) if (scores[j]! >= s) r++;
  return r;
}

type CandidateScorer = (user: number, candidates: Int32Array, out: Float32Array) => void;

function candidateScorer(scorer: Scorer | FactorModel, numItems: number): CandidateScorer {
  if (scorer !== null && typeof scorer === 'object' && typeof (scorer as Scorer).scoreAll === 'function') {
    const s = scorer as Scorer;
    if (!(s.numItems >= numItems))
      fail(
        ErrorCode.UNKNOWN_ID,
        `The scorer scores ${s.numItems} items; the split samples from ${numItems}.`,
        'Score with a scorer built on the same item indices as the split.',
      );
    const all = new Float32Array(s.numItems);
    return (user, candidates, out) => {
      s.scoreAll(user, all);
      for (let c = 0; c < candidates.length; c++) out[c] = all[candidates[c]!]!;
    };
  }
  const m = scorer as FactorModel;
  if (m === null || typeof m !== 'object' || !(m.userFactors instanceof Float32Array) || !(m.itemFactors instanceof Float32Array))
    fail(
      ErrorCode.INVALID_OPTION,
      'ncfMetrics needs a Scorer ({ numItems, scoreAll }) or a factor model (an ALSModel).',
      'Pass the trained model, or popularityScorer(split.train, split.numItems) for the baseline.',
    );
  const k = m.factors;
  const X = m.userFactors;
  const Y = m.itemFactors;
  const bias = m.itemBiases ?? null;
  const modelItems = Y.length / k;
  const modelUsers = X.length / k;
  if (modelItems < numItems)
    fail(
      ErrorCode.UNKNOWN_ID,
      `The model has ${modelItems} items; the split samples from ${numItems}.`,
      'Train on ratingsOf(split.train, numUsers, split.numItems) so every item has a row.',
    );
  return (user, candidates, out) => {
    if (user >= modelUsers)
      fail(
        ErrorCode.UNKNOWN_ID,
        `Test user index ${user} has no factors: the model has ${modelUsers} users.`,
        'Evaluate a model trained on the same user indices as the split.',
      );
    const at = user * k;
    for (let c = 0; c < candidates.length; c++) {
      const i = candidates[c]!;
      let s = bias ? bias[i]! : 0;
      for (let f = 0; f < k; f++) s += X[at + f]! * Y[i * k + f]!;
      out[c] = s;
    }
  };
}

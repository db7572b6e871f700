/**
 * Strong generalization (Liang, Krishnan, Hoffman & Jebara, "Variational Autoencoders for
 * Collaborative Filtering", WWW 2018, §4.2), following their notebook's preprocessing:
 *
 * Split: the users with any rating are shuffled (seeded); the last `heldOutUsers` are test
 * users, the `heldOutUsers` before them validation users, the rest training users. The model
 * is fit on the training users' ratings only. A held-out user's ratings of items that no
 * training user rated are dropped (the model has nothing for them; counted in
 * `droppedRatings`). Then each held-out user with at least `minItems` (5) remaining items
 * holds out ⌊heldOutFraction · n⌋ of them (0.2, chosen at random without replacement); the
 * other items (80%) are folded in. A user with fewer than minItems folds in everything and is
 * not scored (counted in `usersWithoutHeldOut` by the metrics).
 *
 * Metrics, for a held-out user with fold-in items F and held-out items T: the items are
 * scored from F alone, and L is the ranking (best first) of the catalogue items not in F.
 *   Recall@k = |L[0 … k) ∩ T| / min(k, |T|)               (their normalised recall)
 *   NDCG@k   = Σ_{j < k} [L_j ∈ T] / log2(j + 2)  /  Σ_{j < min(k, |T|)} 1 / log2(j + 2)
 * averaged over the scored users; defaults Recall@20, Recall@50, NDCG@100.
 *
 * Ties are pessimistic, as in the NCF protocol: among items with the same score the
 * non-held-out ones come first (then by item index), so a scorer gets no credit for scores it
 * cannot tell apart and the figures do not depend on the order of item indices. NaN scores
 * rank last.
 */
import type { Id } from '../../data/id-map.js';
import { ErrorCode, fail } from '../../errors.js';
import { Prng } from '../../train/prng.js';
import { callback, checkOptions, integer } from '../../validate.js';
import { permutation, type SplitTriples, type TripleArrays } from '../split.js';
import { catalogueSize, checkSeed, checkTriples } from './input.js';

export interface StrongGeneralizationSplitOptions {
  /** Seed of the user shuffle and of each held-out user's fold-in draw. Default 0. */
  seed?: number;
  /**
   * Users in each of validation and test: a count (an integer ≥ 1) or a share of the users
   * in (0, 1), rounded. Default 0.1. (Liang et al. hold out 10,000 users of ML-20M's 136,677,
   * 40,000 of Netflix's 463,435, 50,000 of MSD's 571,355: 7 – 9%.)
   */
  heldOutUsers?: number;
  /** Share of each held-out user's items held out to score, ⌊share · n⌋; the rest are folded in. Default 0.2. */
  heldOutFraction?: number;
  /** Held-out users with fewer items fold in all of them and are not scored. Default 5. */
  minItems?: number;
  /** Catalogue size. Default: largest item index + 1. */
  numItems?: number;
}

/** The held-out users of validation or test: what each folds in and what is scored. */
export interface HeldOutUsers {
  /** These users, ascending. */
  users: Int32Array;
  /** The ratings folded in (the model may not see them in training). */
  foldIn: SplitTriples;
  /** The ratings to find, by user. */
  heldOut: SplitTriples;
  /** Ratings of these users dropped because no training user rated the item. */
  droppedRatings: number;
  /**
   * 1 for the items ranked: those some training user rated (Liang et al.'s catalogue). A
   * model has nothing learnt for the others. Without it every item is ranked.
   */
  catalogue?: Uint8Array;
}

export interface StrongGeneralizationSplit {
  /** The training users' ratings, in input order. */
  train: SplitTriples;
  validation: HeldOutUsers;
  test: HeldOutUsers;
  numItems: number;
}

/** Scores every item for a user known only by the items folded in. */
export interface FoldInScorer {
  readonly numItems: number;
  /** Writes the score of every item into `out` (length numItems) for a user with these ratings. */
  scoreFoldIn(items: Int32Array, values: Float32Array, out: Float32Array): void;
}

/** What foldInScorer needs of a model (ALSModel has it). */
export interface FoldInModel {
  factors: number;
  itemFactors: Float32Array;
  itemBiases?: Float32Array | null;
  items: { id(index: number): Id };
  foldIn(ratings: { items: readonly Id[]; values: ArrayLike<number> }): Float32Array;
}

export interface StrongGeneralizationOptions {
  /** Cut-offs of Recall@k. Default [20, 50]. */
  recallAt?: readonly number[];
  /** Cut-offs of NDCG@k. Default [100]. */
  ndcgAt?: readonly number[];
  /** Called as users are scored: (users done, users to score). */
  onProgress?: (done: number, total: number) => void;
}

export interface StrongGeneralizationMetrics {
  /** Recall@k by k, e.g. recall[20]. */
  recall: Record<number, number>;
  /** NDCG@k by k, e.g. ndcg[100]. */
  ndcg: Record<number, number>;
  /** Users scored (with at least one held-out item). */
  users: number;
  /** Held-out users with nothing held out (fewer than minItems items): not scored. */
  usersWithoutHeldOut: number;
}

/** Splits users into train / validation / test and each held-out user's items into fold-in / held-out. */
export function strongGeneralizationSplit(
  data: TripleArrays,
  options: StrongGeneralizationSplitOptions = {},
): StrongGeneralizationSplit {
  checkOptions('strongGeneralizationSplit options', options, ['seed', 'heldOutUsers', 'heldOutFraction', 'minItems', 'numItems']);
  checkTriples('strongGeneralizationSplit', data);
  const seed = checkSeed(options.seed);
  const fraction = options.heldOutFraction ?? 0.2;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1))
    fail(ErrorCode.INVALID_OPTION, `heldOutFraction must be in (0, 1) (got ${String(fraction)}).`, 'Liang et al. use 0.2.');
  const minItems = integer('minItems', options.minItems ?? 5, 1, 2 ** 31 - 1);
  const numItems = catalogueSize(options.numItems, data.items);
  const n = data.values.length;
  let numUsers = 0;
  for (let e = 0; e < n; e++) if (data.users[e]! >= numUsers) numUsers = data.users[e]! + 1;
  const hasRatings = new Uint8Array(numUsers);
  for (let e = 0; e < n; e++) hasRatings[data.users[e]!] = 1;
  const present: number[] = [];
  for (let u = 0; u < numUsers; u++) if (hasRatings[u]) present.push(u);
  const perSet = heldOutCount(options.heldOutUsers, present.length);
  // Liang et al.: shuffle the users, the last 2·n_heldout are validation then test.
  const order = permutation(present.length, seed);
  const role = new Uint8Array(numUsers); // 0 train, 1 validation, 2 test
  for (let p = present.length - 2 * perSet; p < present.length; p++)
    role[present[order[p]!]!] = p < present.length - perSet ? 1 : 2;
  const trainedItem = new Uint8Array(numItems);
  for (let e = 0; e < n; e++) if (role[data.users[e]!] === 0) trainedItem[data.items[e]!] = 1;
  const rng = new Prng(seed ^ 0x5eed);
  const build = (which: number) => heldOutSet(data, role, which, trainedItem, fraction, minItems, rng);
  const validation = build(1);
  const test = build(2);
  return { train: pick(data, (e) => role[data.users[e]!] === 0), validation, test, numItems };
}

function heldOutCount(given: unknown, users: number): number {
  let count: number;
  if (given === undefined) count = Math.round(0.1 * users);
  else if (typeof given === 'number' && given > 0 && given < 1) count = Math.round(given * users);
  else count = integer('heldOutUsers', given, 1, 2 ** 31 - 1);
  if (count < 1 || 2 * count >= users)
    fail(
      ErrorCode.INVALID_OPTION,
      `heldOutUsers gives ${count} validation and ${count} test users of ${users}: each set needs at least 1 and training needs the rest.`,
      'Pass a count (e.g. 100) or a share (e.g. 0.1) that leaves training users.',
    );
  return count;
}

function heldOutSet(
  data: TripleArrays,
  role: Uint8Array,
  which: number,
  trainedItem: Uint8Array,
  fraction: number,
  minItems: number,
  rng: Prng,
): HeldOutUsers {
  const n = data.values.length;
  const byUser = new Map<number, number[]>();
  let droppedRatings = 0;
  for (let e = 0; e < n; e++) {
    const u = data.users[e]!;
    if (role[u] !== which) continue;
    if (!trainedItem[data.items[e]!]) {
      droppedRatings++;
      continue;
    }
    let list = byUser.get(u);
    if (!list) byUser.set(u, (list = []));
    list.push(e);
  }
  const users: number[] = [];
  for (let u = 0; u < role.length; u++) if (role[u] === which) users.push(u);
  const held = new Uint8Array(n);
  const kept = new Uint8Array(n);
  for (const u of users) {
    const mine = byUser.get(u) ?? [];
    for (const e of mine) kept[e] = 1;
    if (mine.length < minItems) continue;
    // Partial Fisher–Yates: ⌊fraction · n⌋ of the user's ratings, as numpy's choice without replacement.
    const t = Math.floor(fraction * mine.length);
    for (let j = 0; j < t; j++) {
      const r = j + rng.int(mine.length - j);
      const tmp = mine[j]!;
      mine[j] = mine[r]!;
      mine[r] = tmp;
      held[mine[j]!] = 1;
    }
  }
  return {
    users: Int32Array.from(users),
    foldIn: pick(data, (e) => kept[e] === 1 && held[e] === 0),
    heldOut: pick(data, (e) => held[e] === 1),
    droppedRatings,
    catalogue: trainedItem,
  };
}

function pick(data: TripleArrays, keep: (e: number) => boolean): SplitTriples {
  const at: number[] = [];
  for (let e = 0; e < data.values.length; e++) if (keep(e)) at.push(e);
  return {
    users: Int32Array.from(at, (e) => data.users[e]!),
    items: Int32Array.from(at, (e) => data.items[e]!),
    values: Float32Array.from(at, (e) => data.values[e]!),
  };
}

/**
 * A FoldInScorer of a factor model: x = model.foldIn(ratings) (the training conventions,
 * solved exactly), then score_i = b_i + x·y_i summed in f64 and rounded to f32, as
 * factorScorer. Item indices are the model's (its item IDs are looked up for foldIn).
 */
export function foldInScorer(model: FoldInModel): FoldInScorer {
  const k = model.factors;
  const Y = model.itemFactors;
  const bias = model.itemBiases ?? null;
  const numItems = Y.length / k;
  return {
    numItems,
    scoreFoldIn(items, values, out) {
      const x = model.foldIn({ items: Array.from(items, (i) => model.items.id(i)), values });
      for (let i = 0, at = 0; i < numItems; i++, at += k) {
        let s = bias ? bias[i]! : 0;
        for (let c = 0; c < k; c++) s += x[c]! * Y[at + c]!;
        out[i] = s;
      }
    },
  };
}

/** The popularity baseline: every held-out user gets the items by their number of training ratings. */
export function popularityFoldIn(train: { items: ArrayLike<number> }, numItems: number): FoldInScorer {
  const counts = new Float32Array(numItems);
  for (let e = 0; e < train.items.length; e++) counts[train.items[e]!]!++;
  return {
    numItems,
    scoreFoldIn(_items, _values, out) {
      out.set(counts);
    },
  };
}

/**
 * Recall@k and NDCG@k of the held-out users (see the file's comment), scored by a
 * FoldInScorer or by a model with foldIn (an ALSModel, through foldInScorer).
 */
export function strongGeneralizationMetrics(
  scorer: FoldInScorer | FoldInModel,
  set: HeldOutUsers,
  options: StrongGeneralizationOptions = {},
): StrongGeneralizationMetrics {
  checkOptions('strongGeneralizationMetrics options', options, ['recallAt', 'ndcgAt', 'onProgress']);
  const recallAt = cutoffs('recallAt', options.recallAt ?? [20, 50]);
  const ndcgAt = cutoffs('ndcgAt', options.ndcgAt ?? [100]);
  if (options.onProgress !== undefined) callback('onProgress', options.onProgress);
  const s = asFoldInScorer(scorer);
  const numItems = s.numItems;
  const depth = Math.max(...recallAt, ...ndcgAt);
  const foldInBy = rowsOf(set.foldIn);
  const heldOutBy = rowsOf(set.heldOut);
  const scores = new Float32Array(numItems);
  // Items outside the catalogue are never ranked; a user's fold-in items are excluded in turn.
  const excluded = new Uint8Array(numItems);
  if (set.catalogue) for (let i = 0; i < numItems; i++) excluded[i] = set.catalogue[i] ? 0 : 1;
  const relevant = new Uint8Array(numItems);
  const recallSum = recallAt.map(() => 0);
  const ndcgSum = ndcgAt.map(() => 0);
  const scored = set.users.filter((u) => (heldOutBy.get(u)?.length ?? 0) > 0);
  let users = 0;
  for (const u of scored) {
    const fold = foldInBy.get(u) ?? [];
    const target = heldOutBy.get(u)!;
    const items = Int32Array.from(fold, (e) => set.foldIn.items[e]!);
    for (const i of items) if (i >= numItems) outOfRange(i, numItems);
    s.scoreFoldIn(
      items,
      Float32Array.from(fold, (e) => set.foldIn.values[e]!),
      scores,
    );
    for (const i of items) excluded[i] = 1;
    const T = new Set<number>();
    for (const e of target) {
      const i = set.heldOut.items[e]!;
      if (i >= numItems) outOfRange(i, numItems);
      T.add(i);
      relevant[i] = 1;
    }
    const list = pessimisticTop(scores, depth, excluded, relevant);
    recallAt.forEach((k, c) => {
      let hits = 0;
      for (let j = 0; j < Math.min(k, list.length); j++) hits += relevant[list[j]!]!;
      recallSum[c]! += hits / Math.min(k, T.size);
    });
    ndcgAt.forEach((k, c) => {
      let dcg = 0;
      for (let j = 0; j < Math.min(k, list.length); j++) if (relevant[list[j]!]) dcg += 1 / Math.log2(j + 2);
      let ideal = 0;
      for (let j = 0; j < Math.min(k, T.size); j++) ideal += 1 / Math.log2(j + 2);
      ndcgSum[c]! += dcg / ideal;
    });
    for (const i of items) excluded[i] = set.catalogue && !set.catalogue[i] ? 1 : 0;
    for (const i of T) relevant[i] = 0;
    users++;
    if (options.onProgress && (users % 64 === 0 || users === scored.length)) options.onProgress(users, scored.length);
  }
  const mean = (x: number) => (users === 0 ? NaN : x / users);
  return {
    recall: Object.fromEntries(recallAt.map((k, c) => [k, mean(recallSum[c]!)])),
    ndcg: Object.fromEntries(ndcgAt.map((k, c) => [k, mean(ndcgSum[c]!)])),
    users,
    usersWithoutHeldOut: set.users.length - users,
  };
}

/**
 * The first `depth` items not excluded, best first: higher score, then (ties) non-relevant
 * before relevant, then lower index; NaN scores last.
 */
export function pessimisticTop(scores: Float32Array, depth: number, excluded: Uint8Array, relevant: Uint8Array): Int32Array {
  const list = new Int32Array(depth);
  let size = 0;
  // a before b: a strictly better under the ordering above.
  const before = (a: number, b: number): boolean => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    if (sa !== sb) {
      if (Number.isNaN(sa)) return false;
      if (Number.isNaN(sb)) return true;
      return sa > sb;
    }
    if (relevant[a] !== relevant[b]) return relevant[a]! < relevant[b]!;
    return a < b;
  };
  for (let i = 0; i < scores.length; i++) {
    if (excluded[i]) continue;
    if (size === depth && !before(i, list[depth - 1]!)) continue;
    let p = size < depth ? size++ : depth - 1;
    while (p > 0 && before(i, list[p - 1]!)) {
      list[p] = list[p - 1]!;
      p--;
    }
    list[p] = i;
  }
  return list.subarray(0, size);
}

function asFoldInScorer(scorer: FoldInScorer | FoldInModel): FoldInScorer {
  if (scorer !== null && typeof scorer === 'object') {
    if (typeof (scorer as FoldInScorer).scoreFoldIn === 'function') return scorer as FoldInScorer;
    if (typeof (scorer as FoldInModel).foldIn === 'function') return foldInScorer(scorer as FoldInModel);
  }
  return fail(
    ErrorCode.INVALID_OPTION,
    'strongGeneralizationMetrics needs a FoldInScorer ({ numItems, scoreFoldIn }) or a model with foldIn (an ALSModel).',
    'Pass the trained model, or popularityFoldIn(split.train, split.numItems) for the baseline.',
  );
}

function cutoffs(name: string, list: unknown): number[] {
  if (!Array.isArray(list) || list.length === 0)
    fail(ErrorCode.INVALID_OPTION, `${name} must be a non-empty array of cut-offs.`, `For example ${name}: [20, 50].`);
  return list.map((k, j) => integer(`${name}[${j}]`, k, 1, 1e6));
}

function rowsOf(t: SplitTriples): Map<number, number[]> {
  const rows = new Map<number, number[]>();
  for (let e = 0; e < t.users.length; e++) {
    const u = t.users[e]!;
    let list = rows.get(u);
    if (!list) rows.set(u, (list = []));
    list.push(e);
  }
  return rows;
}

function outOfRange(item: number, numItems: number): never {
  return fail(
    ErrorCode.UNKNOWN_ID,
    `Item index ${item} has no score: the scorer scores ${numItems} items.`,
    'Score with a model trained on the same item indices as the split (numItems: split.numItems).',
  );
}

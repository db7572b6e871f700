/**
 * The ranking methods of ALSModel (recommend and its batch forms, recommendUsers, similar
 * items and users, fold-in and explain), as functions of what they read from a model. The
 * class keeps its data and one-line delegations, so the public API and its docs stay on the
 * class while the ranking logic reads top to bottom here.
 */
import type { Id, IdMap } from '../data/id-map.js';
import type { SparseRows } from '../data/sparse.js';
import { ErrorCode, fail } from '../errors.js';
import type { ResolvedOptions } from '../train/options.js';
import { checkValueRange } from '../train/value-range.js';
import { boolean, checkOptions, describe } from '../validate.js';
import { checkListBytes } from '../wasm/memory-plan.js';
import type { ServingEngine } from './engine.js';
import { explainRow, foldInRow, foldedItems, rememberItems, type RowRatings } from './fold-in.js';
import { rareItemsOf } from './item-filter.js';
import { topN } from './recommend.js';
import {
  checkClip,
  checkRecommendOptions,
  checkRowInput,
  checkVector,
  clamp,
  clipRangeOf,
  distinct,
  idList,
  minItemRatings,
  topCount,
  type Clip,
  type RecommendOptions,
  type RowInput,
} from './serving-options.js';

/** What the ranking functions read from a model: its parts, its clip setting and its serving memory. */
export interface ServedModel {
  readonly factors: number;
  readonly users: IdMap;
  readonly items: IdMap;
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  readonly userBiases: Float32Array | null;
  readonly itemBiases: Float32Array | null;
  readonly globalMean: number;
  readonly options: ResolvedOptions;
  readonly seen: SparseRows | null;
  readonly valueRange: readonly [number, number] | null;
  /** The model's default clipping. */
  readonly clip: Clip;
  engine(): ServingEngine;
}

export interface Recommendations {
  items: Id[];
  scores: Float32Array;
}

/** Top-n lists for every user (or item), flat: row q is [q·n, (q + 1)·n); -1 / NaN pad short rows. */
export interface AllRecommendations {
  n: number;
  /** Dense indices of the recommended items (or users); map with itemIds / userIds. */
  indices: Int32Array;
  scores: Float32Array;
}

/** explain's answer: score = baseline + Σ contributions. */
export interface Explanation {
  /** The fold-in score of the item (raw, not clipped: the parts must add up). */
  score: number;
  /** Explicit: μ + b_i (what the score is without any rating); implicit: 0. */
  baseline: number;
  /** One per item the user rated, largest first. */
  contributions: { item: Id; contribution: number }[];
}

/** Options of the single-threaded model.recommendAll. */
export interface ModelRecommendAllOptions {
  n?: number;
  excludeSeen?: boolean;
  /** Only items with at least this many training ratings (see RecommendOptions). */
  minItemRatings?: number;
  /** Clip the scores: 'auto' (default: model.clip), false, or [min, max]. */
  clip?: Clip;
}

/** What a clip setting clips to: 'auto' is the training range for explicit models. */
export function rangeOf(m: ServedModel, setting: Clip): readonly [number, number] | null {
  return clipRangeOf(setting, m.options.feedback, m.valueRange);
}

export function recommend(m: ServedModel, user: Id | ArrayLike<number>, options: RecommendOptions = {}): Recommendations {
  const o = checkRecommendOptions('recommend', options);
  const engine = m.engine();
  const numItems = m.items.size;
  const n = topCount(o.n, numItems);
  const range = rangeOf(m, o.clip ?? m.clip);
  const rare = rareItemsOf(m.seen, numItems, 'recommend', o.minItemRatings);
  let vector: ArrayLike<number>;
  let seen: Int32Array | Uint16Array;
  let shift = m.globalMean;
  if (isVector(user)) {
    vector = checkVector(user, m.factors);
    seen = Int32Array.from(o.seenItems ?? foldedItems(user) ?? [], (id) => m.items.index(id)).filter((i) => i >= 0);
  } else {
    const u = requireUser(m, user);
    vector = m.userFactors.subarray(u * m.factors, (u + 1) * m.factors);
    seen = m.seen ? m.seen.indices.subarray(m.seen.indptr[u]!, m.seen.indptr[u + 1]!) : new Int32Array(0);
    if (o.seenItems) seen = Int32Array.from(o.seenItems, (id) => m.items.index(id)).filter((i) => i >= 0);
    // μ and b_u shift every item alike: added after ranking, so scores are predictions.
    if (m.userBiases) shift += m.userBiases[u]!;
  }
  const knowsSeen = isVector(user) || m.seen !== null || o.seenItems !== undefined;
  const excludeSeen = o.excludeSeen ?? knowsSeen;
  if (excludeSeen && !knowsSeen) {
    fail(
      ErrorCode.INVALID_OPTION,
      'This model does not keep the users’ seen items, so excludeSeen cannot work.',
      'Pass excludeSeen: false, or seenItems.',
    );
  }
  const exclude = [...o.exclude.map((id) => m.items.index(id)).filter((i) => i >= 0), ...rare];
  const candidates = o.candidates ? o.candidates.map((id) => requireItem(m, id)) : null;
  const base = { vector, rows: engine.items, numRows: numItems, bias: m.itemBiases ? engine.itemBias : 0 };
  if (excludeSeen || !candidates || seen.length === 0) {
    const top = topN(engine, { ...base, n, exclude: excludeSeen ? [...exclude, ...seen] : exclude, candidates });
    return named(
      m,
      top.indices,
      top.scores.map((s) => clamp(s + shift, range)),
    );
  }
  // Candidates and seen items kept: the unseen candidates first, then the seen ones.
  const seenSet = new Set(seen);
  const unseen = topN(engine, { ...base, n, exclude: [...exclude, ...seen], candidates });
  const rest = topN(engine, {
    ...base,
    n: n - unseen.indices.length,
    exclude,
    candidates: candidates.filter((i) => seenSet.has(i)),
  });
  return named(
    m,
    concat(unseen.indices, rest.indices),
    Float32Array.from([...unseen.scores, ...rest.scores], (s) => clamp(s + shift, range)),
  );
}

export function recommendBatch(m: ServedModel, users: readonly Id[], options: RecommendOptions = {}): Recommendations[] {
  if (!Array.isArray(users))
    fail(
      ErrorCode.INVALID_OPTION,
      `recommendBatch takes an array of user IDs (got ${describe(users)}).`,
      'Use recommend for one user or vector.',
    );
  checkRecommendOptions('recommendBatch', options);
  return users.map((user) => recommend(m, user, options));
}

export function recommendAll(m: ServedModel, options: ModelRecommendAllOptions = {}): AllRecommendations {
  const o = checkOptions('recommendAll options', options, ['n', 'excludeSeen', 'minItemRatings', 'clip']);
  const n = topCount(o.n, m.items.size);
  const excludeSeen = (o.excludeSeen === undefined || boolean('excludeSeen', o.excludeSeen)) && m.seen !== null;
  const rare = rareItemsOf(m.seen, m.items.size, 'recommendAll', minItemRatings(o.minItemRatings));
  const range = rangeOf(m, o.clip === undefined ? m.clip : checkClip(o.clip));
  const seen = m.seen;
  return allTopN(m, n, m.users.size, 'items', range, (u) => ({
    vector: m.userFactors.subarray(u * m.factors, (u + 1) * m.factors),
    exclude: excludeSeen ? concat(seen!.indices.subarray(seen!.indptr[u]!, seen!.indptr[u + 1]!), rare) : rare,
    shift: m.globalMean + (m.userBiases ? m.userBiases[u]! : 0),
  }));
}

export function recommendAllUsers(m: ServedModel, options: { n?: number; clip?: Clip } = {}): AllRecommendations {
  const o = checkOptions('recommendAllUsers options', options, ['n', 'clip']);
  const n = topCount(o.n, m.users.size);
  const range = rangeOf(m, o.clip === undefined ? m.clip : checkClip(o.clip));
  return allTopN(m, n, m.items.size, 'users', range, (i) => ({
    vector: m.itemFactors.subarray(i * m.factors, (i + 1) * m.factors),
    exclude: [],
    shift: m.globalMean + (m.itemBiases ? m.itemBiases[i]! : 0),
  }));
}

/** Every query's top n on the calling thread, into two flat arrays (rows padded with -1 / NaN). */
function allTopN(
  m: ServedModel,
  n: number,
  count: number,
  answers: 'items' | 'users',
  range: readonly [number, number] | null,
  query: (q: number) => { vector: ArrayLike<number>; exclude: ArrayLike<number>; shift: number },
): AllRecommendations {
  checkListBytes(answers === 'items' ? 'recommendAll' : 'recommendAllUsers', count, n);
  const engine = m.engine();
  const byItems = answers === 'items';
  const rows = byItems ? engine.items : engine.users;
  const numRows = byItems ? m.items.size : m.users.size;
  const bias = (byItems ? m.itemBiases : m.userBiases) ? (byItems ? engine.itemBias : engine.userBias) : 0;
  const indices = new Int32Array(count * n).fill(-1);
  const scores = new Float32Array(count * n).fill(NaN);
  // Several queries per pass over the rows (scoreTopKBatch): the same lists as topN each.
  const shifts = new Float64Array(count);
  engine.topNEach(
    rows,
    numRows,
    bias,
    n,
    count,
    (q) => {
      const answer = query(q);
      shifts[q] = answer.shift;
      return answer;
    },
    (q, top, topScores) => {
      indices.set(top, q * n);
      for (let j = 0; j < topScores.length; j++) scores[q * n + j] = clamp(topScores[j]! + shifts[q]!, range);
    },
  );
  return { n, indices, scores };
}

export function recommendUsers(
  m: ServedModel,
  item: Id,
  options: { n?: number; exclude?: readonly Id[]; clip?: Clip } = {},
): { users: Id[]; scores: Float32Array } {
  const o = checkOptions('recommendUsers options', options, ['n', 'exclude', 'clip']);
  const n = topCount(o.n, m.users.size);
  const range = rangeOf(m, o.clip === undefined ? m.clip : checkClip(o.clip));
  const exclude = (idList('exclude', o.exclude) ?? []).map((id) => m.users.index(id)).filter((x) => x >= 0);
  const engine = m.engine();
  const i = requireItem(m, item);
  const vector = m.itemFactors.subarray(i * m.factors, (i + 1) * m.factors);
  const top = topN(engine, {
    vector,
    rows: engine.users,
    numRows: m.users.size,
    bias: m.userBiases ? engine.userBias : 0,
    n,
    exclude,
  });
  // The item's own bias and μ shift every user alike: add them so scores are predictions.
  const shift = m.globalMean + (m.itemBiases ? m.itemBiases[i]! : 0);
  return { users: Array.from(top.indices, (x) => m.users.id(x)), scores: top.scores.map((s) => clamp(s + shift, range)) };
}

export function similarItems(
  m: ServedModel,
  item: Id,
  options: { n?: number; exclude?: readonly Id[]; candidates?: readonly Id[] } = {},
): Recommendations {
  const o = checkOptions('similarItems options', options, ['n', 'exclude', 'candidates']);
  const n = topCount(o.n, m.items.size);
  const exclude = (idList('exclude', o.exclude) ?? []).map((id) => m.items.index(id)).filter((x) => x >= 0);
  const candidateIds = idList('candidates', o.candidates);
  const engine = m.engine();
  const i = requireItem(m, item);
  const query = engine.f32.slice(
    (engine.itemNormed >>> 2) + i * engine.stride,
    (engine.itemNormed >>> 2) + i * engine.stride + m.factors,
  );
  const top = topN(engine, {
    vector: query,
    rows: engine.itemNormed,
    numRows: m.items.size,
    bias: 0,
    n,
    exclude,
    candidates: candidateIds ? distinct(candidateIds).map((id) => requireItem(m, id)) : null,
  });
  return named(m, top.indices, top.scores);
}

export function similarUsers(
  m: ServedModel,
  user: Id,
  options: { n?: number; exclude?: readonly Id[] } = {},
): { users: Id[]; scores: Float32Array } {
  const o = checkOptions('similarUsers options', options, ['n', 'exclude']);
  const n = topCount(o.n, m.users.size);
  const exclude = (idList('exclude', o.exclude) ?? []).map((id) => m.users.index(id)).filter((x) => x >= 0);
  const engine = m.engine();
  const u = requireUser(m, user);
  const query = engine.f32.slice(
    (engine.userNormed >>> 2) + u * engine.stride,
    (engine.userNormed >>> 2) + u * engine.stride + m.factors,
  );
  const top = topN(engine, { vector: query, rows: engine.userNormed, numRows: m.users.size, bias: 0, n, exclude });
  return { users: Array.from(top.indices, (x) => m.users.id(x)), scores: top.scores };
}

export function foldIn(m: ServedModel, ratings: RowInput): Float32Array {
  const row = rowOf(m, 'foldIn', ratings);
  return rememberItems(foldInRow(m.engine(), m.options, m.globalMean, row).factors, Array.from(ratings.items));
}

export function explain(m: ServedModel, user: Id, item: Id, ratings?: RowInput): Explanation {
  const i = requireItem(m, item);
  let row: RowRatings;
  if (ratings !== undefined) row = rowOf(m, 'explain', ratings);
  else {
    const u = requireUser(m, user);
    if (!m.seen) fail(ErrorCode.INVALID_OPTION, 'This model does not keep the users’ ratings.', 'Pass the ratings to explain.');
    const lo = m.seen.indptr[u]!;
    const hi = m.seen.indptr[u + 1]!;
    row = { items: Int32Array.from(m.seen.indices.subarray(lo, hi)), values: m.seen.values.slice(lo, hi) };
  }
  const { score, baseline, contributions } = explainRow(m.engine(), m.options, m.globalMean, row, i);
  const list = Array.from(row.items, (j, q) => ({ item: m.items.id(j), contribution: contributions[q]! }));
  list.sort((a, b) => b.contribution - a.contribution);
  return { score, baseline, contributions: list };
}

/** A fold-in row from `{ items, values }`: known items, each once, finite values in range. */
function rowOf(m: ServedModel, what: string, ratings: RowInput): RowRatings {
  const input = checkRowInput(what, ratings);
  if (input.items.length !== input.values.length)
    fail(ErrorCode.LENGTH_MISMATCH, `items and values differ in length (${input.items.length}, ${input.values.length}).`);
  const items = Int32Array.from(input.items, (id) => requireItem(m, id));
  for (let e = 0; e < input.values.length; e++) {
    const v = input.values[e];
    if (typeof v !== 'number' || !Number.isFinite(Math.fround(v)))
      fail(ErrorCode.NON_FINITE_VALUE, `Rating ${e} is ${describe(v)}.`, 'Ratings must be finite numbers within float32 range.');
  }
  const values = Float32Array.from(input.values);
  if (new Set(items).size !== items.length)
    fail(ErrorCode.DUPLICATE_RATING, 'An item occurs twice in the ratings.', 'Combine repeated items first.');
  checkValueRange(values, m.options, `The ${what} ratings`);
  return { items, values };
}

/** A user's dense index; UNKNOWN_ID (with the fold-in hint) when the model does not know it. */
export function requireUser(m: Pick<ServedModel, 'users'>, id: Id): number {
  const u = m.users.index(id);
  if (u < 0)
    fail(
      ErrorCode.UNKNOWN_ID,
      `User ${String(id)} is not in the model.`,
      'Fold the user in with foldIn(ratings) and pass the vector instead.',
    );
  return u;
}

/** An item's dense index; UNKNOWN_ID when the model does not know it. */
export function requireItem(m: Pick<ServedModel, 'items'>, id: Id): number {
  const i = m.items.index(id);
  if (i < 0) fail(ErrorCode.UNKNOWN_ID, `Item ${String(id)} is not in the model.`, 'Use item IDs the model was trained on.');
  return i;
}

function named(m: ServedModel, indices: Int32Array, scores: Float32Array): Recommendations {
  return { items: Array.from(indices, (i) => m.items.id(i)), scores };
}

function isVector(user: Id | ArrayLike<number>): user is ArrayLike<number> {
  return typeof user === 'object' && user !== null && typeof (user as ArrayLike<number>).length === 'number';
}

function concat(a: Int32Array | Uint16Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

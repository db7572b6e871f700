import type { Id } from '../data/id-map.js';
import { IdMap, checkUniformIds } from '../data/id-map.js';
import type { SparseRows } from '../data/sparse.js';
import { AlsError, ErrorCode, fail } from '../errors.js';
import { DEFAULTS, resolveOptions, type ResolvedOptions } from '../train/options.js';
import { checkValueRange } from '../train/value-range.js';
import { boolean, checkOptions, describe, finite } from '../validate.js';
import { checkListBytes, planModel } from '../wasm/layout.js';
import { ServingEngine } from './engine.js';
import { explainRow, foldInRow, foldedItems, rememberItems, type RowRatings } from './fold-in.js';
import { countPerItem, itemsBelow, noCounts } from './item-filter.js';
import { preparePartialFit, type PartialFitInput } from './partial-fit.js';
import { topN } from './recommend.js';
import { decodeModel, encodeModel } from './format.js';
import {
  checkClip,
  checkColdStart,
  checkRange,
  clamp,
  clipRangeOf,
  checkRecommendOptions,
  checkRowInput,
  checkVector,
  distinct,
  idList,
  minItemRatings,
  numberList,
  topCount,
  type Clip,
  type ColdStart,
  type RecommendOptions,
  type RowInput,
} from './serving-options.js';

export type { Clip, ColdStart, RecommendOptions } from './serving-options.js';
export type { PartialRatings } from './partial-fit.js';

/** Imported only when save/load run, by a name bundlers leave alone: serving stays free of Node built-ins. */
const NODE_FS = 'node:fs/promises';

/** What an ALSModel is made of. */
export interface ModelParts {
  users: IdMap;
  items: IdMap;
  factors: number;
  /** numUsers × factors, row-major. */
  userFactors: Float32Array;
  /** numItems × factors, row-major. */
  itemFactors: Float32Array;
  userBiases?: Float32Array | null;
  itemBiases?: Float32Array | null;
  globalMean?: number;
  /** The options the model was trained with. */
  options: ResolvedOptions;
  /** Each user's rated items (CSR by user, dense indices), for excludeSeen. */
  seen?: SparseRows | null;
  /** [min, max] of the values the model was trained on (for clip: 'auto'), or null when unknown. */
  valueRange?: readonly [number, number] | null;
}

/** Factors made elsewhere (tests, interop, hand-made fixtures). */
export interface FactorsInput {
  userIds: readonly Id[];
  itemIds: readonly Id[];
  /** userIds.length × k, row-major. */
  userFactors: Float32Array | ArrayLike<number>;
  /** itemIds.length × k, row-major. */
  itemFactors: Float32Array | ArrayLike<number>;
  userBiases?: ArrayLike<number>;
  itemBiases?: ArrayLike<number>;
  globalMean?: number;
  /** The conventions fold-in should use (feedback, confidence, α, λ, scaling). Defaults as ALS. */
  options?: Partial<ResolvedOptions>;
  /** Each user's seen items, by external IDs, for excludeSeen (and minItemRatings' counts). */
  seen?: ReadonlyMap<Id, readonly Id[]>;
  /** [min, max] of the training values, which clip: 'auto' clips explicit scores to. Default: unknown (no clipping). */
  valueRange?: readonly [number, number];
}

/** Top-n lists for every user (or item), flat: row q is [q·n, (q + 1)·n); -1 / NaN pad short rows. */
export interface AllRecommendations {
  n: number;
  /** Dense indices of the recommended items (or users); map with itemIds / userIds. */
  indices: Int32Array;
  scores: Float32Array;
}

export interface Recommendations {
  items: Id[];
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

/**
 * A trained factorization: score(u, i) = μ + b_u + b_i + x_u·y_i (biases and μ are 0 for
 * models trained without biases).
 */
export class ALSModel {
  /** k. (Factor arrays are replaced, not mutated, when partialFit grows the model.) */
  readonly factors: number;
  /** numUsers × factors, row-major, in dense-index order (see userIds). */
  userFactors: Float32Array;
  /** numItems × factors, row-major, in dense-index order (see itemIds). */
  itemFactors: Float32Array;
  /** Per-user bias b_u, or null without biases. */
  userBiases: Float32Array | null;
  /** Per-item bias b_i, or null without biases. */
  itemBiases: Float32Array | null;
  /** Global mean μ (0 without biases). */
  readonly globalMean: number;
  /** The options used to train it, defaults filled in. */
  readonly options: ResolvedOptions;
  /** Each user's rated items (CSR by user), or null when the model does not keep them. */
  seen: SparseRows | null;
  /** [min, max] of the training values (recorded by fit, kept in the model file), or null when unknown. */
  readonly valueRange: readonly [number, number] | null;
  private coldStartMode: ColdStart = 'nan';
  private clipSetting: Clip = 'auto';
  private countsCache: { seen: SparseRows; counts: Int32Array } | null = null;
  private rareCache: { counts: Int32Array; min: number; items: Int32Array } | null = null;
  /** @internal */
  readonly users: IdMap;
  /** @internal */
  readonly items: IdMap;
  private engineCache: ServingEngine | null = null;

  constructor(parts: ModelParts) {
    this.users = parts.users;
    this.items = parts.items;
    this.factors = parts.factors;
    this.userFactors = parts.userFactors;
    this.itemFactors = parts.itemFactors;
    this.userBiases = parts.userBiases ?? null;
    this.itemBiases = parts.itemBiases ?? null;
    this.globalMean = parts.globalMean ?? 0;
    this.options = parts.options;
    this.seen = parts.seen ?? null;
    this.valueRange = parts.valueRange ? Object.freeze([parts.valueRange[0], parts.valueRange[1]] as const) : null;
  }

  /**
   * A model from factors made elsewhere; IDs may be any strings or numbers (all of one kind
   * per side, as a model file holds them). Sizes are checked before anything is copied.
   */
  static fromFactors(input: FactorsInput): ALSModel {
    const o = checkOptions('fromFactors input', input, [
      'userIds',
      'itemIds',
      'userFactors',
      'itemFactors',
      'userBiases',
      'itemBiases',
      'globalMean',
      'options',
      'seen',
      'valueRange',
    ]);
    const userIds = idList('userIds', o.userIds) ?? fail(ErrorCode.INVALID_OPTION, 'fromFactors needs userIds.');
    const itemIds = idList('itemIds', o.itemIds) ?? fail(ErrorCode.INVALID_OPTION, 'fromFactors needs itemIds.');
    const numUsers = userIds.length;
    const numItems = itemIds.length;
    if (numItems === 0) fail(ErrorCode.EMPTY_DATA, 'fromFactors needs at least one item.');
    const userFactors = numberList('userFactors', o.userFactors);
    const itemFactors = numberList('itemFactors', o.itemFactors);
    const k = itemFactors.length / numItems;
    if (!Number.isInteger(k) || k < 1)
      fail(ErrorCode.INVALID_OPTION, `itemFactors has ${itemFactors.length} values, not a multiple of ${numItems} items.`);
    if (userFactors.length !== numUsers * k)
      fail(ErrorCode.INVALID_OPTION, `userFactors must hold ${numUsers} × ${k} values (got ${userFactors.length}).`);
    const biased = o.userBiases !== undefined || o.itemBiases !== undefined;
    const userBiases = biased ? numberList('userBiases', o.userBiases) : null;
    const itemBiases = biased ? numberList('itemBiases', o.itemBiases) : null;
    if (biased && (userBiases?.length !== numUsers || itemBiases?.length !== numItems)) {
      fail(ErrorCode.INVALID_OPTION, 'userBiases and itemBiases must both be given, one per user and one per item.');
    }
    // Planned before the copies: a model no memory could hold is refused at once.
    planModel(numUsers, numItems, k, biased);
    const globalMean = finite('globalMean', o.globalMean ?? 0);
    const f32 = (a: ArrayLike<number>, name: string) => {
      const out = Float32Array.from(a);
      for (let e = 0; e < out.length; e++)
        if (typeof a[e] !== 'number' || !Number.isFinite(out[e]!))
          fail(
            ErrorCode.NON_FINITE_VALUE,
            `${name}[${e}] is ${describe(a[e])}.`,
            'Factors must be finite numbers within float32 range.',
          );
      return out;
    };
    let users: IdMap;
    let items: IdMap;
    try {
      users = IdMap.fromIds(checkUniformIds(userIds, 'user'));
      items = IdMap.fromIds(checkUniformIds(itemIds, 'item'));
    } catch (e) {
      if (e instanceof AlsError) throw e;
      fail(ErrorCode.INVALID_ID, (e as Error).message, 'IDs must be distinct.');
    }
    let seen: SparseRows | null = null;
    if (o.seen !== undefined) {
      if (!(o.seen instanceof Map))
        fail(ErrorCode.INVALID_OPTION, `seen must be a Map from user ID to item IDs (got ${describe(o.seen)}).`);
      seen = seenRows(o.seen, users, items);
    }
    const valueRange = o.valueRange === undefined ? null : checkRange('valueRange', o.valueRange);
    const { factors: _k, biases: _b, ...conventions } = checkOptions('fromFactors options', o.options, Object.keys(DEFAULTS));
    return new ALSModel({
      users,
      items,
      factors: k,
      userFactors: f32(userFactors, 'userFactors'),
      itemFactors: f32(itemFactors, 'itemFactors'),
      userBiases: userBiases && f32(userBiases, 'userBiases'),
      itemBiases: itemBiases && f32(itemBiases, 'itemBiases'),
      globalMean,
      options: { ...resolveOptions(conventions), factors: k, biases: biased },
      seen,
      valueRange,
    });
  }

  /** Default for predict's coldStart: 'nan' (the default, as Spark), 'bias', 'throw' or 'drop'. */
  get coldStart(): ColdStart {
    return this.coldStartMode;
  }
  set coldStart(mode: ColdStart) {
    this.coldStartMode = checkColdStart(mode);
  }

  /**
   * Default clipping of predict and of the scores recommend, recommendBatch, recommendAll and
   * recommendUsers return: 'auto' (the default: explicit models clip to valueRange, the range
   * of their training values; implicit models and models without a known range do not clip),
   * false (raw scores), or [min, max]. A serving setting like coldStart: not saved in the file.
   * Rankings are always by the raw scores; `score(u, i)` is always raw.
   */
  get clip(): Clip {
    return this.clipSetting;
  }
  set clip(setting: Clip) {
    this.clipSetting = checkClip(setting);
  }

  /** The [min, max] that scores are clipped to by default (what clip resolves to), or null. */
  get clipRange(): readonly [number, number] | null {
    return this.rangeOf(this.clipSetting);
  }

  /**
   * Each item's number of training ratings (by dense index), counted from the seen items the
   * model keeps, or null for a model without them (from Spark or implicit, or saved with
   * `seen: false`). A copy: changing it changes nothing.
   */
  get itemRatingCounts(): Int32Array | null {
    return this.seen ? this.counts().slice() : null;
  }

  /** The factor row of a user: a view into userFactors (no copy), valid until partialFit grows the model. */
  userVector(id: Id): Float32Array {
    const u = this.requireUser(id);
    return this.userFactors.subarray(u * this.factors, (u + 1) * this.factors);
  }

  /** The factor row of an item: a view into itemFactors (no copy), valid until partialFit grows the model. */
  itemVector(id: Id): Float32Array {
    const i = this.requireItem(id);
    return this.itemFactors.subarray(i * this.factors, (i + 1) * this.factors);
  }

  /** A one-line summary: sizes and conventions, never the ID maps or factors. */
  toString(): string {
    const range = this.clipRange;
    const clip = range ? `[${range[0]}, ${range[1]}]` : 'false';
    return `ALSModel { numUsers: ${this.numUsers}, numItems: ${this.numItems}, factors: ${this.factors}, feedback: '${this.options.feedback}', biases: ${this.options.biases}, clip: ${clip} }`;
  }

  /** console.log / util.inspect print the summary (the symbol is Node's; nothing is imported). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  get numUsers(): number {
    return this.users.size;
  }
  get numItems(): number {
    return this.items.size;
  }
  /** User IDs in dense-index order: userIds[u] owns row u of userFactors. */
  get userIds(): Id[] {
    return this.users.ids();
  }
  /** Item IDs in dense-index order. */
  get itemIds(): Id[] {
    return this.items.ids();
  }
  /** Dense index of a user ID, or -1. */
  userIndex(id: Id): number {
    return this.users.index(id);
  }
  /** Dense index of an item ID, or -1. */
  itemIndex(id: Id): number {
    return this.items.index(id);
  }

  /**
   * Predicted score of (user, item) by external IDs. For an unknown user or item, `coldStart`
   * decides: 'nan' (the default, as Spark), 'bias' (μ plus whichever biases are known), or
   * 'throw' (UNKNOWN_ID).
   */
  predict(user: Id, item: Id, options: { coldStart?: ColdStart; clip?: Clip } = {}): number {
    const o = checkOptions('predict options', options, ['coldStart', 'clip']);
    const mode = o.coldStart === undefined ? this.coldStart : checkColdStart(o.coldStart);
    const range = this.rangeOf(o.clip === undefined ? this.clipSetting : checkClip(o.clip));
    const u = this.users.index(user);
    const i = this.items.index(item);
    if (u >= 0 && i >= 0) return clamp(this.score(u, i), range);
    if (mode === 'throw') {
      fail(
        ErrorCode.UNKNOWN_ID,
        `${u < 0 ? `User ${String(user)}` : `Item ${String(item)}`} is not in the model.`,
        "Pass coldStart: 'nan', 'bias' or 'drop' to get a value instead.",
      );
    }
    if (mode === 'bias')
      return clamp(
        this.globalMean +
          (u >= 0 && this.userBiases ? this.userBiases[u]! : 0) +
          (i >= 0 && this.itemBiases ? this.itemBiases[i]! : 0),
        range,
      );
    return NaN;
  }

  /** Predicted score by dense indices: the raw μ + b_u + b_i + x_u·y_i, never clipped (evaluation uses it). */
  score(u: number, i: number): number {
    const k = this.factors;
    let s = this.globalMean;
    if (this.userBiases) s += this.userBiases[u]!;
    if (this.itemBiases) s += this.itemBiases[i]!;
    for (let c = 0; c < k; c++) s += this.userFactors[u * k + c]! * this.itemFactors[i * k + c]!;
    return s;
  }

  /**
   * The best n items for a user (by ID) or for a factor vector (e.g. from foldIn), best
   * first. Ranked by the full raw predicted score; the scores returned are clipped as `clip`
   * says (so several items above the maximum show the same score in their raw order). With
   * candidates, only those are ranked; if seen items are not excluded they come after the
   * unseen ones. A foldIn vector remembers the items it was folded from and leaves them out.
   */
  recommend(user: Id | ArrayLike<number>, options: RecommendOptions = {}): Recommendations {
    const o = checkRecommendOptions('recommend', options);
    const engine = this.engine();
    const n = topCount(o.n, this.numItems);
    const range = this.rangeOf(o.clip ?? this.clipSetting);
    const rare = this.rareItems('recommend', o.minItemRatings);
    let vector: ArrayLike<number>;
    let seen: Int32Array;
    let shift = this.globalMean;
    if (isVector(user)) {
      vector = checkVector(user, this.factors);
      seen = Int32Array.from(o.seenItems ?? foldedItems(user) ?? [], (id) => this.items.index(id)).filter((i) => i >= 0);
    } else {
      const u = this.requireUser(user);
      vector = this.userFactors.subarray(u * this.factors, (u + 1) * this.factors);
      seen = this.seen ? this.seen.indices.subarray(this.seen.indptr[u]!, this.seen.indptr[u + 1]!) : new Int32Array(0);
      if (o.seenItems) seen = Int32Array.from(o.seenItems, (id) => this.items.index(id)).filter((i) => i >= 0);
      // μ and b_u shift every item alike: added after ranking, so scores are predictions.
      if (this.userBiases) shift += this.userBiases[u]!;
    }
    const knowsSeen = isVector(user) || this.seen !== null || o.seenItems !== undefined;
    const excludeSeen = o.excludeSeen ?? knowsSeen;
    if (excludeSeen && !knowsSeen) {
      fail(
        ErrorCode.INVALID_OPTION,
        'This model does not keep the users’ seen items, so excludeSeen cannot work.',
        'Pass excludeSeen: false, or seenItems.',
      );
    }
    const exclude = [...o.exclude.map((id) => this.items.index(id)).filter((i) => i >= 0), ...rare];
    const candidates = o.candidates ? o.candidates.map((id) => this.requireItem(id)) : null;
    const base = { vector, rows: engine.items, numRows: this.numItems, bias: this.itemBiases ? engine.itemBias : 0 };
    if (excludeSeen || !candidates || seen.length === 0) {
      const top = topN(engine, { ...base, n, exclude: excludeSeen ? [...exclude, ...seen] : exclude, candidates });
      return this.named(
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
    return this.named(
      concat(unseen.indices, rest.indices),
      Float32Array.from([...unseen.scores, ...rest.scores], (s) => clamp(s + shift, range)),
    );
  }

  /**
   * Top n items for every user (excluding seen items when the model keeps them), through the
   * same kernel as recommend, writing into two flat arrays (row u = user u; short rows padded
   * with -1 and NaN; rows are short when fewer items are left than n, e.g. after seen items or
   * minItemRatings). n is clamped to the number of items (the result's `n` says which). Scores
   * are clipped as `clip` says; ranking is by the raw scores. Runs on the calling thread.
   */
  recommendAll(options: ModelRecommendAllOptions = {}): AllRecommendations {
    const o = checkOptions('recommendAll options', options, ['n', 'excludeSeen', 'minItemRatings', 'clip']);
    const n = topCount(o.n, this.numItems);
    const excludeSeen = (o.excludeSeen === undefined || boolean('excludeSeen', o.excludeSeen)) && this.seen !== null;
    const rare = this.rareItems('recommendAll', minItemRatings(o.minItemRatings));
    const range = this.rangeOf(o.clip === undefined ? this.clipSetting : checkClip(o.clip));
    const seen = this.seen;
    return this.allTopN(n, this.numUsers, 'items', range, (u) => ({
      vector: this.userFactors.subarray(u * this.factors, (u + 1) * this.factors),
      exclude: excludeSeen ? concat(seen!.indices.subarray(seen!.indptr[u]!, seen!.indptr[u + 1]!), rare) : rare,
      shift: this.globalMean + (this.userBiases ? this.userBiases[u]! : 0),
    }));
  }

  /** Top n users for every item (recommendUsers for each), as flat arrays like recommendAll. */
  recommendAllUsers(options: { n?: number; clip?: Clip } = {}): AllRecommendations {
    const o = checkOptions('recommendAllUsers options', options, ['n', 'clip']);
    const n = topCount(o.n, this.numUsers);
    const range = this.rangeOf(o.clip === undefined ? this.clipSetting : checkClip(o.clip));
    return this.allTopN(n, this.numItems, 'users', range, (i) => ({
      vector: this.itemFactors.subarray(i * this.factors, (i + 1) * this.factors),
      exclude: [],
      shift: this.globalMean + (this.itemBiases ? this.itemBiases[i]! : 0),
    }));
  }

  private allTopN(
    n: number,
    count: number,
    answers: 'items' | 'users',
    range: readonly [number, number] | null,
    query: (q: number) => { vector: ArrayLike<number>; exclude: ArrayLike<number>; shift: number },
  ): AllRecommendations {
    checkListBytes(answers === 'items' ? 'recommendAll' : 'recommendAllUsers', count, n);
    const engine = this.engine();
    const rows = answers === 'items' ? engine.items : engine.users;
    const numRows = answers === 'items' ? this.numItems : this.numUsers;
    const bias = (answers === 'items' ? this.itemBiases : this.userBiases)
      ? answers === 'items'
        ? engine.itemBias
        : engine.userBias
      : 0;
    const indices = new Int32Array(count * n).fill(-1);
    const scores = new Float32Array(count * n).fill(NaN);
    for (let q = 0; q < count; q++) {
      const { vector, exclude, shift } = query(q);
      const top = topN(engine, { vector, rows, numRows, bias, n, exclude: Array.from(exclude) });
      indices.set(top.indices, q * n);
      for (let j = 0; j < top.scores.length; j++) scores[q * n + j] = clamp(top.scores[j]! + shift, range);
    }
    return { n, indices, scores };
  }

  /** recommend for many users; the same results as one call each. */
  recommendBatch(users: readonly Id[], options: RecommendOptions = {}): Recommendations[] {
    if (!Array.isArray(users))
      fail(
        ErrorCode.INVALID_OPTION,
        `recommendBatch takes an array of user IDs (got ${describe(users)}).`,
        'Use recommend for one user or vector.',
      );
    checkRecommendOptions('recommendBatch', options);
    return users.map((user) => this.recommend(user, options));
  }

  /** The n users who would score an item highest (μ + b_u + b_i + x_u·y_i), best first; scores clipped as `clip` says. */
  recommendUsers(
    item: Id,
    options: { n?: number; exclude?: readonly Id[]; clip?: Clip } = {},
  ): { users: Id[]; scores: Float32Array } {
    const o = checkOptions('recommendUsers options', options, ['n', 'exclude', 'clip']);
    const n = topCount(o.n, this.numUsers);
    const range = this.rangeOf(o.clip === undefined ? this.clipSetting : checkClip(o.clip));
    const exclude = (idList('exclude', o.exclude) ?? []).map((id) => this.users.index(id)).filter((x) => x >= 0);
    const engine = this.engine();
    const i = this.requireItem(item);
    const vector = this.itemFactors.subarray(i * this.factors, (i + 1) * this.factors);
    const top = topN(engine, {
      vector,
      rows: engine.users,
      numRows: this.numUsers,
      bias: this.userBiases ? engine.userBias : 0,
      n,
      exclude,
    });
    // The item's own bias and μ shift every user alike: add them so scores are predictions.
    const shift = this.globalMean + (this.itemBiases ? this.itemBiases[i]! : 0);
    return { users: Array.from(top.indices, (x) => this.users.id(x)), scores: top.scores.map((s) => clamp(s + shift, range)) };
  }

  /** Items most similar to an item by cosine of their factors (the item itself first, ≈ 1). */
  similarItems(item: Id, options: { n?: number; exclude?: readonly Id[]; candidates?: readonly Id[] } = {}): Recommendations {
    const o = checkOptions('similarItems options', options, ['n', 'exclude', 'candidates']);
    const n = topCount(o.n, this.numItems);
    const exclude = (idList('exclude', o.exclude) ?? []).map((id) => this.items.index(id)).filter((x) => x >= 0);
    const candidateIds = idList('candidates', o.candidates);
    const engine = this.engine();
    const i = this.requireItem(item);
    const k = this.factors;
    const query = engine.f32.slice(
      (engine.itemNormed >>> 2) + i * engine.stride,
      (engine.itemNormed >>> 2) + i * engine.stride + k,
    );
    const top = topN(engine, {
      vector: query,
      rows: engine.itemNormed,
      numRows: this.numItems,
      bias: 0,
      n,
      exclude,
      candidates: candidateIds ? distinct(candidateIds).map((id) => this.requireItem(id)) : null,
    });
    return this.named(top.indices, top.scores);
  }

  /** Users most similar to a user by cosine of their factors (the user itself first, ≈ 1). */
  similarUsers(user: Id, options: { n?: number; exclude?: readonly Id[] } = {}): { users: Id[]; scores: Float32Array } {
    const o = checkOptions('similarUsers options', options, ['n', 'exclude']);
    const n = topCount(o.n, this.numUsers);
    const exclude = (idList('exclude', o.exclude) ?? []).map((id) => this.users.index(id)).filter((x) => x >= 0);
    const engine = this.engine();
    const u = this.requireUser(user);
    const query = engine.f32.slice(
      (engine.userNormed >>> 2) + u * engine.stride,
      (engine.userNormed >>> 2) + u * engine.stride + this.factors,
    );
    const top = topN(engine, { vector: query, rows: engine.userNormed, numRows: this.numUsers, bias: 0, n, exclude });
    return { users: Array.from(top.indices, (x) => this.users.id(x)), scores: top.scores };
  }

  /**
   * The factor vector of a new or changed user from its ratings, solved exactly (Cholesky)
   * with the item factors fixed and the conventions the model was trained with. Unknown items
   * are an error. `recommend` accepts the result, and leaves out the items it was folded from
   * (the vector remembers them; `excludeSeen: false` keeps them, `seenItems` overrides them).
   */
  foldIn(ratings: RowInput): Float32Array {
    const row = this.rowOf('foldIn', ratings);
    return rememberItems(foldInRow(this.engine(), this.options, this.globalMean, row).factors, Array.from(ratings.items));
  }

  /**
   * Why `item` scores what it does for `user`: the fold-in score (the user re-solved with the
   * item factors fixed, as foldIn does) split into one contribution per rated item, largest
   * first, so that score = baseline + Σ contributions. Implicit (Hu, Koren & Volinsky §5):
   * baseline 0, contribution_j = (y_iᵀ W y_j) c_j p_j. Explicit: baseline μ + b_i,
   * contribution_j = (ỹ_iᵀ W ỹ_j)(r_j − μ − b_j), each rating's residual weighted by how the
   * solve ties item j to item i. The score is raw (not clipped). Uses the user's kept ratings,
   * or `ratings` when given (needed for a model without seen items; a model made by
   * fromFactors keeps seen items without their values).
   */
  explain(user: Id, item: Id, ratings?: RowInput): Explanation {
    const i = this.requireItem(item);
    let row: RowRatings;
    if (ratings !== undefined) row = this.rowOf('explain', ratings);
    else {
      const u = this.requireUser(user);
      if (!this.seen)
        fail(ErrorCode.INVALID_OPTION, 'This model does not keep the users’ ratings.', 'Pass the ratings to explain.');
      const lo = this.seen.indptr[u]!;
      const hi = this.seen.indptr[u + 1]!;
      row = { items: this.seen.indices.slice(lo, hi), values: this.seen.values.slice(lo, hi) };
    }
    const { score, baseline, contributions } = explainRow(this.engine(), this.options, this.globalMean, row, i);
    const list = Array.from(row.items, (j, q) => ({ item: this.items.id(j), contribution: contributions[q]! }));
    list.sort((a, b) => b.contribution - a.contribution);
    return { score, baseline, contributions: list };
  }

  /**
   * Recomputes and stores the rows of the given users (or items) from their ratings, with the
   * other side fixed and the training conventions — a fold-in that is kept. IDs the model
   * does not know are added (the model grows; new IDs follow the rules of Ratings and the
   * kind of the model's IDs); for users, their seen items become these ratings. Ratings that
   * name an unknown item (for users) or user (for items) are an error. Everything is checked
   * and solved before the model changes: when anything fails, the model is as it was.
   */
  partialFit(input: PartialFitInput): void {
    const update = preparePartialFit(input, this);
    const { byUser, rows, size } = update;
    // With the sides swapped, the engine's "items" are the users: the same fold-in solves items.
    const engine = byUser
      ? this.engine()
      : new ServingEngine(this.factors, this.itemFactors, this.userFactors, this.itemBiases, this.userBiases);
    const solved = rows.map((row) => ({ ...row, ...foldInRow(engine, this.options, this.globalMean, row) }));
    const k = this.factors;
    const grow = (a: Float32Array, width: number) => {
      const out = new Float32Array(size * width);
      out.set(a.subarray(0, Math.min(a.length, out.length)));
      return out;
    };
    const factors = grow(byUser ? this.userFactors : this.itemFactors, k);
    const ownBiases = byUser ? this.userBiases : this.itemBiases;
    const biases = ownBiases ? grow(ownBiases, 1) : null;
    for (const row of solved) {
      factors.set(row.factors, row.index * k);
      if (biases) biases[row.index] = row.bias;
    }
    const seen = byUser && this.seen ? replaceRows(this.seen, size, new Map(solved.map((row) => [row.index, row]))) : this.seen;
    // Nothing below can fail: the model changes all at once.
    const map = byUser ? this.users : this.items;
    for (const id of update.added) map.add(id);
    if (byUser) {
      this.userFactors = factors;
      this.userBiases = biases;
      this.seen = seen;
    } else {
      this.itemFactors = factors;
      this.itemBiases = biases;
    }
    this.engineCache = null;
  }

  /**
   * The model as bytes (docs/model-format.md): versioned, checksummed, with the ID maps,
   * factors, biases, options and — unless `seen: false` — each user's seen items.
   */
  toBytes(options: { seen?: boolean } = {}): Uint8Array {
    const o = checkOptions('toBytes options', options, ['seen']);
    return encodeModel(this.parts(), o.seen === undefined ? true : boolean('seen', o.seen));
  }

  /** A model from toBytes() output; damaged, cut or foreign bytes are refused with an AlsError. */
  static fromBytes(bytes: Uint8Array): ALSModel {
    return new ALSModel(decodeModel(bytes));
  }

  /**
   * Node: writes toBytes() to a file, atomically (a temporary file beside it, renamed into
   * place). An existing file is refused unless `overwrite: true`, which replaces only an
   * als-wasm model, an .npz or an empty file. Failures are FILE_ERROR naming the path.
   */
  async save(path: string, options: { seen?: boolean; overwrite?: boolean } = {}): Promise<void> {
    const MODEL_FILE = '../io/model-file.js'; // by a name bundlers leave alone: serving carries no file code
    await ((await import(MODEL_FILE)) as typeof import('../io/model-file.js')).saveModelFile(this, path, options);
  }

  /** Node: reads a model file. */
  static async load(path: string): Promise<ALSModel> {
    if (typeof path !== 'string' || path === '')
      fail(ErrorCode.INVALID_OPTION, `ALSModel.load needs a file path (got ${path === '' ? 'an empty string' : typeof path}).`);
    const { readFile } = (await import(NODE_FS)) as typeof import('node:fs/promises');
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const hint =
        code === 'EISDIR'
          ? 'It is a directory: a Spark model? Load it with loadSparkModel (the CLI: --from spark).'
          : 'Check the path.';
      throw new AlsError(ErrorCode.FILE_ERROR, `Cannot read model file ${path} (${code ?? String(cause)}).`, hint, { cause });
    }
    return ALSModel.fromBytes(bytes);
  }

  private parts(): ModelParts {
    return {
      users: this.users,
      items: this.items,
      factors: this.factors,
      userFactors: this.userFactors,
      itemFactors: this.itemFactors,
      userBiases: this.userBiases,
      itemBiases: this.itemBiases,
      globalMean: this.globalMean,
      options: this.options,
      seen: this.seen,
      valueRange: this.valueRange,
    };
  }

  /** What a clip setting clips to: 'auto' is the training range for explicit models. */
  private rangeOf(setting: Clip): readonly [number, number] | null {
    return clipRangeOf(setting, this.options.feedback, this.valueRange);
  }

  /** Ratings per item from the seen table, counted once per seen table. */
  private counts(): Int32Array {
    const seen = this.seen!;
    if (this.countsCache?.seen !== seen || this.countsCache.counts.length !== this.numItems)
      this.countsCache = { seen, counts: countPerItem(seen, this.numItems) };
    return this.countsCache.counts;
  }

  /** The items below minItemRatings (ascending), to exclude; none for 0. */
  private rareItems(what: string, min: number): Int32Array {
    if (min === 0) return new Int32Array(0);
    if (!this.seen) noCounts(what);
    const counts = this.counts();
    // recommendBatch asks once per user: the list is kept for the last threshold.
    if (this.rareCache?.counts !== counts || this.rareCache.min !== min)
      this.rareCache = { counts, min, items: itemsBelow(counts, min) };
    return this.rareCache.items;
  }

  /** @internal The serving memory, built on first use. */
  engine(): ServingEngine {
    return (this.engineCache ??= new ServingEngine(
      this.factors,
      this.userFactors,
      this.itemFactors,
      this.userBiases,
      this.itemBiases,
    ));
  }

  /** A fold-in row from `{ items, values }`: known items, each once, finite values in range. */
  private rowOf(what: string, ratings: RowInput): RowRatings {
    const input = checkRowInput(what, ratings);
    if (input.items.length !== input.values.length)
      fail(ErrorCode.LENGTH_MISMATCH, `items and values differ in length (${input.items.length}, ${input.values.length}).`);
    const items = Int32Array.from(input.items, (id) => this.requireItem(id));
    for (let e = 0; e < input.values.length; e++) {
      const v = input.values[e];
      if (typeof v !== 'number' || !Number.isFinite(Math.fround(v)))
        fail(
          ErrorCode.NON_FINITE_VALUE,
          `Rating ${e} is ${describe(v)}.`,
          'Ratings must be finite numbers within float32 range.',
        );
    }
    const values = Float32Array.from(input.values);
    if (new Set(items).size !== items.length)
      fail(ErrorCode.DUPLICATE_RATING, 'An item occurs twice in the ratings.', 'Combine repeated items first.');
    checkValueRange(values, this.options, `The ${what} ratings`);
    return { items, values };
  }

  private requireUser(id: Id): number {
    const u = this.users.index(id);
    if (u < 0)
      fail(
        ErrorCode.UNKNOWN_ID,
        `User ${String(id)} is not in the model.`,
        'Fold the user in with foldIn(ratings) and pass the vector instead.',
      );
    return u;
  }

  private requireItem(id: Id): number {
    const i = this.items.index(id);
    if (i < 0) fail(ErrorCode.UNKNOWN_ID, `Item ${String(id)} is not in the model.`, 'Use item IDs the model was trained on.');
    return i;
  }

  private named(indices: Int32Array, scores: Float32Array): Recommendations {
    return { items: Array.from(indices, (i) => this.items.id(i)), scores };
  }
}

function isVector(user: Id | ArrayLike<number>): user is ArrayLike<number> {
  return typeof user === 'object' && user !== null && typeof (user as ArrayLike<number>).length === 'number';
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function seenRows(seen: ReadonlyMap<Id, readonly Id[]>, users: IdMap, items: IdMap): SparseRows {
  const indptr = new Int32Array(users.size + 1);
  const rows: Int32Array[] = Array.from({ length: users.size }, () => new Int32Array(0));
  for (const [user, list] of seen) {
    const u = users.index(user);
    if (u < 0) fail(ErrorCode.UNKNOWN_ID, `seen names user ${String(user)}, which is not in userIds.`);
    const ids =
      idList(`seen of user ${String(user)}`, list) ??
      fail(ErrorCode.INVALID_OPTION, `seen of user ${String(user)} must be an array of item IDs.`);
    rows[u] = Int32Array.from(
      new Set(
        ids.map((id) => {
          const i = items.index(id);
          if (i < 0) fail(ErrorCode.UNKNOWN_ID, `seen names item ${String(id)}, which is not in itemIds.`);
          return i;
        }),
      ),
    ).sort();
  }
  rows.forEach((r, u) => (indptr[u + 1] = indptr[u]! + r.length));
  const indices = new Int32Array(indptr[users.size]!);
  rows.forEach((r, u) => indices.set(r, indptr[u]!));
  return { indptr, indices, values: new Float32Array(indices.length).fill(1) };
}

/** A CSR with some rows replaced (and rows added up to numRows). */
function replaceRows(m: SparseRows, numRows: number, rows: Map<number, { items: Int32Array; values: Float32Array }>): SparseRows {
  const indptr = new Int32Array(numRows + 1);
  const oldRows = m.indptr.length - 1;
  const lengthOf = (r: number) => rows.get(r)?.items.length ?? (r < oldRows ? m.indptr[r + 1]! - m.indptr[r]! : 0);
  for (let r = 0; r < numRows; r++) indptr[r + 1] = indptr[r]! + lengthOf(r);
  const indices = new Int32Array(indptr[numRows]!);
  const values = new Float32Array(indptr[numRows]!);
  for (let r = 0; r < numRows; r++) {
    const row = rows.get(r);
    if (row) {
      // Keep the CSR invariant: ascending item indices within a row.
      const order = Array.from(row.items.keys()).sort((a, b) => row.items[a]! - row.items[b]!);
      order.forEach((q, j) => ((indices[indptr[r]! + j] = row.items[q]!), (values[indptr[r]! + j] = row.values[q]!)));
    } else if (r < oldRows) {
      indices.set(m.indices.subarray(m.indptr[r]!, m.indptr[r + 1]!), indptr[r]!);
      values.set(m.values.subarray(m.indptr[r]!, m.indptr[r + 1]!), indptr[r]!);
    }
  }
  return { indptr, indices, values };
}

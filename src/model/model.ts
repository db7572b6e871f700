import type { Id, IdMap } from '../data/id-map.js';
import type { SparseRows } from '../data/sparse.js';
import { ErrorCode, fail } from '../errors.js';
import type { ResolvedOptions } from '../train/options.js';
import { checkOptions } from '../validate.js';
import { ServingEngine } from './engine.js';
import { type FactorsInput, partsFromFactors } from './from-factors.js';
import { decodeModel } from './format.js';
import { ratingCounts } from './item-filter.js';
import { modelBytes, readModelFile, saveModel } from './model-files.js';
import { solvePartialFit, type PartialFitInput } from './partial-fit.js';
import * as serving from './serving.js';
import type { AllRecommendations, Explanation, ModelRecommendAllOptions, Recommendations } from './serving.js';
import {
  checkClip,
  checkColdStart,
  clamp,
  type Clip,
  type ColdStart,
  type RecommendOptions,
  type RowInput,
} from './serving-options.js';

export type { Clip, ColdStart, RecommendOptions, RowInput } from './serving-options.js';
export type { PartialRatings, PartialFitInput } from './partial-fit.js';
export type { FactorsInput } from './from-factors.js';
export type { AllRecommendations, Explanation, ModelRecommendAllOptions, Recommendations } from './serving.js';

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
    return new ALSModel(partsFromFactors(input));
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
    return serving.rangeOf(this, this.clipSetting);
  }

  /**
   * Each item's number of training ratings (by dense index), counted from the seen items the
   * model keeps, or null for a model without them (from Spark or implicit, or saved with
   * `seen: false`). A copy: changing it changes nothing.
   */
  get itemRatingCounts(): Int32Array | null {
    return this.seen ? ratingCounts(this.seen, this.numItems).slice() : null;
  }

  /** The factor row of a user: a view into userFactors (no copy), valid until partialFit grows the model. */
  userVector(id: Id): Float32Array {
    const u = serving.requireUser(this, id);
    return this.userFactors.subarray(u * this.factors, (u + 1) * this.factors);
  }

  /** The factor row of an item: a view into itemFactors (no copy), valid until partialFit grows the model. */
  itemVector(id: Id): Float32Array {
    const i = serving.requireItem(this, id);
    return this.itemFactors.subarray(i * this.factors, (i + 1) * this.factors);
  }

  /**
   * What serving runs on: 'wasm', or 'js' (the JS twin) where no WebAssembly module can be had
   * synchronously (a browser before `await init()`, no SIMD, or `init({ backend: 'js' })`).
   * Builds the serving memory if it is not built yet.
   */
  get servingBackend(): 'wasm' | 'js' {
    return this.engine().kernels.backend;
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
    const range = serving.rangeOf(this, o.clip === undefined ? this.clipSetting : checkClip(o.clip));
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
    return serving.recommend(this, user, options);
  }

  /**
   * Top n items for every user (excluding seen items when the model keeps them), through the
   * same kernel as recommend, writing into two flat arrays (row u = user u; short rows padded
   * with -1 and NaN; rows are short when fewer items are left than n, e.g. after seen items or
   * minItemRatings). n is clamped to the number of items (the result's `n` says which). Scores
   * are clipped as `clip` says; ranking is by the raw scores. Runs on the calling thread.
   */
  recommendAll(options: ModelRecommendAllOptions = {}): AllRecommendations {
    return serving.recommendAll(this, options);
  }

  /** Top n users for every item (recommendUsers for each), as flat arrays like recommendAll. */
  recommendAllUsers(options: { n?: number; clip?: Clip } = {}): AllRecommendations {
    return serving.recommendAllUsers(this, options);
  }

  /** recommend for many users; the same results as one call each. */
  recommendBatch(users: readonly Id[], options: RecommendOptions = {}): Recommendations[] {
    return serving.recommendBatch(this, users, options);
  }

  /** The n users who would score an item highest (μ + b_u + b_i + x_u·y_i), best first; scores clipped as `clip` says. */
  recommendUsers(
    item: Id,
    options: { n?: number; exclude?: readonly Id[]; clip?: Clip } = {},
  ): { users: Id[]; scores: Float32Array } {
    return serving.recommendUsers(this, item, options);
  }

  /** Items most similar to an item by cosine of their factors (the item itself first, ≈ 1). */
  similarItems(item: Id, options: { n?: number; exclude?: readonly Id[]; candidates?: readonly Id[] } = {}): Recommendations {
    return serving.similarItems(this, item, options);
  }

  /** Users most similar to a user by cosine of their factors (the user itself first, ≈ 1). */
  similarUsers(user: Id, options: { n?: number; exclude?: readonly Id[] } = {}): { users: Id[]; scores: Float32Array } {
    return serving.similarUsers(this, user, options);
  }

  /**
   * The factor vector of a new or changed user from its ratings, solved exactly (Cholesky)
   * with the item factors fixed and the conventions the model was trained with. Unknown items
   * are an error. `recommend` accepts the result, and leaves out the items it was folded from
   * (the vector remembers them; `excludeSeen: false` keeps them, `seenItems` overrides them).
   */
  foldIn(ratings: RowInput): Float32Array {
    return serving.foldIn(this, ratings);
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
    return serving.explain(this, user, item, ratings);
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
    const update = solvePartialFit(input, this);
    // Nothing below can fail: the model changes all at once.
    const map = update.byUser ? this.users : this.items;
    for (const id of update.added) map.add(id);
    if (update.byUser) {
      this.userFactors = update.factors;
      this.userBiases = update.biases;
      this.seen = update.seen;
    } else {
      this.itemFactors = update.factors;
      this.itemBiases = update.biases;
    }
    this.engineCache = null;
  }

  /**
   * The model as bytes (docs/model-format.md): versioned, checksummed, with the ID maps,
   * factors, biases, options and — unless `seen: false` — each user's seen items.
   */
  toBytes(options: { seen?: boolean } = {}): Uint8Array {
    return modelBytes(this.parts(), options);
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
    await saveModel(this, path, options);
  }

  /** Node: reads a model file. */
  static async load(path: string): Promise<ALSModel> {
    return ALSModel.fromBytes(await readModelFile(path));
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
}

import type { Id } from '../data/id-map.js';
import { IdMap } from '../data/id-map.js';
import type { ResolvedOptions } from '../train/options.js';

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
}

/**
 * A trained factorization: score(u, i) = μ + b_u + b_i + x_u·y_i (biases and μ are 0 for
 * models trained without biases).
 */
export class ALSModel {
  /** k. */
  readonly factors: number;
  /** numUsers × factors, row-major, in dense-index order (see userIds). */
  readonly userFactors: Float32Array;
  /** numItems × factors, row-major, in dense-index order (see itemIds). */
  readonly itemFactors: Float32Array;
  /** Per-user bias b_u, or null without biases. */
  readonly userBiases: Float32Array | null;
  /** Per-item bias b_i, or null without biases. */
  readonly itemBiases: Float32Array | null;
  /** Global mean μ (0 without biases). */
  readonly globalMean: number;
  /** The options used to train it, defaults filled in. */
  readonly options: ResolvedOptions;
  private readonly users: IdMap;
  private readonly items: IdMap;

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

  /** Predicted score of (user, item) by external IDs; NaN when either is unknown (as Spark). */
  predict(user: Id, item: Id): number {
    const u = this.users.index(user);
    const i = this.items.index(item);
    if (u < 0 || i < 0) return NaN;
    return this.score(u, i);
  }

  /** Predicted score by dense indices. */
  score(u: number, i: number): number {
    const k = this.factors;
    let s = this.globalMean;
    if (this.userBiases) s += this.userBiases[u]!;
    if (this.itemBiases) s += this.itemBiases[i]!;
    for (let c = 0; c < k; c++) s += this.userFactors[u * k + c]! * this.itemFactors[i * k + c]!;
    return s;
  }
}

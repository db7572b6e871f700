/**
 * The options objects of the serving methods, checked in one place: unknown keys refused (a
 * mistyped `excludeSeen` must not silently change the list), every value of its type, `n`
 * clamped to what exists so no caller can size an allocation by asking for more.
 */
import type { Id } from '../data/id-map.js';
import { ErrorCode, fail } from '../errors.js';
import { boolean, checkOptions, describe, integer, oneOf } from '../validate.js';

/**
 * What to do when predict meets an unknown user or item: 'nan' (Spark's default), 'bias'
 * (μ plus the known biases), 'throw' (UNKNOWN_ID), or 'drop' (Spark's coldStartStrategy
 * "drop": a single predict returns NaN as 'nan' does; evaluators and batch predictions leave
 * such rows out instead of scoring them).
 */
export type ColdStart = 'nan' | 'bias' | 'throw' | 'drop';
export const COLD_START: readonly ColdStart[] = ['nan', 'bias', 'throw', 'drop'];

/**
 * Clipping of explicit predictions: 'auto' (the model's training value range for explicit
 * models, none for implicit or for models that do not know their range), false (raw scores),
 * or [min, max].
 */
export type Clip = 'auto' | false | readonly [number, number];

export interface RecommendOptions {
  /** How many. Default 10; more than there are items returns them all. */
  n?: number;
  /**
   * Leave out the items the user rated (kept from fit, or given as seenItems). Default true
   * when the model keeps seen items or seenItems is given; false for a model without them
   * (from Spark, `implicit`, or saved with `seen: false`), where true without seenItems is an
   * error.
   */
  excludeSeen?: boolean;
  /** Items never to return. Unknown IDs are ignored. */
  exclude?: readonly Id[];
  /** Only rank these items (unknown IDs are an error; a repeated ID counts once). */
  candidates?: readonly Id[];
  /**
   * The items to treat as seen (with a vector, or to override the model's). Default: the
   * user's items kept by the model, or for a foldIn vector the items it was folded from.
   */
  seenItems?: readonly Id[];
  /**
   * Only items with at least this many training ratings (counted from the seen items the
   * model keeps). Default 0: every item. A model without seen items refuses values ≥ 1.
   */
  minItemRatings?: number;
  /**
   * Clip the returned scores: 'auto' (default: model.clip), false, or [min, max]. Ranking
   * is by the raw scores, so items above the maximum keep their order.
   */
  clip?: Clip;
}

export const RECOMMEND_KEYS = ['n', 'excludeSeen', 'exclude', 'candidates', 'seenItems', 'minItemRatings', 'clip'] as const;

/** n as asked (an integer ≥ 1, default 10), clamped to the `available` rows. */
export function topCount(value: unknown, available: number): number {
  const n = value === undefined ? 10 : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    fail(ErrorCode.INVALID_OPTION, `n must be an integer ≥ 1 (got ${describe(n)}).`);
  return Math.min(n, available);
}

/** A list of IDs (an array, or a typed array of dense IDs), or undefined; a string is not a list. */
export function idList(name: string, value: unknown): readonly Id[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value as Id[];
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  fail(
    ErrorCode.INVALID_OPTION,
    `${name} must be an array of IDs (got ${describe(value)}).`,
    typeof value === 'string' || typeof value === 'number' ? `Pass [${JSON.stringify(value)}].` : undefined,
  );
}

/** The IDs in order of first appearance, each once. */
export function distinct<T>(ids: readonly T[]): T[] {
  return [...new Set(ids)];
}

/** Checked RecommendOptions: n not yet clamped (that needs the model). */
export interface CheckedRecommendOptions {
  n: unknown;
  excludeSeen: boolean | undefined;
  exclude: readonly Id[];
  candidates: readonly Id[] | null;
  seenItems: readonly Id[] | undefined;
  minItemRatings: number;
  /** undefined: the model's own setting. */
  clip: Clip | undefined;
}

export function checkRecommendOptions(what: string, options: RecommendOptions | undefined): CheckedRecommendOptions {
  const o = checkOptions(`${what} options`, options, RECOMMEND_KEYS);
  const candidates = idList('candidates', o.candidates);
  return {
    n: o.n,
    excludeSeen: o.excludeSeen === undefined ? undefined : boolean('excludeSeen', o.excludeSeen),
    exclude: idList('exclude', o.exclude) ?? [],
    candidates: candidates ? distinct(candidates) : null,
    seenItems: idList('seenItems', o.seenItems),
    minItemRatings: minItemRatings(o.minItemRatings),
    clip: o.clip === undefined ? undefined : checkClip(o.clip),
  };
}

/** minItemRatings: an integer ≥ 0, default 0 (no filter). */
export function minItemRatings(value: unknown): number {
  return value === undefined ? 0 : integer('minItemRatings', value, 0, 0x7fffffff);
}

/** What a clip setting clips to: 'auto' is the training value range for explicit models (none for implicit or an unknown range). */
export function clipRangeOf(
  setting: Clip,
  feedback: string,
  valueRange: readonly [number, number] | null,
): readonly [number, number] | null {
  if (setting === false) return null;
  if (setting === 'auto') return feedback === 'explicit' ? valueRange : null;
  return setting;
}

/** s clipped to range (NaN stays NaN); range null: s. */
export function clamp(s: number, range: readonly [number, number] | null): number {
  return range ? Math.min(Math.max(s, range[0]), range[1]) : s;
}

/** A clip setting: 'auto', false, or [min, max] of finite numbers with min ≤ max. */
export function checkClip(value: unknown): Clip {
  if (value === 'auto' || value === false) return value;
  if (isRange(value)) return Object.freeze([value[0], value[1]]) as readonly [number, number];
  const hint =
    value === true
      ? "clip: 'auto' (the default) clips explicit scores to the training range."
      : "Pass 'auto', false, or [min, max] with min ≤ max, e.g. [1, 5].";
  fail(ErrorCode.INVALID_OPTION, `clip must be 'auto', false or [min, max] (got ${describeRange(value)}).`, hint);
}

/** A [min, max] option (fromFactors' valueRange): two finite numbers, min ≤ max. */
export function checkRange(name: string, value: unknown): readonly [number, number] {
  if (isRange(value)) return Object.freeze([value[0], value[1]]) as readonly [number, number];
  fail(
    ErrorCode.INVALID_OPTION,
    `${name} must be [min, max], two finite numbers with min ≤ max (got ${describeRange(value)}).`,
    'e.g. [1, 5] for ratings of 1 to 5 stars.',
  );
}

/** Two finite numbers, min ≤ max. */
export function isRange(value: unknown): value is readonly [number, number] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    value[0] <= value[1]
  );
}

function describeRange(value: unknown): string {
  return Array.isArray(value) && value.length <= 4 ? `[${value.map(describe).join(', ')}]` : describe(value);
}

/** A query vector: k finite numbers. */
export function checkVector(vector: ArrayLike<number>, k: number): ArrayLike<number> {
  if (vector.length !== k)
    fail(
      ErrorCode.INVALID_OPTION,
      `A user vector must have ${k} values (got ${vector.length}).`,
      'Pass userFactors rows or foldIn output of this model.',
    );
  for (let c = 0; c < k; c++) {
    const v = vector[c];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      fail(
        ErrorCode.NON_FINITE_VALUE,
        `Value ${c} of the user vector is ${describe(v)}.`,
        'A user vector must hold finite numbers.',
      );
    }
  }
  return vector;
}

export function checkColdStart(value: unknown): ColdStart {
  return oneOf('coldStart', value, COLD_START);
}

/** One user's ratings by item ID, as foldIn and explain take them. */
export interface RowInput {
  items: readonly Id[];
  values: ArrayLike<number>;
}

/** `{ items, values }`, both lists; lengths and values are checked against the model later. */
export function checkRowInput(what: string, ratings: unknown): { items: readonly Id[]; values: ArrayLike<number> } {
  if (ratings === undefined || ratings === null) {
    fail(
      ErrorCode.INVALID_OPTION,
      `${what} needs the user's ratings as { items, values } (got ${describe(ratings)}).`,
      `${what}({ items: ['x', 'y'], values: [5, 3] })`,
    );
  }
  const o = checkOptions(`${what} ratings`, ratings as RowInput, ['items', 'values']);
  const items = idList('items', o.items);
  if (!items) fail(ErrorCode.INVALID_OPTION, `${what} ratings need items.`, `${what}({ items: ['x', 'y'], values: [5, 3] })`);
  const values = o.values;
  if (values === undefined || values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    fail(ErrorCode.INVALID_OPTION, `${what} ratings need values, an array of numbers (got ${describe(values)}).`);
  }
  return { items, values };
}

/** An array, typed array or other array-like of numbers (not a string); its values are checked by the caller. */
export function numberList(name: string, value: unknown): ArrayLike<number> {
  const length = (value as { length?: unknown } | null)?.length;
  if (value === null || typeof value !== 'object' || typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
    fail(ErrorCode.INVALID_OPTION, `${name} must be an array of numbers (got ${describe(value)}).`);
  }
  return value as ArrayLike<number>;
}

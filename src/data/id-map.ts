import { ErrorCode, fail } from '../errors.js';
import { describe } from '../validate.js';

/** A user or item identifier as the caller knows it. `1` and `'1'` are different IDs. */
export type Id = string | number;

/**
 * What IDs a map takes. 'dense': integers 0 … 2^31 − 1, index = ID. 'number': finite
 * numbers. 'string': well-formed strings. 'any': either (Ratings without denseIds, where
 * `1` and `'1'` are two IDs).
 */
export type IdKind = 'dense' | 'number' | 'string' | 'any';

/** The largest dense ID: indices are Int32 in the kernels' memory. */
export const MAX_DENSE_ID = 0x7fffffff;

const DENSE_HINT = 'Dense IDs are integers ≥ 0 (index = ID); to use other IDs, build Ratings without denseIds.';

/**
 * One ID checked for a map of `kind`, as every entry point that takes IDs checks them:
 * INVALID_ID for null, undefined, NaN, ±Infinity, objects, a negative, fractional or too
 * large dense ID, a string where numbers are kept (or a number where strings are), and a
 * string with a lone surrogate (it would not survive UTF-8 in a model file). `what` and `at`
 * name it in messages: "Rating 3 has user ID …". Returns the ID unchanged.
 */
export function checkId(id: unknown, kind: IdKind, what: string, at: number): Id {
  if (kind === 'dense') {
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= MAX_DENSE_ID) return id;
  } else if (typeof id === 'string') {
    if (kind !== 'number' && wellFormed(id)) return id;
  } else if (typeof id === 'number' && Number.isFinite(id) && kind !== 'string') {
    return id;
  }
  return refuseId(id, kind, what, at);
}

/** The INVALID_ID for an ID checkId does not take, saying why. */
function refuseId(id: unknown, kind: IdKind, what: string, at: number): never {
  const bad = (why: string, hint: string): never =>
    fail(ErrorCode.INVALID_ID, `Rating ${at} has ${what} ID ${describe(id)}${why}.`, hint);
  if (kind === 'dense') {
    if (typeof id === 'string')
      bad(
        ', a string where the IDs are dense indices',
        `Pass the number ${what} ID (a string such as '7' is not index 7). ${DENSE_HINT}`,
      );
    if (typeof id !== 'number' || !Number.isInteger(id)) bad(', which is not an integer', DENSE_HINT);
    if ((id as number) < 0) bad(', which is negative', DENSE_HINT);
    bad(', beyond 2^31 − 1', DENSE_HINT);
  }
  if (typeof id === 'number') {
    if (!Number.isFinite(id)) bad('', 'IDs must be strings or finite numbers.');
    bad(', a number where the IDs are strings', `Pass it as a string ('${id}'): a model file holds one kind of ID.`);
  }
  if (typeof id === 'string') {
    if (kind === 'number') bad(', a string where the IDs are numbers', 'Pass it as a number: a model file holds one kind of ID.');
    bad(
      ', which has a lone surrogate (not valid Unicode)',
      'IDs must be well-formed strings: a model file stores them as UTF-8.',
    );
  }
  return bad(
    '',
    kind === 'number'
      ? 'IDs must be finite numbers.'
      : kind === 'string'
        ? 'IDs must be strings.'
        : 'IDs must be strings or finite numbers.',
  );
}

/**
 * A list of IDs checked as by {@link checkId} (each named by its position), returned as a
 * plain array: for partialFit, whose new IDs must meet the model's own kind
 * (`checkIds(ids, model.users.kind, 'user')`), exactly as Ratings checks them.
 */
export function checkIds(ids: unknown, kind: IdKind, what: string): Id[] {
  if (!isArrayLike(ids))
    fail(ErrorCode.INVALID_OPTION, `The ${what} IDs must be an array or typed array (got ${describe(ids)}).`);
  const out: Id[] = new Array(ids.length);
  for (let e = 0; e < ids.length; e++) out[e] = checkId(ids[e], kind, what, e);
  return out;
}

/**
 * A list of IDs for a model's side (fromFactors): each checked as by {@link checkId}, and all
 * of the first one's kind, since a model file holds all-number or all-string IDs per side.
 */
export function checkUniformIds(ids: unknown, what: string): Id[] {
  if (!isArrayLike(ids))
    fail(ErrorCode.INVALID_OPTION, `The ${what} IDs must be an array or typed array (got ${describe(ids)}).`);
  let kind: IdKind = 'any';
  const out: Id[] = new Array(ids.length);
  for (let e = 0; e < ids.length; e++) {
    out[e] = checkId(ids[e], kind, what, e);
    if (kind === 'any') kind = typeof out[e] === 'string' ? 'string' : 'number';
  }
  return out;
}

/** An array, a typed array (not a DataView), or an object with a length that is a count. */
export function isArrayLike(a: unknown): a is ArrayLike<unknown> {
  if (Array.isArray(a)) return true;
  if (ArrayBuffer.isView(a)) return !(a instanceof DataView);
  if (a === null || typeof a !== 'object') return false;
  const n = (a as { length?: unknown }).length;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** No lone surrogates (String.prototype.isWellFormed where the runtime has it). */
function wellFormed(s: string): boolean {
  const native = (s as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(s) : !LONE_SURROGATE.test(s);
}
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * External ID ↔ dense index. Either a real map (any strings or numbers, indices given in
 * order of first appearance) or the identity on [0, size) for data whose IDs are already
 * dense — then nothing is stored.
 */
export class IdMap {
  private readonly toIndex: Map<Id, number> | null;
  private readonly toId: Id[] | null;
  private denseSize: number;
  /** How many of the mapped IDs are strings (the rest are numbers), for `kind`. */
  private strings = 0;

  private constructor(toIndex: Map<Id, number> | null, toId: Id[] | null, denseSize: number) {
    this.toIndex = toIndex;
    this.toId = toId;
    this.denseSize = denseSize;
  }

  /** The identity map on [0, size): index = ID. */
  static dense(size: number): IdMap {
    return new IdMap(null, null, size);
  }

  /** A map over the given distinct IDs, index = position. */
  static fromIds(ids: readonly Id[]): IdMap {
    const map = new IdMap(new Map(), [], 0);
    for (const id of ids) {
      if (map.toIndex!.has(id)) fail(ErrorCode.INVALID_ID, `duplicate ID ${String(id)} in an ID list`);
      map.add(id);
    }
    return map;
  }

  /** An empty map that grows with `add`. */
  static empty(): IdMap {
    return new IdMap(new Map(), [], 0);
  }

  get isDense(): boolean {
    return this.toIndex === null;
  }

  /**
   * The IDs this map takes (see checkId): 'dense' for the identity map; for a map, the kind
   * all its IDs share, or 'any' when it is empty or already holds both.
   */
  get kind(): IdKind {
    if (!this.toId) return 'dense';
    if (this.strings === 0) return this.toId.length > 0 ? 'number' : 'any';
    return this.strings === this.toId.length ? 'string' : 'any';
  }

  get size(): number {
    return this.toId ? this.toId.length : this.denseSize;
  }

  /** Dense index of an ID, or -1 when unknown. */
  index(id: Id): number {
    if (this.toIndex) return this.toIndex.get(id) ?? -1;
    return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < this.denseSize ? id : -1;
  }

  /** External ID of a dense index. */
  id(index: number): Id {
    return this.toId ? this.toId[index]! : index;
  }

  /** The index of `id`, adding it at the end when new. */
  add(id: Id): number {
    if (!this.toIndex) {
      const index = id as number;
      if (index >= this.denseSize) this.denseSize = index + 1;
      return index;
    }
    let index = this.toIndex.get(id);
    if (index === undefined) {
      index = this.toId!.length;
      this.toIndex.set(id, index);
      this.toId!.push(id);
      if (typeof id === 'string') this.strings++;
    }
    return index;
  }

  /** All IDs in index order (for a dense map, 0 … size − 1). */
  ids(): Id[] {
    if (this.toId) return this.toId.slice();
    return Array.from({ length: this.denseSize }, (_, i) => i);
  }

  clone(): IdMap {
    if (!this.toIndex) return IdMap.dense(this.denseSize);
    const copy = new IdMap(new Map(this.toIndex), this.toId!.slice(), 0);
    copy.strings = this.strings;
    return copy;
  }
}

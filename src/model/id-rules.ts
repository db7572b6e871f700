/**
 * The rules new IDs must meet before a model takes them (fromFactors, partialFit): the same
 * rules `Ratings` applies (data/ratings.ts: a dense ID is an integer in [0, 2^31 − 1], any
 * other ID a string or a finite number), plus the one the model file needs: one model's IDs
 * on a side are all numbers or all strings.
 *
 * TODO(issue 11): ratings.ts keeps its checks private (checkDenseOne, checkMappedOne); once
 * it exports them, call those here instead of restating them.
 */
import type { Id, IdMap } from '../data/id-map.js';
import { ErrorCode, fail } from '../errors.js';
import { describe } from '../validate.js';

const MAX_DENSE_ID = 0x7fffffff;

export type IdKind = 'dense' | 'number' | 'string';

/** How a side's IDs are held: dense indices, or a map of numbers or of strings (null: empty map). */
export function kindOf(map: IdMap): IdKind | null {
  if (map.isDense) return 'dense';
  if (map.size === 0) return null;
  return typeof map.id(0) === 'string' ? 'string' : 'number';
}

/**
 * Checks one ID for a side of kind `kind` (null: an empty map, which takes either kind) and
 * returns it. `where` says which input it is ("rating 3 of partialFit"), `side` 'user'/'item'.
 */
export function checkId(id: unknown, kind: IdKind | null, side: string, where: string): Id {
  if (kind === 'dense') {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_DENSE_ID) {
      fail(
        ErrorCode.INVALID_ID,
        `${where} has ${side} ID ${describe(id)}, but this model's ${side} IDs are dense indices: integers in [0, 2^31 − 1].`,
        typeof id === 'string' ? `Pass the number ${side} ID, not a string.` : 'Use the integer index of the row.',
      );
    }
    return id;
  }
  if (!(typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)))) {
    fail(ErrorCode.INVALID_ID, `${where} has ${side} ID ${describe(id)}.`, 'IDs must be strings or finite numbers.');
  }
  if (kind !== null && typeof id !== kind) {
    fail(
      ErrorCode.INVALID_ID,
      `${where} has ${side} ID ${describe(id)}, a ${typeof id}, but this model's ${side} IDs are ${kind}s.`,
      `A model holds all-number or all-string IDs, never a mix (1 and '1' are different IDs): pass ${kind === 'string' ? `'${String(id)}'` : 'numbers'}.`,
    );
  }
  return id;
}

/** Checks a whole list of IDs for one side: each valid, all of one kind. */
export function checkIdList(ids: readonly unknown[], side: string, what: string): Id[] {
  let kind: IdKind | null = null;
  const out = new Array<Id>(ids.length);
  for (let e = 0; e < ids.length; e++) {
    out[e] = checkId(ids[e], kind, side, `${what}[${e}]`);
    kind ??= typeof out[e] === 'string' ? 'string' : 'number';
  }
  return out;
}

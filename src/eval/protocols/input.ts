/** The checks every protocol makes of its triples and shared options. */
import { ErrorCode, fail } from '../../errors.js';
import { integer } from '../../validate.js';
import type { TripleArrays } from '../split.js';

/** Equal lengths and dense indices (non-negative integers), before anything is allocated by them. */
export function checkTriples(what: string, data: TripleArrays): void {
  if (data === null || typeof data !== 'object' || !data.users || !data.items || !data.values) {
    fail(ErrorCode.INVALID_OPTION, `${what} needs triples { users, items, values }.`, 'Pass triplesOf(ratings) or a split.');
  }
  const n = data.values.length;
  if (data.users.length !== n || data.items.length !== n) {
    fail(
      ErrorCode.LENGTH_MISMATCH,
      `users, items and values must have the same length (got ${data.users.length}, ${data.items.length}, ${n}).`,
    );
  }
  for (const [name, list] of [
    ['users', data.users],
    ['items', data.items],
  ] as const) {
    for (let e = 0; e < n; e++) {
      const v = list[e]!;
      if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 31)) {
        fail(
          ErrorCode.INVALID_ID,
          `${what}: ${name}[${e}] is ${String(v)}, not a dense index.`,
          'Pass triples with dense indices (0 … n − 1), e.g. from triplesOf(ratings).',
        );
      }
    }
  }
}

/** A seed as the splits take it. */
export function checkSeed(seed: unknown): number {
  return seed === undefined ? 0 : integer('seed', seed, -(2 ** 31), 2 ** 32 - 1);
}

/** numItems when given (at least one past every item index), else one past the largest index. */
export function catalogueSize(given: unknown, items: ArrayLike<number>): number {
  let largest = -1;
  for (let e = 0; e < items.length; e++) if (items[e]! > largest) largest = items[e]!;
  if (given === undefined) return largest + 1;
  return integer('numItems', given, largest + 1, 2 ** 31 - 1);
}

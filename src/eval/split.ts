import { ErrorCode, fail } from '../errors.js';
import { Prng } from '../train/prng.js';

/** Parallel arrays of ratings. */
export interface TripleArrays<U = ArrayLike<number>> {
  users: U;
  items: U;
  values: ArrayLike<number>;
}

/**
 * A seeded random split: each rating goes to test with probability `testFraction`
 * (deterministic per seed; train and test are disjoint and together are the input).
 */
export function randomSplit(
  data: TripleArrays,
  testFraction: number,
  seed = 0,
): { train: TripleArrays<Int32Array> & { values: Float32Array }; test: TripleArrays<Int32Array> & { values: Float32Array } } {
  if (!(testFraction > 0 && testFraction < 1)) fail(ErrorCode.INVALID_OPTION, `testFraction must be in (0, 1) (got ${testFraction}).`);
  const rng = new Prng(seed);
  const n = data.values.length;
  const inTest = new Uint8Array(n);
  let testCount = 0;
  for (let e = 0; e < n; e++) if (rng.next() < testFraction) (inTest[e] = 1, testCount++);
  const take = (want: number, size: number) => {
    const users = new Int32Array(size);
    const items = new Int32Array(size);
    const values = new Float32Array(size);
    for (let e = 0, o = 0; e < n; e++) {
      if (inTest[e] !== want) continue;
      users[o] = data.users[e]!;
      items[o] = data.items[e]!;
      values[o++] = data.values[e]!;
    }
    return { users, items, values };
  };
  return { train: take(0, n - testCount), test: take(1, testCount) };
}

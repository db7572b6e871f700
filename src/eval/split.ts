/**
 * Seeded, deterministic splits of rating triples (dense indices). Every split returns train
 * and test sets that are disjoint and together are the input (ratings keep their input order
 * within each set).
 */
import { ErrorCode, fail } from '../errors.js';
import { checkOptions, integer } from '../validate.js';
import { Prng } from '../train/prng.js';

/** Parallel arrays of ratings. */
export interface TripleArrays<U = ArrayLike<number>> {
  users: U;
  items: U;
  values: ArrayLike<number>;
}

/** The arrays a split produces. */
export type SplitTriples = TripleArrays<Int32Array> & { values: Float32Array };

export interface Split {
  train: SplitTriples;
  test: SplitTriples;
}

/**
 * A seeded random split: each rating goes to test with probability `testFraction`
 * (deterministic per seed; train and test are disjoint and together are the input).
 */
export function randomSplit(data: TripleArrays, testFraction: number, seed = 0): Split {
  checkFraction(testFraction);
  const rng = new Prng(seed);
  const n = data.values.length;
  const inTest = new Uint8Array(n);
  for (let e = 0; e < n; e++) if (rng.next() < testFraction) inTest[e] = 1;
  return splitByMask(data, inTest);
}

/**
 * Per-user split: each user with n ≥ 2 ratings puts round(n · testFraction) of them (at least
 * 1, at most n − 1) into test, chosen at random — or the latest ones when `timestamps` is given.
 * Users with a single rating stay in train.
 */
export function perUserSplit(
  data: TripleArrays,
  testFraction: number,
  options: { seed?: number; timestamps?: ArrayLike<number> } = {},
): Split {
  checkFraction(testFraction);
  checkPerUserOptions('perUserSplit options', options);
  return perUser(data, options, (n) => (n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * testFraction)))));
}

/**
 * Leave-k-out: each user with more than k ratings puts k of them into test (random, or the
 * latest k with `timestamps`); users with k or fewer stay in train. k must be ≥ 1.
 */
export function leaveKOut(data: TripleArrays, k: number, options: { seed?: number; timestamps?: ArrayLike<number> } = {}): Split {
  if (!(Number.isInteger(k) && k >= 1)) {
    fail(ErrorCode.INVALID_OPTION, `leaveKOut needs an integer k ≥ 1 (got ${String(k)}).`, 'Use k = 1 for leave-one-out.');
  }
  checkPerUserOptions('leaveKOut options', options);
  return perUser(data, options, (n) => (n > k ? k : 0));
}

/**
 * By time: ratings with timestamp ≥ `cut` go to test. Give `{ cut }` (same unit as the
 * timestamps) or `{ testFraction }` (the cut is the timestamp at that quantile from the end).
 */
export function timeSplit(
  data: TripleArrays,
  timestamps: ArrayLike<number>,
  by: { cut: number } | { testFraction: number },
): Split {
  const n = data.values.length;
  if (timestamps.length !== n) fail(ErrorCode.LENGTH_MISMATCH, `timestamps has ${timestamps.length} entries for ${n} ratings.`);
  checkOptions('timeSplit options', by, 'cut' in by ? ['cut'] : ['testFraction']);
  let cut: number;
  if ('cut' in by) {
    cut = by.cut;
    if (typeof cut !== 'number' || Number.isNaN(cut))
      fail(ErrorCode.INVALID_OPTION, `cut must be a number (got ${String(cut)}).`);
  } else {
    checkFraction(by.testFraction);
    const sorted = Float64Array.from(timestamps).sort();
    cut = sorted[Math.min(n - 1, Math.floor(n * (1 - by.testFraction)))]!;
  }
  const inTest = new Uint8Array(n);
  for (let e = 0; e < n; e++) if (timestamps[e]! >= cut) inTest[e] = 1;
  return splitByMask(data, inTest);
}

/**
 * k-fold: the ratings are shuffled (seeded) and dealt into `folds` parts of equal size (±1);
 * fold f tests on part f and trains on the others. Every rating is in exactly one test set.
 */
export function kFold(data: TripleArrays, folds: number, seed = 0): Split[] {
  const n = data.values.length;
  if (!(Number.isInteger(folds) && folds >= 2 && folds <= n)) {
    fail(
      ErrorCode.INVALID_OPTION,
      `folds must be an integer in [2, ${n}] (got ${String(folds)}).`,
      'Five folds is the usual choice.',
    );
  }
  const order = permutation(n, seed);
  const fold = new Uint8Array(n);
  for (let p = 0; p < n; p++) fold[order[p]!] = p % folds;
  return Array.from({ length: folds }, (_, f) => {
    const inTest = new Uint8Array(n);
    for (let e = 0; e < n; e++) if (fold[e] === f) inTest[e] = 1;
    return splitByMask(data, inTest);
  });
}

function checkPerUserOptions(what: string, options: { seed?: number; timestamps?: ArrayLike<number> }): void {
  checkOptions(what, options, ['seed', 'timestamps']);
  if (options.seed !== undefined) integer('seed', options.seed, -(2 ** 31), 2 ** 32 - 1);
}

/** Train = ratings with mask 0, test = mask 1. */
export function splitByMask(data: TripleArrays, inTest: Uint8Array): Split {
  const n = data.values.length;
  if (data.users.length !== n || data.items.length !== n) {
    fail(
      ErrorCode.LENGTH_MISMATCH,
      `users, items and values must have the same length (got ${data.users.length}, ${data.items.length}, ${n}).`,
    );
  }
  let testCount = 0;
  for (let e = 0; e < n; e++) testCount += inTest[e]!;
  const take = (want: number, size: number): SplitTriples => {
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

/** Fisher–Yates over 0 … n − 1, seeded. */
export function permutation(n: number, seed: number): Int32Array {
  const rng = new Prng(seed);
  const order = new Int32Array(n);
  for (let e = 0; e < n; e++) order[e] = e;
  for (let e = n - 1; e > 0; e--) {
    const j = rng.int(e + 1);
    const t = order[e]!;
    order[e] = order[j]!;
    order[j] = t;
  }
  return order;
}

/** Ratings grouped by user: positions of user u's ratings are order[start[u] … start[u + 1]). */
export function groupByUser(users: ArrayLike<number>, numUsers?: number): { start: Int32Array; order: Int32Array } {
  const n = users.length;
  let rows = numUsers ?? 0;
  if (numUsers === undefined) for (let e = 0; e < n; e++) if (users[e]! >= rows) rows = users[e]! + 1;
  const start = new Int32Array(rows + 1);
  for (let e = 0; e < n; e++) start[users[e]! + 1]!++;
  for (let u = 0; u < rows; u++) start[u + 1]! += start[u]!;
  const fill = start.slice(0, rows);
  const order = new Int32Array(n);
  for (let e = 0; e < n; e++) order[fill[users[e]!]!++] = e;
  return { start, order };
}

function perUser(
  data: TripleArrays,
  options: { seed?: number; timestamps?: ArrayLike<number> },
  testCount: (n: number) => number,
): Split {
  const n = data.values.length;
  const { timestamps, seed = 0 } = options;
  if (timestamps && timestamps.length !== n)
    fail(ErrorCode.LENGTH_MISMATCH, `timestamps has ${timestamps.length} entries for ${n} ratings.`);
  const { start, order } = groupByUser(data.users);
  const rng = new Prng(seed);
  const inTest = new Uint8Array(n);
  for (let u = 0; u + 1 < start.length; u++) {
    const s = start[u]!;
    const len = start[u + 1]! - s;
    const t = testCount(len);
    if (t === 0) continue;
    const mine = order.subarray(s, s + len);
    if (timestamps) {
      // The latest t (ties: later in the input counts as later).
      const sorted = Array.from(mine).sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
      for (let j = len - t; j < len; j++) inTest[sorted[j]!] = 1;
    } else {
      // A partial Fisher–Yates picks t of the user's ratings.
      const pick = Int32Array.from(mine);
      for (let j = 0; j < t; j++) {
        const r = j + rng.int(len - j);
        const tmp = pick[j]!;
        pick[j] = pick[r]!;
        pick[r] = tmp;
        inTest[pick[j]!] = 1;
      }
    }
  }
  return splitByMask(data, inTest);
}

function checkFraction(testFraction: number): void {
  if (!(testFraction > 0 && testFraction < 1))
    fail(
      ErrorCode.INVALID_OPTION,
      `testFraction must be in (0, 1) (got ${testFraction}).`,
      'For example 0.2 for an 80/20 split.',
    );
}

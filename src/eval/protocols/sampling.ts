/**
 * Seeded sampling and per-user item lists shared by the evaluation protocols.
 */
import type { Prng } from '../../train/prng.js';
import { groupByUser } from '../split.js';

/**
 * `count` distinct items drawn uniformly, without replacement, from 0 … numItems − 1 minus
 * `excluded` (sorted ascending, distinct, all < numItems); returned ascending. Every
 * count-subset of the allowed items is equally likely: Floyd's algorithm picks a subset of the
 * ranks 0 … allowed − 1, and rank r maps to the r-th allowed item, so the cost is O(count +
 * |excluded|) whatever the catalogue size. The caller checks count ≤ numItems − |excluded|.
 */
export function sampleUnseen(rng: Prng, numItems: number, excluded: Int32Array, count: number): Int32Array {
  const allowed = numItems - excluded.length;
  const picked = new Set<number>();
  for (let j = allowed - count; j < allowed; j++) {
    const t = rng.int(j + 1);
    picked.add(picked.has(t) ? j : t);
  }
  const ranks = Int32Array.from(picked).sort();
  // The r-th allowed item is r + (excluded items at or below it): one merge over both lists.
  const out = new Int32Array(count);
  let skip = 0;
  for (let p = 0; p < count; p++) {
    const r = ranks[p]!;
    while (skip < excluded.length && excluded[skip]! <= r + skip) skip++;
    out[p] = r + skip;
  }
  return out;
}

/** Each user's distinct items, ascending: items.subarray(start[u], start[u + 1]). */
export function itemsByUser(
  data: { users: ArrayLike<number>; items: ArrayLike<number> },
  numUsers: number,
): { start: Int32Array; items: Int32Array } {
  const { start: groupStart, order } = groupByUser(data.users, numUsers);
  const start = new Int32Array(numUsers + 1);
  const items = new Int32Array(order.length);
  let at = 0;
  for (let u = 0; u < numUsers; u++) {
    const mine = new Int32Array(groupStart[u + 1]! - groupStart[u]!);
    for (let p = 0; p < mine.length; p++) mine[p] = data.items[order[groupStart[u]! + p]!]!;
    mine.sort();
    for (let p = 0; p < mine.length; p++) if (p === 0 || mine[p] !== mine[p - 1]) items[at++] = mine[p]!;
    start[u + 1] = at;
  }
  return { start, items: items.subarray(0, at) };
}

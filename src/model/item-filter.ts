/**
 * minItemRatings: each item's number of training ratings, counted from the seen items a
 * model keeps (CSR by user), and the items below a threshold as the sorted exclusion list
 * the scoreTopK kernel takes. Counting from the seen table (rather than storing counts in the
 * model file) keeps one source of truth: partialFit, which replaces users' seen rows, keeps
 * the counts right, and a model saved with `seen: false` has knowingly dropped them.
 */
import type { SparseRows } from '../data/sparse.js';
import { ErrorCode, fail } from '../errors.js';

/** Entries per column of a CSR by user: ratings per item. */
export function countPerItem(seen: SparseRows, numItems: number): Int32Array {
  const counts = new Int32Array(numItems);
  const { indices } = seen;
  for (let e = 0; e < indices.length; e++) counts[indices[e]!]!++;
  return counts;
}

/** Per seen table (partialFit replaces it, so a stale entry is never read): its counts and the last rare list. */
const countCache = new WeakMap<
  SparseRows,
  { numItems: number; counts: Int32Array; rare: { min: number; items: Int32Array } | null }
>();

function cachedEntry(seen: SparseRows, numItems: number) {
  let entry = countCache.get(seen);
  // Items grow under an unchanged seen table (partialFit of items): then count again.
  if (entry?.numItems !== numItems)
    countCache.set(seen, (entry = { numItems, counts: countPerItem(seen, numItems), rare: null }));
  return entry;
}

/** Ratings per item of a model's seen table, counted once per table (the array is shared: do not change it). */
export function ratingCounts(seen: SparseRows, numItems: number): Int32Array {
  return cachedEntry(seen, numItems).counts;
}

/**
 * The items below minItemRatings (ascending), to exclude: none for 0, noCounts for a model
 * without seen items. recommendBatch asks once per user: the list is kept for the last threshold.
 */
export function rareItemsOf(seen: SparseRows | null, numItems: number, what: string, min: number): Int32Array {
  if (min === 0) return new Int32Array(0);
  if (!seen) noCounts(what);
  const entry = cachedEntry(seen, numItems);
  if (entry.rare?.min !== min) entry.rare = { min, items: itemsBelow(entry.counts, min) };
  return entry.rare.items;
}

/** Dense indices (ascending) of the items with fewer than `min` ratings. */
export function itemsBelow(counts: Int32Array, min: number): Int32Array {
  let size = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i]! < min) size++;
  const out = new Int32Array(size);
  for (let i = 0, at = 0; i < counts.length; i++) if (counts[i]! < min) out[at++] = i;
  return out;
}

/** Dense indices (ascending) of the items with at least `min` ratings. */
export function itemsAtLeast(counts: Int32Array, min: number): Int32Array {
  let size = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i]! >= min) size++;
  const out = new Int32Array(size);
  for (let i = 0, at = 0; i < counts.length; i++) if (counts[i]! >= min) out[at++] = i;
  return out;
}

/** The refusal when a model without seen items is asked for minItemRatings ≥ 1. */
export function noCounts(what: string): never {
  fail(
    ErrorCode.INVALID_OPTION,
    `${what}: minItemRatings needs each item's number of training ratings, and this model does not keep its training ratings (a model from Spark or implicit, or one saved with { seen: false }).`,
    'Leave minItemRatings out (or 0), pass the rare items as exclude, or serve a model saved with its seen items (the default).',
  );
}

/**
 * The rows of a CSR restricted to the kept columns, renumbered to their positions in `kept`
 * (ascending): the exclusions of recommendAll over a catalogue cut down to the eligible items.
 */
export function restrictColumns(m: SparseRows, kept: Int32Array, numCols: number): SparseRows {
  const position = new Int32Array(numCols).fill(-1);
  kept.forEach((c, p) => (position[c] = p));
  const rows = m.indptr.length - 1;
  const indptr = new Int32Array(rows + 1);
  let nnz = 0;
  for (let e = 0; e < m.indices.length; e++) if (position[m.indices[e]!]! >= 0) nnz++;
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let at = 0;
  for (let r = 0; r < rows; r++) {
    for (let e = m.indptr[r]!; e < m.indptr[r + 1]!; e++) {
      const p = position[m.indices[e]!]!;
      if (p >= 0) (indices[at] = p), (values[at++] = m.values[e]!);
    }
    indptr[r + 1] = at;
  }
  return { indptr, indices, values };
}

/** The rows of a row-major matrix of width k (or of a vector, k = 1) at the given indices. */
export function gatherRows(a: Float32Array, rows: Int32Array, k: number): Float32Array {
  const out = new Float32Array(rows.length * k);
  rows.forEach((r, p) => out.set(a.subarray(r * k, (r + 1) * k), p * k));
  return out;
}

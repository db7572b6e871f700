import { describe, expect, it } from 'vitest';
import { balancedBounds, chunkCount } from '../src/train/schedule.js';

/** Row pointers from row lengths. */
function indptrOf(lengths: number[]): Int32Array {
  const indptr = new Int32Array(lengths.length + 1);
  lengths.forEach((n, r) => (indptr[r + 1] = indptr[r]! + n));
  return indptr;
}

describe('balancedBounds', () => {
  const dim = 16;
  const cost = (n: number) => n * dim * dim + (dim * dim * dim) / 3 + dim * dim;

  it('cuts power-law rows into runs whose cost differs from the mean by at most one row', () => {
    // A few rows with thousands of ratings, most with a handful (seeded, deterministic).
    let s = 7;
    const lengths = Array.from({ length: 5000 }, () => {
      s = (s * 1103515245 + 12345) >>> 0;
      return Math.max(1, Math.floor(5 / (s / 2 ** 32 + 0.001) ** 0.8));
    });
    const indptr = indptrOf(lengths);
    const chunks = 32;
    const bounds = balancedBounds(indptr, chunks, dim);
    expect(bounds[0]).toBe(0);
    expect(bounds[chunks]).toBe(lengths.length);
    const total = lengths.reduce((a, n) => a + cost(n), 0);
    const biggest = Math.max(...lengths.map(cost));
    for (let c = 0; c < chunks; c++) {
      expect(bounds[c + 1]!).toBeGreaterThan(bounds[c]!); // never empty
      let run = 0;
      for (let r = bounds[c]!; r < bounds[c + 1]!; r++) run += cost(lengths[r]!);
      expect(run).toBeLessThanOrEqual(total / chunks + biggest);
    }
  });

  it('gives every chunk a row when there are barely more rows than chunks, and handles one row', () => {
    expect([...balancedBounds(indptrOf([100, 1, 1, 1]), 4, 8)]).toEqual([0, 1, 2, 3, 4]);
    expect([...balancedBounds(indptrOf([3]), 1, 8)]).toEqual([0, 1]);
    expect([...balancedBounds(indptrOf([0, 0, 0, 0, 0, 0]), 3, 8)]).toEqual([0, 2, 4, 6]);
  });

  it('chunkCount: 16 tasks per thread, never more than the rows, at least one', () => {
    expect(chunkCount(10_000, 2)).toBe(32);
    expect(chunkCount(5, 4)).toBe(5);
    expect(chunkCount(0, 2)).toBe(1);
  });
});

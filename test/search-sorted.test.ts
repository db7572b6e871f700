import { describe, expect, it } from 'vitest';
import { lowerBound, searchSorted, upperBound } from '../src/data/search-sorted.js';

describe('searchSorted', () => {
  const a = Float64Array.of(1, 2, 2, 2, 5);

  it('lowerBound is the first index ≥ x and upperBound the first > x, as numpy.searchsorted', () => {
    expect([0, 1, 2, 3, 5, 6].map((x) => lowerBound(a, x))).toEqual([0, 0, 1, 4, 4, 5]);
    expect([0, 1, 2, 3, 5, 6].map((x) => upperBound(a, x))).toEqual([0, 1, 4, 4, 5, 5]);
    expect(searchSorted(a, 2, 'left')).toBe(1);
    expect(searchSorted(a, 2, 'right')).toBe(4);
  });

  it('an empty array gives 0 both ways', () => {
    expect(lowerBound([], 3)).toBe(0);
    expect(upperBound([], 3)).toBe(0);
  });
});

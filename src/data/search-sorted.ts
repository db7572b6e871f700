/**
 * Binary search in an ascending array, as numpy.searchsorted: where x would be inserted to
 * keep the order, before equal values ('left') or after them ('right').
 */
export function searchSorted(a: ArrayLike<number>, x: number, side: 'left' | 'right'): number {
  const after = side === 'right';
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid]!;
    if (v < x || (after && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose value is ≥ x (a.length if none). */
export function lowerBound(a: ArrayLike<number>, x: number): number {
  return searchSorted(a, x, 'left');
}

/** The first index whose value is > x (a.length if none). */
export function upperBound(a: ArrayLike<number>, x: number): number {
  return searchSorted(a, x, 'right');
}

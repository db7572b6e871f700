// A row's column indices, as every kernel reads them: i32. They may be stored as u16
// (SOLVE_INDEX_BYTES = 2): the column itself where the fixed side has at most 65,536 rows,
// else its low 16 bits, with per row the entry where each next block of 65,536 columns begins
// (SOLVE_INDEX_SPLITS; a row's columns ascend, so each block is one run). A row's indices are
// then widened into scratch once, before its solve reads them many times.

/** n u16 at `from` plus `high` as i32 at `out`. */
// @ts-ignore: decorator
@inline function widen(from: usize, n: i32, out: usize, high: i32): void {
  const vh = i32x4.splat(high);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const v = v128.load(from + (<usize>j << 1));
    v128.store(out + (<usize>j << 2), i32x4.add(i32x4.extend_low_i16x8_u(v), vh));
    v128.store(out + (<usize>j << 2), i32x4.add(i32x4.extend_high_i16x8_u(v), vh), 16);
  }
  for (; j < n; j++) store<i32>(out + (<usize>j << 2), high + <i32>load<u16>(from + (<usize>j << 1)));
}

/**
 * The address of the column indices of row u's entries [lo, lo + n) as i32: in place when they
 * are stored as i32 (indexBytes 4), else widened from u16 into `out` (n i32): block h of the
 * row (its entries from split h − 1 to split h, the row's ends outside) gets h·65,536 added.
 */
// @ts-ignore: decorator
@inline export function rowColumns(
  indices: usize, lo: i32, n: i32, indexBytes: i32, out: usize, splits: usize, blocks: i32, u: i32,
): usize {
  if (indexBytes != 2) return indices + (<usize>lo << 2);
  if (!splits) {
    widen(indices + (<usize>lo << 1), n, out, 0);
    return out;
  }
  const at = splits + ((<usize>u * <usize>(blocks - 1)) << 2);
  let from = lo;
  for (let h = 0; h < blocks; h++) {
    const to = h == blocks - 1 ? lo + n : load<i32>(at + (<usize>h << 2));
    widen(indices + (<usize>from << 1), to - from, out + (<usize>(from - lo) << 2), h << 16);
    from = to;
  }
  return out;
}

/** The stored index of entry e: i32, or u16 (a column's low 16 bits with splits) when indexBytes is 2. */
// @ts-ignore: decorator
@inline export function storedIndex(indices: usize, e: i32, indexBytes: i32): i32 {
  return indexBytes == 2 ? <i32>load<u16>(indices + (<usize>e << 1)) : load<i32>(indices + (<usize>e << 2));
}

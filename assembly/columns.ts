// A row's column indices, as every kernel reads them: i32. Where the fixed side has at most
// 65,536 rows they are stored as u16 (SOLVE_INDEX_BYTES = 2), half the memory of the ratings'
// indices; a row's are then widened into scratch once, before its solve reads them many times.

/**
 * The address of the column indices of entries [lo, lo + n) as i32: in place when they are
 * stored as i32 (indexBytes 4), else widened from u16 into `out` (n i32, 16-byte aligned).
 */
// @ts-ignore: decorator
@inline export function rowColumns(indices: usize, lo: i32, n: i32, indexBytes: i32, out: usize): usize {
  if (indexBytes != 2) return indices + (<usize>lo << 2);
  const from = indices + (<usize>lo << 1);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const v = v128.load(from + (<usize>j << 1));
    v128.store(out + (<usize>j << 2), i32x4.extend_low_i16x8_u(v));
    v128.store(out + (<usize>j << 2), i32x4.extend_high_i16x8_u(v), 16);
  }
  for (; j < n; j++) store<i32>(out + (<usize>j << 2), <i32>load<u16>(from + (<usize>j << 1)));
  return out;
}

/** Column index of entry e: i32, or u16 when indexBytes is 2. */
// @ts-ignore: decorator
@inline export function columnAt(indices: usize, e: i32, indexBytes: i32): i32 {
  return indexBytes == 2 ? <i32>load<u16>(indices + (<usize>e << 1)) : load<i32>(indices + (<usize>e << 2));
}

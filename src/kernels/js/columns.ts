/**
 * The JS twin of assembly/columns.ts: a row's column indices as i32, widened into scratch when
 * they are stored as u16 (SOLVE_PARAMS indexBytes = 2): the columns themselves, or their low 16
 * bits with the row's splits, the entry where each next block of 65,536 columns begins.
 */
import type { JsMemory } from './memory.js';

/**
 * The byte address of the column indices of row u's entries [lo, lo + n) as i32: in place when
 * stored as i32, else widened from u16 into `out` (n i32), block h of the row plus h·65,536.
 */
export function rowColumns(
  { I, U16 }: JsMemory,
  indices: number,
  lo: number,
  n: number,
  indexBytes: number,
  out: number,
  splits: number,
  blocks: number,
  u: number,
): number {
  if (indexBytes !== 2) return indices + lo * 4;
  const from = indices >>> 1;
  const to = (out >>> 2) - lo;
  const at = (splits >>> 2) + u * (blocks - 1);
  let e = lo;
  for (let h = 0; h < (splits === 0 ? 1 : blocks); h++) {
    const end = splits === 0 || h === blocks - 1 ? lo + n : I[at + h]!;
    for (; e < end; e++) I[to + e] = h * 0x10000 + U16[from + e]!;
  }
  return out;
}

/** The stored index of entry e: i32, or u16 (a column's low 16 bits with splits) when indexBytes is 2. */
export function storedIndex({ I, U16 }: JsMemory, indices: number, e: number, indexBytes: number): number {
  return indexBytes === 2 ? U16[(indices >>> 1) + e]! : I[(indices >>> 2) + e]!;
}

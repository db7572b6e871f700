/**
 * The JS twin of assembly/columns.ts: a row's column indices as i32, widened into scratch when
 * they are stored as u16 (SOLVE_PARAMS indexBytes = 2).
 */
import type { JsMemory } from './memory.js';

/**
 * The byte address of the column indices of entries [lo, lo + n) as i32: in place when stored
 * as i32, else widened from u16 into `out` (n i32).
 */
export function rowColumns(
  { I, U16 }: JsMemory,
  indices: number,
  lo: number,
  n: number,
  indexBytes: number,
  out: number,
): number {
  if (indexBytes !== 2) return indices + lo * 4;
  const from = (indices >>> 1) + lo;
  const to = out >>> 2;
  for (let j = 0; j < n; j++) I[to + j] = U16[from + j]!;
  return out;
}

/** Column index of entry e: i32, or u16 when indexBytes is 2. */
export function columnAt({ I, U16 }: JsMemory, indices: number, e: number, indexBytes: number): number {
  return indexBytes === 2 ? U16[(indices >>> 1) + e]! : I[(indices >>> 2) + e]!;
}

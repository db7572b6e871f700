/**
 * Compressed sparse rows in O(nnz) by counting sort. The same structure serves as CSR by user
 * (row = user, index = item) and as CSC by item (row = item, index = user).
 */
export interface SparseRows {
  /** rows + 1 offsets into indices/values; row r is [indptr[r], indptr[r + 1]). */
  readonly indptr: Int32Array;
  /**
   * Column of each entry, ascending within a row, no repeats. A Uint16Array where a large
   * Ratings keeps its CSR in the kernels' memory and every column fits in 2 bytes
   * (data/ratings-memory.ts); read it as numbers either way.
   */
  readonly indices: Int32Array | Uint16Array;
  readonly values: Float32Array;
}

export type DuplicatePolicy = 'sum' | 'last' | 'error';

/** A duplicate found under the 'error' policy: the row and column of the repeated pair. */
export interface DuplicatePair {
  row: number;
  col: number;
}

/**
 * Rows from coordinate triples. Within a row, columns end up ascending; entries with the same
 * (row, col) are combined by `policy` ('last' keeps the one that comes last in the input).
 * Returns the pair instead when the policy is 'error' and a repeat exists.
 */
export function buildRows(
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
  values: ArrayLike<number>,
  numRows: number,
  numCols: number,
  policy: DuplicatePolicy,
): SparseRows | DuplicatePair {
  const nnz = values.length;
  // Pass 1: bucket by column, keeping input order inside a bucket (stable).
  const colPtr = offsets(cols, numCols);
  const byColRow = new Int32Array(nnz);
  const byColValue = new Float32Array(nnz);
  const next = colPtr.slice(0, numCols);
  for (let e = 0; e < nnz; e++) {
    const slot = next[cols[e]!]!++;
    byColRow[slot] = rows[e]!;
    byColValue[slot] = values[e]!;
  }
  // Pass 2: bucket by row, visiting columns in ascending order: rows come out sorted by
  // column, and repeats of one pair stay adjacent in input order.
  const indptr = offsets(rows, numRows);
  const indices = new Int32Array(nnz);
  const out = new Float32Array(nnz);
  const fill = indptr.slice(0, numRows);
  for (let c = 0; c < numCols; c++) {
    for (let s = colPtr[c]!, end = colPtr[c + 1]!; s < end; s++) {
      const slot = fill[byColRow[s]!]!++;
      indices[slot] = c;
      out[slot] = byColValue[s]!;
    }
  }
  return combineRepeats({ indptr, indices, values: out }, policy);
}

/**
 * The same rows as buildRows, written into arrays the caller owns (views of a Ratings' own
 * memory) with no full-size temporary: entries are placed by row in input order (one
 * counting pass), then each row is sorted by column with a stable sort, so repeats of a pair
 * stay in input order exactly as buildRows leaves them. `out.indices` and `out.values` hold
 * at least `values.length` entries; with repeats combined the result is a prefix of them.
 */
export function buildRowsInto(
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
  values: ArrayLike<number>,
  numRows: number,
  policy: DuplicatePolicy,
  out: SparseRows,
): SparseRows | DuplicatePair {
  const nnz = values.length;
  const { indptr, indices } = out;
  const vals = out.values;
  indptr.set(offsets(rows, numRows));
  const fill = indptr.slice(0, numRows);
  for (let e = 0; e < nnz; e++) {
    const slot = fill[rows[e]!]!++;
    indices[slot] = cols[e]!;
    vals[slot] = values[e]!;
  }
  const longest = maxRowLength(indptr);
  // The merge's scratch is of the indices' own type (2-byte indices in a Ratings' memory).
  const scratchIndices = (n: number) => (indices instanceof Uint16Array ? new Uint16Array(n) : new Int32Array(n));
  const scratch = longest > SORT_RUN ? { indices: scratchIndices(longest), values: new Float32Array(longest) } : null;
  for (let r = 0; r < numRows; r++) sortRow(indices, vals, indptr[r]!, indptr[r + 1]!, scratch);
  return combineRepeats({ indptr, indices: indices.subarray(0, nnz), values: vals.subarray(0, nnz) }, policy, true);
}

/** Rows up to this long are sorted by insertion; longer ones merge runs of this length. */
const SORT_RUN = 32;

/**
 * Sorts entries [a, b) by column, stable (equal columns keep their order): insertion sort of
 * runs, then bottom-up merges through `scratch` (at least b − a long).
 */
function sortRow(
  idx: Int32Array | Uint16Array,
  val: Float32Array,
  a: number,
  b: number,
  scratch: { indices: Int32Array | Uint16Array; values: Float32Array } | null,
): void {
  let sorted = true;
  for (let e = a + 1; e < b && sorted; e++) sorted = idx[e - 1]! <= idx[e]!;
  if (sorted) return;
  for (let s = a; s < b; s += SORT_RUN) {
    const end = Math.min(s + SORT_RUN, b);
    for (let e = s + 1; e < end; e++) {
      const key = idx[e]!;
      const v = val[e]!;
      let j = e - 1;
      while (j >= s && idx[j]! > key) {
        idx[j + 1] = idx[j]!;
        val[j + 1] = val[j]!;
        j--;
      }
      idx[j + 1] = key;
      val[j + 1] = v;
    }
  }
  const n = b - a;
  if (n <= SORT_RUN) return;
  let srcI: Int32Array | Uint16Array = idx;
  let srcV = val;
  let srcAt = a;
  let dstI: Int32Array | Uint16Array = scratch!.indices;
  let dstV = scratch!.values;
  let dstAt = 0;
  for (let width = SORT_RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let o = lo;
      while (i < mid && j < hi) {
        // Left first on equal columns: stable.
        if (srcI[srcAt + j]! < srcI[srcAt + i]!) {
          dstI[dstAt + o] = srcI[srcAt + j]!;
          dstV[dstAt + o++] = srcV[srcAt + j++]!;
        } else {
          dstI[dstAt + o] = srcI[srcAt + i]!;
          dstV[dstAt + o++] = srcV[srcAt + i++]!;
        }
      }
      while (i < mid) {
        dstI[dstAt + o] = srcI[srcAt + i]!;
        dstV[dstAt + o++] = srcV[srcAt + i++]!;
      }
      while (j < hi) {
        dstI[dstAt + o] = srcI[srcAt + j]!;
        dstV[dstAt + o++] = srcV[srcAt + j++]!;
      }
    }
    [srcI, dstI] = [dstI, srcI];
    [srcV, dstV] = [dstV, srcV];
    [srcAt, dstAt] = [dstAt, srcAt];
  }
  if (srcI !== idx) {
    idx.set(srcI.subarray(srcAt, srcAt + n), a);
    val.set(srcV.subarray(srcAt, srcAt + n), a);
  }
}

/** The transpose (CSR ↔ CSC) in O(nnz); rows of the result have ascending columns. */
export function transpose(m: SparseRows, numCols: number): SparseRows {
  const nnz = m.indices.length;
  const out = { indptr: new Int32Array(numCols + 1), indices: new Int32Array(nnz), values: new Float32Array(nnz) };
  transposeInto(m, numCols, out);
  return out;
}

/**
 * The transpose written into arrays the caller owns (e.g. views of the kernels' memory, so
 * training never holds a second copy of the ratings on the JS heap). With `splits` (numCols ×
 * (blocks − 1) i32), `out.indices` is a Uint16Array that keeps each row index's low 16 bits,
 * and splits[c·(blocks − 1) + h] receives the entry where column c's block h + 1 begins
 * (ratings-memory.ts splitIndexBlocks).
 */
export function transposeInto(m: SparseRows, numCols: number, out: SparseRows, splits: Int32Array | null = null): void {
  const numRows = m.indptr.length - 1;
  const { indptr, indices, values } = out;
  indptr.set(offsets(m.indices, numCols));
  const fill = indptr.slice(0, numCols);
  const gaps = splits ? splits.length / Math.max(numCols, 1) : 0;
  for (let r = 0; r < numRows; r++) {
    // Row r opens block h = r / 65,536 of every column: where each column's entries stand now.
    if (splits && r > 0 && (r & 0xffff) === 0) for (let c = 0; c < numCols; c++) splits[c * gaps + (r >>> 16) - 1] = fill[c]!;
    for (let e = m.indptr[r]!, end = m.indptr[r + 1]!; e < end; e++) {
      const slot = fill[m.indices[e]!]!++;
      indices[slot] = r;
      values[slot] = m.values[e]!;
    }
  }
}

/** The longest row, from row pointers. */
export function maxRowLength(indptr: Int32Array): number {
  let max = 0;
  for (let r = 0; r + 1 < indptr.length; r++) max = Math.max(max, indptr[r + 1]! - indptr[r]!);
  return max;
}

/** The most entries in one column, without building the transpose. */
export function maxColumnLength(m: SparseRows, numCols: number): number {
  return maxRowLength(offsets(m.indices, numCols));
}

/** Row offsets from the row of each entry (a counting pass and a prefix sum). */
function offsets(keys: ArrayLike<number>, n: number): Int32Array {
  const ptr = new Int32Array(n + 1);
  for (let e = 0; e < keys.length; e++) ptr[keys[e]! + 1]!++;
  for (let r = 0; r < n; r++) ptr[r + 1]! += ptr[r]!;
  return ptr;
}

/**
 * Repeats of a pair (adjacent in a sorted row) combined by `policy`, the rows compacted in
 * place. The shorter result is a copy, or with `asViews` views (arrays that live in a Ratings'
 * own memory).
 */
function combineRepeats(m: SparseRows, policy: DuplicatePolicy, asViews = false): SparseRows | DuplicatePair {
  const { indptr, indices, values } = m;
  const numRows = indptr.length - 1;
  let write = 0;
  let start = 0;
  for (let r = 0; r < numRows; r++) {
    const end = indptr[r + 1]!;
    for (let e = start; e < end; e++) {
      if (e > start && indices[e] === indices[e - 1]) {
        if (policy === 'error') return { row: r, col: indices[e]! };
        // The previous entry was written at write − 1.
        values[write - 1] = policy === 'sum' ? values[write - 1]! + values[e]! : values[e]!;
        continue;
      }
      indices[write] = indices[e]!;
      values[write] = values[e]!;
      write++;
    }
    start = end;
    indptr[r + 1] = write;
  }
  if (write === indices.length) return m;
  if (asViews) return { indptr, indices: indices.subarray(0, write), values: values.subarray(0, write) };
  return { indptr, indices: indices.slice(0, write), values: values.slice(0, write) };
}

/**
 * Compressed sparse rows in O(nnz) by counting sort. The same structure serves as CSR by user
 * (row = user, index = item) and as CSC by item (row = item, index = user).
 */
export interface SparseRows {
  /** rows + 1 offsets into indices/values; row r is [indptr[r], indptr[r + 1]). */
  readonly indptr: Int32Array;
  /** Column of each entry, ascending within a row, no repeats. */
  readonly indices: Int32Array;
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

/** The transpose (CSR ↔ CSC) in O(nnz); rows of the result have ascending columns. */
export function transpose(m: SparseRows, numCols: number): SparseRows {
  const nnz = m.indices.length;
  const out = { indptr: new Int32Array(numCols + 1), indices: new Int32Array(nnz), values: new Float32Array(nnz) };
  transposeInto(m, numCols, out);
  return out;
}

/**
 * The transpose written into arrays the caller owns (e.g. views of the kernels' memory, so
 * training never holds a second copy of the ratings on the JS heap).
 */
export function transposeInto(m: SparseRows, numCols: number, out: SparseRows): void {
  const numRows = m.indptr.length - 1;
  const { indptr, indices, values } = out;
  indptr.set(offsets(m.indices, numCols));
  const fill = indptr.slice(0, numCols);
  for (let r = 0; r < numRows; r++) {
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

function combineRepeats(m: SparseRows, policy: DuplicatePolicy): SparseRows | DuplicatePair {
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
  return { indptr, indices: indices.slice(0, write), values: values.slice(0, write) };
}

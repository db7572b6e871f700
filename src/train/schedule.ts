/**
 * Cutting a half-step into tasks of about equal work, so threads stay balanced on power-law
 * data (a few rows with 10⁴ ratings, most with 10). A row costs about n·d² for its Gram (or
 * the CG products) plus d³/3 for its Cholesky, d = unknowns per row.
 */
export function chunkCount(rows: number, threads: number): number {
  // Several tasks per thread: claiming them dynamically evens out what the cost model misses,
  // and an abort waits for at most one task.
  return Math.max(1, Math.min(rows, 16 * threads));
}

/** Row bounds [b_0 = 0, …, b_chunks = rows] cutting the rows into `chunks` runs of ≈ equal cost. */
export function balancedBounds(indptr: Int32Array, chunks: number, dim: number): Int32Array {
  const rows = indptr.length - 1;
  const perRow = (dim * dim * dim) / 3 + dim * dim;
  const cost = (r: number) => (indptr[r + 1]! - indptr[r]!) * dim * dim + perRow;
  let total = 0;
  for (let r = 0; r < rows; r++) total += cost(r);
  const bounds = new Int32Array(chunks + 1);
  let acc = 0;
  let c = 1;
  for (let r = 0; r < rows && c < chunks; r++) {
    acc += cost(r);
    // Close chunk c once the running cost passes its share: at most one bound per row, so no
    // chunk is empty, and enough rows left for the chunks still to come.
    if (acc >= (total * c) / chunks && r + 1 <= rows - (chunks - c)) bounds[c++] = r + 1;
  }
  for (; c < chunks; c++) bounds[c] = Math.max(bounds[c - 1]! + 1, rows - (chunks - c));
  bounds[chunks] = rows;
  return bounds;
}

// generated from src/kernels/abi.ts by scripts/build-wasm.mjs; do not edit.
// Byte offsets of the fields of the blocks the kernels read (load<T>(params, OFFSET)) and
// the sizes both sides use.

// Sizes shared with the TypeScript side.
/** Rows gathered per block by gramRow (its scratch holds two such blocks). */
// @ts-ignore: decorator
@inline export const GATHER_ROWS: i32 = 32;
/** solveRows with CG (and YᵀY) solves rows of at most this many ratings four at a time (cgSolve4), reading their y_j in place; longer rows are solved alone. */
// @ts-ignore: decorator
@inline export const CG_GATHER_ROWS: i32 = 1024;

// The half-step parameter block (solveRows, dataLoss). 128 bytes.
/** ptr: the factors being solved (rows of `stride`), written. */
// @ts-ignore: decorator
@inline export const SOLVE_X: usize = 0;
/** ptr: the fixed factors (rows of `stride`), read. */
// @ts-ignore: decorator
@inline export const SOLVE_Y: usize = 4;
/** i32: floats per factor row, a multiple of 8. */
// @ts-ignore: decorator
@inline export const SOLVE_STRIDE: usize = 8;
/** i32: unknowns per row (k, or k + 1 when the last one is a bias). */
// @ts-ignore: decorator
@inline export const SOLVE_DIM: usize = 12;
/** ptr: CSR row pointers of the solved side, rows + 1 entries (i32). */
// @ts-ignore: decorator
@inline export const SOLVE_INDPTR: usize = 16;
/** ptr: column (fixed-side row) index of each rating: i32, or u16 when indexBytes is 2. */
// @ts-ignore: decorator
@inline export const SOLVE_INDICES: usize = 20;
/** ptr: rating values (f32). */
// @ts-ignore: decorator
@inline export const SOLVE_VALUES: usize = 24;
/** ptr: per-row regularization weight w_u (f32); 0 means all ones. λ_u = λ·w_u. */
// @ts-ignore: decorator
@inline export const SOLVE_REG_WEIGHTS: usize = 28;
/** f32: λ. */
// @ts-ignore: decorator
@inline export const SOLVE_LAMBDA: usize = 32;
/** i32: a WeightMode. */
// @ts-ignore: decorator
@inline export const SOLVE_MODE: usize = 36;
/** f32: α of the implicit confidence. */
// @ts-ignore: decorator
@inline export const SOLVE_ALPHA: usize = 40;
/** i32: a Solver. */
// @ts-ignore: decorator
@inline export const SOLVE_SOLVER: usize = 44;
/** i32: conjugate-gradient steps per row (warm-started from the current X row). */
// @ts-ignore: decorator
@inline export const SOLVE_CG_STEPS: usize = 48;
/** ptr: YᵀY of the fixed side (stride × stride, both triangles as gramBlock writes them; the Cholesky path reads the upper one), or 0 for none (explicit). */
// @ts-ignore: decorator
@inline export const SOLVE_YTY: usize = 52;
/** f32: global mean μ subtracted from explicit targets (0 without biases). */
// @ts-ignore: decorator
@inline export const SOLVE_MU: usize = 56;
/** ptr: bias of each fixed-side row (f32) subtracted from explicit targets, or 0. */
// @ts-ignore: decorator
@inline export const SOLVE_OTHER_BIAS: usize = 60;
/** i32: unknowns per block of the subspace solver (≥ 1; ≥ dim is one block, the Cholesky solution). */
// @ts-ignore: decorator
@inline export const SOLVE_BLOCK_SIZE: usize = 64;
/** i32: Cholesky solver without YtY: rows with at most this many positive weights (and none negative) are solved exactly through the push-through identity (assembly/short-rows.ts); 0: never. */
// @ts-ignore: decorator
@inline export const SOLVE_SHORT_MAX: usize = 68;
/** ptr: L⁻¹ (stride × stride, zero above the diagonal and past dim) with YᵀY + λI = LLᵀ, when Y holds the whitened rows L⁻¹y (YtY is then 0): every row solves (I + Σ w_j w̃_j w̃_jᵀ) z = Σ t_j w̃_j and x = L⁻ᵀz; 0: Y is plain. */
// @ts-ignore: decorator
@inline export const SOLVE_WHITE_FACTOR: usize = 72;
/** ptr: CG against whitened rows (whiteFactor ≠ 0): U = Lᵀ from `cholesky` of YᵀY + λI with its transpose mirrored below the diagonal (stride × stride; row j up to column j is U’s column j; the padding never read), for the warm start z₀ = U·x of each row from its current x; 0: z₀ = 0 (cold start). */
// @ts-ignore: decorator
@inline export const SOLVE_WHITE_UPPER: usize = 76;
/** i32: bytes per column index: 2 (u16: the column’s low 16 bits, see indexSplits) or 4 (i32); kernels widen a row’s indices into their scratch before use. */
// @ts-ignore: decorator
@inline export const SOLVE_INDEX_BYTES: usize = 80;
/** ptr: with 2-byte indices into a fixed side of more than 65,536 rows: per solved row, indexBlocks − 1 i32, the entry position where each next block of 65,536 columns begins (a row’s columns ascend, so each block is one run); 0: one block. */
// @ts-ignore: decorator
@inline export const SOLVE_INDEX_SPLITS: usize = 84;
/** i32: blocks of 65,536 columns the indices span: 1 without indexSplits. */
// @ts-ignore: decorator
@inline export const SOLVE_INDEX_BLOCKS: usize = 88;

// The parameter block of rankQueries. 76 bytes.
/** ptr: query rows (f32, rows of `stride`). */
// @ts-ignore: decorator
@inline export const RANK_QUERIES: usize = 0;
/** i32: floats per row, a multiple of 8. */
// @ts-ignore: decorator
@inline export const RANK_STRIDE: usize = 4;
/** i32: floats of each row that are scored. */
// @ts-ignore: decorator
@inline export const RANK_DIM: usize = 8;
/** ptr: the rows ranked (f32, rows of `stride`). */
// @ts-ignore: decorator
@inline export const RANK_ROWS: usize = 12;
/** i32: how many rows. */
// @ts-ignore: decorator
@inline export const RANK_NUM_ROWS: usize = 16;
/** ptr: bias of each row (f32), or 0 for none. */
// @ts-ignore: decorator
@inline export const RANK_BIAS: usize = 20;
/** ptr: excluded rows per query: CSR row pointers (i32). */
// @ts-ignore: decorator
@inline export const RANK_EXCL_INDPTR: usize = 24;
/** ptr: excluded rows per query: ascending row indices (i32). */
// @ts-ignore: decorator
@inline export const RANK_EXCL_INDICES: usize = 28;
/** ptr: where each query's positives start (i32, multiples of 4). */
// @ts-ignore: decorator
@inline export const RANK_POS_INDPTR: usize = 32;
/** ptr: positive rows per query, ascending (i32). */
// @ts-ignore: decorator
@inline export const RANK_POS_INDICES: usize = 36;
/** ptr: positives per query (i32). */
// @ts-ignore: decorator
@inline export const RANK_POS_COUNT: usize = 40;
/** i32: list length. */
// @ts-ignore: decorator
@inline export const RANK_N: usize = 44;
/** ptr: heaps of row indices, n per query (i32). */
// @ts-ignore: decorator
@inline export const RANK_OUT_IDX: usize = 48;
/** ptr: heaps of scores, n per query (f32). */
// @ts-ignore: decorator
@inline export const RANK_OUT_SCORE: usize = 52;
/** ptr: entries in each heap (i32). */
// @ts-ignore: decorator
@inline export const RANK_KEPT: usize = 56;
/** ptr: each positive's score (f32). */
// @ts-ignore: decorator
@inline export const RANK_POS_SCORE: usize = 60;
/** ptr: each positive's twice-AUC numerator (i32). */
// @ts-ignore: decorator
@inline export const RANK_OUT_RANK: usize = 64;
/** i32: the current run's first query. */
// @ts-ignore: decorator
@inline export const RANK_FIRST: usize = 68;
/** i32: the current run's end query (exclusive). */
// @ts-ignore: decorator
@inline export const RANK_END: usize = 72;

// The prior block of sampleRows. 52 bytes.
/** ptr: P = Λ_prior/τ (stride × stride, upper triangle within dim). */
// @ts-ignore: decorator
@inline export const PRIOR_PRECISION: usize = 0;
/** ptr: h = Λ_prior·μ_prior/τ (stride floats). */
// @ts-ignore: decorator
@inline export const PRIOR_MEAN: usize = 4;
/** i32: rows with at most this many ratings (≤ dim) are drawn against the whitened rows by perturb and MAP; 0: every row the standard way. */
// @ts-ignore: decorator
@inline export const PRIOR_SHORT_MAX: usize = 8;
/** ptr: the fixed rows whitened, L⁻¹y (rows of `stride`, zero past dim), with P = LLᵀ; read when shortMax > 0. */
// @ts-ignore: decorator
@inline export const PRIOR_WHITE_ROWS: usize = 12;
/** ptr: L⁻ᵀ (stride × stride, upper triangle within dim, zero below the diagonal and past dim); read when shortMax > 0. */
// @ts-ignore: decorator
@inline export const PRIOR_WHITE_FACTOR: usize = 16;
/** ptr: L⁻¹h (stride floats, zero past dim); read when shortMax > 0. */
// @ts-ignore: decorator
@inline export const PRIOR_WHITE_MEAN: usize = 20;
/** ptr: 0, or where row u's Σ_j (t_j − x·y_j)² goes (f64 at rowLoss + 8u) once drawn: the residual sum of squares τ's draw needs, without a pass of its own. */
// @ts-ignore: decorator
@inline export const PRIOR_ROW_LOSS: usize = 24;
/** ptr: 0, or the kept samples of the side drawn: row u's first keepFactors floats, times 1/√keepSamples (in f64, then rounded to f32), go to floats [keepIndex·keepFactors, (keepIndex + 1)·keepFactors) of its row of keepFactors·keepSamples floats at keep, while the row is in cache. */
// @ts-ignore: decorator
@inline export const PRIOR_KEEP: usize = 28;
/** i32: floats of each row kept (k: the bias slot is not among them); read when keep ≠ 0. */
// @ts-ignore: decorator
@inline export const PRIOR_KEEP_FACTORS: usize = 32;
/** i32: samples a row keeps side by side; read when keep ≠ 0. */
// @ts-ignore: decorator
@inline export const PRIOR_KEEP_SAMPLES: usize = 36;
/** i32: which of them this half-step writes; read when keep ≠ 0. */
// @ts-ignore: decorator
@inline export const PRIOR_KEEP_INDEX: usize = 40;
/** ptr: 0, or where row u's running sum of its bias (slot keepFactors, added as f64) is (f64 at keepBias + 8u); read when keep ≠ 0. */
// @ts-ignore: decorator
@inline export const PRIOR_KEEP_BIAS: usize = 44;
/** ptr: 0, or rows of `stride` where row u's dim floats drawn are written too (its padding is not written): a copy of the side, bias slot included, that the next hyperparameter draw reads while the other side's half-step runs. */
// @ts-ignore: decorator
@inline export const PRIOR_MIRROR: usize = 48;

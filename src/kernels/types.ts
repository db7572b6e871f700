/**
 * The kernel interface: the AssemblyScript export list (assembly/index.ts), declared once.
 *
 * Two backends implement it with the same names and semantics: `wasm.ts` (the SIMD module)
 * and `js/` (its readable twin over typed-array views of the same memory, one file per
 * assembly/ file: `js/index.ts` assembles them).
 *
 * Conventions every kernel follows:
 * - Arguments are numbers only: counts, scalars, and byte offsets ("pointers") into one
 *   memory. Pointers to f32/i32 data are 16-byte aligned.
 * - Matrices are f32, row-major. A factor matrix has one row per user (or item) of `stride`
 *   floats; `stride` is a multiple of 8 and ≥ `dim`; columns [dim, stride) are zero on input
 *   and stay zero on output.
 * - A dense system matrix A is `stride × stride` floats. Kernels read and write only its
 *   upper triangle (j ≥ i) for i, j < dim; entries below the diagonal and in the padding
 *   are scratch (may hold anything) unless a kernel says otherwise.
 * - Kernels never allocate, never throw and keep no state; failures come back as a status.
 */
import { KERNEL_CONSTANTS, RANK_PARAMS, SOLVE_PARAMS, slotsOf } from './abi.js';

/** Rows gathered per block by `gramRow` (its scratch holds two such blocks). */
export const GATHER_ROWS = KERNEL_CONSTANTS.GATHER_ROWS[0];

/**
 * `solveRows` with CG copies a row's y_j into scratch once when it has at most this many
 * ratings, so the 4–5 passes of CG read them from cache instead of scattered memory.
 */
export const CG_GATHER_ROWS = KERNEL_CONSTANTS.CG_GATHER_ROWS[0];

/** How a rating r becomes a weight w (on the Gram) and a target t (on the right-hand side). */
export const WeightMode = {
  /** w = 1, t = r − mu − otherBias[col]. */
  Explicit: 0,
  /** Hu–Koren–Volinsky / Spark: c = 1 + α|r|, w = c − 1, t = (r > 0 ? c : 0). */
  ImplicitOnePlusAlpha: 1,
  /** The Python `implicit` library: c = α|r|, w = c − 1, t = (r > 0 ? c : 0). */
  ImplicitAlpha: 2,
  /**
   * Rendle et al.'s iALS with unobserved weight α₀, divided through by α₀ (the scalar is
   * 1/α₀): w = 1/α₀, t = (r > 0 ? 1/α₀ : 0), i.e. c = 1 + 1/α₀ and p = 1/(1 + α₀) on positives.
   */
  Unobserved: 3,
} as const;
export type WeightMode = (typeof WeightMode)[keyof typeof WeightMode];

export const Solver = {
  Cholesky: 0,
  ConjugateGradient: 1,
  /** iALS++: one sweep of block coordinate descent over blocks of `blockSize` unknowns (abi.ts SOLVE_PARAMS). */
  Subspace: 2,
} as const;
export type Solver = (typeof Solver)[keyof typeof Solver];

/**
 * Slot index of each field of the half-step parameter block (declared in abi.ts SOLVE_PARAMS),
 * for code that indexes Int32Array / Float32Array views: `i32[(params >>> 2) + Param.X]`.
 * Read and write the block through abi.ts writeSolveParams / readSolveParams instead.
 */
export const Param = slotsOf(SOLVE_PARAMS);
export type Param = (typeof Param)[keyof typeof Param];

/** Bytes of the parameter block. */
export const PARAM_BYTES = SOLVE_PARAMS.bytes;

/**
 * Slot index of each field of the rankQueries parameter block (abi.ts RANK_PARAMS, where the
 * fields are described). Write it through abi.ts writeRankParams.
 */
export const RankParam = slotsOf(RANK_PARAMS);

/** Slots of the rankQueries parameter block. */
export const RANK_PARAM_SLOTS = RANK_PARAMS.fields.length;

/**
 * Scratch floats `solveRows` needs per thread, laid out in this order (each part rounded up
 * to a multiple of 4 floats): A (stride²), b (stride), CG vectors r, p, Ap (3·stride),
 * w, t and the row's column indices widened to i32 (n = the row's ratings each; the last is
 * used only where they are stored as u16, assembly/columns.ts), then the Gram's (and
 * iALS++'s) two gathered blocks of GATHER_ROWS rows (2·GATHER_ROWS·stride). CG reads its y_j
 * in place. CG with YᵀY solves rows of at most CG_GATHER_ROWS ratings four at a time: the
 * group's 16 vectors and row records sit where A, b and CG's vectors are, and each member's
 * w, t and columns follow one another from w's place, so the part from w on is the larger of
 * one row's and four rows' needs. Sized here for the longest row.
 */
export function solveScratchFloats(stride: number, maxRowNnz: number): number {
  const m = roundUp(maxRowNnz, 4);
  const gathered = 2 * GATHER_ROWS * stride;
  const group = 4 * 3 * roundUp(Math.min(maxRowNnz, CG_GATHER_ROWS), 4);
  return stride * stride + stride + 3 * stride + Math.max(3 * m + gathered, group);
}

export function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

/** Bytes of the header of a screen block (assembly/score-screen.ts SCREEN_HEADER). */
export const SCREEN_HEADER_BYTES = 64;

/**
 * Bytes of the screen block `screenRows` builds for numRows rows of dim columns: the header,
 * one f32 scale per row (padded to 16 bytes), then each row as int16, dim rounded up to 8.
 */
export function screenBytes(numRows: number, dim: number): number {
  return SCREEN_HEADER_BYTES + roundUp(numRows * 4, 16) + numRows * roundUp(dim, 8) * 2;
}

/**
 * Scratch bytes `screenTopK` (queries = 1) and `screenTopKBatch` (queries = numQueries) need:
 * each query's scale and bound (f32, padded to a multiple of four queries), its int16 row,
 * and 32 bytes past the last one.
 */
export function screenScratchBytes(queries: number, dim: number): number {
  return 2 * roundUp(queries, 4) * 4 + queries * roundUp(dim, 8) * 2 + 32;
}

/** Status returned by `solveRows` when every row succeeded. */
export const SOLVE_OK = -1;

/**
 * The kernels. `Ptr` is a byte offset into the backend's memory.
 */
export interface Kernels {
  readonly backend: 'wasm' | 'js';

  /**
   * YᵀY over a row range: A (+)= Σ_{r ∈ [rowStart, rowEnd)} y_r y_rᵀ, upper triangle of the
   * leading dim × dim block, then the lower triangle set to its mirror (so a sum of such
   * blocks is whole, as cgSolve reads it). `accumulate` = 0 overwrites A, 1 adds to it.
   */
  gramBlock(Y: number, stride: number, dim: number, rowStart: number, rowEnd: number, A: number, accumulate: number): void;

  /**
   * Per-rating weights and targets for one row's n ratings (see {@link WeightMode}):
   * w[j], t[j] from values[j]; in explicit mode t[j] = values[j] − mu − otherBias[cols[j]]
   * (otherBias = 0: no bias term). w and t are f32 arrays of n.
   */
  rowWeights(
    cols: number,
    values: number,
    n: number,
    mode: number,
    alpha: number,
    mu: number,
    otherBias: number,
    w: number,
    t: number,
  ): void;

  /**
   * The normal equations of one row, register-tiled (never rank-1 updates):
   *   A = A0 + Σ_j w_j y_{c_j} y_{c_j}ᵀ,   b = Σ_j t_j y_{c_j}
   * over the n ratings (cols, w, t). A0 = 0 means a zero start (explicit); otherwise it is
   * YᵀY (implicit). `scratch` holds 2·GATHER_ROWS·stride floats.
   */
  gramRow(
    Y: number,
    stride: number,
    dim: number,
    cols: number,
    w: number,
    t: number,
    n: number,
    A0: number,
    A: number,
    b: number,
    scratch: number,
  ): void;

  /**
   * In-place Cholesky of A + λI (upper triangle, A = UᵀU, U stored in the upper triangle).
   * Returns -1 on success, or the index of the first pivot that is not > 0 (or not finite).
   */
  cholesky(A: number, stride: number, dim: number, lambda: number): number;

  /** Solves UᵀU x = b with the factor from `cholesky`; x may alias b. */
  choleskySolve(A: number, stride: number, dim: number, b: number, x: number): void;

  /**
   * `steps` conjugate-gradient iterations on (A0 + Σ_j w_j y_j y_jᵀ + λI) x = Σ_j t_j y_j,
   * warm-started from x, never forming the matrix: Ap = A0 p + Σ_j w_j (y_j·p) y_j + λp.
   * A0 (symmetric, both triangles stored, as gramBlock writes it) = 0 means none. y_j is row
   * cols[j] of Y; cols = 0 means row j of Y (rows already gathered). Stops early when the
   * residual r·r < 1e-20. `scratch` holds 3·stride floats. Returns the number of steps taken.
   */
  cgSolve(
    A0: number,
    Y: number,
    stride: number,
    dim: number,
    cols: number,
    w: number,
    t: number,
    n: number,
    lambda: number,
    x: number,
    steps: number,
    scratch: number,
  ): number;

  /**
   * One half-step over rows [start, end) of the solved side, as described by the parameter
   * block at `params` (abi.ts SOLVE_PARAMS): for each row, weights → Gram (or CG) → solve →
   * write X's row. A row without ratings becomes zero. Against whitened rows (whiteFactor ≠ 0)
   * CG runs on (I + Σ w_j w̃_j w̃_jᵀ) z from z₀ = U·x (whiteUpper) and writes x = L⁻ᵀz
   * (assembly/whiten-cg.ts). `scratch` holds {@link solveScratchFloats} floats.
   * Returns {@link SOLVE_OK} (-1); r ≥ 0 when row r's system was not positive definite;
   * -2 - r when row r's solution was not finite. Rows before the failing one are written.
   */
  solveRows(params: number, start: number, end: number, scratch: number): number;

  /**
   * The data term of the objective over rows [start, end) of the solved side, in f64:
   * explicit: Σ (r − mu − otherBias[c] − x·y_c)²;
   * implicit: Σ_u [x_uᵀ YᵀY x_u + Σ_obs (c (p − s)² − s²)] with s = x·y, i.e. the
   * confidence-weighted error over all (u, i) pairs, unobserved ones with c = 1, p = 0.
   */
  dataLoss(params: number, start: number, end: number): number;

  /** Σ_{r ∈ [start, end)} w_r Σ_{c < cols} X[r][c]² in f64; regWeights = 0 means w_r = 1. */
  penalty(X: number, stride: number, cols: number, regWeights: number, start: number, end: number): number;

  /**
   * out[c] = Σ_{r < rows} X[r][c] for c < cols (f64 at out + 8c), each column summed in f64 in
   * row order from 0: the same bits on every backend. Reads columns up to roundUp8(cols),
   * which must lie within the stride.
   */
  columnSums(X: number, stride: number, cols: number, rows: number, out: number): void;

  /**
   * The best n of s_i = x·y_i + bias[i] (bias = 0: none) over rows i ∈ [start, end), or over
   * cands[0 … numCands) when cands ≠ 0, skipping the ascending list excl[0 … numExcl). Kept
   * in a binary min-heap at outIdx (i32[n]) / outScore (f32[n]) — one dot per row, O(log n)
   * per row that enters, no sort, no allocation; ties keep the lower index, NaN never enters.
   * Returns how many were kept (≤ n), in heap order: the caller sorts those few.
   */
  scoreTopK(
    Y: number,
    stride: number,
    dim: number,
    start: number,
    end: number,
    cands: number,
    numCands: number,
    x: number,
    bias: number,
    excl: number,
    numExcl: number,
    n: number,
    outIdx: number,
    outScore: number,
  ): number;

  /**
   * Builds the screen block at `screen` ({@link screenBytes}(numRows, dim) bytes) for the rows
   * Y[0 … numRows): each row as int16 at its own scale, and the norms of the bound that lets
   * screenTopK / screenTopKBatch skip a row without its exact score (assembly/score-screen.ts
   * derives it). Rebuild it whenever a row changes.
   */
  screenRows(Y: number, stride: number, dim: number, numRows: number, screen: number): void;

  /**
   * scoreTopK over rows [start, end) (no candidate list) through the screen block of those
   * rows: the same heap and return value, bit for bit; only rows whose upper bound could enter
   * the heap are scored exactly. `scratch` holds {@link screenScratchBytes}(1, dim) bytes.
   */
  screenTopK(
    screen: number,
    Y: number,
    stride: number,
    dim: number,
    start: number,
    end: number,
    x: number,
    bias: number,
    excl: number,
    numExcl: number,
    n: number,
    outIdx: number,
    outScore: number,
    scratch: number,
  ): number;

  /**
   * scoreTopK over rows [start, end) (no candidate list) plus, in the same pass, the rank of
   * each positive row pos[0 … numPos) (ascending, disjoint from excl) among the rows of the
   * range that are neither excluded nor positive: outRank[p] (i32) += 2·(rows scoring below
   * it) + (rows scoring the same), twice its ROC-AUC numerator. posScore (f32) holds each
   * positive's score. posScore and outRank need room for numPos rounded up to a multiple of
   * 4 (padding: NaN and 0). kept < 0 starts afresh (posScore computed, outRank zeroed, heap
   * empty); kept ≥ 0 resumes with that many entries in the heap, so rows can be walked in
   * cache-sized blocks. A NaN score never enters the heap and counts in neither direction.
   * Returns how many are in the heap (≤ n), in heap order.
   */
  scoreTopKRanks(
    Y: number,
    stride: number,
    dim: number,
    start: number,
    end: number,
    x: number,
    bias: number,
    excl: number,
    numExcl: number,
    pos: number,
    numPos: number,
    n: number,
    kept: number,
    outIdx: number,
    outScore: number,
    posScore: number,
    outRank: number,
  ): number;

  /**
   * scoreTopKRanks for each query q in [first, end) of the abi.ts RANK_PARAMS block at
   * `params`, rows walked `rowBlock` at a time (every query of the range scores a block of
   * rows before the next is read); writes Kept[q], the heaps, PosScore and OutRank.
   */
  rankQueries(params: number, first: number, end: number, rowBlock: number): void;

  // ---- iALS++ (solver: 'subspace') ----------------------------------------------------------

  /**
   * One sweep of iALS++ block coordinate descent on (A0 + Σ_j w_j y_j y_jᵀ + λI) x = Σ_j t_j y_j
   * (A0 = 0: none; y_j is row cols[j] of Y) over blocks of `blockSize` unknowns, the last one
   * possibly partial, x (dim floats) updated in place. Block B solves
   *   (A0_BB + Σ_j w_j y_jB y_jBᵀ + λI) Δ = Σ_j (t_j − w_j ŷ_j) y_jB − (A0 x)_B − λ x_B,  ŷ_j = x·y_j,
   * then x_B += Δ (see assembly/subspace.ts). blockSize ≥ dim: one block, the Cholesky solution.
   * t is scratch (it holds t_j − w_j ŷ_j during the sweep). `work` holds bs² + 2·bs floats
   * and `gather` 2·GATHER_ROWS·bs, bs = roundUp(min(blockSize, dim), 8).
   * Returns -1, or the first unknown of a block whose system was not positive definite (x is
   * then partly updated).
   */
  subspaceSolve(
    A0: number,
    Y: number,
    stride: number,
    dim: number,
    cols: number,
    w: number,
    t: number,
    n: number,
    lambda: number,
    x: number,
    blockSize: number,
    work: number,
    gather: number,
  ): number;
  // --- assembly/score-batch.ts (the multi-query scoring kernel) ---

  /**
   * scoreTopK for numQueries query vectors at once (x_q at X + q·stride floats) over the rows
   * [start, end) plus bias (0: none), each row read once for four queries: query q skips the
   * rows exclIndices[exclIndptr[q] … exclIndptr[q + 1]) (ascending; exclIndptr = 0: none) and
   * keeps its best n in its own heap at outIdx / outScore + q·n entries (ties keep the lower
   * index, NaN never enters); outKept[q] (i32) is how many it holds. Every score is bit-
   * identical to scoreTopK's, so the lists are scoreTopK's query by query.
   */
  scoreTopKBatch(
    Y: number,
    stride: number,
    dim: number,
    start: number,
    end: number,
    bias: number,
    X: number,
    numQueries: number,
    exclIndptr: number,
    exclIndices: number,
    n: number,
    outIdx: number,
    outScore: number,
    outKept: number,
  ): void;

  /**
   * scoreTopKBatch through the screen block of the rows (see screenTopK): the same heaps and
   * kept counts, bit for bit. `scratch` holds {@link screenScratchBytes}(numQueries, dim) bytes.
   */
  screenTopKBatch(
    screen: number,
    Y: number,
    stride: number,
    dim: number,
    start: number,
    end: number,
    bias: number,
    X: number,
    numQueries: number,
    exclIndptr: number,
    exclIndices: number,
    n: number,
    outIdx: number,
    outScore: number,
    outKept: number,
    scratch: number,
  ): void;
  // ── Bayesian ALS (Gibbs sampling): assembly/sample.ts ──

  /**
   * One Gibbs half-step over rows [start, end) of the side the parameter block at `params`
   * solves (X, Y, Stride, Dim, Indptr, Indices, Values, Mu, OtherBias; explicit weights): each
   * row is drawn from its conditional N(m, (τA)⁻¹) with, for the prior block's (abi.ts
   * PRIOR_PARAMS) P = Λ_prior/τ (stride × stride, upper triangle) and h = Λ_prior·μ_prior/τ,
   *   A = P + Σ_j y_j y_jᵀ = UᵀU,  m = A⁻¹(h + Σ_j t_j y_j),  x = m + U⁻¹z·noiseScale,
   * noiseScale = 1/√τ and z row u's standard normals, drawn by the kernel from the stream seeded
   * mix(streamKey ^ u) (train/prng.ts streamKey; mulberry32 and f32 Box–Muller, the same bits
   * on every backend). A row without ratings is drawn from the prior. Rows with at most the
   * block's shortMax ratings are drawn by perturb and MAP against the whitened rows it names
   * (assembly/sample.ts): the same law, other numbers. `scratch` holds
   * {@link solveScratchFloats} floats (z in its CG part).
   * Returns {@link SOLVE_OK}; r ≥ 0 when row r's A was not positive definite; -2 - r when its
   * draw was not finite.
   */
  sampleRows(
    params: number,
    prior: number,
    noiseScale: number,
    streamKey: number,
    start: number,
    end: number,
    scratch: number,
  ): number;

  /**
   * One row exactly through the push-through (Woodbury) identity (assembly/short-rows.ts):
   * x = (c·I + Σ_j w_j v_j v_jᵀ)⁻¹ (Σ_j t_j v_j + e) with v_j row cols[j] of V and c > 0, e read
   * from `extra` (roundUp4(dim) floats, zero past dim; it may be x itself) or 0 when `extra` is
   * 0, at a cost of
   * n₊²·dim/2 + n₊³/6 + O(n·dim) for the n₊ ratings with w_j > 0 (w_j = 0 ones only feed the
   * right-hand side). x gets roundUp4(dim) floats; with m8 = roundUp8(n₊), T holds dim·m8
   * floats (V₊ transposed), work 2·m8 + m8² (row addresses, right-hand side, M). Returns -1, or ≥ 0 when the row is not for this path (a w_j < 0 or not
   * finite, or the n₊ × n₊ system not positive definite in f32): solve it the standard way.
   */
  shortRowSolve(
    V: number,
    stride: number,
    dim: number,
    cols: number,
    w: number,
    t: number,
    n: number,
    c: number,
    x: number,
    T: number,
    work: number,
    extra: number,
  ): number;

  /**
   * Rows [start, end) of Y in place: y ← U⁻ᵀ y (forward substitution against U from
   * `cholesky`), i.e. L⁻¹y with L = Uᵀ; only [0, dim) of each row is written.
   */
  whitenRows(U: number, stride: number, dim: number, Y: number, start: number, end: number): void;

  /**
   * Rows [start, end) of Y in place: x ← Uᵀ x̃ = L x̃ (U from `cholesky`, its upper triangle
   * only), whitenRows undone up to rounding; only [0, dim) of each row is written.
   */
  unwhitenRows(U: number, stride: number, dim: number, Y: number, start: number, end: number): void;
}

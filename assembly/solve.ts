// One half-step slice: rows [start, end) of the solved side → new factor rows.
// The parameter block (src/kernels/abi.ts SOLVE_PARAMS) is read at the offsets of abi.ts.
//
// Scratch (floats, each part a multiple of 4, in types.ts order): A (stride²), b (stride),
// CG r, p, Ap (3·stride), w, t and the row's column indices widened to i32 (columns.ts; unused
// when they are stored as i32), gathered rows (2·GATHER_ROWS·stride: the Gram's and iALS++'s;
// CG reads its y_j in place). w, t and the columns are sized by the current row's nnz
// (≤ maxRowNnz), so the gather blocks start right after them: every part stays inside
// solveScratchFloats(stride, maxRowNnz) without the kernel knowing maxRowNnz.
import {
  SOLVE_X, SOLVE_Y, SOLVE_STRIDE, SOLVE_DIM, SOLVE_INDPTR, SOLVE_INDICES, SOLVE_VALUES, SOLVE_REG_WEIGHTS,
  SOLVE_LAMBDA, SOLVE_MODE, SOLVE_ALPHA, SOLVE_SOLVER, SOLVE_CG_STEPS, SOLVE_YTY, SOLVE_MU, SOLVE_OTHER_BIAS,
  SOLVE_BLOCK_SIZE, SOLVE_SHORT_MAX, SOLVE_WHITE_FACTOR, SOLVE_WHITE_UPPER, SOLVE_INDEX_BYTES,
  SOLVE_INDEX_SPLITS, SOLVE_INDEX_BLOCKS,
  CG_GATHER_ROWS, GATHER_ROWS,
} from './abi';
import { rowColumns } from './columns';
import { rowWeights } from './weights';
import { gramRow } from './gram';
import { cholesky, choleskySolve } from './cholesky';
import { positiveCount, shortRowCap, shortRowSolve, unwhiten } from './short-rows';
import { cgSolve, cgSolve4, CG4_COLS, CG4_W, CG4_T, CG4_N, CG4_LAMBDA, CG4_ROW, CG4_BYTES } from './cg';
import { subspaceSolve } from './subspace';
import { upperTimes4, unwhiten4 } from './whiten-cg';
import { allFinite, copyf, zerof } from './vec';

export function solveRows(params: usize, start: i32, end: i32, scratch: usize): i32 {
  const X = <usize>load<u32>(params, SOLVE_X);
  const Y = <usize>load<u32>(params, SOLVE_Y);
  const stride = load<i32>(params, SOLVE_STRIDE);
  const dim = load<i32>(params, SOLVE_DIM);
  const indptr = <usize>load<u32>(params, SOLVE_INDPTR);
  const indices = <usize>load<u32>(params, SOLVE_INDICES);
  const values = <usize>load<u32>(params, SOLVE_VALUES);
  const regWeights = <usize>load<u32>(params, SOLVE_REG_WEIGHTS);
  const lambda = load<f32>(params, SOLVE_LAMBDA);
  const mode = load<i32>(params, SOLVE_MODE);
  const alpha = load<f32>(params, SOLVE_ALPHA);
  const solver = load<i32>(params, SOLVE_SOLVER);
  const cgSteps = load<i32>(params, SOLVE_CG_STEPS);
  const YtY = <usize>load<u32>(params, SOLVE_YTY);
  const mu = load<f32>(params, SOLVE_MU);
  const otherBias = <usize>load<u32>(params, SOLVE_OTHER_BIAS);
  const blockSize = load<i32>(params, SOLVE_BLOCK_SIZE);
  // The short path's M and row addresses live in the gather blocks: n₊ is capped by their size.
  const shortMax = min(load<i32>(params, SOLVE_SHORT_MAX), shortRowCap(dim, 2 * GATHER_ROWS * stride));
  const whiteFactor = <usize>load<u32>(params, SOLVE_WHITE_FACTOR);
  const indexBytes = load<i32>(params, SOLVE_INDEX_BYTES);
  const splits = <usize>load<u32>(params, SOLVE_INDEX_SPLITS);
  const blocks = load<i32>(params, SOLVE_INDEX_BLOCKS);

  const rb = <usize>stride << 2;
  const A = scratch;
  const b = A + <usize>stride * rb;
  const cg = b + rb;
  const wPtr = cg + 3 * rb;

  // CG with YᵀY solves short rows four at a time (cgSolve4: the YᵀY products share each load).
  // The group's x, r, p, Ap (four vectors each) sit where A, b and CG's vectors are, its row
  // records after them; each member's w, t and columns follow one another from wPtr. The members' y_j
  // are read in place: copying them together first cost more than it saved (the copy is one
  // more pass through the cache, and rows rated by many are found in L2 by every pass anyway).
  // Long rows (n > CG_GATHER_ROWS) are solved alone: the members' arrays stay inside the scratch.
  const grouped = solver == 1 && YtY != 0 && stride >= 16;
  const GX = A;
  const GR = GX + 4 * rb;
  const GP = GR + 4 * rb;
  const GAP = GP + 4 * rb;
  const records = GAP + 4 * rb;
  let members = 0;
  let cursor = wPtr;
  // CG against whitened rows (YtY = 0): z₀ and x for four rows share each pass over U and L⁻¹.
  // The four z at A, the four x after them, the row indices after those (8·rb + 16 bytes: inside
  // A and b for any stride ≥ 8); CG's vectors and each row's w and t where they always are.
  const whiteCg = solver == 1 && whiteFactor != 0;
  const WZ = A;
  const WX = WZ + 4 * rb;
  const WR = WX + 4 * rb;

  for (let u = start; u < end; u++) {
    const xRow = X + <usize>u * rb;
    const lo = load<i32>(indptr + (<usize>u << 2));
    const hi = load<i32>(indptr + (<usize>u << 2), 4);
    const n = hi - lo;
    if (n <= 0) {
      zerof(xRow, stride);
      continue;
    }
    if (whiteCg) {
      // CG in the whitened basis, four rows at a time (whiten-cg.ts): joins the group
      store<i32>(WR + (<usize>members << 2), u);
      members++;
      if (members == 4) {
        const bad = solveWhitenedGroup(params, 4, WR, WZ, WX, cg, wPtr);
        if (bad >= 0) return -2 - bad;
        members = 0;
      }
      continue;
    }
    // Against whitened rows (Y = W, short-rows.ts) every row solves (I + Σ w_j w̃_j w̃_jᵀ) z = g.
    const lam: f32 = whiteFactor ? 1 : regWeights ? lambda * load<f32>(regWeights + (<usize>u << 2)) : lambda;
    const vals = values + (<usize>lo << 2);
    const m4 = <usize>((n + 3) & ~3) << 2;
    if (grouped && n <= CG_GATHER_ROWS) {
      // join the group: weights and the warm start, solved when it has four
      const rec = records + <usize>members * CG4_BYTES;
      const gw = cursor;
      const gt = gw + m4;
      const cols = rowColumns(indices, lo, n, indexBytes, gt + m4, splits, blocks, u);
      rowWeights(cols, vals, n, mode, alpha, mu, otherBias, gw, gt);
      store<u32>(rec, <u32>cols, CG4_COLS);
      store<u32>(rec, <u32>gw, CG4_W);
      store<u32>(rec, <u32>gt, CG4_T);
      store<i32>(rec, n, CG4_N);
      store<f32>(rec, lam, CG4_LAMBDA);
      store<i32>(rec, u, CG4_ROW);
      copyf(xRow, GX + <usize>members * rb, dim);
      cursor = gt + 2 * m4;
      members++;
      if (members == 4) {
        cgSolve4(YtY, Y, rb, dim, records, cgSteps, GX, GR, GP, GAP);
        const bad = finishGroup(X, stride, dim, GX, records, 4);
        if (bad >= 0) return -2 - bad;
        members = 0;
        cursor = wPtr;
      }
      continue;
    }
    if (members > 0) {
      // a row that cannot join: finish the group alone first (its scratch is about to be reused)
      const bad = solveGroupSingly(YtY, Y, stride, dim, cgSteps, GX, GR, records, members, X);
      if (bad >= 0) return -2 - bad;
      members = 0;
      cursor = wPtr;
    }
    const w = wPtr;
    const t = w + m4;
    const gather = t + 2 * m4;
    const cols = rowColumns(indices, lo, n, indexBytes, t + m4, splits, blocks, u);
    rowWeights(cols, vals, n, mode, alpha, mu, otherBias, w, t);
    if (solver == 1) {
      // CG, warm-started from the current row, worked in b so a failing row is not written.
      copyf(xRow, b, dim);
      // The y_j are read in place, as in a group (copying them first was slower).
      cgSolve(YtY, Y, stride, dim, cols, w, t, n, lam, b, cgSteps, cg);
    } else if (solver == 2) {
      // iALS++: one sweep of block coordinate descent from the current row, worked on a copy
      // so a failing row is not written. subspaceSolve's work (M, rhs, Δ: ≤ stride² + 2·stride
      // floats) starts at A, so the copy sits in CG's third vector; its row gather fits too.
      const xw = cg + 2 * rb;
      copyf(xRow, xw, dim);
      if (subspaceSolve(YtY, Y, stride, dim, cols, w, t, n, lam, xw, blockSize, A, gather) >= 0) return u;
      copyf(xw, b, dim);
    } else {
      // Rows with few positive weights (n₊ ≤ shortMax ≤ dim) by the push-through identity
      // (short-rows.ts): V₊ transposed in A (dim × roundUp8(n₊) ≤ stride² floats), its row
      // addresses, right-hand side and M in the gather blocks. A row it declines is solved
      // the standard way.
      let solved = false;
      if (shortMax > 0 && YtY == 0 && lam > 0) {
        const np = positiveCount(w, n);
        if (np >= 0 && np <= shortMax) solved = shortRowSolve(Y, stride, dim, cols, w, t, n, lam, b, A, gather, 0) < 0;
      }
      if (!solved) {
        gramRow(Y, stride, dim, cols, w, t, n, YtY, A, b, gather);
        const status = cholesky(A, stride, dim, lam);
        if (status >= 0) return u;
        choleskySolve(A, stride, dim, b, b);
      }
      if (whiteFactor) {
        // x = L⁻ᵀ z (L⁻¹ is whiteFactor), through CG's first vector
        unwhiten(whiteFactor, stride, dim, b, cg);
        copyf(cg, b, dim);
      }
    }
    if (!allFinite(b, dim)) return -2 - u;
    copyf(b, xRow, dim);
  }
  if (members > 0) {
    const bad = whiteCg
      ? solveWhitenedGroup(params, members, WR, WZ, WX, cg, wPtr)
      : solveGroupSingly(YtY, Y, stride, dim, cgSteps, GX, GR, records, members, X);
    if (bad >= 0) return -2 - bad;
  }
  return -1;
}

/**
 * CG in the whitened basis for `members` (1 … 4) rows with ratings, their indices at WR:
 * z₀ = U·x (whiteUpper; 0: z₀ = 0) for the four at once, cgSteps of cgSolve on
 * (I + Σ w_j w̃_j w̃_jᵀ) z = Σ t_j w̃_j for each (no dense product: A0 = 0, λ = 1), then
 * x = L⁻ᵀz for the four at once; a short group is padded with its first row, whose copies are
 * never written. Writes the rows to X; returns the first row whose x is not finite (nothing
 * more is written), or -1.
 */
function solveWhitenedGroup(params: usize, members: i32, WR: usize, WZ: usize, WX: usize, cg: usize, w: usize): i32 {
  const X = <usize>load<u32>(params, SOLVE_X);
  const Y = <usize>load<u32>(params, SOLVE_Y);
  const stride = load<i32>(params, SOLVE_STRIDE);
  const dim = load<i32>(params, SOLVE_DIM);
  const indptr = <usize>load<u32>(params, SOLVE_INDPTR);
  const indices = <usize>load<u32>(params, SOLVE_INDICES);
  const values = <usize>load<u32>(params, SOLVE_VALUES);
  const mode = load<i32>(params, SOLVE_MODE);
  const alpha = load<f32>(params, SOLVE_ALPHA);
  const cgSteps = load<i32>(params, SOLVE_CG_STEPS);
  const mu = load<f32>(params, SOLVE_MU);
  const otherBias = <usize>load<u32>(params, SOLVE_OTHER_BIAS);
  const whiteFactor = <usize>load<u32>(params, SOLVE_WHITE_FACTOR);
  const whiteUpper = <usize>load<u32>(params, SOLVE_WHITE_UPPER);
  const indexBytes = load<i32>(params, SOLVE_INDEX_BYTES);
  const splits = <usize>load<u32>(params, SOLVE_INDEX_SPLITS);
  const blocks = load<i32>(params, SOLVE_INDEX_BLOCKS);
  const rb = <usize>stride << 2;
  const first = load<i32>(WR);
  for (let q = members; q < 4; q++) store<i32>(WR + (<usize>q << 2), first);
  const x0 = X + <usize>first * rb;
  const x1 = X + <usize>load<i32>(WR, 4) * rb;
  const x2 = X + <usize>load<i32>(WR, 8) * rb;
  const x3 = X + <usize>load<i32>(WR, 12) * rb;
  if (whiteUpper) upperTimes4(whiteUpper, stride, dim, x0, x1, x2, x3, WZ);
  else zerof(WZ, 4 * stride);
  for (let q = 0; q < members; q++) {
    const u = load<i32>(WR + (<usize>q << 2));
    const lo = load<i32>(indptr + (<usize>u << 2));
    const n = load<i32>(indptr + (<usize>u << 2), 4) - lo;
    const t = w + (<usize>((n + 3) & ~3) << 2);
    const cols = rowColumns(indices, lo, n, indexBytes, t + (<usize>((n + 3) & ~3) << 2), splits, blocks, u);
    rowWeights(cols, values + (<usize>lo << 2), n, mode, alpha, mu, otherBias, w, t);
    cgSolve(0, Y, stride, dim, cols, w, t, n, 1, WZ + <usize>q * rb, cgSteps, cg);
  }
  unwhiten4(whiteFactor, stride, dim, WZ, WX);
  for (let q = 0; q < members; q++) {
    const u = load<i32>(WR + (<usize>q << 2));
    const x = WX + <usize>q * rb;
    if (!allFinite(x, dim)) return u;
    copyf(x, X + <usize>u * rb, dim);
  }
  return -1;
}

/**
 * Writes the group's solved rows to X; returns the first row whose solution is not finite
 * (nothing more is written), or -1.
 */
function finishGroup(X: usize, stride: i32, dim: i32, GX: usize, records: usize, members: i32): i32 {
  const rb = <usize>stride << 2;
  for (let q = 0; q < members; q++) {
    const u = load<i32>(records + <usize>q * CG4_BYTES, CG4_ROW);
    const x = GX + <usize>q * rb;
    if (!allFinite(x, dim)) return u;
    copyf(x, X + <usize>u * rb, dim);
  }
  return -1;
}

/**
 * A group of fewer than four rows, each by cgSolve (the same arithmetic as cgSolve4's), with
 * CG's three vectors at R; returns as finishGroup.
 */
function solveGroupSingly(
  YtY: usize, Y: usize, stride: i32, dim: i32, cgSteps: i32, GX: usize, R: usize, records: usize, members: i32, X: usize,
): i32 {
  const rb = <usize>stride << 2;
  for (let q = 0; q < members; q++) {
    const rec = records + <usize>q * CG4_BYTES;
    cgSolve(
      YtY, Y, stride, dim, load<u32>(rec, CG4_COLS), load<u32>(rec, CG4_W), load<u32>(rec, CG4_T), load<i32>(rec, CG4_N),
      load<f32>(rec, CG4_LAMBDA), GX + <usize>q * rb, cgSteps, R,
    );
  }
  return finishGroup(X, stride, dim, GX, records, members);
}

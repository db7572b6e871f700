// One half-step slice: rows [start, end) of the solved side → new factor rows.
// The parameter block (types.ts Param) is read with load<i32>/load<f32>(params + 4·slot).
//
// Scratch (floats, each part a multiple of 4, in types.ts order): A (stride²), b (stride),
// CG r, p, Ap (3·stride), w and t, gathered rows (max(2·GATHER_ROWS, min(n, CG_GATHER_ROWS))·stride). w and t are sized by
// the current row's nnz (≤ maxRowNnz), so the gather blocks start right after them: every part
// stays inside solveScratchFloats(stride, maxRowNnz) without the kernel knowing maxRowNnz.
import { rowWeights } from './weights';
import { gramRow } from './gram';
import { cholesky, choleskySolve } from './cholesky';
import { cgSolve } from './cg';
import { subspaceSolve } from './subspace';
import { allFinite, copyf, zerof } from './vec';

/** types.ts CG_GATHER_ROWS. */
// @ts-ignore: decorator
@inline const CG_GATHER_ROWS: i32 = 1024;

export function solveRows(params: usize, start: i32, end: i32, scratch: usize): i32 {
  const X = <usize>load<u32>(params, 0);
  const Y = <usize>load<u32>(params, 4);
  const stride = load<i32>(params, 8);
  const dim = load<i32>(params, 12);
  const indptr = <usize>load<u32>(params, 16);
  const indices = <usize>load<u32>(params, 20);
  const values = <usize>load<u32>(params, 24);
  const regWeights = <usize>load<u32>(params, 28);
  const lambda = load<f32>(params, 32);
  const mode = load<i32>(params, 36);
  const alpha = load<f32>(params, 40);
  const solver = load<i32>(params, 44);
  const cgSteps = load<i32>(params, 48);
  const YtY = <usize>load<u32>(params, 52);
  const mu = load<f32>(params, 56);
  const otherBias = <usize>load<u32>(params, 60);

  const rb = <usize>stride << 2;
  const A = scratch;
  const b = A + <usize>stride * rb;
  const cg = b + rb;
  const wPtr = cg + 3 * rb;

  for (let u = start; u < end; u++) {
    const xRow = X + <usize>u * rb;
    const lo = load<i32>(indptr + (<usize>u << 2));
    const hi = load<i32>(indptr + (<usize>u << 2), 4);
    const n = hi - lo;
    if (n <= 0) {
      zerof(xRow, stride);
      continue;
    }
    const lam = regWeights ? lambda * load<f32>(regWeights + (<usize>u << 2)) : lambda;
    const cols = indices + (<usize>lo << 2);
    const vals = values + (<usize>lo << 2);
    const m4 = <usize>((n + 3) & ~3) << 2;
    const w = wPtr;
    const t = w + m4;
    const gather = t + m4;
    rowWeights(cols, vals, n, mode, alpha, mu, otherBias, w, t);
    if (solver == 1) {
      // CG, warm-started from the current row, worked in b so a failing row is not written.
      copyf(xRow, b, dim);
      if (n <= CG_GATHER_ROWS) {
        // CG reads every y_j 4–5 times: copy them together once (one scattered read each).
        for (let j = 0; j < n; j++) {
          copyf(Y + <usize>load<i32>(cols + (<usize>j << 2)) * rb, gather + <usize>j * rb, stride);
        }
        cgSolve(YtY, gather, stride, dim, 0, w, t, n, lam, b, cgSteps, cg);
      } else {
        cgSolve(YtY, Y, stride, dim, cols, w, t, n, lam, b, cgSteps, cg);
      }
    } else if (solver == 2) {
      // iALS++: one sweep of block coordinate descent from the current row, worked on a copy
      // so a failing row is not written. subspaceSolve's work (M, rhs, Δ: ≤ stride² + 2·stride
      // floats) starts at A, so the copy sits in CG's third vector; its row gather fits too.
      const xw = cg + 2 * rb;
      copyf(xRow, xw, dim);
      if (subspaceSolve(YtY, Y, stride, dim, cols, w, t, n, lam, xw, load<i32>(params, 64), A, gather) >= 0) return u;
      copyf(xw, b, dim);
    } else {
      gramRow(Y, stride, dim, cols, w, t, n, YtY, A, b, gather);
      const status = cholesky(A, stride, dim, lam);
      if (status >= 0) return u;
      choleskySolve(A, stride, dim, b, b);
    }
    if (!allFinite(b, dim)) return -2 - u;
    copyf(b, xRow, dim);
  }
  return -1;
}

/**
 * The JavaScript kernels: the readable twin of the WASM module (assembly/), with the same
 * names, arguments and semantics (see types.ts), over Float32Array / Int32Array views of the
 * same buffer. A pointer is a byte offset, so the element index is `ptr >> 2` (every pointer
 * is 16-byte aligned). This is the reference to learn from, the fallback where WebAssembly
 * SIMD is missing, and the baseline of the WASM-vs-JS benchmarks.
 *
 * Precision. Storage is f32, as in WASM. Arithmetic is in JS doubles and rounded to f32 once
 * per store to memory (Math.fround semantics, which Float32Array stores apply):
 * - a Gram entry is updated in memory once per rating, so it accumulates in f32 exactly as the
 *   WASM kernels' f32 multiply-adds do (only the order of the sum differs);
 * - a Cholesky entry U[i][j] is one f64 dot product, rounded when stored; forward and back
 *   substitution likewise; CG keeps its vectors in the f32 scratch and its scalars in f64;
 * - the loss reductions (`dataLoss`, `penalty`) are f64 throughout.
 * So the two backends agree to f32 rounding, not bit for bit.
 *
 * Notation: dim unknowns per row, stride floats per stored row (columns [dim, stride) of a
 * factor row are zero and stay zero); A[i][j] is the upper triangle (j ≥ i) of a stride ×
 * stride system; entries below the diagonal and in the padding are never read.
 */
import { createJsScoreKernels } from './js-score.js';
import {
  type Kernels,
  Param,
  SOLVE_OK,
  Solver,
  WeightMode,
  roundUp,
} from './types.js';

/** Stop CG when the squared residual is below this (the contract's threshold). */
const CG_TOLERANCE = 1e-20;

export function createJsKernels(buffer: ArrayBufferLike): Kernels {
  const F = new Float32Array(buffer);
  const I = new Int32Array(buffer);
  const fround = Math.fround;

  /** The upper triangle A[i][j], j ≥ i, of a symmetric matrix stored at element offset a. */
  const sym = (a: number, stride: number, i: number, j: number): number =>
    i <= j ? F[a + i * stride + j] : F[a + j * stride + i];

  /**
   * A[i][j] += w y[i] y[j] for j ≥ i < dim: one rank-1 update from the row at element offset y.
   * The WASM kernels tile this sum for registers; in JS the plain update is both the clearest
   * and the fastest form measured (≈1.8 GFLOP/s at k = 16–128 on one EPYC core, against
   * 0.8–1.6 for gathered 32-row blocks summed in f64).
   */
  function addOuter(a: number, stride: number, dim: number, y: number, w: number): void {
    for (let i = 0; i < dim; i++) {
      const ai = a + i * stride, wyi = w * F[y + i];
      for (let j = i; j < dim; j++) F[ai + j] += wyi * F[y + j];
    }
  }

  /** Zero the upper triangle of the leading dim × dim block of A (element offset a). */
  function zeroUpper(a: number, stride: number, dim: number): void {
    for (let i = 0; i < dim; i++) F.fill(0, a + i * stride + i, a + i * stride + dim);
  }

  const kernels: Kernels = {
    backend: 'js',

    gramBlock(Y, stride, dim, rowStart, rowEnd, A, accumulate) {
      const a = A >> 2;
      if (!accumulate) zeroUpper(a, stride, dim);
      // A (+)= Σ_r y_r y_rᵀ
      for (let r = rowStart; r < rowEnd; r++) addOuter(a, stride, dim, (Y >> 2) + r * stride, 1);
    },

    rowWeights(cols, values, n, mode, alpha, mu, otherBias, w, t) {
      alpha = fround(alpha); // scalars cross the WASM boundary as f32: round them the same way
      mu = fround(mu);
      const c0 = cols >> 2, v0 = values >> 2, w0 = w >> 2, t0 = t >> 2, ob = otherBias >> 2;
      for (let j = 0; j < n; j++) {
        const r = F[v0 + j];
        if (mode === WeightMode.Explicit) {
          // w = 1, t = r − μ − b_other
          F[w0 + j] = 1;
          F[t0 + j] = r - mu - (otherBias === 0 ? 0 : F[ob + I[c0 + j]]);
        } else {
          // c = 1 + α|r| (Hu–Koren–Volinsky, Spark) or α|r| (implicit); w = c − 1, t = p·c
          const c = mode === WeightMode.ImplicitOnePlusAlpha ? 1 + alpha * Math.abs(r) : alpha * Math.abs(r);
          F[w0 + j] = c - 1;
          F[t0 + j] = r > 0 ? c : 0;
        }
      }
    },

    gramRow(Y, stride, dim, cols, w, t, n, A0, A, b) {
      // (the WASM kernel gathers rows into `scratch`; the JS twin reads them in place)
      const a = A >> 2, bb = b >> 2, y = Y >> 2, c0 = cols >> 2, w0 = w >> 2, t0 = t >> 2;
      // A = A0 (YᵀY, implicit) or 0 (explicit); b = 0
      if (A0 === 0) zeroUpper(a, stride, dim);
      else if (A0 !== A) {
        const a0 = A0 >> 2;
        for (let i = 0; i < dim; i++) F.copyWithin(a + i * stride + i, a0 + i * stride + i, a0 + i * stride + dim);
      }
      F.fill(0, bb, bb + dim);
      // A += Σ_j w_j y_j y_jᵀ,  b += Σ_j t_j y_j
      for (let j = 0; j < n; j++) {
        const yj = y + I[c0 + j] * stride, tj = F[t0 + j];
        addOuter(a, stride, dim, yj, F[w0 + j]);
        for (let i = 0; i < dim; i++) F[bb + i] += tj * F[yj + i];
      }
    },

    cholesky(A, stride, dim, lambda) {
      lambda = fround(lambda);
      const a = A >> 2;
      // A + λI = UᵀU, row by row: U_ii = √(A_ii + λ − Σ_{k<i} U_ki²), U_ij = (A_ij − Σ_{k<i} U_ki U_kj) / U_ii
      for (let i = 0; i < dim; i++) {
        const ai = a + i * stride;
        let d = F[ai + i] + lambda;
        for (let k = 0; k < i; k++) {
          const uki = F[a + k * stride + i];
          d -= uki * uki;
        }
        if (!(d > 0) || !Number.isFinite(d)) return i;
        const uii = Math.sqrt(d);
        F[ai + i] = uii;
        const inv = 1 / fround(uii);
        for (let j = i + 1; j < dim; j++) {
          let s = F[ai + j];
          for (let k = 0, ak = a; k < i; k++, ak += stride) s -= F[ak + i] * F[ak + j];
          F[ai + j] = s * inv;
        }
      }
      return -1;
    },

    choleskySolve(A, stride, dim, b, x) {
      const a = A >> 2, b0 = b >> 2, x0 = x >> 2;
      // Uᵀz = b (forward): z_i = (b_i − Σ_{k<i} U_ki z_k) / U_ii; z is kept in x
      for (let i = 0; i < dim; i++) {
        let s = F[b0 + i];
        for (let k = 0; k < i; k++) s -= F[a + k * stride + i] * F[x0 + k];
        F[x0 + i] = s / F[a + i * stride + i];
      }
      // Ux = z (back): x_i = (z_i − Σ_{k>i} U_ik x_k) / U_ii
      for (let i = dim - 1; i >= 0; i--) {
        const ai = a + i * stride;
        let s = F[x0 + i];
        for (let k = i + 1; k < dim; k++) s -= F[ai + k] * F[x0 + k];
        F[x0 + i] = s / F[ai + i];
      }
    },

    cgSolve(A0, Y, stride, dim, cols, w, t, n, lambda, x, steps, scratch) {
      lambda = fround(lambda);
      const y = Y >> 2, c0 = cols >> 2, w0 = w >> 2, t0 = t >> 2, x0 = x >> 2;
      const r0 = scratch >> 2, p0 = r0 + stride, q0 = p0 + stride; // r, p and Ap
      const a0 = A0 >> 2;

      /** y_j: row cols[j] of Y, or row j when cols = 0 (rows already gathered). */
      const rowOf = (j: number): number => y + (cols === 0 ? j : I[c0 + j]) * stride;
      /** out = (A0 + Σ_j w_j y_j y_jᵀ + λI) v, without forming the matrix. */
      const multiply = (v: number, out: number): void => {
        // out = A0 v + λ v
        for (let i = 0; i < dim; i++) {
          let s = lambda * F[v + i];
          if (A0 !== 0) for (let k = 0; k < dim; k++) s += sym(a0, stride, i, k) * F[v + k];
          F[out + i] = s;
        }
        // out += Σ_j w_j (y_j·v) y_j
        for (let j = 0; j < n; j++) {
          const yj = rowOf(j);
          let dot = 0;
          for (let i = 0; i < dim; i++) dot += F[yj + i] * F[v + i];
          const s = F[w0 + j] * dot;
          for (let i = 0; i < dim; i++) F[out + i] += s * F[yj + i];
        }
      };
      const dot = (u: number, v: number): number => {
        let s = 0;
        for (let i = 0; i < dim; i++) s += F[u + i] * F[v + i];
        return s;
      };

      // r = b − A x with b = Σ_j t_j y_j; p = r
      multiply(x0, q0);
      for (let i = 0; i < dim; i++) F[r0 + i] = -F[q0 + i];
      for (let j = 0; j < n; j++) {
        const yj = rowOf(j);
        const tj = F[t0 + j];
        if (tj !== 0) for (let i = 0; i < dim; i++) F[r0 + i] += tj * F[yj + i];
      }
      F.copyWithin(p0, r0, r0 + dim);
      let rr = dot(r0, r0);
      if (rr < CG_TOLERANCE) return 0;

      for (let step = 0; step < steps; step++) {
        // α = r·r / pᵀAp;  x += α p;  r −= α Ap
        multiply(p0, q0);
        const alpha = rr / dot(p0, q0);
        for (let i = 0; i < dim; i++) {
          F[x0 + i] += alpha * F[p0 + i];
          F[r0 + i] -= alpha * F[q0 + i];
        }
        const rrNew = dot(r0, r0);
        if (rrNew < CG_TOLERANCE) return step + 1;
        // p = r + (r·r new / r·r old) p
        const beta = rrNew / rr;
        for (let i = 0; i < dim; i++) F[p0 + i] = F[r0 + i] + beta * F[p0 + i];
        rr = rrNew;
      }
      return steps;
    },

    solveRows(params, start, end, scratch) {
      const P = params >> 2;
      const X = I[P + Param.X], Y = I[P + Param.Y];
      const stride = I[P + Param.Stride], dim = I[P + Param.Dim];
      const indptr = I[P + Param.Indptr] >> 2, indices = I[P + Param.Indices], values = I[P + Param.Values];
      const regWeights = I[P + Param.RegWeights];
      const lambda = F[P + Param.Lambda];
      const mode = I[P + Param.Mode], alpha = F[P + Param.Alpha];
      const solver = I[P + Param.Solver], cgSteps = I[P + Param.CgSteps];
      const YtY = I[P + Param.YtY], mu = F[P + Param.Mu], otherBias = I[P + Param.OtherBias];

      // Scratch, in the order solveScratchFloats documents (each part a multiple of 4 floats):
      // A, b, CG r/p/Ap, then w and t sized by the current row's n (≤ maxRowNnz, so everything
      // stays inside the scratch without the kernel knowing maxRowNnz), then the gather blocks.
      const sA = scratch;
      const sB = sA + roundUp(stride * stride, 4) * 4;
      const sCg = sB + roundUp(stride, 4) * 4;
      const sW = sCg + roundUp(3 * stride, 4) * 4;

      for (let row = start; row < end; row++) {
        const x = X + row * stride * 4;
        const x0 = x >> 2;
        const lo = I[indptr + row], n = I[indptr + row + 1] - lo;
        if (n === 0) {
          F.fill(0, x0, x0 + stride); // no ratings: x_u = 0
          continue;
        }
        const cols = indices + lo * 4;
        const sT = sW + roundUp(n, 4) * 4, sGather = sT + roundUp(n, 4) * 4;
        const lambdaRow = regWeights === 0 ? lambda : lambda * F[(regWeights >> 2) + row]; // λ_u = λ w_u
        kernels.rowWeights(cols, values + lo * 4, n, mode, alpha, mu, otherBias, sW, sT);
        if (solver === Solver.ConjugateGradient) {
          // x_u ← a few CG steps on (YᵀY + Yᵀ(C_u − I)Y + λ_u I) x = YᵀC_u p_u, from the current x_u
          kernels.cgSolve(YtY, Y, stride, dim, cols, sW, sT, n, lambdaRow, x, cgSteps, sCg);
        } else {
          // x_u = (A0 + Σ_j w_j y_j y_jᵀ + λ_u I)⁻¹ Σ_j t_j y_j, A0 = YᵀY (implicit) or 0
          kernels.gramRow(Y, stride, dim, cols, sW, sT, n, YtY, sA, sB, sGather);
          if (kernels.cholesky(sA, stride, dim, lambdaRow) >= 0) return row;
          kernels.choleskySolve(sA, stride, dim, sB, x);
        }
        for (let i = 0; i < dim; i++) if (!Number.isFinite(F[x0 + i])) return -2 - row;
      }
      return SOLVE_OK;
    },

    dataLoss(params, start, end) {
      const P = params >> 2;
      const X = I[P + Param.X] >> 2, Y = I[P + Param.Y] >> 2;
      const stride = I[P + Param.Stride], dim = I[P + Param.Dim];
      const indptr = I[P + Param.Indptr] >> 2, indices = I[P + Param.Indices] >> 2, values = I[P + Param.Values] >> 2;
      const mode = I[P + Param.Mode], alpha = F[P + Param.Alpha];
      const YtY = I[P + Param.YtY] >> 2, mu = F[P + Param.Mu], otherBias = I[P + Param.OtherBias];
      const implicit = mode !== WeightMode.Explicit;

      let loss = 0;
      for (let row = start; row < end; row++) {
        const x = X + row * stride;
        if (implicit && YtY !== 0) {
          // x_uᵀ YᵀY x_u = Σ_i s_ui² over every item, as if all were unobserved (c = 1, p = 0)
          for (let i = 0; i < dim; i++) {
            let s = 0;
            for (let j = i + 1; j < dim; j++) s += F[YtY + i * stride + j] * F[x + j];
            loss += F[x + i] * (F[YtY + i * stride + i] * F[x + i] + 2 * s);
          }
        }
        for (let k = I[indptr + row]; k < I[indptr + row + 1]; k++) {
          const y = Y + I[indices + k] * stride;
          let s = 0; // s = x·y
          for (let i = 0; i < dim; i++) s += F[x + i] * F[y + i];
          const r = F[values + k];
          if (!implicit) {
            // (r − μ − b_other − x·y)²
            const e = r - mu - (otherBias === 0 ? 0 : F[(otherBias >> 2) + I[indices + k]]) - s;
            loss += e * e;
          } else {
            // observed pairs: replace the unobserved s² by c (p − s)²
            const c = mode === WeightMode.ImplicitOnePlusAlpha ? 1 + alpha * Math.abs(r) : alpha * Math.abs(r);
            const p = r > 0 ? 1 : 0;
            loss += c * (p - s) * (p - s) - s * s;
          }
        }
      }
      return loss;
    },

    penalty(X, stride, cols, regWeights, start, end) {
      const x0 = X >> 2, rw = regWeights >> 2;
      let sum = 0;
      // Σ_r w_r ‖x_r‖²
      for (let row = start; row < end; row++) {
        const x = x0 + row * stride;
        let s = 0;
        for (let c = 0; c < cols; c++) s += F[x + c] * F[x + c];
        sum += (regWeights === 0 ? 1 : F[rw + row]) * s;
      }
      return sum;
    },
    ...createJsScoreKernels(buffer),
  };

  return kernels;
}

/**
 * The kernel conformance suite: one suite, run over every backend (JS and WASM), against the
 * f64 reference in reference.ts, plus known answers from Spark MLlib's tests.
 *
 * Tolerances. f32 has unit roundoff u = 2⁻²⁴ ≈ 6e-8.
 * - GRAM_TOL: a sum of n products accumulated in f32 is off by at most ≈ n·u·Σ|terms| (√n·u
 *   typically). With n ≤ 200 that is ≤ 1.2e-5 of the sum of absolute terms, which is the
 *   scale we compare against; 1e-4 leaves headroom for any summation order or FMA, while a
 *   real bug (a missing, doubled or misplaced term) is off by O(1) relative.
 * - BACKWARD_TOL: Cholesky is backward stable: ÛᵀÛ = A + ΔA with ‖ΔA‖ ≲ c·dim·u·‖A‖, i.e.
 *   ≈ 8e-6 at dim = 128; 1e-4 again leaves headroom.
 * - SOLVE_TOL: forward error ≤ κ(A) × backward error. Every random system here has κ ≤ 51
 *   by construction (λ_u = trace(A_u)/50 and σ_max ≤ trace for a PSD A_u), so the relative
 *   error of x is ≤ 51 × ~1e-5 ≈ 5e-4.
 * - LOSS_TOL: losses are f64 reductions of f32 dot products (error ≈ dim·u relative per term).
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  GATHER_ROWS,
  type Kernels,
  Param,
  SOLVE_OK,
  Solver,
  WeightMode,
  roundUp,
  solveScratchFloats,
} from '../src/kernels/types.js';
import { Arena, type F32Block, listBackends, rng, uniform } from './helpers.js';
import * as ref from './reference.js';
import type { Mat, SparseRow, Vec } from './reference.js';

const K_VALUES = [1, 3, 8, 16, 64, 128];
const GRAM_TOL = 1e-4;
const BACKWARD_TOL = 1e-4;
const SOLVE_TOL = 5e-4;
const CG_TOL = 1e-3;
const LOSS_TOL = 1e-4;
const GARBAGE = Number.NaN;

/** Rows of `dim` random floats in [lo, hi), f32-exact. */
function randomRows(rand: () => number, count: number, dim: number, lo = -1, hi = 1): Mat {
  return Array.from({ length: count }, () => Array.from({ length: dim }, () => uniform(rand, lo, hi)));
}

/** `n` distinct indices in [0, count), in random order. */
function distinctIndices(rand: () => number, n: number, count: number): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rand() * (count - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, n);
}

function trace(A: Mat): number {
  return A.reduce((s, row, i) => s + row[i], 0);
}

/** Σ_ij |A_ij| terms of A0 + Σ_j w_j y_j y_jᵀ: the scale the f32 summation error is relative to. */
function absoluteGram(rows: Mat, dim: number, w: Vec, A0?: Mat): Mat {
  return ref.gram(
    rows.map((y) => y.map(Math.abs)),
    dim,
    w.map(Math.abs),
    A0?.map((r) => r.map(Math.abs)),
  );
}

function maxDiff(a: Vec | Mat, b: Vec | Mat): number {
  const fa = a.flat(),
    fb = b.flat();
  let m = 0;
  for (let i = 0; i < fa.length; i++) m = Math.max(m, Math.abs(fa[i] - fb[i]));
  return fa.some((v) => Number.isNaN(v)) ? Number.NaN : m;
}

/** ‖a − b‖ / scale, scale = ‖b‖ by default (‖a − b‖ when the scale is 0). */
function relError(a: Vec, b: Vec, scale = ref.norm(b)): number {
  const d = ref.norm(ref.subtract(a, b));
  return scale > 0 ? d / scale : d;
}

for (const backend of await listBackends()) {
  const suite = backend.make ? describe : describe.skip;
  const title = backend.make ? `kernels [${backend.name}]` : `kernels [${backend.name}] (skipped: ${backend.skipReason})`;

  suite(title, () => {
    let K: Kernels;
    let arena: Arena;
    let buffer: ArrayBufferLike;

    beforeAll(async () => {
      const b = await backend.make!();
      K = b.kernels;
      buffer = b.buffer;
      arena = new Arena(buffer);
    });
    beforeEach(() => arena.reset());

    // ---- memory helpers -------------------------------------------------------------------

    /** Rows × stride floats; columns [dim, stride) zero. */
    const storeRows = (rows: Mat, stride: number): F32Block => {
      const blk = arena.f32(Math.max(rows.length, 1) * stride);
      rows.forEach((row, r) => blk.view.set(row, r * stride));
      return blk;
    };
    /**
     * A symmetric dim × dim matrix as stride × stride floats: the upper triangle from A, and
     * below the diagonal and in the padding either the mirror and zeros, or `garbage`.
     */
    const storeSymmetric = (A: Mat, stride: number, garbage?: number): F32Block => {
      const dim = A.length;
      const blk = arena.f32(stride * stride);
      for (let i = 0; i < stride; i++)
        for (let j = 0; j < stride; j++) {
          const inside = i < dim && j < dim;
          blk.view[i * stride + j] = inside && j >= i ? A[i][j] : garbage !== undefined ? garbage : inside ? A[j][i] : 0;
        }
      return blk;
    };
    /** The full symmetric matrix whose upper triangle is stored in blk. */
    const readUpper = (blk: F32Block, stride: number, dim: number): Mat =>
      Array.from({ length: dim }, (_, i) =>
        Array.from({ length: dim }, (_, j) => blk.view[Math.min(i, j) * stride + Math.max(i, j)]),
      );
    /** Only the upper triangle (as a flat list), for exact comparisons. */
    const upperEntries = (A: Mat): number[] => A.flatMap((row, i) => row.slice(i));
    const readVec = (blk: F32Block, offset: number, dim: number): Vec => Array.from(blk.view.subarray(offset, offset + dim));
    const padding = (blk: F32Block, rows: number, stride: number, dim: number): number[] => {
      const out: number[] = [];
      for (let r = 0; r < rows; r++) out.push(...blk.view.subarray(r * stride + dim, (r + 1) * stride));
      return out;
    };

    interface ParamValues {
      X: number;
      Y: number;
      stride: number;
      dim: number;
      indptr: number;
      indices: number;
      values: number;
      regWeights: number;
      lambda: number;
      mode: number;
      alpha: number;
      solver: number;
      cgSteps: number;
      YtY: number;
      mu: number;
      otherBias: number;
      /** Rows with at most this many positive weights by the push-through identity (short-rows.ts); default 0. */
      shortMax?: number;
    }
    const writeParams = (p: ParamValues): number => {
      const blk = arena.i32(32);
      const f = new Float32Array(buffer, blk.ptr, 32);
      const i = blk.view;
      i[Param.X] = p.X;
      i[Param.Y] = p.Y;
      i[Param.Stride] = p.stride;
      i[Param.Dim] = p.dim;
      i[Param.Indptr] = p.indptr;
      i[Param.Indices] = p.indices;
      i[Param.Values] = p.values;
      i[Param.RegWeights] = p.regWeights;
      f[Param.Lambda] = p.lambda;
      i[Param.Mode] = p.mode;
      f[Param.Alpha] = p.alpha;
      i[Param.Solver] = p.solver;
      i[Param.CgSteps] = p.cgSteps;
      i[Param.YtY] = p.YtY;
      f[Param.Mu] = p.mu;
      i[Param.OtherBias] = p.otherBias;
      i[Param.ShortMax] = p.shortMax ?? 0;
      return blk.ptr;
    };

    /** Sparse rows as CSR in memory. */
    const storeCsr = (rows: SparseRow[]) => {
      const indptr = [0];
      for (const r of rows) indptr.push(indptr[indptr.length - 1] + r.cols.length);
      return {
        indptr: arena.i32(indptr).ptr,
        indices: arena.i32(rows.flatMap((r) => r.cols)).ptr,
        values: arena.f32(rows.flatMap((r) => r.values)).ptr,
        maxNnz: Math.max(0, ...rows.map((r) => r.cols.length)),
      };
    };

    // ---- known answers (Spark MLlib's ALSSuite) ---------------------------------------------

    describe('known answers', () => {
      it("gramRow: Spark's weighted normal equations", () => {
        const stride = 8,
          dim = 2;
        const Y = storeRows(
          [
            [1, 2],
            [4, 5],
            [7, 8],
          ],
          stride,
        );
        const A = arena.f32(stride * stride),
          A2 = arena.f32(stride * stride),
          b = arena.f32(stride);
        const scratch = arena.f32(2 * GATHER_ROWS * stride);
        // rows [1,2] b=3 weight 1, [4,5] b=12 weight 2: the weight is on AᵀA only
        const cols = arena.i32([0, 1]),
          w = arena.f32([1, 2]),
          t = arena.f32([3, 12]);
        K.gramRow(Y.ptr, stride, dim, cols.ptr, w.ptr, t.ptr, 2, 0, A.ptr, b.ptr, scratch.ptr);
        expect(upperEntries(readUpper(A, stride, dim))).toEqual([33, 42, 54]);
        expect(readVec(b, 0, dim)).toEqual([51, 66]);
        // then [7,8] b=9 on top of it (A0 = the first A)
        const cols3 = arena.i32([2]),
          w3 = arena.f32([1]),
          t3 = arena.f32([9]);
        K.gramRow(Y.ptr, stride, dim, cols3.ptr, w3.ptr, t3.ptr, 1, A.ptr, A2.ptr, b.ptr, scratch.ptr);
        expect(upperEntries(readUpper(A2, stride, dim))).toEqual([82, 98, 118]);
        expect(readVec(b, 0, dim)).toEqual([63, 72]);
        // all three at once
        const colsAll = arena.i32([0, 1, 2]),
          wAll = arena.f32([1, 2, 1]),
          tAll = arena.f32([3, 12, 9]);
        K.gramRow(Y.ptr, stride, dim, colsAll.ptr, wAll.ptr, tAll.ptr, 3, 0, A.ptr, b.ptr, scratch.ptr);
        expect(upperEntries(readUpper(A, stride, dim))).toEqual([82, 98, 118]);
        expect(readVec(b, 0, dim)).toEqual([114, 138]);
      });

      it("cholesky + choleskySolve: Spark's least squares, λ = 0 and λ = 1.5", () => {
        const stride = 8,
          dim = 2;
        const Y = storeRows(
          [
            [1, 2],
            [1, 3],
            [1, 4],
          ],
          stride,
        );
        const cols = arena.i32([0, 1, 2]),
          w = arena.f32([1, 1, 1]),
          t = arena.f32([4, 9, 16]);
        const A = arena.f32(stride * stride),
          b = arena.f32(stride),
          x = arena.f32(stride);
        const scratch = arena.f32(2 * GATHER_ROWS * stride);
        // The relative tolerance: Spark asserts 1e-6 in f64; AᵀA = [[3,9],[9,29]] has κ ≈ 169,
        // so f32 can be off by up to ≈ κ·u ≈ 1e-5 relative.
        for (const [lambda, expected] of [
          [0, [-8.333333, 6.0]],
          [1.5, [-0.1155556, 3.28]],
        ] as const) {
          K.gramRow(Y.ptr, stride, dim, cols.ptr, w.ptr, t.ptr, 3, 0, A.ptr, b.ptr, scratch.ptr);
          expect(K.cholesky(A.ptr, stride, dim, lambda)).toBe(-1);
          K.choleskySolve(A.ptr, stride, dim, b.ptr, x.ptr);
          const got = readVec(x, 0, dim);
          expect(relError(got, [...expected]), `λ = ${lambda}: x = ${got}`).toBeLessThan(1e-5);
          expect(Math.abs(got[0] - expected[0]) / Math.abs(expected[0]), `λ = ${lambda}: x0 = ${got[0]}`).toBeLessThan(2e-5);
        }
      });
    });

    // ---- per kernel, per k ----------------------------------------------------------------

    describe('rowWeights', () => {
      for (const n of [0, 1, 5, 200]) {
        it(`n = ${n}: all three modes, dislikes, mu and otherBias`, () => {
          const rand = rng(100 + n);
          const numCols = 240;
          const cols = distinctIndices(rand, n, numCols);
          // ratings in [-3, 5): negatives are dislikes; an exact 0 too when n > 1
          const values = cols.map(() => uniform(rand, -3, 5));
          if (n > 1) values[1] = 0;
          const otherBias = Array.from({ length: numCols }, () => uniform(rand, -1, 1));
          const colsB = arena.i32(cols),
            valuesB = arena.f32(values),
            obB = arena.f32(otherBias);
          const w = arena.f32(Math.max(n, 1)),
            t = arena.f32(Math.max(n, 1));
          const mu = Math.fround(3.25),
            alpha = Math.fround(2.5);
          const check = (mode: number, ob: number, expected: { w: Vec; t: Vec }, label: string) => {
            w.view.fill(GARBAGE);
            t.view.fill(GARBAGE);
            K.rowWeights(colsB.ptr, valuesB.ptr, n, mode, alpha, mu, ob, w.ptr, t.ptr);
            // one or two f32 operations per entry: a few ulps of the operands' magnitude
            expect(maxDiff(readVec(w, 0, n), expected.w), `${label} w`).toBeLessThanOrEqual(1e-6 * 16);
            expect(maxDiff(readVec(t, 0, n), expected.t), `${label} t`).toBeLessThanOrEqual(1e-6 * 16);
          };
          check(
            WeightMode.Explicit,
            obB.ptr,
            ref.rowWeights(values, cols, ref.MODE_EXPLICIT, alpha, mu, otherBias),
            'explicit with otherBias',
          );
          check(WeightMode.Explicit, 0, ref.rowWeights(values, cols, ref.MODE_EXPLICIT, alpha, mu), 'explicit without otherBias');
          // implicit modes ignore mu and otherBias
          check(
            WeightMode.ImplicitOnePlusAlpha,
            obB.ptr,
            ref.rowWeights(values, cols, ref.MODE_ONE_PLUS_ALPHA, alpha, 0),
            'c = 1 + α|r|',
          );
          check(WeightMode.ImplicitAlpha, obB.ptr, ref.rowWeights(values, cols, ref.MODE_ALPHA, alpha, 0), 'c = α|r|');
        });

        it(`n = ${n}: unobserved-weight mode, w = 1/α₀ and t = (r > 0 ? 1/α₀ : 0) exactly`, () => {
          const rand = rng(300 + n);
          const cols = distinctIndices(rand, n, 240);
          const values = cols.map(() => uniform(rand, -3, 5));
          if (n > 1) values[1] = 0;
          const colsB = arena.i32(cols),
            valuesB = arena.f32(values);
          const w = arena.f32(Math.max(n, 1)).view.fill(GARBAGE),
            t = arena.f32(Math.max(n, 1)).view.fill(GARBAGE);
          const a = Math.fround(1 / 0.3); // the kernel scalar is 1/α₀
          K.rowWeights(colsB.ptr, valuesB.ptr, n, WeightMode.Unobserved, a, 3.25, 0, w.byteOffset, t.byteOffset);
          expect(Array.from(w.subarray(0, n))).toEqual(values.map(() => a));
          expect(Array.from(t.subarray(0, n))).toEqual(values.map((r) => (r > 0 ? a : 0)));
        });
      }
    });

    describe.each(K_VALUES)('k = %i', (k) => {
      const dim = k;
      const stride = roundUp(k, 8);

      it('gramBlock: overwrite and accumulate, row ranges not multiples of 32', () => {
        const rand = rng(1000 + k);
        const Yrows = randomRows(rand, 100, dim);
        const Y = storeRows(Yrows, stride);
        const A = arena.f32(stride * stride);
        for (const [start, end] of [
          [0, 0],
          [0, 1],
          [3, 40],
          [0, 100],
        ]) {
          const rows = Yrows.slice(start, end);
          // overwrite: whatever A held is gone
          A.view.fill(12345);
          K.gramBlock(Y.ptr, stride, dim, start, end, A.ptr, 0);
          const expected = ref.gram(rows, dim);
          const scale = Math.max(
            1,
            ref.maxAbs(
              absoluteGram(
                rows,
                dim,
                rows.map(() => 1),
              ),
            ),
          );
          expect(maxDiff(readUpper(A, stride, dim), expected), `rows [${start}, ${end}) overwrite`).toBeLessThanOrEqual(
            GRAM_TOL * scale,
          );
          // the lower triangle is the upper one's mirror, bit for bit (cgSolve reads whole rows)
          for (let i = 0; i < dim; i++)
            for (let j = 0; j < i; j++) expect(A.view[i * stride + j], `A[${i}][${j}]`).toBe(A.view[j * stride + i]);
          // accumulate onto a symmetric start
          const start0 = ref.gram(randomRows(rand, 3, dim), dim);
          const A1 = storeSymmetric(start0, stride);
          K.gramBlock(Y.ptr, stride, dim, start, end, A1.ptr, 1);
          const expected1 = ref.gram(rows, dim, undefined, start0);
          const scale1 = Math.max(
            1,
            ref.maxAbs(
              absoluteGram(
                rows,
                dim,
                rows.map(() => 1),
                start0,
              ),
            ),
          );
          expect(maxDiff(readUpper(A1, stride, dim), expected1), `rows [${start}, ${end}) accumulate`).toBeLessThanOrEqual(
            GRAM_TOL * scale1,
          );
        }
      });

      for (const n of [0, 1, 5, 200]) {
        for (const withA0 of [false, true]) {
          it(`gramRow: n = ${n}, ${withA0 ? 'A0 = YᵀY' : 'A0 = 0'}`, () => {
            const rand = rng(2000 + 10 * k + n + (withA0 ? 5 : 0));
            const numCols = 240;
            const Yrows = randomRows(rand, numCols, dim);
            const cols = distinctIndices(rand, n, numCols);
            const w = cols.map(() => uniform(rand, -0.5, 3));
            const t = cols.map(() => uniform(rand, -2, 2));
            const A0 = withA0 ? ref.gram(randomRows(rand, 30, dim), dim) : undefined;
            const Y = storeRows(Yrows, stride);
            const colsB = arena.i32(cols),
              wB = arena.f32(w),
              tB = arena.f32(t);
            const A0B = A0 ? storeSymmetric(A0, stride) : undefined;
            const A = arena.f32(stride * stride),
              b = arena.f32(stride);
            const scratch = arena.f32(2 * GATHER_ROWS * stride);
            A.view.fill(999); // overwritten, never accumulated onto
            b.view.fill(999);
            K.gramRow(Y.ptr, stride, dim, colsB.ptr, wB.ptr, tB.ptr, n, A0B?.ptr ?? 0, A.ptr, b.ptr, scratch.ptr);
            const rows = cols.map((c) => Yrows[c]);
            const expectedA = ref.gram(rows, dim, w, A0);
            const expectedB = ref.rhs(rows, dim, t);
            const scaleA = Math.max(1, ref.maxAbs(absoluteGram(rows, dim, w, A0)));
            const scaleB = Math.max(
              1,
              ref.maxAbs(
                ref.rhs(
                  rows.map((y) => y.map(Math.abs)),
                  dim,
                  t.map(Math.abs),
                ),
              ),
            );
            expect(maxDiff(readUpper(A, stride, dim), expectedA), 'A').toBeLessThanOrEqual(GRAM_TOL * scaleA);
            expect(maxDiff(readVec(b, 0, dim), expectedB), 'b').toBeLessThanOrEqual(GRAM_TOL * scaleB);
            if (A0B) expect(readUpper(A0B, stride, dim).flat(), 'A0 is read only').toEqual(A0!.flat().map(Math.fround));
          });
        }
      }

      /** A random SPD system G + λI with κ ≤ 51: λ = trace(G)/50. */
      const spdSystem = (rand: () => number, rowsCount: number) => {
        const G = ref.gram(randomRows(rand, rowsCount, dim), dim);
        const lambda = Math.fround(trace(G) / 50);
        const b = Array.from({ length: dim }, () => uniform(rand, -3, 3));
        return { G, lambda, b, A: ref.addDiagonal(G, lambda) };
      };

      it('cholesky + choleskySolve: A + λI, backward and forward error, x aliasing b', () => {
        const rand = rng(3000 + k);
        for (const rowsCount of [1, dim + 3, 3 * dim]) {
          const { G, lambda, b, A: Aref } = spdSystem(rand, rowsCount);
          const A = storeSymmetric(G, stride);
          expect(K.cholesky(A.ptr, stride, dim, lambda)).toBe(-1);
          // backward error of the factor: ÛᵀÛ vs A + λI
          const U = readUpper(A, stride, dim).map((row, i) => row.map((v, j) => (j >= i ? v : 0)));
          const UtU = Aref.map((_, i) => Aref.map((_, j) => U.reduce((s, row) => s + row[i] * row[j], 0)));
          expect(maxDiff(UtU, Aref), `factor, ${rowsCount} rows`).toBeLessThanOrEqual(BACKWARD_TOL * ref.maxAbs(Aref));
          // solve into a separate x, then in place (x = b)
          const bB = arena.f32(stride),
            x = arena.f32(stride);
          bB.view.set(b);
          K.choleskySolve(A.ptr, stride, dim, bB.ptr, x.ptr);
          const expected = ref.solve(Aref, b);
          expect(relError(readVec(x, 0, dim), expected), `x, ${rowsCount} rows`).toBeLessThanOrEqual(SOLVE_TOL);
          expect(readVec(bB, 0, dim), 'b is read only when x ≠ b').toEqual(b);
          expect(
            padding(x, 1, stride, dim).every((v) => v === 0),
            'x padding stays zero',
          ).toBe(true);
          K.choleskySolve(A.ptr, stride, dim, bB.ptr, bB.ptr);
          expect(relError(readVec(bB, 0, dim), expected), `x = b, ${rowsCount} rows`).toBeLessThanOrEqual(SOLVE_TOL);
          const r = ref.subtract(ref.matVec(Aref, readVec(bB, 0, dim)), b);
          expect(
            ref.norm(r) / (ref.frobenius(Aref) * ref.norm(expected) + ref.norm(b)),
            'backward error of x',
          ).toBeLessThanOrEqual(BACKWARD_TOL);
        }
      });

      it('cholesky: the λ shift makes an indefinite matrix definite', () => {
        // diag(1, …, 1) with −0.5 at the last pivot: fails at dim − 1 for λ = 0, passes for λ = 1
        const D = ref.zeroMatrix(dim).map((row, i) => row.map((_, j) => (i === j ? (i === dim - 1 ? -0.5 : 1) : 0)));
        const A = storeSymmetric(D, stride);
        expect(K.cholesky(A.ptr, stride, dim, 0)).toBe(dim - 1);
        const A1 = storeSymmetric(D, stride);
        expect(K.cholesky(A1.ptr, stride, dim, 1)).toBe(-1);
        const b = arena.f32(stride);
        b.view.set(Array.from({ length: dim }, (_, i) => i + 1));
        K.choleskySolve(A1.ptr, stride, dim, b.ptr, b.ptr);
        const expected = Array.from({ length: dim }, (_, i) => (i + 1) / (i === dim - 1 ? 0.5 : 2));
        expect(relError(readVec(b, 0, dim), expected)).toBeLessThanOrEqual(1e-6);
      });

      const pivots = [...new Set([0, Math.floor(dim / 2), dim - 1])];
      for (const [label, value] of [
        ['negative', -1],
        ['zero', 0],
        ['NaN', Number.NaN],
        ['infinite', Number.POSITIVE_INFINITY],
      ] as const) {
        it(`cholesky: a ${label} pivot returns its index`, () => {
          for (const m of pivots) {
            const rand = rng(4000 + k + m);
            const { A: Aref } = spdSystem(rand, dim + 3);
            // make pivot m fail: its Schur complement is A_mm − (positive), so A_mm ≤ 0 fails
            const bad = Aref.map((row) => row.slice());
            bad[m][m] = value;
            const A = storeSymmetric(bad, stride);
            expect(K.cholesky(A.ptr, stride, dim, 0), `pivot ${m}`).toBe(m);
          }
        });
      }

      /** A random system for CG: A0 (optional) + Σ_j w_j y_j y_jᵀ + λI, κ ≤ 51. */
      const cgSystem = (rand: () => number, n: number, withA0: boolean) => {
        const numCols = 240;
        const Yrows = randomRows(rand, numCols, dim);
        const cols = distinctIndices(rand, n, numCols);
        const w = cols.map(() => uniform(rand, 0, 3));
        const t = cols.map(() => uniform(rand, -2, 4));
        const A0 = withA0 ? ref.gram(randomRows(rand, 20, dim, -0.5, 0.5), dim) : undefined;
        const rows = cols.map((c) => Yrows[c]);
        const G = ref.gram(rows, dim, w, A0);
        const lambda = Math.fround(Math.max(trace(G), 1) / 50);
        const A = ref.addDiagonal(G, lambda);
        const b = ref.rhs(rows, dim, t);
        const mem = {
          Y: storeRows(Yrows, stride).ptr,
          cols: arena.i32(cols).ptr,
          w: arena.f32(w).ptr,
          t: arena.f32(t).ptr,
          A0: withA0 ? storeSymmetric(A0!, stride).ptr : 0,
          scratch: arena.f32(3 * stride).ptr,
        };
        return { A, b, lambda, n, mem };
      };

      for (const withA0 of [false, true]) {
        it(`cgSolve: dim steps from zero reach the exact solution (${withA0 ? 'A0 = YᵀY' : 'A0 = 0'})`, () => {
          const rand = rng(5000 + k + (withA0 ? 7 : 0));
          const { A, b, lambda, n, mem } = cgSystem(rand, 37, withA0);
          const x = arena.f32(stride);
          const steps = K.cgSolve(mem.A0, mem.Y, stride, dim, mem.cols, mem.w, mem.t, n, lambda, x.ptr, dim, mem.scratch);
          expect(steps).toBeGreaterThanOrEqual(1);
          expect(steps).toBeLessThanOrEqual(dim);
          expect(relError(readVec(x, 0, dim), ref.solve(A, b))).toBeLessThanOrEqual(SOLVE_TOL);
          expect(
            padding(x, 1, stride, dim).every((v) => v === 0),
            'x padding stays zero',
          ).toBe(true);
        });

        it(`cgSolve: 3 warm-started steps match f64 CG and reduce the residual (${withA0 ? 'A0 = YᵀY' : 'A0 = 0'})`, () => {
          const rand = rng(6000 + k + (withA0 ? 7 : 0));
          const { A, b, lambda, n, mem } = cgSystem(rand, 200, withA0);
          const exact = ref.solve(A, b);
          const x0 = exact.map((v) => Math.fround(v + uniform(rand, -0.5, 0.5) * (Math.abs(v) + 0.1)));
          const x = arena.f32(stride);
          x.view.set(x0);
          const steps = K.cgSolve(mem.A0, mem.Y, stride, dim, mem.cols, mem.w, mem.t, n, lambda, x.ptr, 3, mem.scratch);
          const got = readVec(x, 0, dim);
          // at dim ≤ 3 it may stop early, once r·r < 1e-20
          expect(steps).toBeGreaterThanOrEqual(1);
          expect(steps).toBeLessThanOrEqual(3);
          if (dim > 3) expect(steps).toBe(3);
          const expected = ref.conjugateGradient(A, b, x0, 3);
          expect(relError(got, expected), 'vs f64 CG').toBeLessThanOrEqual(CG_TOL);
          const residual = (v: Vec) => ref.norm(ref.subtract(b, ref.matVec(A, v)));
          expect(residual(got)).toBeLessThan(residual(x0));
          // the energy norm of the error decreases (CG's guarantee)
          const energy = (v: Vec) => {
            const e = ref.subtract(v, exact);
            return ref.dot(e, ref.matVec(A, e));
          };
          expect(energy(got)).toBeLessThan(energy(x0));
        });
      }

      it('cgSolve: cols = 0 reads rows already gathered, with the same result bit for bit', () => {
        const rand = rng(7500 + k);
        const n = 45;
        const Yrows = randomRows(rand, 240, dim);
        const cols = distinctIndices(rand, n, 240);
        const w = arena.f32(cols.map(() => uniform(rand, 0, 3))).ptr;
        const t = arena.f32(cols.map(() => uniform(rand, -2, 4))).ptr;
        const Y = storeRows(Yrows, stride).ptr;
        const gathered = storeRows(
          cols.map((c) => Yrows[c]!),
          stride,
        ).ptr;
        const lambda = Math.fround(0.5 * n);
        const x1 = arena.f32(stride);
        const x2 = arena.f32(stride);
        K.cgSolve(0, Y, stride, dim, arena.i32(cols).ptr, w, t, n, lambda, x1.ptr, 3, arena.f32(3 * stride).ptr);
        K.cgSolve(0, gathered, stride, dim, 0, w, t, n, lambda, x2.ptr, 3, arena.f32(3 * stride).ptr);
        expect(Array.from(x2.view)).toEqual(Array.from(x1.view));
      });

      it('cgSolve: a zero right-hand side from x = 0 takes no step', () => {
        const rand = rng(7000 + k);
        const { lambda, mem } = cgSystem(rand, 5, true);
        const zeroT = arena.f32(5).ptr;
        const x = arena.f32(stride);
        expect(K.cgSolve(mem.A0, mem.Y, stride, dim, mem.cols, mem.w, zeroT, 5, lambda, x.ptr, 3, mem.scratch)).toBe(0);
        expect(Array.from(x.view)).toEqual(new Array(stride).fill(0));
      });

      // ---- solveRows ------------------------------------------------------------------------

      /** Rating counts of the solved rows: an empty row, n > GATHER_ROWS, n not a multiple of 32. */
      const COUNTS = [5, 0, 1, 200, 37, 3];
      const NUM_COLS = 240;

      interface Variant {
        name: string;
        mode: number;
        solver: number;
        cgSteps: number;
        bias: boolean;
        regWeights: boolean;
        /** shortMax = dim: explicit rows with n ≤ dim by the push-through identity. */
        short?: boolean;
      }
      const variants: Variant[] = [
        {
          name: 'explicit, Cholesky, μ + otherBias, regWeights',
          mode: WeightMode.Explicit,
          solver: Solver.Cholesky,
          cgSteps: 0,
          bias: false,
          regWeights: true,
        },
        {
          name: 'explicit, Cholesky, bias column (dim = k + 1), no regWeights',
          mode: WeightMode.Explicit,
          solver: Solver.Cholesky,
          cgSteps: 0,
          bias: true,
          regWeights: false,
        },
        {
          name: 'implicit 1 + α|r|, Cholesky',
          mode: WeightMode.ImplicitOnePlusAlpha,
          solver: Solver.Cholesky,
          cgSteps: 0,
          bias: false,
          regWeights: true,
        },
        {
          name: 'implicit α|r|, Cholesky',
          mode: WeightMode.ImplicitAlpha,
          solver: Solver.Cholesky,
          cgSteps: 0,
          bias: false,
          regWeights: true,
        },
        {
          name: 'explicit, CG 3 steps, bias column',
          mode: WeightMode.Explicit,
          solver: Solver.ConjugateGradient,
          cgSteps: 3,
          bias: true,
          regWeights: true,
        },
        {
          name: 'implicit 1 + α|r|, CG 3 steps',
          mode: WeightMode.ImplicitOnePlusAlpha,
          solver: Solver.ConjugateGradient,
          cgSteps: 3,
          bias: false,
          regWeights: true,
        },
        {
          name: 'implicit α|r|, CG 3 steps, no regWeights',
          mode: WeightMode.ImplicitAlpha,
          solver: Solver.ConjugateGradient,
          cgSteps: 3,
          bias: false,
          regWeights: false,
        },
        {
          name: 'implicit 1 + α|r|, CG dim + 2 steps (≈ exact)',
          mode: WeightMode.ImplicitOnePlusAlpha,
          solver: Solver.ConjugateGradient,
          cgSteps: -1,
          bias: false,
          regWeights: true,
        },
        {
          name: 'explicit, Cholesky, short rows by the push-through identity, μ + otherBias, regWeights',
          mode: WeightMode.Explicit,
          solver: Solver.Cholesky,
          cgSteps: 0,
          bias: false,
          regWeights: true,
          short: true,
        },
        {
          name: 'explicit, Cholesky, short rows by the push-through identity, bias column',
          mode: WeightMode.Explicit,
          solver: Solver.Cholesky,
          cgSteps: 0,
          bias: true,
          regWeights: false,
          short: true,
        },
      ];

      /** A half-step problem in memory, with the f64 reference system of every row. */
      const buildProblem = (v: Variant, seed: number, counts = COUNTS) => {
        const rand = rng(seed);
        const d = v.bias ? k + 1 : k;
        const s = roundUp(d, 8);
        const implicit = v.mode !== WeightMode.Explicit;
        // fixed side: with a bias column, the solved bias multiplies a constant 1
        const Yrows = randomRows(rand, NUM_COLS, k, -0.6, 0.6).map((y) => (v.bias ? [...y, 1] : y));
        const rows: SparseRow[] = counts.map((n) => {
          const cols = distinctIndices(rand, n, NUM_COLS);
          // explicit: ratings in [1, 5); implicit: counts in [-2, 6), negatives are dislikes
          return { cols, values: cols.map(() => (implicit ? uniform(rand, -2, 6) : uniform(rand, 1, 5))) };
        });
        const mu = implicit ? 0 : Math.fround(3.1);
        const otherBias = implicit ? undefined : Array.from({ length: NUM_COLS }, () => uniform(rand, -0.5, 0.5));
        const alpha = Math.fround(v.mode === WeightMode.ImplicitAlpha ? 4 : 2);
        // every row's reference system without λ
        const systems = rows.map((row) =>
          implicit
            ? ref.implicitNormalEquations(Yrows, d, row, v.mode, alpha, 0)
            : ref.explicitNormalEquations(Yrows, d, row, 0, mu, otherBias),
        );
        // λ_u = trace/50 keeps κ ≤ 51 (see SOLVE_TOL): through regWeights, or one λ for all rows
        const lambda = v.regWeights ? Math.fround(0.5) : Math.fround(Math.max(...systems.map((sys) => trace(sys.A))) / 50);
        const regWeights = rows.map((_, u) => Math.fround(Math.max(trace(systems[u].A), 1) / 50 / 0.5));
        const lambdas = rows.map((_, u) => (v.regWeights ? Math.fround(lambda * regWeights[u]) : lambda));
        const X0 = rows.map(() => Array.from({ length: d }, () => uniform(rand, -0.1, 0.1)));
        const csr = storeCsr(rows);
        const Y = storeRows(Yrows, s);
        const X = storeRows(X0, s);
        const YtY = implicit ? storeSymmetric(ref.gram(Yrows, d), s).ptr : 0;
        const cgSteps = v.cgSteps < 0 ? d + 2 : v.cgSteps;
        const params = writeParams({
          X: X.ptr,
          Y: Y.ptr,
          stride: s,
          dim: d,
          indptr: csr.indptr,
          indices: csr.indices,
          values: csr.values,
          regWeights: v.regWeights ? arena.f32(regWeights).ptr : 0,
          lambda,
          mode: v.mode,
          alpha,
          solver: v.solver,
          cgSteps,
          YtY,
          mu,
          otherBias: otherBias ? arena.f32(otherBias).ptr : 0,
          shortMax: v.short ? d : 0,
        });
        const scratch = arena.f32(solveScratchFloats(s, csr.maxNnz));
        const expected = rows.map((row, u) => {
          if (row.cols.length === 0) return new Array<number>(d).fill(0);
          const A = ref.addDiagonal(systems[u].A, lambdas[u]);
          return v.solver === Solver.Cholesky
            ? ref.solve(A, systems[u].b)
            : ref.conjugateGradient(A, systems[u].b, X0[u], cgSteps);
        });
        /**
         * What row u's error is relative to: ‖x_u‖, and for CG also the warm start ‖x0_u‖, since
         * f32 CG iterates carry rounding relative to their own size (a row with only dislikes
         * has b = 0 and x = 0, but its iterates start at x0).
         */
        const scale = (u: number) => Math.max(ref.norm(expected[u]), v.solver === Solver.Cholesky ? 0 : ref.norm(X0[u]));
        return { d, s, rows, Yrows, X, X0, params, scratch, expected, csr, implicit, mu, otherBias, alpha, scale };
      };

      for (const v of variants) {
        it(`solveRows: ${v.name}`, () => {
          const p = buildProblem(v, 8000 + k);
          const status = K.solveRows(p.params, 0, COUNTS.length, p.scratch.ptr);
          expect(status).toBe(SOLVE_OK);
          const tol = v.solver === Solver.Cholesky || v.cgSteps < 0 ? SOLVE_TOL : CG_TOL;
          p.expected.forEach((x, u) => {
            const got = readVec(p.X, u * p.s, p.d);
            if (COUNTS[u] === 0) expect(got, `row ${u} has no ratings: zeros`).toEqual(x);
            else expect(relError(got, x, p.scale(u)), `row ${u} (${COUNTS[u]} ratings)`).toBeLessThanOrEqual(tol);
          });
          expect(
            padding(p.X, COUNTS.length, p.s, p.d).every((x) => x === 0),
            'padding columns stay zero',
          ).toBe(true);
        });
      }

      it('solveRows: only rows [start, end) are written', () => {
        const p = buildProblem(variants[2], 8100 + k);
        expect(K.solveRows(p.params, 2, 5, p.scratch.ptr)).toBe(SOLVE_OK);
        for (let u = 0; u < COUNTS.length; u++) {
          const got = readVec(p.X, u * p.s, p.d);
          if (u >= 2 && u < 5) expect(relError(got, p.expected[u], p.scale(u)), `row ${u}`).toBeLessThanOrEqual(SOLVE_TOL);
          else expect(got, `row ${u} is outside the range`).toEqual(p.X0[u]);
        }
      });

      it('solveRows: a system that is not positive definite returns its row', () => {
        // λ_u = 0 on a row whose fixed-side rows are all zero in column m: pivot m is exactly 0
        const p = buildProblem(variants[0], 8200 + k);
        const m = Math.floor(k / 2);
        const Y = new Float32Array(buffer, new Int32Array(buffer, p.params, 32)[Param.Y], NUM_COLS * p.s);
        for (let c = 0; c < NUM_COLS; c++) Y[c * p.s + m] = 0;
        const regWeights = new Float32Array(buffer, new Int32Array(buffer, p.params, 32)[Param.RegWeights], COUNTS.length);
        regWeights[3] = 0;
        const status = K.solveRows(p.params, 0, COUNTS.length, p.scratch.ptr);
        expect(status).toBe(3);
        // rows before it are written (row 1 is empty: zeros)
        expect(readVec(p.X, 1 * p.s, p.d)).toEqual(new Array(p.d).fill(0));
        expect(readVec(p.X, 0, p.d)).not.toEqual(p.X0[0]);
      });

      for (const solver of [Solver.Cholesky, Solver.ConjugateGradient]) {
        it(`solveRows: a non-finite solution returns -2 - row (${solver === Solver.Cholesky ? 'Cholesky' : 'CG'})`, () => {
          const v = solver === Solver.Cholesky ? variants[0] : variants[4];
          const p = buildProblem(v, 8300 + k);
          // a NaN rating in row 4 (its target is NaN, so is b, so is x)
          const values = new Float32Array(
            buffer,
            p.csr.values,
            p.rows.reduce((s, r) => s + r.cols.length, 0),
          );
          values[COUNTS.slice(0, 4).reduce((a, b) => a + b, 0)] = Number.NaN;
          expect(K.solveRows(p.params, 0, COUNTS.length, p.scratch.ptr)).toBe(-2 - 4);
          expect(relError(readVec(p.X, 0, p.d), p.expected[0], p.scale(0)), 'row 0 was written').toBeLessThanOrEqual(CG_TOL);
        });
      }

      // ---- losses -----------------------------------------------------------------------------

      it('dataLoss: explicit with μ and otherBias, over a row range', () => {
        const p = buildProblem(variants[0], 9000 + k);
        const X = p.X0;
        const full = ref.explicitLoss(X, p.Yrows, p.rows, p.mu, p.otherBias);
        expect(K.dataLoss(p.params, 0, COUNTS.length)).toBeCloseToRelative(full, LOSS_TOL);
        const part = ref.explicitLoss(X.slice(2, 5), p.Yrows, p.rows.slice(2, 5), p.mu, p.otherBias);
        expect(K.dataLoss(p.params, 2, 5)).toBeCloseToRelative(part, LOSS_TOL);
        // without otherBias and μ
        const i = new Int32Array(buffer, p.params, 32);
        const f = new Float32Array(buffer, p.params, 32);
        i[Param.OtherBias] = 0;
        f[Param.Mu] = 0;
        expect(K.dataLoss(p.params, 0, COUNTS.length)).toBeCloseToRelative(ref.explicitLoss(X, p.Yrows, p.rows, 0), LOSS_TOL);
      });

      for (const v of [variants[2], variants[3]]) {
        it(`dataLoss: ${v.mode === WeightMode.ImplicitAlpha ? 'c = α|r|' : 'c = 1 + α|r|'}, the YᵀY formula equals brute force over all pairs`, () => {
          const p = buildProblem(v, 9100 + k);
          // larger factors than the warm start, so predictions are not negligible
          const X = p.X0.map((x) => x.map((e) => Math.fround(e * 5)));
          X.forEach((x, u) => p.X.view.set(x, u * p.s));
          const full = ref.implicitLossAllPairs(X, p.Yrows, p.rows, v.mode, p.alpha);
          expect(K.dataLoss(p.params, 0, COUNTS.length)).toBeCloseToRelative(full, LOSS_TOL);
          const part = ref.implicitLossAllPairs(X.slice(1, 4), p.Yrows, p.rows.slice(1, 4), v.mode, p.alpha);
          expect(K.dataLoss(p.params, 1, 4)).toBeCloseToRelative(part, LOSS_TOL);
        });
      }

      it('penalty: with and without regWeights, cols < stride, a row range', () => {
        const rand = rng(9200 + k);
        const rows = 7;
        const Xrows = randomRows(rand, rows, dim);
        const weights = Xrows.map(() => uniform(rand, 0, 10));
        const X = storeRows(Xrows, stride);
        const W = arena.f32(weights);
        for (const cols of [...new Set([dim, Math.max(dim - 1, 0)])]) {
          expect(K.penalty(X.ptr, stride, cols, W.ptr, 0, rows)).toBeCloseToRelative(ref.penalty(Xrows, cols, weights), 1e-6);
          expect(K.penalty(X.ptr, stride, cols, 0, 0, rows)).toBeCloseToRelative(ref.penalty(Xrows, cols), 1e-6);
          expect(K.penalty(X.ptr, stride, cols, W.ptr, 2, 5)).toBeCloseToRelative(
            ref.penalty(Xrows.slice(2, 5), cols, weights.slice(2, 5)),
            1e-6,
          );
        }
        expect(K.penalty(X.ptr, stride, dim, W.ptr, 3, 3)).toBe(0);
      });

      it('columnSums: each column summed in f64 in row order (a scalar loop’s bits), only cols sums written', () => {
        const rand = rng(9300 + k);
        const rows = 37;
        // Magnitudes from 2⁻⁴⁰ to 2⁴⁰ row by row, so the f64 sums round and their order shows.
        const Xrows = randomRows(rand, rows, dim).map((x, r) => x.map((v) => Math.fround(v * 2 ** ((r % 11) * 8 - 40))));
        const X = storeRows(Xrows, stride);
        for (const cols of [...new Set([dim, Math.max(dim - 1, 1), 1])]) {
          const out = arena.f32(2 * (cols + 1));
          const sums = new Float64Array(out.view.buffer, out.ptr, cols + 1).fill(-1);
          K.columnSums(X.ptr, stride, cols, rows, out.ptr);
          const want = Array.from({ length: cols }, (_, c) => Xrows.reduce((s, x) => s + x[c]!, 0));
          expect(Array.from(sums.subarray(0, cols))).toEqual(want);
          expect(sums[cols]).toBe(-1);
          K.columnSums(X.ptr, stride, cols, 0, out.ptr);
          expect(Array.from(sums.subarray(0, cols))).toEqual(new Array(cols).fill(0));
        }
      });

      // ---- what kernels must not depend on ----------------------------------------------------

      describe('ignores the lower triangle, the padding and the scratch contents', () => {
        it('gramRow: A0 with NaN below the diagonal and in the padding', () => {
          const rand = rng(10000 + k);
          const Yrows = randomRows(rand, 50, dim);
          const cols = distinctIndices(rand, 40, 50);
          const w = cols.map(() => uniform(rand, 0, 2)),
            t = cols.map(() => uniform(rand, -1, 1));
          const A0 = ref.gram(randomRows(rand, 10, dim), dim);
          const A0B = storeSymmetric(A0, stride, GARBAGE);
          const A = arena.f32(stride * stride),
            b = arena.f32(stride);
          const scratch = arena.f32(2 * GATHER_ROWS * stride);
          A.view.fill(GARBAGE);
          scratch.view.fill(GARBAGE);
          K.gramRow(
            storeRows(Yrows, stride).ptr,
            stride,
            dim,
            arena.i32(cols).ptr,
            arena.f32(w).ptr,
            arena.f32(t).ptr,
            cols.length,
            A0B.ptr,
            A.ptr,
            b.ptr,
            scratch.ptr,
          );
          const rows = cols.map((c) => Yrows[c]);
          const scale = ref.maxAbs(absoluteGram(rows, dim, w, A0));
          expect(maxDiff(readUpper(A, stride, dim), ref.gram(rows, dim, w, A0))).toBeLessThanOrEqual(GRAM_TOL * scale);
        });

        it('cholesky + choleskySolve: NaN below the diagonal and in the padding', () => {
          const { G, lambda, b, A: Aref } = spdSystem(rng(10100 + k), dim + 3);
          const A = storeSymmetric(G, stride, GARBAGE);
          expect(K.cholesky(A.ptr, stride, dim, lambda)).toBe(-1);
          const x = arena.f32(stride);
          x.view.set(b);
          K.choleskySolve(A.ptr, stride, dim, x.ptr, x.ptr);
          expect(relError(readVec(x, 0, dim), ref.solve(Aref, b))).toBeLessThanOrEqual(SOLVE_TOL);
        });

        it('whitenRows + unwhitenRows: NaN below the diagonal and in the padding of U; the rows come back', () => {
          const rand = rng(10050 + k);
          const { G, lambda } = spdSystem(rand, dim + 3);
          const U = storeSymmetric(G, stride, GARBAGE);
          expect(K.cholesky(U.ptr, stride, dim, lambda)).toBe(-1);
          const rows = randomRows(rand, 9, dim);
          const Y = storeRows(rows, stride);
          K.whitenRows(U.ptr, stride, dim, Y.ptr, 0, rows.length);
          const whitened = rows.map((_, r) => readVec(Y, r * stride, dim));
          K.unwhitenRows(U.ptr, stride, dim, Y.ptr, 1, rows.length);
          expect(readVec(Y, 0, dim)).toEqual(whitened[0]); // rows outside [start, end) untouched
          for (let r = 1; r < rows.length; r++) {
            // x = Uᵀ x̃ in f64 with this backend's U, and the round trip to the row itself
            const x = Array.from({ length: dim }, (_, i) =>
              whitened[r]!.reduce((s, v, j) => (j <= i ? s + U.view[j * stride + i]! * v : s), 0),
            );
            expect(relError(readVec(Y, r * stride, dim), x)).toBeLessThanOrEqual(SOLVE_TOL);
            expect(relError(readVec(Y, r * stride, dim), rows[r]!)).toBeLessThanOrEqual(SOLVE_TOL);
          }
          expect(padding(Y, rows.length, stride, dim).every((x) => x === 0)).toBe(true);
        });

        it('cgSolve: A0 with NaN in the padding, NaN scratch', () => {
          const rand = rng(10200 + k);
          const { A, b, lambda, n, mem } = cgSystem(rand, 20, true);
          const A0 = new Float32Array(buffer, mem.A0, stride * stride);
          for (let r = 0; r < stride; r++)
            for (let c = 0; c < stride; c++) if (r >= dim || c >= dim) A0[r * stride + c] = GARBAGE;
          new Float32Array(buffer, mem.scratch, 3 * stride).fill(GARBAGE);
          const x = arena.f32(stride);
          K.cgSolve(mem.A0, mem.Y, stride, dim, mem.cols, mem.w, mem.t, n, lambda, x.ptr, dim, mem.scratch);
          expect(relError(readVec(x, 0, dim), ref.solve(A, b))).toBeLessThanOrEqual(SOLVE_TOL);
        });

        for (const v of [variants[2], variants[5]]) {
          // CG streams whole rows of YᵀY (gramBlock writes both triangles); the others read the upper one.
          const upperOnly = v.solver !== Solver.ConjugateGradient;
          it(`solveRows (${v.name}): NaN scratch, YᵀY with NaN in the padding${upperOnly ? ' and below the diagonal' : ''}`, () => {
            const p = buildProblem(v, 10300 + k);
            const i = new Int32Array(buffer, p.params, 32);
            const YtY = new Float32Array(buffer, i[Param.YtY], p.s * p.s);
            for (let r = 0; r < p.s; r++)
              for (let c = 0; c < p.s; c++) if ((upperOnly && c < r) || r >= p.d || c >= p.d) YtY[r * p.s + c] = GARBAGE;
            p.scratch.view.fill(GARBAGE);
            expect(K.solveRows(p.params, 0, COUNTS.length, p.scratch.ptr)).toBe(SOLVE_OK);
            const tol = v.solver === Solver.Cholesky ? SOLVE_TOL : CG_TOL;
            p.expected.forEach((x, u) =>
              expect(relError(readVec(p.X, u * p.s, p.d), x, p.scale(u)), `row ${u}`).toBeLessThanOrEqual(tol),
            );
            expect(
              padding(p.X, COUNTS.length, p.s, p.d).every((x) => x === 0),
              'padding columns stay zero',
            ).toBe(true);
            // and the loss reads only the upper triangle of YᵀY too
            const X = p.rows.map((_, u) => readVec(p.X, u * p.s, p.d));
            expect(K.dataLoss(p.params, 0, COUNTS.length)).toBeCloseToRelative(
              ref.implicitLossAllPairs(X, p.Yrows, p.rows, v.mode, p.alpha),
              LOSS_TOL,
            );
          });
        }
      });
    });
  });
}

interface CustomMatchers<R = unknown> {
  /** |received − expected| ≤ tol · max(|expected|, 1e-30). */
  toBeCloseToRelative(expected: number, tol: number): R;
}
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T = any> extends CustomMatchers<T> {}
}
expect.extend({
  toBeCloseToRelative(received: number, expected: number, tol: number) {
    const err = Math.abs(received - expected) / Math.max(Math.abs(expected), 1e-30);
    return {
      pass: err <= tol,
      message: () => `expected ${received} to be within ${tol} (relative) of ${expected}, relative error ${err}`,
    };
  },
});

/**
 * The exact short-row path of the Cholesky solver (assembly/short-rows.ts, issue 14 §2): rows
 * with n₊ ≤ ratio·dim positive weights solved through the push-through identity, explicit rows
 * directly and implicit ones against whitened items. Every kernel against a float64 solution
 * computed here, on every backend; whole fits with the path on against the path off; thread
 * counts; and no path that hands out whitened factors.
 *
 * Tolerances. A system here has κ(A) ≤ 51 (c = Σ_j w_j‖v_j‖² / 50, as the conformance suite
 * sets λ), so a backward-stable f32 solve is within ≈ 51 × dim·u ≈ 5e-4 of the f64 solution
 * (SOLVE_TOL, as kernels.conformance.test.ts). Whole fits: the two paths round differently
 * (a different, equally exact formula), and ALS carries the difference through iterations;
 * measured max |Δ| / max |x| over all factors after 5 iterations on synth_1m (k = 64 / 128):
 * implicit α = 1 (c = α·r): 5.5e-5 / 1.0e-4; α = 40: 2.0e-5 / 3.9e-5; explicit (λ × count):
 * 2.2e-6 / 3.3e-6; the losses agree to 2e-7 relative. Explicit with biases and λ = 0.05
 * unscaled (the worst-conditioned systems) reached 5.4e-4 on a 2,000 × 1,000 syntheticRatings
 * set at k = 64. FIT_TOL = 2e-3
 * leaves headroom while a wrong row (a wrong formula, whitened factors leaking) is off by O(1).
 */
import { describe, expect, it } from 'vitest';
import { AlsError, ErrorCode } from '../src/errors.js';
import { Ratings } from '../src/data/ratings.js';
import { syntheticRatings } from '../src/data/synthetic.js';
import { writeSolveParams } from '../src/kernels/abi.js';
import { PARAM_BYTES, SOLVE_OK, Solver, WeightMode, solveScratchFloats } from '../src/kernels/types.js';
import { ALS } from '../src/train/als.js';
import { MIN_WHITEN_DIM, shortRowPath, shortRowRatio } from '../src/train/state.js';
import { Arena, listBackends, rng, uniform } from './helpers.js';
import { abortAfterWhitenedHalfStep, countJobs, itFitsBitIdenticalOnThreads, trainingStateFor } from './training-hooks.js';
import { maxRel, relError, solve } from './reference.js';

const backends = await listBackends();
const SOLVE_TOL = 5e-4;
const FIT_TOL = 2e-3;

type Mat = number[][];

/** The f64 solution of (c·I + Σ_j w_j v_j v_jᵀ) x = Σ_j t_j v_j. */
function reference(rows: Mat, w: number[], t: number[], c: number): number[] {
  const dim = rows[0]!.length;
  const A: Mat = Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (_, j) => (i === j ? c : 0)));
  const b = new Array(dim).fill(0);
  rows.forEach((v, j) => {
    for (let p = 0; p < dim; p++) {
      b[p] += t[j]! * v[p]!;
      for (let q = 0; q < dim; q++) A[p]![q] += w[j]! * v[p]! * v[q]!;
    }
  });
  return solve(A, b);
}

interface Case {
  name: string;
  dim: number;
  /** Weights of the ratings (0: only the right-hand side; < 0: not for the path). */
  weights: number[];
}
const CASES: Case[] = [
  { name: 'n₊ = 1', dim: 16, weights: [2.5] },
  { name: 'n₊ < dim', dim: 64, weights: Array.from({ length: 21 }, (_, j) => 0.5 + (j % 5)) },
  { name: 'rows with w_j = 0 feed only b', dim: 12, weights: [0, 3, 0, 1.5, 2, 0, 0.25] },
  { name: 'every w_j = 0 (n₊ = 0)', dim: 8, weights: [0, 0, 0] },
  { name: 'dim not a multiple of 4', dim: 13, weights: [1, 2, 0, 4, 0.5, 3, 1] },
  { name: 'k = 1', dim: 1, weights: [2] },
  { name: 'k = 1, rows past dim', dim: 1, weights: [2, 0, 1] },
  { name: 'n₊ = dim', dim: 24, weights: Array.from({ length: 24 }, (_, j) => 1 + (j % 3)) },
];

for (const backend of backends) {
  describe.skipIf(backend.make === null)(`short rows [${backend.name}]`, () => {
    /** A random V (numRows rows of `stride`, zero past dim) and one row's ratings into it. */
    async function setUp(dim: number, n: number, seed: number) {
      const { kernels, buffer } = await backend.make!();
      const arena = new Arena(buffer);
      const rand = rng(seed);
      const stride = Math.ceil(dim / 8) * 8;
      const numRows = n + 5;
      const rows: Mat = Array.from({ length: numRows }, () => Array.from({ length: dim }, () => uniform(rand, -1, 1)));
      const V = arena.f32(numRows * stride);
      rows.forEach((r, i) => V.view.set(r, i * stride));
      const cols = Array.from({ length: n }, (_, j) => (j * 7 + 3) % numRows);
      return { kernels, buffer, arena, rand, stride, rows, V, cols };
    }

    for (const c of CASES) {
      it(`shortRowSolve matches the float64 solution and the standard path: ${c.name}`, async () => {
        const n = c.weights.length;
        const { kernels: K, arena, rand, stride, rows, V, cols } = await setUp(c.dim, n, 11 + n + c.dim);
        const t = c.weights.map(() => uniform(rand, -2, 2));
        const picked = cols.map((j) => rows[j]!);
        // κ ≤ 51: c = Σ w_j ‖v_j‖² / 50 (or 1 when every weight is 0)
        const scale = picked.reduce((s, v, j) => s + c.weights[j]! * v.reduce((q, e) => q + e * e, 0), 0);
        const cc = Math.fround(scale > 0 ? scale / 50 : 1);
        const expected = reference(picked, c.weights, t, cc);
        const colsBlock = arena.i32(cols);
        const w = arena.f32(c.weights);
        const tb = arena.f32(t);
        const x = arena.f32(stride);
        const m8 = Math.ceil(n / 8) * 8;
        const T = arena.f32(c.dim * m8);
        const work = arena.f32(2 * m8 + m8 * m8);
        expect(K.shortRowSolve(V.ptr, stride, c.dim, colsBlock.ptr, w.ptr, tb.ptr, n, cc, x.ptr, T.ptr, work.ptr, 0)).toBe(-1);
        expect(relError(x.view, expected)).toBeLessThan(SOLVE_TOL);
        // The standard path on the same backend
        const A = arena.f32(stride * stride);
        const b = arena.f32(stride);
        const gather = arena.f32(2 * 32 * stride);
        K.gramRow(V.ptr, stride, c.dim, colsBlock.ptr, w.ptr, tb.ptr, n, 0, A.ptr, b.ptr, gather.ptr);
        expect(K.cholesky(A.ptr, stride, c.dim, cc)).toBe(-1);
        K.choleskySolve(A.ptr, stride, c.dim, b.ptr, b.ptr);
        expect(relError(x.view.subarray(0, c.dim), Array.from(b.view.subarray(0, c.dim)))).toBeLessThan(SOLVE_TOL);
      });
    }

    it('shortRowSolve declines a row with a negative weight (the standard path solves it)', async () => {
      const { kernels: K, arena, stride, V, cols } = await setUp(8, 3, 5);
      const w = arena.f32([1, -0.5, 2]);
      const t = arena.f32([1, 1, 1]);
      const status = K.shortRowSolve(
        V.ptr,
        stride,
        8,
        arena.i32(cols).ptr,
        w.ptr,
        t.ptr,
        3,
        1,
        arena.f32(stride).ptr,
        arena.f32(64).ptr,
        arena.f32(80).ptr,
        0,
      );
      expect(status).toBeGreaterThanOrEqual(0);
    });

    for (const c of [CASES[1]!, CASES[2]!, CASES[3]!, CASES[4]!]) {
      it(`an extra right-hand side e joins b₀, read from its own block or from x: ${c.name}`, async () => {
        const n = c.weights.length;
        const { kernels: K, arena, rand, stride, rows, V, cols } = await setUp(c.dim, n, 41 + n + c.dim);
        const t = c.weights.map(() => uniform(rand, -2, 2));
        const e = Array.from({ length: c.dim }, () => uniform(rand, -1, 1));
        const picked = cols.map((j) => rows[j]!);
        // (c·I + Σ w v vᵀ)x = Σ t v + e: e is the right-hand side of a row with weight 0 and
        // target 1 along e, so the reference is the same solve with that row appended.
        const expected = reference([...picked, e], [...c.weights, 0], [...t, 1], 1.5);
        const dim4 = Math.ceil(c.dim / 4) * 4;
        const m8 = Math.ceil(n / 8) * 8;
        for (const inPlace of [false, true]) {
          const extra = arena.f32(dim4);
          extra.view.set(e);
          const x = inPlace ? extra : arena.f32(stride);
          if (!inPlace) x.view.fill(Number.NaN);
          const status = K.shortRowSolve(
            V.ptr,
            stride,
            c.dim,
            arena.i32(cols).ptr,
            arena.f32(c.weights).ptr,
            arena.f32(t).ptr,
            n,
            1.5,
            x.ptr,
            arena.f32(c.dim * m8).ptr,
            arena.f32(2 * m8 + m8 * m8).ptr,
            extra.ptr,
          );
          expect(status).toBe(-1);
          expect(relError(Array.from(x.view.subarray(0, c.dim)), expected)).toBeLessThan(SOLVE_TOL);
        }
      });
    }

    it('whitenRows is forward substitution against cholesky’s U: y ← U⁻ᵀy, padding kept 0', async () => {
      for (const dim of [1, 7, 16, 61]) {
        const { kernels: K, arena, stride, rows, V } = await setUp(dim, 20, 90 + dim);
        const numRows = rows.length;
        const U = arena.f32(stride * stride);
        K.gramBlock(V.ptr, stride, dim, 0, numRows, U.ptr, 0);
        expect(K.cholesky(U.ptr, stride, dim, 0.5)).toBe(-1);
        K.whitenRows(U.ptr, stride, dim, V.ptr, 2, numRows - 1);
        for (let r = 0; r < numRows; r++) {
          const y = rows[r]!;
          let expected = y;
          if (r >= 2 && r < numRows - 1) {
            // Uᵀ z = y in f64, with the backend's U
            expected = new Array(dim).fill(0);
            for (let i = 0; i < dim; i++) {
              let s = y[i]!;
              for (let q = 0; q < i; q++) s -= U.view[q * stride + i]! * expected[q]!;
              expected[i] = s / U.view[i * stride + i]!;
            }
          }
          const got = V.view.subarray(r * stride, r * stride + dim);
          expect(relError(got, expected)).toBeLessThan(1e-5);
          for (let p = dim; p < stride; p++) expect(V.view[r * stride + p]).toBe(0);
        }
      }
    });

    it('unwhitenRows undoes whitenRows: L·x̃ in f64, U’s lower triangle and padding never read', async () => {
      for (const dim of [1, 7, 8, 16, 61]) {
        const { kernels: K, arena, stride, rows, V } = await setUp(dim, 20, 190 + dim);
        const numRows = rows.length;
        const U = arena.f32(stride * stride);
        K.gramBlock(V.ptr, stride, dim, 0, numRows, U.ptr, 0);
        expect(K.cholesky(U.ptr, stride, dim, 0.5)).toBe(-1);
        K.whitenRows(U.ptr, stride, dim, V.ptr, 0, numRows);
        const whitened = V.view.slice();
        // cholesky leaves YᵀY below the diagonal; the padding of the buffer is not U's either
        for (let j = 0; j < stride; j++)
          for (let i = 0; i < stride; i++) if (i < j || i >= dim || j >= dim) U.view[j * stride + i] = Number.NaN;
        K.unwhitenRows(U.ptr, stride, dim, V.ptr, 2, numRows - 1);
        for (let r = 0; r < numRows; r++) {
          const got = V.view.subarray(r * stride, r * stride + stride);
          const x = whitened.subarray(r * stride, r * stride + dim);
          if (r < 2 || r >= numRows - 1) {
            expect(Array.from(got)).toEqual(Array.from(whitened.subarray(r * stride, r * stride + stride)));
            continue;
          }
          const expected = new Array(dim).fill(0); // L x̃ = Uᵀ x̃ in f64, with the backend's U
          for (let i = 0; i < dim; i++) for (let j = 0; j <= i; j++) expected[i] += U.view[j * stride + i]! * x[j]!;
          expect(relError(got.subarray(0, dim), expected)).toBeLessThan(1e-6);
          expect(relError(got.subarray(0, dim), rows[r]!)).toBeLessThan(1e-5);
          for (let p = dim; p < stride; p++) expect(got[p]).toBe(0);
        }
      }
    });

    /**
     * solveRows over a side of rows, against the f64 solution of each row's full system:
     * explicit (G = 0, λ_u per row), and implicit against whitened rows (x = U⁻¹z), with the
     * short path (shortMax = dim) and without it; rows with n₊ > dim, w_j = 0 and w_j < 0.
     */
    for (const dim of [5, 32]) {
      for (const implicit of [false, true]) {
        it(`solveRows ${implicit ? 'implicit, whitened rows' : 'explicit'}, dim ${dim}: every path gives the f64 solution`, async () => {
          const { kernels: K, buffer, arena } = await backend.make!().then((b) => ({ ...b, arena: new Arena(b.buffer) }));
          const rand = rng(400 + dim + (implicit ? 1 : 0));
          const stride = Math.ceil(dim / 8) * 8;
          const numY = 3 * dim + 10;
          const yRows: Mat = Array.from({ length: numY }, () => Array.from({ length: dim }, () => uniform(rand, -0.5, 0.5)));
          const counts = [1, 2, Math.max(1, dim - 1), dim, dim + 3, 2 * dim + 1, 0, 4];
          const indptr = [0];
          const indices: number[] = [];
          const values: number[] = [];
          counts.forEach((n, u) => {
            const set = new Set<number>();
            while (set.size < n) set.add(Math.floor(rand() * numY));
            for (const col of [...set].sort((a, b) => a - b)) {
              indices.push(col);
              // implicit c = α·r, α = 1: w = r − 1 (r = 1: w = 0; r = 0.5 in row 7: w < 0)
              values.push(
                implicit ? (u === 7 && col === Math.min(...set) ? 0.5 : Math.round(uniform(rand, 1, 5))) : uniform(rand, 1, 5),
              );
            }
            indptr.push(indices.length);
          });
          const lambda = 0.3;
          const regW = counts.map((n) => Math.max(1, n) / 4);
          const Y = arena.f32(numY * stride);
          yRows.forEach((r, i) => Y.view.set(r, i * stride));
          const G = arena.f32(stride * stride);
          K.gramBlock(Y.ptr, stride, dim, 0, numY, G.ptr, 0);
          const maxN = Math.max(...counts);
          const scratch = arena.f32(solveScratchFloats(stride, maxN));
          const common = {
            stride,
            dim,
            indptr: arena.i32(indptr).ptr,
            indices: arena.i32(indices).ptr,
            values: arena.f32(values).ptr,
            regWeights: implicit ? 0 : arena.f32(regW).ptr,
            lambda,
            mode: implicit ? WeightMode.ImplicitAlpha : WeightMode.Explicit,
            alpha: 1,
            solver: Solver.Cholesky,
            cgSteps: 3,
            mu: 0,
            otherBias: 0,
            blockSize: dim,
          };
          // f64 reference per row
          const expected = counts.map((_, u) => {
            const cols = indices.slice(indptr[u], indptr[u + 1]);
            const vals = values.slice(indptr[u], indptr[u + 1]);
            const w = vals.map((r) => (implicit ? Math.fround(r) - 1 : 1));
            const t = vals.map((r) => (implicit ? (r > 0 ? Math.fround(r) : 0) : Math.fround(r)));
            const lam = implicit ? lambda : lambda * regW[u]!;
            const A: Mat = Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (_, j) => (i === j ? lam : 0)));
            if (implicit) {
              for (const y of yRows) for (let p = 0; p < dim; p++) for (let q = 0; q < dim; q++) A[p]![q] += y[p]! * y[q]!;
            }
            const b = new Array(dim).fill(0);
            cols.forEach((col, j) => {
              const y = yRows[col]!;
              for (let p = 0; p < dim; p++) {
                b[p] += t[j]! * y[p]!;
                for (let q = 0; q < dim; q++) A[p]![q] += w[j]! * y[p]! * y[q]!;
              }
            });
            return cols.length === 0 ? new Array(dim).fill(0) : solve(A, b);
          });
          const paramsAt = arena.i32(PARAM_BYTES / 4).ptr;
          const i32 = new Int32Array(buffer);
          const run = (variant: { shortMax: number; whiten: boolean }) => {
            const X = arena.f32(counts.length * stride);
            let YtY = implicit ? G.ptr : 0;
            let whiteFactor = 0;
            let Yp = Y.ptr;
            if (variant.whiten) {
              const W = arena.f32(numY * stride);
              W.view.set(Y.view);
              const U = arena.f32(stride * stride);
              U.view.set(G.view);
              expect(K.cholesky(U.ptr, stride, dim, lambda)).toBe(-1);
              K.whitenRows(U.ptr, stride, dim, W.ptr, 0, numY);
              // L⁻¹, as state.ts builds it: the identity's rows whitened, transposed
              const C = arena.f32(stride * stride);
              for (let j = 0; j < dim; j++) C.view[j * stride + j] = 1;
              K.whitenRows(U.ptr, stride, dim, C.ptr, 0, dim);
              for (let i = 0; i < dim; i++) {
                for (let j = i + 1; j < dim; j++) {
                  C.view[j * stride + i] = C.view[i * stride + j]!;
                  C.view[i * stride + j] = 0;
                }
              }
              Yp = W.ptr;
              YtY = 0;
              whiteFactor = C.ptr;
            }
            writeSolveParams(i32, paramsAt, { ...common, X: X.ptr, Y: Yp, YtY, shortMax: variant.shortMax, whiteFactor });
            expect(K.solveRows(paramsAt, 0, counts.length, scratch.ptr)).toBe(SOLVE_OK);
            return X;
          };
          const variants = implicit
            ? [
                { shortMax: 0, whiten: false },
                { shortMax: 0, whiten: true },
                { shortMax: dim, whiten: true },
              ]
            : [
                { shortMax: 0, whiten: false },
                { shortMax: dim, whiten: false },
              ];
          for (const variant of variants) {
            const X = run(variant);
            counts.forEach((n, u) => {
              const got = X.view.subarray(u * stride, u * stride + dim);
              if (n === 0) expect(Array.from(got)).toEqual(new Array(dim).fill(0));
              else expect(relError(got, expected[u]!), `${JSON.stringify(variant)}, row ${u}`).toBeLessThan(SOLVE_TOL);
            });
          }
        });
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Whole fits

const synth = syntheticRatings({ numUsers: 400, numItems: 200, nnz: 9000, seed: 5 });
const ratings = Ratings.fromTriples(synth, { denseIds: true, numUsers: synth.numUsers, numItems: synth.numItems });

/** ≥ MIN_WHITEN_DIM (implicit rows go through whitened items), not a multiple of 8. */
const K_FIT = 52;

async function fitWith(on: boolean, options: Record<string, unknown>) {
  const saved = shortRowPath.enabled;
  shortRowPath.enabled = on;
  try {
    const losses: number[] = [];
    const model = await new ALS({
      factors: K_FIT,
      iterations: 5,
      solver: 'cholesky',
      backend: 'wasm',
      threads: 1,
      seed: 3,
      ...options,
      onIteration: ({ loss }) => {
        losses.push(loss);
      },
    }).fit(ratings);
    return { model, losses };
  } finally {
    shortRowPath.enabled = saved;
  }
}

const FITS: [string, Record<string, unknown>][] = [
  ['implicit, c = α·r, α = 1', { feedback: 'implicit', confidence: 'alpha', alpha: 1, regularization: 0.05 }],
  ['implicit, c = 1 + α·r, α = 40', { feedback: 'implicit', alpha: 40, regularization: 0.05 }],
  ['explicit, λ × count', { feedback: 'explicit', regularization: 0.05, regularizationScaling: 'count' }],
  ['explicit with biases', { feedback: 'explicit', regularization: 0.1, biases: true }],
];

const wasmBuilt = backends.some((b) => b.name === 'wasm' && b.make !== null);
describe.skipIf(!wasmBuilt)('whole fits with the short-row path', () => {
  for (const [name, options] of FITS) {
    it(`${name}: factors and losses agree with the path off`, async () => {
      const on = await fitWith(true, options);
      const off = await fitWith(false, options);
      expect(maxRel(on.model.userFactors, off.model.userFactors)).toBeLessThan(FIT_TOL);
      expect(maxRel(on.model.itemFactors, off.model.itemFactors)).toBeLessThan(FIT_TOL);
      on.losses.forEach((loss, i) => expect(Math.abs(loss - off.losses[i]!) / off.losses[i]!).toBeLessThan(1e-5));
    });
  }

  it('whitening starts at MIN_WHITEN_DIM and the cut-off grows with dim', () => {
    expect(MIN_WHITEN_DIM).toBeLessThanOrEqual(K_FIT);
    expect([32, 64, 128, 256].map(shortRowRatio)).toEqual([0.5, 0.75, 1, 1]);
  });

  it('the path takes part: explicit and implicit fits differ from the path off in their bits', async () => {
    for (const [, options] of [FITS[0]!, FITS[2]!]) {
      const on = await fitWith(true, options);
      const off = await fitWith(false, options);
      expect(Array.from(on.model.userFactors)).not.toEqual(Array.from(off.model.userFactors));
    }
  });

  it('the JS backend takes the same paths: its fits agree with the WASM ones', async () => {
    for (const [, options] of FITS) {
      const wasm = await fitWith(true, options);
      const js = await fitWith(true, { ...options, backend: 'js' });
      expect(maxRel(js.model.userFactors, wasm.model.userFactors)).toBeLessThan(FIT_TOL);
      expect(maxRel(js.model.itemFactors, wasm.model.itemFactors)).toBeLessThan(FIT_TOL);
    }
  });

  for (const [solver, feedbacks] of [
    ['cg', ['implicit', 'explicit']],
    ['subspace', ['implicit', 'explicit']],
    ['gibbs', ['explicit']],
  ] as const) {
    it(`solver ${solver} does not take the path: the same bits with it on and off`, async () => {
      for (const feedback of feedbacks) {
        const options = { feedback, solver, iterations: 2, ...(solver === 'gibbs' ? { samples: 2, burnIn: 1 } : {}) };
        const on = await fitWith(true, options);
        const off = await fitWith(false, options);
        expect(Array.from(on.model.userFactors)).toEqual(Array.from(off.model.userFactors));
        expect(Array.from(on.model.itemFactors)).toEqual(Array.from(off.model.itemFactors));
      }
    });
  }

  it('implicit with regularization scaled per row or an unobserved weight keeps the items plain (no whitening): same bits', async () => {
    for (const options of [
      { feedback: 'implicit', regularizationScaling: 'count' },
      { feedback: 'implicit', unobservedWeight: 0.5 },
    ]) {
      const on = await fitWith(true, options);
      const off = await fitWith(false, options);
      expect(Array.from(on.model.userFactors)).toEqual(Array.from(off.model.userFactors));
    }
  });

  for (const [name, options] of [FITS[1]!, FITS[2]!]) {
    it(`${name}: factors are bit-identical for threads 1 and 2`, async () => {
      const one = await fitWith(true, { ...options, threads: 1 });
      const two = await fitWith(true, { ...options, threads: 2 });
      expect(two.model.options.threads).toBe(2);
      expect(Array.from(two.model.userFactors)).toEqual(Array.from(one.model.userFactors));
      expect(Array.from(two.model.itemFactors)).toEqual(Array.from(one.model.itemFactors));
    });
  }

  it('an abort right after the users’ half-step (items whitened) ends the fit with ABORTED and no model', async () => {
    const { whitened, error } = await abortAfterWhitenedHalfStep((signal) =>
      new ALS({ factors: K_FIT, iterations: 3, feedback: 'implicit', backend: 'wasm', signal }).fit(ratings),
    );
    expect(whitened).toBe(true);
    expect(error).toBeInstanceOf(AlsError);
    expect((error as AlsError).code).toBe(ErrorCode.ABORTED);
  });

  it('a training state refuses to hand out or score whitened items until their half-step rewrites them', async () => {
    const { state, executor } = await trainingStateFor(ratings, { factors: K_FIT, feedback: 'implicit' });
    try {
      await state.halfStep('users', ratings.users, { mayLeaveFixedWhitened: true });
      expect(() => state.extract('items')).toThrow(/whitened/);
      expect(() => state.extractInPlace('users')).toThrow(/whitened/);
      await expect(state.loss('users')).rejects.toThrow(/whitened/);
      await state.halfStep('items', ratings.items);
      expect(state.extract('items').factors).toHaveLength(ratings.numItems * K_FIT);
      expect(Number.isFinite(await state.loss('items'))).toBe(true);
    } finally {
      await executor.close();
    }
  });

  it('onIteration stopping a fit hands out the items of the items’ half-step, never whitened rows', async () => {
    const options = { feedback: 'implicit', alpha: 40, regularization: 0.05 } as const;
    const stop = (on: boolean) => {
      const saved = shortRowPath.enabled;
      shortRowPath.enabled = on;
      return new ALS({
        factors: K_FIT,
        iterations: 5,
        solver: 'cholesky',
        backend: 'wasm',
        seed: 3,
        ...options,
        onIteration: () => false,
      })
        .fit(ratings)
        .finally(() => {
          shortRowPath.enabled = saved;
        });
    };
    const on = await stop(true);
    const off = await stop(false);
    expect(maxRel(on.itemFactors, off.itemFactors)).toBeLessThan(FIT_TOL);
  });

  it('partialFit and foldIn after a fit with the path read real item factors', async () => {
    const options = FITS[1]![1];
    const on = (await fitWith(true, options)).model;
    const off = (await fitWith(false, options)).model;
    const items = [0, 3, 7, 12].map((i) => on.items.id(i));
    const values = [1, 2, 1, 3];
    const foldedOn = on.foldIn({ items, values });
    const foldedOff = off.foldIn({ items, values });
    expect(maxRel(foldedOn, foldedOff)).toBeLessThan(FIT_TOL);
    on.partialFit({ users: { users: items.map(() => on.users.id(1)), items, values } });
    off.partialFit({ users: { users: items.map(() => off.users.id(1)), items, values } });
    expect(maxRel(on.userFactors.slice(K_FIT, 2 * K_FIT), off.userFactors.slice(K_FIT, 2 * K_FIT))).toBeLessThan(FIT_TOL);
  });
});

// ---------------------------------------------------------------------------------------------
// The users whitened for the items' half-step (fitAls: every iteration, un-whitened for the
// loss of onIteration and after the last)

/** Σ_obs c (p − x·y)² + Σ_unobs (x·y)² + λ(‖X‖² + ‖Y‖²) over nnz in float64, p = 1, c = α·r. */
function implicitLoss64(X: Float32Array, Y: Float32Array, alpha: number, lambda: number): number {
  const { indptr, indices, values } = ratings.byUser;
  let sum = 0;
  for (let u = 0; u < ratings.numUsers; u++) {
    const rated = new Map<number, number>();
    for (let e = indptr[u]!; e < indptr[u + 1]!; e++) rated.set(indices[e]!, values[e]!);
    for (let i = 0; i < ratings.numItems; i++) {
      let p = 0;
      for (let a = 0; a < K_FIT; a++) p += X[u * K_FIT + a]! * Y[i * K_FIT + a]!;
      const r = rated.get(i);
      sum += r === undefined ? p * p : alpha * r * (1 - p) ** 2;
    }
  }
  let penalty = 0;
  for (const F of [X, Y]) for (let e = 0; e < F.length; e++) penalty += F[e]! * F[e]!;
  return (sum + lambda * penalty) / ratings.nnz;
}

const IMPLICIT = { feedback: 'implicit', confidence: 'alpha', alpha: 1, regularization: 0.05 } as const;

/** A fit with the path on or off; onIteration: none, record the losses, or stop at an iteration. */
async function fitItems(
  on: boolean,
  o: { onIteration: 'none' | 'record' | number; iterations?: number; threads?: number; costRule?: boolean; data?: Ratings },
) {
  const saved = { ...shortRowPath };
  shortRowPath.enabled = on;
  // These 200 items are not all short enough for the cost rule to whiten 400 users for them:
  // the tests below are about the whitened path, so it is forced (the rule has its own test).
  shortRowPath.costRule = o.costRule ?? false;
  const losses: number[] = [];
  try {
    const model = await new ALS({
      factors: K_FIT,
      iterations: o.iterations ?? 5,
      solver: 'cholesky',
      backend: 'wasm',
      threads: o.threads ?? 1,
      seed: 3,
      ...IMPLICIT,
      ...(o.onIteration === 'none'
        ? {}
        : {
            onIteration: ({ iteration, loss }: { iteration: number; loss: number }) => {
              losses.push(loss);
              return iteration !== o.onIteration;
            },
          }),
    }).fit(o.data ?? ratings);
    return { model, losses };
  } finally {
    Object.assign(shortRowPath, saved);
  }
}

describe.skipIf(!wasmBuilt)('the users whitened for the items’ half-step', () => {
  it('the items’ half-step whitens the users on every iteration; they are un-whitened after the last, and for each loss of onIteration', async () => {
    const plain = await countJobs(() => fitItems(true, { onIteration: 'none', iterations: 3 }));
    expect([plain.jobs.Whiten, plain.jobs.Unwhiten]).toEqual([3 + 3, 1]);
    const watched = await countJobs(() => fitItems(true, { onIteration: 'record', iterations: 3 }));
    expect([watched.jobs.Whiten, watched.jobs.Unwhiten]).toEqual([3 + 3, 3]);
    expect(watched.result.losses).toHaveLength(3);
  });

  it('the cost rule whitens a fixed side only for a solved side with enough short rows', async () => {
    // Every one of 80 users rates all 24 items: the users are short (24 ≤ shortMax = 34 at
    // k = 52), whitening 24 items for them pays; no item is (80 ratings), so whitening 80
    // users for them would save nothing.
    const users: number[] = [];
    const items: number[] = [];
    const values: number[] = [];
    for (let u = 0; u < 80; u++)
      for (let i = 0; i < 24; i++) {
        users.push(u);
        items.push(i);
        values.push(1 + ((u * 7 + i * 3) % 5));
      }
    const data = Ratings.fromTriples({ users, items, values }, { denseIds: true, numUsers: 80, numItems: 24 });
    const forced = await countJobs(() => fitItems(true, { onIteration: 'none', iterations: 3, costRule: false, data }));
    const ruled = await countJobs(() => fitItems(true, { onIteration: 'none', iterations: 3, costRule: true, data }));
    expect([forced.jobs.Whiten, ruled.jobs.Whiten]).toEqual([3 + 3, 3]);
    expect(Array.from(ruled.result.model.itemFactors)).not.toEqual(Array.from(forced.result.model.itemFactors));
  });

  for (const onIteration of ['none', 'record'] as const) {
    it(`factors and losses agree with the path off (${onIteration === 'none' ? 'no onIteration' : 'onIteration'}, 5 iterations)`, async () => {
      const on = await fitItems(true, { onIteration });
      const off = await fitItems(false, { onIteration });
      expect(maxRel(on.model.userFactors, off.model.userFactors)).toBeLessThan(FIT_TOL);
      expect(maxRel(on.model.itemFactors, off.model.itemFactors)).toBeLessThan(FIT_TOL);
      on.losses.forEach((loss, i) => expect(Math.abs(loss - off.losses[i]!) / off.losses[i]!).toBeLessThan(1e-5));
      const lossOn = implicitLoss64(on.model.userFactors, on.model.itemFactors, IMPLICIT.alpha, IMPLICIT.regularization);
      const lossOff = implicitLoss64(off.model.userFactors, off.model.itemFactors, IMPLICIT.alpha, IMPLICIT.regularization);
      expect(Math.abs(lossOn - lossOff) / lossOff).toBeLessThan(1e-5);
    });
  }

  it('onIteration returning false at iteration 2 hands out the un-whitened users its loss scored', async () => {
    const stopped = await fitItems(true, { onIteration: 2 });
    const stoppedOff = await fitItems(false, { onIteration: 2 });
    expect(stopped.losses).toHaveLength(2);
    stopped.losses.forEach((loss, i) =>
      expect(Math.abs(loss - stoppedOff.losses[i]!) / stoppedOff.losses[i]!).toBeLessThan(1e-5),
    );
    expect(maxRel(stopped.model.userFactors, stoppedOff.model.userFactors)).toBeLessThan(FIT_TOL);
    expect(maxRel(stopped.model.itemFactors, stoppedOff.model.itemFactors)).toBeLessThan(FIT_TOL);
    // The model is what the last loss scored: the objective of its factors, in f64.
    const scored = implicitLoss64(stopped.model.userFactors, stopped.model.itemFactors, IMPLICIT.alpha, IMPLICIT.regularization);
    expect(Math.abs(scored - stopped.losses[1]!) / scored).toBeLessThan(1e-6);
  });

  itFitsBitIdenticalOnThreads((o) => fitItems(true, o));

  it('the last iteration whitens the users too and hands them back as factors, within rounding of the path off', async () => {
    const { result: on, jobs } = await countJobs(() => fitItems(true, { onIteration: 'none', iterations: 1 }));
    expect([jobs.Whiten, jobs.Unwhiten]).toEqual([2, 1]);
    const off = await fitItems(false, { onIteration: 'none', iterations: 1 });
    expect(maxRel(on.model.userFactors, off.model.userFactors)).toBeLessThan(FIT_TOL);
    expect(maxRel(on.model.itemFactors, off.model.itemFactors)).toBeLessThan(FIT_TOL);
    const lossOn = implicitLoss64(on.model.userFactors, on.model.itemFactors, IMPLICIT.alpha, IMPLICIT.regularization);
    const lossOff = implicitLoss64(off.model.userFactors, off.model.itemFactors, IMPLICIT.alpha, IMPLICIT.regularization);
    expect(Math.abs(lossOn - lossOff) / lossOff).toBeLessThan(1e-5);
  });
});

/**
 * Implicit CG in the whitened basis (assembly/whiten-cg.ts, issue 14 §1): against fixed rows
 * whitened by B = YᵀY + λI = UᵀU = LLᵀ, each row runs CG on (I + Σ w_j w̃_j w̃_jᵀ) z = Σ t_j w̃_j
 * from z₀ = U·x (or 0), and x = L⁻ᵀz. The kernels through solveRows on every backend, against
 * float64; whole fits with the path on against off; thread counts; the cost rule; and no path
 * that hands out whitened factors.
 *
 * Tolerances. The kernels: z₀ = U·x is a sum of ≤ dim f32 products (relative error ≈ dim·u,
 * u = 6e-8, against the sum of absolute terms): 1e-5. A few CG steps in f32 against the same
 * steps in f64: CG's iterates are smooth functions of the data while no r·r is tiny, and the
 * systems here have κ ≤ 1 + Σ_j w_j‖w̃_j‖² ≲ 20: 1e-4. Many steps against the exact solution of
 * the row's ridge system: SOLVE_TOL = 5e-4 (as kernels.conformance.test.ts). Whole fits: with
 * 30 steps both variants are within CG's f32 reach of the exact ALS step every half-step;
 * measured max |Δ| / max |x| after 5 iterations (k = 52, the 400 × 200 data below): 5.4e-6
 * (users), 4.5e-6 (items). FIT_TOL = 2e-3, as test/short-rows.test.ts (where explicit fits
 * with biases on against off reached 5.4e-4), leaves headroom while whitened factors leaking are off
 * by O(1).
 */
import { describe, expect, it } from 'vitest';
import { AlsError, ErrorCode } from '../src/errors.js';
import { Ratings } from '../src/data/ratings.js';
import { syntheticRatings } from '../src/data/synthetic.js';
import { writeSolveParams } from '../src/kernels/abi.js';
import { PARAM_BYTES, SOLVE_OK, Solver, WeightMode, solveScratchFloats } from '../src/kernels/types.js';
import { ALS } from '../src/train/als.js';
import { TrainingState, whitenedCg } from '../src/train/state.js';
import { Arena, listBackends, rng, uniform } from './helpers.js';
import { abortAfterWhitenedHalfStep, countJobs, itFitsBitIdenticalOnThreads, trainingStateFor } from './training-hooks.js';
import { addDiagonal, conjugateGradient, gram, maxRel, relError, rhs, solve } from './reference.js';

const backends = await listBackends();
const FIT_TOL = 2e-3;

type Mat = number[][];

/** `steps` CG steps in float64 on (I + Σ_j w_j v_j v_jᵀ) z = Σ_j t_j v_j from z (as cgSolve: stops at r·r < 1e-20). */
function cg64(rows: Mat, w: number[], t: number[], z: number[], steps: number): number[] {
  const dim = z.length;
  return conjugateGradient(addDiagonal(gram(rows, dim, w), 1), rhs(rows, dim, t), z, steps);
}

for (const backend of backends) {
  describe.skipIf(backend.make === null)(`whitened CG rows [${backend.name}]`, () => {
    /**
     * One side of rows solved by solveRows with CG against whitened fixed rows: U from the
     * backend's cholesky of YᵀY + λI, Y whitened by its whitenRows, L⁻¹ built as state.ts
     * builds it; counts[u] ratings per row (implicit, c = α·r, α = 1, r in 1 … 5).
     */
    async function setUp(dim: number, counts: number[], seed: number) {
      const { kernels: K, buffer } = await backend.make!();
      const arena = new Arena(buffer);
      const rand = rng(seed);
      const stride = Math.ceil(dim / 8) * 8;
      const numY = 2 * dim + 12;
      const yRows: Mat = Array.from({ length: numY }, () => Array.from({ length: dim }, () => uniform(rand, -0.5, 0.5)));
      const indptr = [0];
      const indices: number[] = [];
      const values: number[] = [];
      for (const n of counts) {
        const set = new Set<number>();
        while (set.size < n) set.add(Math.floor(rand() * numY));
        for (const col of [...set].sort((a, b) => a - b)) {
          indices.push(col);
          values.push(Math.round(uniform(rand, 1, 5)));
        }
        indptr.push(indices.length);
      }
      const lambda = 0.3;
      const Y = arena.f32(numY * stride);
      yRows.forEach((r, i) => Y.view.set(r, i * stride));
      const U = arena.f32(stride * stride);
      K.gramBlock(Y.ptr, stride, dim, 0, numY, U.ptr, 0);
      const B = Array.from({ length: dim }, (_, i) =>
        Array.from({ length: dim }, (_, j) => U.view[i * stride + j]! + (i === j ? lambda : 0)),
      );
      expect(K.cholesky(U.ptr, stride, dim, lambda)).toBe(-1);
      const W = arena.f32(numY * stride);
      W.view.set(Y.view);
      K.whitenRows(U.ptr, stride, dim, W.ptr, 0, numY);
      const C = arena.f32(stride * stride);
      for (let j = 0; j < dim; j++) C.view[j * stride + j] = 1;
      K.whitenRows(U.ptr, stride, dim, C.ptr, 0, dim);
      for (let i = 0; i < dim; i++) {
        for (let j = i + 1; j < dim; j++) {
          C.view[j * stride + i] = C.view[i * stride + j]!;
          C.view[i * stride + j] = 0;
        }
      }
      // U mirrored below its diagonal, as state.ts leaves it; the padding poisoned (never read)
      for (let i = 0; i < stride; i++)
        for (let j = 0; j < stride; j++) {
          if (i >= dim || j >= dim) U.view[i * stride + j] = Number.NaN;
          else if (j < i) U.view[i * stride + j] = U.view[j * stride + i]!;
        }
      const X = arena.f32(counts.length * stride);
      for (let u = 0; u < counts.length; u++) for (let p = 0; p < dim; p++) X.view[u * stride + p] = uniform(rand, -1, 1);
      const scratch = arena.f32(solveScratchFloats(stride, Math.max(...counts)));
      const paramsAt = arena.i32(PARAM_BYTES / 4).ptr;
      const i32 = new Int32Array(buffer);
      const rowsOf = (u: number) => ({
        cols: indices.slice(indptr[u], indptr[u + 1]),
        w: values.slice(indptr[u], indptr[u + 1]).map((r) => r - 1),
        t: values.slice(indptr[u], indptr[u + 1]),
      });
      const solve = (o: { whiteFactor: number; whiteUpper: number; cgSteps: number; values?: number[] }) => {
        writeSolveParams(i32, paramsAt, {
          X: X.ptr,
          Y: W.ptr,
          stride,
          dim,
          indptr: arena.i32(indptr).ptr,
          indices: arena.i32(indices).ptr,
          values: arena.f32(o.values ?? values).ptr,
          regWeights: 0,
          lambda,
          mode: WeightMode.ImplicitAlpha,
          alpha: 1,
          solver: Solver.ConjugateGradient,
          cgSteps: o.cgSteps,
          YtY: 0,
          mu: 0,
          otherBias: 0,
          blockSize: dim,
          whiteFactor: o.whiteFactor,
          whiteUpper: o.whiteUpper,
        });
        return K.solveRows(paramsAt, 0, counts.length, scratch.ptr);
      };
      return { K, arena, stride, yRows, B, W, U, C, X, rowsOf, solve };
    }

    /** Rows of 0 … 9 ratings: six rows with ratings (a group of four and a padded one), one empty. */
    const COUNTS = [3, 1, 9, 0, 5, 2, 7];

    for (const dim of [1, 7, 13, 61]) {
      it(`z₀ = U·x on a hand-made U (dim ${dim}): with L⁻¹ = I and no CG step a row comes back as U·x`, async () => {
        const s = await setUp(dim, COUNTS, 10 + dim);
        const rand = rng(20 + dim);
        // a hand-made U: upper triangle random, mirrored below it; the padding NaN (never read)
        for (let i = 0; i < dim; i++)
          for (let j = i; j < dim; j++) {
            s.U.view[i * s.stride + j] = uniform(rand, -2, 2);
            s.U.view[j * s.stride + i] = s.U.view[i * s.stride + j]!;
          }
        const identity = s.arena.f32(s.stride * s.stride);
        for (let j = 0; j < dim; j++) identity.view[j * s.stride + j] = 1;
        const x0 = s.X.view.slice();
        expect(s.solve({ whiteFactor: identity.ptr, whiteUpper: s.U.ptr, cgSteps: 0 })).toBe(SOLVE_OK);
        COUNTS.forEach((n, u) => {
          const got = s.X.view.subarray(u * s.stride, u * s.stride + dim);
          if (n === 0) return expect(Array.from(got)).toEqual(new Array(dim).fill(0));
          const expected = new Array(dim).fill(0);
          let scale = 0;
          for (let i = 0; i < dim; i++)
            for (let j = i; j < dim; j++) {
              const term = s.U.view[i * s.stride + j]! * x0[u * s.stride + j]!;
              expected[i] += term;
              scale += Math.abs(term);
            }
          for (let i = 0; i < dim; i++) expect(Math.abs(got[i]! - expected[i]!) / scale, `row ${u}, z_${i}`).toBeLessThan(1e-5);
        });
      });
    }

    for (const dim of [5, 13, 61]) {
      for (const warm of [true, false]) {
        it(`3 CG steps from z₀ = ${warm ? 'U·x' : '0'} (dim ${dim}) equal the float64 preconditioned CG, x = L⁻ᵀz`, async () => {
          const s = await setUp(dim, COUNTS, 30 + dim);
          const x0 = s.X.view.slice();
          expect(s.solve({ whiteFactor: s.C.ptr, whiteUpper: warm ? s.U.ptr : 0, cgSteps: 3 })).toBe(SOLVE_OK);
          COUNTS.forEach((n, u) => {
            const got = s.X.view.subarray(u * s.stride, u * s.stride + dim);
            if (n === 0) return expect(Array.from(got)).toEqual(new Array(dim).fill(0));
            const { cols, w, t } = s.rowsOf(u);
            const z0 = new Array(dim).fill(0);
            if (warm)
              for (let i = 0; i < dim; i++)
                for (let j = i; j < dim; j++) z0[i] += s.U.view[i * s.stride + j]! * x0[u * s.stride + j]!;
            const rows = cols.map((c) => Array.from(s.W.view.subarray(c * s.stride, c * s.stride + dim)));
            const z = cg64(rows, w, t, z0, 3);
            const expected = new Array(dim).fill(0); // x = L⁻ᵀz = Σ_j z_j C[j]
            for (let j = 0; j < dim; j++) for (let i = 0; i <= j; i++) expected[i] += z[j]! * s.C.view[j * s.stride + i]!;
            expect(relError(got, expected), `row ${u}`).toBeLessThan(1e-4);
          });
        });
      }
    }

    it('with enough steps a whitened CG row is the exact solution of its ridge system (B + Σ w_j y_j y_jᵀ) x = Σ t_j y_j', async () => {
      const dim = 13;
      const s = await setUp(dim, COUNTS, 77);
      expect(s.solve({ whiteFactor: s.C.ptr, whiteUpper: s.U.ptr, cgSteps: 40 })).toBe(SOLVE_OK);
      COUNTS.forEach((n, u) => {
        if (n === 0) return;
        const { cols, w, t } = s.rowsOf(u);
        const A = s.B.map((row) => row.slice());
        const b = new Array(dim).fill(0);
        cols.forEach((c, j) => {
          const y = s.yRows[c]!;
          for (let p = 0; p < dim; p++) {
            b[p] += t[j]! * y[p]!;
            for (let q = 0; q < dim; q++) A[p]![q] += w[j]! * y[p]! * y[q]!;
          }
        });
        expect(relError(s.X.view.subarray(u * s.stride, u * s.stride + dim), solve(A, b)), `row ${u}`).toBeLessThan(5e-4);
      });
    });

    it('a row whose solution is not finite is reported and never written (a whitened group)', async () => {
      const dim = 13;
      const counts = [3, 4, 2, 5, 1];
      const s = await setUp(dim, counts, 91);
      const before = s.X.view.slice();
      // row 2's first rating is infinite: its weight and target are, and so is its solution
      const values = Array.from({ length: counts.reduce((a, b) => a + b, 0) }, () => 2);
      values[3 + 4] = Number.POSITIVE_INFINITY;
      expect(s.solve({ whiteFactor: s.C.ptr, whiteUpper: s.U.ptr, cgSteps: 3, values })).toBe(-2 - 2);
      expect(Array.from(s.X.view.subarray(2 * s.stride, 3 * s.stride))).toEqual(
        Array.from(before.subarray(2 * s.stride, 3 * s.stride)),
      );
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Whole fits

const synth = syntheticRatings({ numUsers: 400, numItems: 200, nnz: 9000, seed: 5 });
const ratings = Ratings.fromTriples(synth, { denseIds: true, numUsers: synth.numUsers, numItems: synth.numItems });

/** ≥ MIN_WHITEN_DIM, not a multiple of 8. */
const K_FIT = 52;
const IMPLICIT = { feedback: 'implicit', confidence: 'alpha', alpha: 1, regularization: 0.05 } as const;

/**
 * A fit with whitened CG on or off; costRule false (the default here) whitens both half-steps
 * (the rule alone whitens only the items for the users' half-step on these 400 × 200 ratings).
 * onIteration: none, record the losses, or stop after that iteration.
 */
async function fitCg(
  on: boolean,
  o: {
    onIteration?: 'none' | 'record' | number;
    iterations?: number;
    threads?: number;
    cgSteps?: number;
    costRule?: boolean;
    warmStart?: boolean;
    backend?: 'wasm' | 'js';
    options?: Record<string, unknown>;
  } = {},
) {
  const saved = { ...whitenedCg };
  Object.assign(whitenedCg, { enabled: on, costRule: o.costRule ?? false, warmStart: o.warmStart ?? true });
  const losses: number[] = [];
  const onIteration = o.onIteration ?? 'record';
  try {
    const model = await new ALS({
      factors: K_FIT,
      iterations: o.iterations ?? 5,
      solver: 'cg',
      cgSteps: o.cgSteps ?? 3,
      backend: o.backend ?? 'wasm',
      threads: o.threads ?? 1,
      seed: 3,
      ...IMPLICIT,
      ...o.options,
      ...(onIteration === 'none'
        ? {}
        : {
            onIteration: ({ iteration, loss }: { iteration: number; loss: number }) => {
              losses.push(loss);
              return iteration !== onIteration;
            },
          }),
    }).fit(ratings);
    return { model, losses };
  } finally {
    Object.assign(whitenedCg, saved);
  }
}

/** Σ_obs c (p − x·y)² + Σ_unobs (x·y)² + λ(‖X‖² + ‖Y‖²) over nnz in float64, p = 1, c = α·r. */
function implicitLoss64(X: Float32Array, Y: Float32Array): number {
  const { indptr, indices, values } = ratings.byUser;
  let sum = 0;
  for (let u = 0; u < ratings.numUsers; u++) {
    const rated = new Map<number, number>();
    for (let e = indptr[u]!; e < indptr[u + 1]!; e++) rated.set(indices[e]!, values[e]!);
    for (let i = 0; i < ratings.numItems; i++) {
      let p = 0;
      for (let a = 0; a < K_FIT; a++) p += X[u * K_FIT + a]! * Y[i * K_FIT + a]!;
      const r = rated.get(i);
      sum += r === undefined ? p * p : IMPLICIT.alpha * r * (1 - p) ** 2;
    }
  }
  let penalty = 0;
  for (const F of [X, Y]) for (let e = 0; e < F.length; e++) penalty += F[e]! * F[e]!;
  return (sum + IMPLICIT.regularization * penalty) / ratings.nnz;
}

const wasmBuilt = backends.some((b) => b.name === 'wasm' && b.make !== null);
describe.skipIf(!wasmBuilt)('whole fits with whitened CG', () => {
  it('with 30 steps whitened and plain CG reach the same factors and losses', async () => {
    const on = await fitCg(true, { cgSteps: 30 });
    const off = await fitCg(false, { cgSteps: 30 });
    expect(maxRel(on.model.userFactors, off.model.userFactors)).toBeLessThan(FIT_TOL);
    expect(maxRel(on.model.itemFactors, off.model.itemFactors)).toBeLessThan(FIT_TOL);
    on.losses.forEach((loss, i) => expect(Math.abs(loss - off.losses[i]!) / off.losses[i]!).toBeLessThan(1e-5));
  });

  it('with 3 steps whitened CG reaches a lower loss than plain CG after every iteration (preconditioned by B)', async () => {
    const on = await fitCg(true);
    const off = await fitCg(false);
    // measured: 0.7945 / 0.8247 after the first iteration, 0.5042 / 0.5084 after the fifth
    on.losses.forEach((loss, i) => expect(loss, `iteration ${i + 1}`).toBeLessThan(off.losses[i]! * (1 - 5e-3)));
  });

  it('the JS backend takes the same path: its fit agrees with the WASM one', async () => {
    const wasm = await fitCg(true, { iterations: 3 });
    const js = await fitCg(true, { iterations: 3, backend: 'js' });
    expect(maxRel(js.model.userFactors, wasm.model.userFactors)).toBeLessThan(FIT_TOL);
    expect(maxRel(js.model.itemFactors, wasm.model.itemFactors)).toBeLessThan(FIT_TOL);
    js.losses.forEach((loss, i) => expect(Math.abs(loss - wasm.losses[i]!) / wasm.losses[i]!).toBeLessThan(1e-5));
  });

  itFitsBitIdenticalOnThreads((o) => fitCg(true, o));

  it('whitening both sides: each side is mapped back before its own half-step warm-starts from it, the users after the last', async () => {
    const plain = await countJobs(() => fitCg(true, { onIteration: 'none', iterations: 3 }));
    // Whiten: both sides every iteration; Unwhiten: the items before each items' half-step,
    // the users before the users' half-steps of iterations 2 and 3 and once after the last
    expect([plain.jobs.Whiten, plain.jobs.Unwhiten]).toEqual([6, 3 + 2 + 1]);
    const watched = await countJobs(() => fitCg(true, { onIteration: 'record', iterations: 3 }));
    // with onIteration the users are mapped back for each loss instead
    expect([watched.jobs.Whiten, watched.jobs.Unwhiten]).toEqual([6, 3 + 3]);
  });

  it('the cost rule whitens the 200 items for the 400 users’ half-step, not the users for the items’', async () => {
    const { result, jobs } = await countJobs(() => fitCg(true, { onIteration: 'none', iterations: 3, costRule: true }));
    expect([jobs.Whiten, jobs.Unwhiten]).toEqual([3, 3]);
    const off = await fitCg(false, { onIteration: 'none', iterations: 3 });
    expect(Array.from(result.model.userFactors)).not.toEqual(Array.from(off.model.userFactors));
  });

  it('onIteration returning false at iteration 2 hands out the un-whitened users its loss scored', async () => {
    const stopped = await fitCg(true, { onIteration: 2 });
    expect(stopped.losses).toHaveLength(2);
    const scored = implicitLoss64(stopped.model.userFactors, stopped.model.itemFactors);
    expect(Math.abs(scored - stopped.losses[1]!) / scored).toBeLessThan(1e-6);
    // and the run without onIteration hands out the same factors within rounding
    const through = await fitCg(true, { onIteration: 'none', iterations: 2 });
    expect(maxRel(through.model.userFactors, stopped.model.userFactors)).toBeLessThan(FIT_TOL);
    expect(maxRel(through.model.itemFactors, stopped.model.itemFactors)).toBeLessThan(FIT_TOL);
  });

  it('an abort right after the users’ half-step (items whitened) ends the fit with ABORTED and no model', async () => {
    const { whitened, error } = await abortAfterWhitenedHalfStep((signal) => fitCg(true, { options: { signal } }));
    expect(whitened).toBe(true);
    expect(error).toBeInstanceOf(AlsError);
    expect((error as AlsError).code).toBe(ErrorCode.ABORTED);
  });

  it('a training state refuses to hand out or score the whitened items; CG maps them back before their half-step', async () => {
    const { state, executor } = await trainingStateFor(ratings, { factors: K_FIT, ...IMPLICIT, solver: 'cg' });
    try {
      const items = state.extract('items').factors;
      const { jobs } = await countJobs(() => state.halfStep('users', ratings.users, { mayLeaveFixedWhitened: true }));
      expect(jobs.Whiten).toBe(1);
      expect(() => state.extract('items')).toThrow(/whitened/);
      expect(() => state.extractInPlace('users')).toThrow(/whitened/);
      await expect(state.loss('users')).rejects.toThrow(/whitened/);
      // the items' warm start: mapped back (≈ the items before whitening) before the solve
      const original = TrainingState.prototype.runJob;
      let warmStart: Float32Array | null = null;
      TrainingState.prototype.runJob = async function (this: TrainingState, job, tasks, args) {
        if (job === 'Solve') warmStart = this.extract('items').factors;
        return original.call(this, job, tasks, args);
      } as typeof original;
      try {
        await state.halfStep('items', ratings.items);
      } finally {
        TrainingState.prototype.runJob = original;
      }
      expect(maxRel(warmStart!, items)).toBeLessThan(1e-5);
      expect(Number.isFinite(await state.loss('items'))).toBe(true);
    } finally {
      await executor.close();
    }
  });

  it('partialFit and foldIn after a whitened CG fit read real item factors', async () => {
    const on = (await fitCg(true, { cgSteps: 30, onIteration: 'none' })).model;
    const off = (await fitCg(false, { cgSteps: 30, onIteration: 'none' })).model;
    const items = [0, 3, 7, 12].map((i) => on.items.id(i));
    const values = [1, 2, 1, 3];
    expect(maxRel(on.foldIn({ items, values }), off.foldIn({ items, values }))).toBeLessThan(FIT_TOL);
    on.partialFit({ users: { users: items.map(() => on.users.id(1)), items, values } });
    off.partialFit({ users: { users: items.map(() => off.users.id(1)), items, values } });
    expect(maxRel(on.userFactors.slice(K_FIT, 2 * K_FIT), off.userFactors.slice(K_FIT, 2 * K_FIT))).toBeLessThan(FIT_TOL);
  });

  it('never for explicit feedback, subspace, per-row λ, an unobserved weight, or k below MIN_WHITEN_DIM: no Whiten job', async () => {
    for (const options of [
      { feedback: 'explicit', regularizationScaling: 'count' },
      { solver: 'subspace' },
      { regularizationScaling: 'count' },
      { unobservedWeight: 0.5, alpha: undefined, confidence: undefined },
      { factors: 40 },
    ]) {
      const { jobs } = await countJobs(() => fitCg(true, { onIteration: 'none', iterations: 2, options }));
      expect(jobs.Whiten, JSON.stringify(options)).toBeUndefined();
    }
  });
});

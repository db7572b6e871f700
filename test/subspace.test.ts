/**
 * solver 'subspace' (iALS++, Rendle, Krichene, Zhang, Koren 2021): one sweep of block coordinate
 * descent per half-step, on every backend, against a float64 reference of the same sweep.
 *
 * The reference solves each block's system directly: with H = A0 + Σ_j w_j y_j y_jᵀ + λI and
 * r = Σ_j t_j y_j, block B gets x_B ← x_B + H_BB⁻¹ (r_B − (H x)_B), blocks in order. The kernels
 * keep e_j = t_j − w_j x·y_j and (A0 x)_B instead of forming H: the same arithmetic in exact
 * numbers, so this also checks that derivation.
 *
 * Tolerances: each block system has κ ≤ κ(H) ≤ 51 (λ = trace/50, as in the conformance suite),
 * so each block solve is good to ≈ 5e-4 relative (SOLVE_TOL there); a sweep of up to dim blocks
 * compounds f32 rounding of e_j and (A0 x)_B, relative to the size of x and its warm start.
 */
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALS, type AlsOptions, Ratings } from '../src/index.js';
import { type Kernels, Param, SOLVE_OK, Solver, WeightMode, roundUp, solveScratchFloats } from '../src/kernels/types.js';
import { Arena, listBackends, rng, uniform } from './helpers.js';
import * as ref from './reference.js';
import type { Mat, SparseRow, Vec } from './reference.js';

const SWEEP_TOL = 1e-3;
const SOLVE_TOL = 5e-4;

/** One sweep of exact block coordinate descent on H x = r from x0 (the f64 reference). */
function blockSweep(H: Mat, r: Vec, x0: Vec, blockSize: number): Vec {
  const x = x0.slice();
  const d = x.length;
  for (let s = 0; s < d; s += blockSize) {
    const e = Math.min(s + blockSize, d);
    const Hx = ref.matVec(H, x);
    const HBB = H.slice(s, e).map((row) => row.slice(s, e));
    const delta = ref.solve(
      HBB,
      r.slice(s, e).map((v, i) => v - Hx[s + i]),
    );
    for (let i = s; i < e; i++) x[i] += delta[i - s];
  }
  return x;
}

function randomRows(rand: () => number, count: number, dim: number, lo: number, hi: number): Mat {
  return Array.from({ length: count }, () => Array.from({ length: dim }, () => uniform(rand, lo, hi)));
}

function distinctIndices(rand: () => number, n: number, count: number): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rand() * (count - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, n);
}

const trace = (A: Mat) => A.reduce((s, row, i) => s + row[i], 0);
const relError = (a: Vec, b: Vec, scale: number) => ref.norm(ref.subtract(a, b)) / Math.max(scale, 1e-30);

/** Rating counts: an empty row, one rating, n > GATHER_ROWS and not a multiple of 32. */
const COUNTS = [5, 0, 1, 70, 37, 3];
const NUM_COLS = 120;

interface Variant {
  name: string;
  mode: number;
  bias: boolean;
  regWeights: boolean;
}
const VARIANTS: Variant[] = [
  { name: 'implicit 1 + α|r|, regWeights', mode: WeightMode.ImplicitOnePlusAlpha, bias: false, regWeights: true },
  { name: 'implicit α|r|, one λ', mode: WeightMode.ImplicitAlpha, bias: false, regWeights: false },
  { name: 'explicit, μ + otherBias, bias column (dim = k + 1)', mode: WeightMode.Explicit, bias: true, regWeights: true },
];

const backends = await listBackends();

for (const backend of backends) {
  describe.skipIf(backend.make === null)(
    `subspace on ${backend.name}${backend.skipReason ? ` (${backend.skipReason})` : ''}`,
    () => {
      let K: Kernels;
      let buffer: ArrayBufferLike;
      let arena: Arena;
      beforeAll(async () => {
        const b = await backend.make!();
        K = b.kernels;
        buffer = b.buffer;
        arena = new Arena(buffer);
      });

      const storeRows = (rows: Mat, stride: number) => {
        const blk = arena.f32(rows.length * stride);
        rows.forEach((r, i) => blk.view.set(r, i * stride));
        return blk;
      };
      const readRow = (view: Float32Array, row: number, stride: number, dim: number) =>
        Array.from(view.subarray(row * stride, row * stride + dim));

      /** A half-step problem in memory (the conformance suite's shape), with each row's f64 system. */
      const buildProblem = (v: Variant, k: number, seed: number, solver: number, blockSize: number) => {
        arena.reset();
        const rand = rng(seed);
        const d = v.bias ? k + 1 : k;
        const s = roundUp(d, 8);
        const implicit = v.mode !== WeightMode.Explicit;
        const Yrows = randomRows(rand, NUM_COLS, k, -0.6, 0.6).map((y) => (v.bias ? [...y, 1] : y));
        const rows: SparseRow[] = COUNTS.map((n) => {
          const cols = distinctIndices(rand, n, NUM_COLS);
          return { cols, values: cols.map(() => (implicit ? uniform(rand, -2, 6) : uniform(rand, 1, 5))) };
        });
        const mu = implicit ? 0 : Math.fround(3.1);
        const otherBias = implicit ? undefined : Array.from({ length: NUM_COLS }, () => uniform(rand, -0.5, 0.5));
        const alpha = Math.fround(v.mode === WeightMode.ImplicitAlpha ? 4 : 2);
        const systems = rows.map((row) =>
          implicit
            ? ref.implicitNormalEquations(Yrows, d, row, v.mode, alpha, 0)
            : ref.explicitNormalEquations(Yrows, d, row, 0, mu, otherBias),
        );
        const lambda = v.regWeights ? Math.fround(0.5) : Math.fround(Math.max(...systems.map((sys) => trace(sys.A))) / 50);
        const regWeights = rows.map((_, u) => Math.fround(Math.max(trace(systems[u].A), 1) / 50 / 0.5));
        const lambdas = rows.map((_, u) => (v.regWeights ? Math.fround(lambda * regWeights[u]) : lambda));
        const X0 = rows.map(() => Array.from({ length: d }, () => uniform(rand, -0.3, 0.3)));
        const Y = storeRows(Yrows, s);
        const X = storeRows(X0, s);
        // YᵀY with NaN below the diagonal and in the padding: only the upper triangle may be read.
        let YtY = 0;
        if (implicit) {
          const G = ref.gram(Yrows, d);
          const blk = arena.f32(s * s);
          for (let i = 0; i < s; i++)
            for (let j = 0; j < s; j++) blk.view[i * s + j] = i < d && j < d && j >= i ? G[i][j] : Number.NaN;
          YtY = blk.ptr;
        }
        const indptr = [0];
        for (const r of rows) indptr.push(indptr[indptr.length - 1] + r.cols.length);
        const params = arena.i32(32);
        const f = new Float32Array(buffer, params.ptr, 32);
        const p = params.view;
        p[Param.X] = X.ptr;
        p[Param.Y] = Y.ptr;
        p[Param.Stride] = s;
        p[Param.Dim] = d;
        p[Param.Indptr] = arena.i32(indptr).ptr;
        p[Param.Indices] = arena.i32(rows.flatMap((r) => r.cols)).ptr;
        p[Param.Values] = arena.f32(rows.flatMap((r) => r.values)).ptr;
        p[Param.RegWeights] = v.regWeights ? arena.f32(regWeights).ptr : 0;
        f[Param.Lambda] = lambda;
        p[Param.Mode] = v.mode;
        f[Param.Alpha] = alpha;
        p[Param.Solver] = solver;
        p[Param.CgSteps] = 3;
        p[Param.YtY] = YtY;
        f[Param.Mu] = mu;
        p[Param.OtherBias] = otherBias ? arena.f32(otherBias).ptr : 0;
        p[Param.BlockSize] = blockSize;
        const scratch = arena.f32(solveScratchFloats(s, Math.max(...COUNTS)));
        scratch.view.fill(Number.NaN); // scratch holds anything on entry
        const H = rows.map((_, u) => ref.addDiagonal(systems[u].A, lambdas[u]));
        const sweep = rows.map((row, u) =>
          row.cols.length === 0 ? new Array<number>(d).fill(0) : blockSweep(H[u], systems[u].b, X0[u], blockSize),
        );
        const exact = rows.map((row, u) =>
          row.cols.length === 0 ? new Array<number>(d).fill(0) : ref.solve(H[u], systems[u].b),
        );
        return { d, s, X, X0, params: params.ptr, scratch: scratch.ptr, sweep, exact, Yrows, rows, H, systems, lambdas, YtY };
      };

      for (const k of [8, 13, 40]) {
        for (const v of VARIANTS) {
          for (const blockSize of [1, 3, 8, 16]) {
            if (blockSize > k) continue;
            it(`solveRows, subspace b = ${blockSize}, k = ${k}, ${v.name}: one sweep of the f64 block update`, () => {
              const p = buildProblem(v, k, 100 * k + blockSize, Solver.Subspace, blockSize);
              expect(K.solveRows(p.params, 0, COUNTS.length, p.scratch)).toBe(SOLVE_OK);
              p.sweep.forEach((x, u) => {
                const got = readRow(p.X.view, u, p.s, p.d);
                if (COUNTS[u] === 0) expect(got, `row ${u} has no ratings: zeros`).toEqual(x);
                else
                  expect(
                    relError(got, x, ref.norm(x) + ref.norm(p.X0[u])),
                    `row ${u} (${COUNTS[u]} ratings)`,
                  ).toBeLessThanOrEqual(SWEEP_TOL);
              });
              const padding = Array.from({ length: COUNTS.length }, (_, u) =>
                Array.from(p.X.view.subarray(u * p.s + p.d, (u + 1) * p.s)),
              );
              expect(
                padding.flat().every((x) => x === 0),
                'padding columns stay zero',
              ).toBe(true);
            });
          }
          it(`solveRows, subspace b ≥ dim, k = ${k}, ${v.name}: one block is the Cholesky solution`, () => {
            const p = buildProblem(v, k, 200 + k, Solver.Subspace, 4096);
            expect(K.solveRows(p.params, 0, COUNTS.length, p.scratch)).toBe(SOLVE_OK);
            const subspace = COUNTS.map((_, u) => readRow(p.X.view, u, p.s, p.d));
            // the same problem through this backend's Cholesky path
            const q = buildProblem(v, k, 200 + k, Solver.Cholesky, 4096);
            expect(K.solveRows(q.params, 0, COUNTS.length, q.scratch)).toBe(SOLVE_OK);
            COUNTS.forEach((n, u) => {
              const cholesky = readRow(q.X.view, u, q.s, q.d);
              if (n === 0) expect(subspace[u]).toEqual(cholesky);
              else {
                // Relative to the warm start too: it solves for the step from x0, so a row whose
                // answer is 0 (only dislikes) comes out as x0's rounding, not as an exact 0.
                const scale = Math.max(ref.norm(p.exact[u]), ref.norm(p.X0[u]));
                expect(relError(subspace[u], p.exact[u], scale), `row ${u} vs f64`).toBeLessThanOrEqual(SOLVE_TOL);
                expect(relError(subspace[u], cholesky, scale), `row ${u} vs Cholesky`).toBeLessThanOrEqual(SOLVE_TOL);
              }
            });
          });
        }
      }

      it('solveRows, subspace: any split of the rows gives the same bits (threads own row ranges)', () => {
        const p = buildProblem(VARIANTS[0], 40, 31, Solver.Subspace, 16);
        expect(K.solveRows(p.params, 0, COUNTS.length, p.scratch)).toBe(SOLVE_OK);
        const whole = Array.from(p.X.view);
        for (const split of [1, 3, 4]) {
          const q = buildProblem(VARIANTS[0], 40, 31, Solver.Subspace, 16);
          expect(K.solveRows(q.params, 0, split, q.scratch)).toBe(SOLVE_OK);
          expect(K.solveRows(q.params, split, COUNTS.length, q.scratch)).toBe(SOLVE_OK);
          expect(Array.from(q.X.view), `split at ${split}`).toEqual(whole);
        }
      });

      it('solveRows, subspace: a block that is not positive definite returns its row, which is not written', () => {
        // λ = 0 and fixed-side rows all zero in column m: block pivot m is exactly 0 (explicit, no A0)
        const p = buildProblem(VARIANTS[2], 13, 41, Solver.Subspace, 4);
        const Y = new Float32Array(buffer, new Int32Array(buffer, p.params, 32)[Param.Y], NUM_COLS * p.s);
        for (let c = 0; c < NUM_COLS; c++) Y[c * p.s + 6] = 0;
        new Float32Array(buffer, new Int32Array(buffer, p.params, 32)[Param.RegWeights], COUNTS.length)[3] = 0;
        expect(K.solveRows(p.params, 0, COUNTS.length, p.scratch)).toBe(3);
        expect(readRow(p.X.view, 3, p.s, p.d)).toEqual(p.X0[3]);
      });

      // The WASM export is reached through solveRows above until src/kernels/wasm.ts passes it through.
      it.skipIf(backend.name !== 'js')('subspaceSolve, the kernel called directly: one sweep of the f64 block update', () => {
        const p = buildProblem(VARIANTS[0], 13, 51, Solver.Subspace, 5);
        const u = 3,
          row = p.rows[u];
        const n = row.cols.length;
        const { w, t } = ref.rowWeights(row.values, row.cols, WeightMode.ImplicitOnePlusAlpha, Math.fround(2), 0);
        const cols = arena.i32(row.cols);
        const wB = arena.f32(w),
          tB = arena.f32(t);
        const x = arena.f32(p.s);
        x.view.set(p.X0[u]);
        const bs = roundUp(5, 8);
        const work = arena.f32(bs * bs + 2 * bs),
          gather = arena.f32(64 * bs);
        work.view.fill(Number.NaN);
        const Y = new Int32Array(buffer, p.params, 32)[Param.Y];
        expect(
          K.subspaceSolve!(p.YtY, Y, p.s, p.d, cols.ptr, wB.ptr, tB.ptr, n, p.lambdas[u], x.ptr, 5, work.ptr, gather.ptr),
        ).toBe(-1);
        expect(
          relError(Array.from(x.view.subarray(0, p.d)), p.sweep[u], ref.norm(p.sweep[u]) + ref.norm(p.X0[u])),
        ).toBeLessThanOrEqual(SWEEP_TOL);
      });
    },
  );
}

// ---- training -------------------------------------------------------------------------------

const mlSmall = new URL('../../shared/data/ml-latest-small/ratings.csv', import.meta.url);
const built = existsSync(new URL('../dist/index.js', import.meta.url));
if (!existsSync(mlSmall)) {
  console.warn(`Skipping the subspace training test: ${mlSmall.pathname} is absent (read from ../shared/data next to the repo).`);
}

/** MovieLens latest-small as implicit feedback (every rating a positive of weight r). */
function movieLensSmall(): Ratings {
  const lines = readFileSync(mlSmall, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '');
  return Ratings.fromTriples({
    users: lines.map((l) => l.split(',')[0]!),
    items: lines.map((l) => l.split(',')[1]!),
    values: Float32Array.from(lines, (l) => Number(l.split(',')[2])),
  });
}

describe.runIf(existsSync(mlSmall) && built)('training with solver subspace (ml-latest-small, implicit)', () => {
  // Before subspace started from Rendle et al.'s normal(0, 0.1/√k) by default, the unit-row
  // start left b = 16 6.9% above Cholesky's loss (1.3800 against 1.2913) and b = 32 0.19%.
  it('ends 16 iterations within 0.5% of the Cholesky training loss at b = 16 and 32 (k = 64), with the same bits on 1 and 2 threads', async () => {
    const ratings = movieLensSmall();
    const options: AlsOptions = {
      feedback: 'implicit',
      factors: 64,
      iterations: 16,
      regularization: 10,
      seed: 1,
      backend: 'wasm',
    };
    const fit = async (extra: AlsOptions) => {
      const losses: number[] = [];
      const model = await new ALS({ ...options, ...extra, onIteration: ({ loss }) => void losses.push(loss) }).fit(ratings);
      return { model, loss: losses[losses.length - 1]! };
    };
    const cholesky = await fit({ solver: 'cholesky', threads: 1 });
    const one = await fit({ solver: 'subspace', blockSize: 32, threads: 1 });
    expect(one.model.options.solver).toBe('subspace');
    expect(Buffer.from(one.model.itemFactors.buffer).equals(Buffer.from(cholesky.model.itemFactors.buffer))).toBe(false);
    expect(Math.abs(one.loss / cholesky.loss - 1)).toBeLessThanOrEqual(0.005);
    const small = await fit({ solver: 'subspace', blockSize: 16, threads: 1 });
    expect(Math.abs(small.loss / cholesky.loss - 1)).toBeLessThanOrEqual(0.005);
    const two = await fit({ solver: 'subspace', blockSize: 32, threads: 2 });
    expect(two.model.options.threads).toBe(2);
    expect(Buffer.from(two.model.userFactors.buffer).equals(Buffer.from(one.model.userFactors.buffer))).toBe(true);
    expect(Buffer.from(two.model.itemFactors.buffer).equals(Buffer.from(one.model.itemFactors.buffer))).toBe(true);
  }, 300_000); // four 16-iteration fits at k = 64: ≈ 15 s on an idle core, several times that on a shared one
});

/**
 * Bayesian ALS (solver 'gibbs'): the sampleRows kernel against an f64 reference on every
 * backend, the draw's distribution on a conjugate case, the hyperprior draws, determinism,
 * options, and the model file.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Ratings } from '../src/data/ratings.js';
import { syntheticRatings } from '../src/data/synthetic.js';
import { AlsError, ErrorCode } from '../src/errors.js';
import { rmse } from '../src/eval/metrics.js';
import { ALSModel } from '../src/model/model.js';
import { PRIOR_PARAMS, writePriorParams } from '../src/kernels/abi.js';
import { shortRowCap } from '../src/kernels/js/short-rows.js';
import { GATHER_ROWS, Param, type Kernels, SOLVE_OK, solveScratchFloats } from '../src/kernels/types.js';
import { spawnNodeWorker, spawnWorker } from '../src/parallel/spawn.node.js';
import { ALS } from '../src/train/als.js';
import { fitGibbs } from '../src/train/gibbs.js';
import { factorPrior, planPriorBlock } from '../src/train/gibbs-prior.js';
import { resolveOptions } from '../src/train/options.js';
import { randomFactors } from '../src/train/random-factors.js';
import { Prng, streamKey, streamSeed } from '../src/train/prng.js';
import { bpmfPrior, sampleWishart } from '../src/train/wishart.js';
import { kernelNormals } from './gibbs-reference.js';
import { cholesky, solve } from './reference.js';
import { Arena, listBackends, rng, uniform } from './helpers.js';

const F32_EPS = 2 ** -23;

/** One row's data for sampleRows: its ratings' columns and values, and the fixed side. */
interface Problem {
  dim: number;
  stride: number;
  Y: number[][]; // rows of the fixed side (dim used)
  otherBias: number[];
  mu: number;
  rows: { cols: number[]; values: number[] }[];
  P: number[][]; // prior precision / τ (symmetric)
  h: number[];
  key: number; // the stream key: row r's normals are seeded mix(key ^ r)
  z: number[][]; // those normals, one vector per row (kernelNormals)
  noiseScale: number;
}

function randomProblem(seed: number, dim: number, numRows: number): Problem {
  const rand = rng(seed);
  const stride = Math.ceil(dim / 8) * 8;
  const fixedRows = 40;
  const Y = Array.from({ length: fixedRows }, () => Array.from({ length: dim }, () => uniform(rand, -1, 1)));
  // P = B Bᵀ/dim + I: symmetric positive definite, well conditioned.
  const B = Array.from({ length: dim }, () => Array.from({ length: dim }, () => uniform(rand, -1, 1)));
  const P = B.map((bi) => B.map((bj) => Math.fround(bi.reduce((s, v, c) => s + v * bj[c]!, 0) / dim)));
  for (let i = 0; i < dim; i++) P[i]![i] = Math.fround(P[i]![i]! + 1);
  const rows = Array.from({ length: numRows }, (_, r) => {
    const n = r === 1 ? 0 : 1 + Math.floor(rand() * 12); // row 1 has no ratings: the prior alone
    const cols = [...new Set(Array.from({ length: n }, () => Math.floor(rand() * fixedRows)))].sort((a, b) => a - b);
    return { cols, values: cols.map(() => uniform(rand, 0.5, 5)) };
  });
  return {
    dim,
    stride,
    Y,
    otherBias: Y.map(() => uniform(rand, -0.5, 0.5)),
    mu: Math.fround(3.5),
    rows,
    P,
    h: Array.from({ length: dim }, () => uniform(rand, -1, 1)),
    key: streamKey(seed, 1, 0),
    z: rows.map((_, r) => kernelNormals(streamSeed(seed, 1, 0, r), dim)),
    noiseScale: Math.fround(0.7),
  };
}

/** The draw in f64: A = P + Σ y yᵀ = UᵀU, m = A⁻¹(h + Σ t y), x = m + U⁻¹z·s. */
function referenceDraw(p: Problem, r: number): { x: number[]; U: number[][] } {
  const { dim } = p;
  const A = p.P.map((row) => [...row]);
  const b = [...p.h];
  const { cols, values } = p.rows[r]!;
  cols.forEach((c, j) => {
    const y = p.Y[c]!;
    const t = Math.fround(values[j]! - p.mu - p.otherBias[c]!);
    for (let i = 0; i < dim; i++) {
      b[i] += t * y[i]!;
      for (let k = 0; k < dim; k++) A[i]![k] += y[i]! * y[k]!;
    }
  });
  const U = A.map(() => new Array<number>(dim).fill(0));
  for (let i = 0; i < dim; i++) {
    let d = A[i]![i]!;
    for (let q = 0; q < i; q++) d -= U[q]![i]! ** 2;
    U[i]![i] = Math.sqrt(d);
    for (let j = i + 1; j < dim; j++) {
      let s = A[i]![j]!;
      for (let q = 0; q < i; q++) s -= U[q]![i]! * U[q]![j]!;
      U[i]![j] = s / U[i]![i]!;
    }
  }
  const w = new Array<number>(dim).fill(0); // Uᵀw = b
  for (let i = 0; i < dim; i++) {
    let s = b[i]!;
    for (let q = 0; q < i; q++) s -= U[q]![i]! * w[q]!;
    w[i] = s / U[i]![i]!;
  }
  const x = new Array<number>(dim).fill(0); // U m = w, U v = z·s, x = m + v
  for (let i = dim - 1; i >= 0; i--) {
    let s = w[i]! + p.noiseScale * p.z[r]![i]!;
    for (let j = i + 1; j < dim; j++) s -= U[i]![j]! * x[j]!;
    x[i] = s / U[i]![i]!;
  }
  return { x, U };
}

/** Row r's Σ_j (t_j − x·y_j)² in f64 for the drawn x (what sampleRows writes to rowLoss). */
function residualSquares(p: Problem, r: number, x: ArrayLike<number>): number {
  const { cols, values } = p.rows[r]!;
  return cols.reduce((sum, c, j) => {
    const y = p.Y[c]!;
    const fit = y.reduce((d, v, i) => d + v * x[i]!, 0);
    return sum + (Math.fround(values[j]! - p.mu - p.otherBias[c]!) - fit) ** 2;
  }, 0);
}

/**
 * A short row's draw in f64, perturb and MAP with the kernel's normals η = z[0, dim),
 * ε = z[dim, dim + n) of the row's stream: x = A⁻¹(h + Σ_j (t_j + s·ε_j) y_j + s·Lη), P = LLᵀ.
 */
function referenceShortDraw(p: Problem, r: number, seed: number): number[] {
  const { dim } = p;
  const { cols, values } = p.rows[r]!;
  const z = kernelNormals(seed, dim + cols.length);
  const s = p.noiseScale;
  const U = cholesky(p.P) as number[][]; // P = UᵀU, L = Uᵀ
  const A = p.P.map((row) => [...row]);
  const b = p.h.map((v, i) => {
    let lEta = 0;
    for (let q = 0; q <= i; q++) lEta += U[q]![i]! * z[q]!;
    return v + s * lEta;
  });
  cols.forEach((c, j) => {
    const y = p.Y[c]!;
    const t = Math.fround(values[j]! - p.mu - p.otherBias[c]!) + s * z[dim + j]!;
    for (let i = 0; i < dim; i++) {
      b[i] += t * y[i]!;
      for (let k = 0; k < dim; k++) A[i]![k] += y[i]! * y[k]!;
    }
  });
  return solve(A, b);
}

/**
 * Writes a problem into a backend's memory; returns the call's pointers and X's view. With
 * shortMax > 0, rows of at most that many ratings are drawn by perturb and MAP: the prior block
 * then also holds P's factor, L⁻¹, L⁻¹h and the fixed rows whitened (gibbs-prior.ts factorPrior).
 */
function place(arena: Arena, p: Problem, kernels?: Kernels, shortMax = 0, keep?: KeepSpec, mirrored = false) {
  const { stride, dim } = p;
  const Y = arena.f32(p.Y.length * stride);
  p.Y.forEach((row, r) => Y.view.set(row, r * stride));
  const indptr = [0];
  for (const row of p.rows) indptr.push(indptr.at(-1)! + row.cols.length);
  const indptrBlock = arena.i32(indptr);
  const indices = arena.i32(p.rows.flatMap((row) => row.cols));
  const values = arena.f32(p.rows.flatMap((row) => row.values));
  const otherBias = arena.f32(p.otherBias);
  const X = arena.f32(p.rows.length * stride).view.fill(Number.NaN);
  const Xblock = { ptr: X.byteOffset, view: X };
  for (let r = 0; r < p.rows.length; r++) X.fill(0, r * stride + dim, (r + 1) * stride); // padding stays 0
  const precision = arena.f32(stride * stride);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) precision.view[i * stride + j] = p.P[i]![j]!;
  const mean = arena.f32(stride);
  mean.view.set(p.h);
  const white = {
    precision: precision.ptr,
    mean: mean.ptr,
    upper: arena.f32(stride * stride).ptr,
    whiteFactor: arena.f32(stride * stride).ptr,
    whiteMean: arena.f32(stride).ptr,
  };
  const whiteRows = arena.f32(p.Y.length * stride);
  if (shortMax > 0) {
    const f32 = new Float32Array(Y.view.buffer);
    expect(factorPrior(kernels!, f32, white, stride, dim)).toBe(true);
    whiteRows.view.set(Y.view);
    kernels!.whitenRows(white.upper, stride, dim, whiteRows.ptr, 0, p.Y.length);
  }
  const rowLossPtr = arena.f32(2 * p.rows.length).ptr;
  const rowLoss = new Float64Array(Y.view.buffer, rowLossPtr, p.rows.length).fill(Number.NaN);
  // The kept samples (row r: factors·samples floats, every one KEEP_SENTINEL before) and the
  // bias sums (row r: r/4 before), when asked for.
  const keepFactors = keep?.factors ?? 0;
  const kept = arena.f32(keep ? p.rows.length * keepFactors * keep.samples : 1).view.fill(KEEP_SENTINEL);
  const biasSumsPtr = arena.f32(2 * p.rows.length).ptr;
  const biasSums = new Float64Array(Y.view.buffer, biasSumsPtr, p.rows.length);
  biasSums.forEach((_, r) => (biasSums[r] = r / 4));
  const mirror = arena.f32(mirrored ? p.rows.length * stride : 1).view.fill(KEEP_SENTINEL);
  const prior = arena.i32(PRIOR_PARAMS.bytes / 4);
  writePriorParams(new Int32Array(Y.view.buffer), prior.ptr, {
    keep: keep ? kept.byteOffset : 0,
    keepFactors,
    keepSamples: keep?.samples ?? 0,
    keepIndex: keep?.index ?? 0,
    keepBias: keep?.bias ? biasSumsPtr : 0,
    mirror: mirrored ? mirror.byteOffset : 0,
    rowLoss: rowLossPtr,
    precision: white.precision,
    mean: white.mean,
    shortMax,
    whiteRows: whiteRows.ptr,
    whiteFactor: white.whiteFactor,
    whiteMean: white.whiteMean,
  });
  const params = arena.i32(32);
  const I = params.view;
  const F = new Float32Array(I.buffer, I.byteOffset, 32);
  I[Param.X] = Xblock.ptr;
  I[Param.Y] = Y.ptr;
  I[Param.Stride] = stride;
  I[Param.Dim] = dim;
  I[Param.Indptr] = indptrBlock.ptr;
  I[Param.Indices] = indices.ptr;
  I[Param.Values] = values.ptr;
  F[Param.Mu] = p.mu;
  I[Param.OtherBias] = otherBias.ptr;
  const maxNnz = Math.max(...p.rows.map((row) => row.cols.length));
  const scratch = arena.f32(solveScratchFloats(stride, maxNnz)).view.fill(Number.NaN);
  return { params: params.ptr, prior: prior.ptr, scratch: scratch.byteOffset, X, rowLoss, kept, biasSums, mirror };
}

/** What place() asks the kernel to keep (PRIOR_PARAMS keep…). */
interface KeepSpec {
  factors: number;
  samples: number;
  index: number;
  bias: boolean;
}

const KEEP_SENTINEL = 7.25;

for (const backend of await listBackends()) {
  const suite = backend.make ? describe : describe.skip;
  suite(`sampleRows [${backend.name}]`, () => {
    for (const dim of [1, 3, 8, 11, 17, 33]) {
      it(`draws x = A⁻¹b + U⁻¹z·s as the f64 reference does, dim ${dim}`, async () => {
        const { kernels, buffer } = await backend.make!();
        const p = randomProblem(dim, dim, 6);
        const at = place(new Arena(buffer), p);
        expect(kernels.sampleRows(at.params, at.prior, p.noiseScale, p.key, 0, p.rows.length, at.scratch)).toBe(SOLVE_OK);
        for (let r = 0; r < p.rows.length; r++) {
          const { x, U } = referenceDraw(p, r);
          // Normwise backward-stable bound for a Cholesky solve: |δx| ≲ c·dim·ε·κ(A)·|x|, with
          // κ(A) ≥ (max U_ii / min U_ii)²; c = 8 covers the f32 Gram, the two substitutions
          // and the noise solve (FMA or not).
          const diag = U.map((row, i) => row[i]!);
          const kappa = (Math.max(...diag) / Math.min(...diag)) ** 2;
          const norm = Math.hypot(...x);
          const tol = 8 * dim * F32_EPS * kappa * Math.max(norm, 1) * 10;
          const got = Array.from(at.X.subarray(r * p.stride, r * p.stride + dim));
          const err = Math.hypot(...got.map((v, i) => v - x[i]!));
          expect(err).toBeLessThan(tol);
          expect(Array.from(at.X.subarray(r * p.stride + dim, (r + 1) * p.stride))).toEqual(new Array(p.stride - dim).fill(0));
          const loss = residualSquares(p, r, got);
          expect(Math.abs(at.rowLoss[r]! - loss)).toBeLessThanOrEqual(1e-4 * (loss + p.rows[r]!.cols.length));
        }
      });
    }

    for (const dim of [1, 3, 8, 11, 17, 33]) {
      it(`perturb and MAP: short rows draw x = A⁻¹(h + Σ(t + sε)y + sLη) as the f64 reference does, dim ${dim}`, async () => {
        const { kernels, buffer } = await backend.make!();
        const p = randomProblem(50 + dim, dim, 8);
        const at = place(new Arena(buffer), p, kernels, dim);
        expect(kernels.sampleRows(at.params, at.prior, p.noiseScale, p.key, 0, p.rows.length, at.scratch)).toBe(SOLVE_OK);
        const cap = Math.min(dim, shortRowCap(dim, 2 * GATHER_ROWS * p.stride));
        let short = 0;
        for (let r = 0; r < p.rows.length; r++) {
          const n = p.rows[r]!.cols.length;
          const { x: standard, U } = referenceDraw(p, r);
          const x = n <= cap ? referenceShortDraw(p, r, streamSeed(50 + dim, 1, 0, r)) : standard;
          if (n <= cap) short++;
          const diag = U.map((row, i) => row[i]!);
          const kappa = (Math.max(...diag) / Math.min(...diag)) ** 2;
          // The short path adds the whitening (L⁻¹y, L⁻¹h) and x = L⁻ᵀz: κ(P) ≤ κ(A) more.
          const tol = 8 * dim * F32_EPS * kappa ** 2 * Math.max(Math.hypot(...x), 1) * 10;
          const got = Array.from(at.X.subarray(r * p.stride, r * p.stride + dim));
          expect(Math.hypot(...got.map((v, i) => v - x[i]!))).toBeLessThan(tol);
          expect(Array.from(at.X.subarray(r * p.stride + dim, (r + 1) * p.stride))).toEqual(new Array(p.stride - dim).fill(0));
          // the residual squares of the row drawn (short rows: from the solve's a − s·ε)
          const loss = residualSquares(p, r, got);
          expect(Math.abs(at.rowLoss[r]! - loss)).toBeLessThanOrEqual(1e-4 * (loss + n));
        }
        expect(short).toBeGreaterThan(0); // row 1 has no ratings: short at every dim
      });
    }

    for (const shortMax of [0, 4]) {
      it(`any row range gives the same bits (a row never depends on its chunk), shortMax ${shortMax}`, async () => {
        const { kernels, buffer } = await backend.make!();
        const p = randomProblem(7, 16, 9);
        const at = place(new Arena(buffer), p, kernels, shortMax);
        kernels.sampleRows(at.params, at.prior, p.noiseScale, p.key, 0, 9, at.scratch);
        const whole = at.X.slice();
        at.X.fill(0);
        for (const [s, e] of [
          [0, 2],
          [2, 3],
          [3, 9],
        ])
          kernels.sampleRows(at.params, at.prior, p.noiseScale, p.key, s!, e!, at.scratch);
        expect(at.X).toEqual(whole);
      });
    }

    for (const shortRows of [false, true]) {
      for (const dim of [2, 5, 8, 11, 17, 33]) {
        it(`keeps each row drawn, times 1/√samples in f64, in its sample's columns and sums its bias in f64: ${shortRows ? 'short rows' : 'standard'}, dim ${dim}`, async () => {
          const { kernels, buffer } = await backend.make!();
          const p = randomProblem(70 + dim, dim, 9);
          const keep = { factors: dim - 1, samples: 3, index: 1, bias: true };
          const at = place(new Arena(buffer), p, kernels, shortRows ? dim : 0, keep);
          expect(kernels.sampleRows(at.params, at.prior, p.noiseScale, p.key, 0, p.rows.length, at.scratch)).toBe(SOLVE_OK);
          const k = keep.factors;
          const width = k * keep.samples;
          const scale = 1 / Math.sqrt(keep.samples);
          for (let r = 0; r < p.rows.length; r++) {
            const x = at.X.subarray(r * p.stride, r * p.stride + dim);
            const row = Array.from(at.kept.subarray(r * width, (r + 1) * width));
            // JavaScript's f32 × f64 rounded to f32 on the store: the bits the model had from the JS-side copy
            const want = Array.from({ length: width }, (_, c) =>
              c >= k && c < 2 * k ? Math.fround(x[c - k]! * scale) : KEEP_SENTINEL,
            );
            expect(row).toEqual(want);
            expect(at.biasSums[r]).toBe(r / 4 + x[k]!);
          }
        });
      }
    }

    for (const shortRows of [false, true]) {
      it(`mirrors each row drawn, its dim floats and not its padding: ${shortRows ? 'short rows' : 'standard'}`, async () => {
        const { kernels, buffer } = await backend.make!();
        const p = randomProblem(31, 11, 9);
        const at = place(new Arena(buffer), p, kernels, shortRows ? 11 : 0, undefined, true);
        expect(kernels.sampleRows(at.params, at.prior, p.noiseScale, p.key, 0, p.rows.length, at.scratch)).toBe(SOLVE_OK);
        const want = Array.from(at.X).map((v, e) => (e % p.stride < 11 ? v : KEEP_SENTINEL));
        expect(Array.from(at.mirror)).toEqual(want);
      });
    }

    it('without keep, neither the kept rows nor the bias sums are written', async () => {
      const { kernels, buffer } = await backend.make!();
      const p = randomProblem(5, 9, 9);
      const at = place(new Arena(buffer), p, kernels, 9);
      expect(kernels.sampleRows(at.params, at.prior, p.noiseScale, p.key, 0, p.rows.length, at.scratch)).toBe(SOLVE_OK);
      expect(at.kept.every((v) => v === KEEP_SENTINEL)).toBe(true);
      expect(Array.from(at.biasSums)).toEqual(Array.from({ length: p.rows.length }, (_, r) => r / 4));
    });

    for (const path of ['standard', 'short (perturb and MAP)'] as const) {
      it(`the draws of a conjugate row have the closed-form mean and covariance: ${path}`, async () => {
        const { kernels, buffer } = await backend.make!();
        // Many identical rows (3 ratings each on a dim-3 fixed side), each with its own z.
        const draws = 20000;
        const dim = 3;
        const base = randomProblem(3, dim, 1);
        const row = { cols: [0, 1, 2], values: [4, 3, 5].map(Math.fround) };
        // Each row's z comes from its own stream, drawn by the kernel (p.z is read for the mean only).
        const p: Problem = { ...base, rows: Array.from({ length: draws }, () => row), key: streamKey(11, 1, 0) };
        const at = place(new Arena(buffer), p, kernels, path === 'standard' ? 0 : 3);
        expect(kernels.sampleRows(at.params, at.prior, p.noiseScale, p.key, 0, draws, at.scratch)).toBe(SOLVE_OK);
        const { U } = referenceDraw(p, 0);
        const mean = referenceDraw({ ...p, noiseScale: 0 }, 0).x;
        // Covariance s²(UᵀU)⁻¹, column by column.
        const A = U.map((_, i) => U.map((__, j) => U.reduce((sum, row) => sum + row[i]! * row[j]!, 0)));
        const s2 = p.noiseScale ** 2;
        const cov = A.map((_, j) =>
          solve(
            A,
            A.map((__, i) => (i === j ? s2 : 0)),
          ),
        );
        const m = new Array<number>(dim).fill(0);
        const c = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
        for (let r = 0; r < draws; r++) for (let i = 0; i < dim; i++) m[i] += at.X[r * p.stride + i]! / draws;
        for (let r = 0; r < draws; r++)
          for (let i = 0; i < dim; i++)
            for (let j = 0; j < dim; j++)
              c[i]![j] += ((at.X[r * p.stride + i]! - m[i]!) * (at.X[r * p.stride + j]! - m[j]!)) / (draws - 1);
        // 5 standard errors: of a mean √(σ_ii/N); of a covariance √((σ_ii σ_jj + σ_ij²)/N).
        for (let i = 0; i < dim; i++) {
          expect(Math.abs(m[i]! - mean[i]!)).toBeLessThan(5 * Math.sqrt(cov[i]![i]! / draws));
          for (let j = 0; j < dim; j++) {
            const se = Math.sqrt((cov[i]![i]! * cov[j]![j]! + cov[i]![j]! ** 2) / draws);
            expect(Math.abs(c[i]![j]! - cov[i]![j]!)).toBeLessThan(5 * se);
          }
        }
      });
    }
  });
}

describe('hyperprior draws', () => {
  it('Wishart(W, ν) by Bartlett has mean νW', () => {
    const W = new Float64Array([2, 0.5, 0.5, 1]);
    const nu = 5;
    const n = 20000;
    const rand = new Prng(5);
    const sum = new Float64Array(4);
    const sq = new Float64Array(4);
    for (let s = 0; s < n; s++) {
      const L = sampleWishart(rand, W, nu, 2);
      for (let e = 0; e < 4; e++) {
        sum[e] += L[e]!;
        sq[e] += L[e]! ** 2;
      }
    }
    for (let e = 0; e < 4; e++) {
      const mean = sum[e]! / n;
      const sd = Math.sqrt(sq[e]! / n - mean ** 2);
      expect(Math.abs(mean - nu * W[e]!)).toBeLessThan((5 * sd) / Math.sqrt(n));
    }
  });

  it('bpmfPrior: BPMF defaults, and the measured settings as W₀ = w0·I, ν₀ = d + nu0Extra, β₀', () => {
    const d = 3;
    const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    const defaults = bpmfPrior(d);
    expect([defaults.beta0, defaults.nu0, [...defaults.mu0]]).toEqual([2, 3, [0, 0, 0]]);
    expect([...defaults.w0Inverse]).toEqual(identity);
    const set = bpmfPrior(d, { w0: 4, beta0: 10, nu0Extra: 5 });
    expect([set.beta0, set.nu0]).toEqual([10, 8]);
    expect([...set.w0Inverse]).toEqual(identity.map((v) => v / 4));
  });

  it('stream seeds differ by sample, side and row', () => {
    const seeds = new Set<number>();
    for (let s = 0; s < 4; s++)
      for (let side = 0; side < 3; side++) for (let r = 0; r < 50; r++) seeds.add(streamSeed(0, s, side, r));
    expect(seeds.size).toBe(4 * 3 * 50);
  });
});

/** A small rating matrix: 30 users × 20 items, ratings from a rank-2 truth plus noise. */
function smallRatings(seed = 1): { train: Ratings; test: Ratings } {
  const rand = rng(seed);
  const u = Array.from({ length: 30 }, () => [rand() * 2 - 1, rand() * 2 - 1]);
  const v = Array.from({ length: 20 }, () => [rand() * 2 - 1, rand() * 2 - 1]);
  const cells: [number[], number[], number[]] = [[], [], []];
  const held: [number[], number[], number[]] = [[], [], []];
  for (let a = 0; a < 30; a++)
    for (let b = 0; b < 20; b++) {
      if (rand() < 0.5) continue;
      const r = 3 + u[a]![0]! * v[b]![0]! + u[a]![1]! * v[b]![1]! + 0.2 * (rand() - 0.5);
      const to = rand() < 0.2 ? held : cells;
      to[0].push(a);
      to[1].push(b);
      to[2].push(r);
    }
  const make = ([users, items, values]: [number[], number[], number[]]) =>
    Ratings.fromTriples({ users, items, values: Float32Array.from(values) });
  return { train: make(cells), test: make(held) };
}

describe('short rows by perturb and MAP', () => {
  // Power-law activity: many users with fewer ratings than dim, 400 items with many each.
  const data = syntheticRatings({ numUsers: 1500, numItems: 400, nnz: 30_000, seed: 7 });
  const ratings = Ratings.fromTriples(data, { denseIds: true, numUsers: data.numUsers, numItems: data.numItems });

  it('the cost rule whitens for the side with short rows only, and sizes the block for it', () => {
    const dim = 9;
    const block = planPriorBlock(4096, ratings, 16, dim, { enabled: true });
    // users: 400 fixed rows to whiten, many users with ≤ 9 ratings; items: every item is long
    expect(block.shortMax).toEqual({ users: dim, items: 0 });
    expect(block.whiteRows).toBeGreaterThan(block.rowLoss);
    expect(block.end).toBe(block.whiteRows + 400 * 16 * 4);
    const off = planPriorBlock(4096, ratings, 16, dim, { enabled: false });
    expect(off.shortMax).toEqual({ users: 0, items: 0 });
    expect(off.whiteRows).toBe(0);
    // forced past the rule: both sides, room for the larger fixed side (the 1,500 users)
    const forced = planPriorBlock(4096, ratings, 16, dim, { enabled: true, costRule: false });
    expect(forced.shortMax).toEqual({ users: dim, items: dim });
    expect(forced.end).toBe(forced.whiteRows + 1500 * 16 * 4);
  });

  it('a chain through the short rows predicts as the standard chain does (same law, other draws)', async () => {
    const o = resolveOptions({ solver: 'gibbs', factors: 8, samples: 60, burnIn: 10, seed: 5, threads: 1 });
    const trainRmse = async (enabled: boolean) => {
      const model = await fitGibbs(ratings, o, {}, { shortRows: { enabled } });
      return rmse(data, (u, i) => model.predict(u, i));
    };
    const [short, standard] = [await trainRmse(true), await trainRmse(false)];
    // Two 60-sample chains of other draws: across seeds 5–7 they differ by 0.04–1.6% (and the
    // standard chain from itself by 3%); rows solved in the wrong basis, or against the plain
    // rows, land far off. The law of one draw is checked on the kernel (above).
    expect(Math.abs(short - standard) / standard).toBeLessThan(0.05);
    expect(short).not.toBe(standard); // the short path did draw other numbers
  });

  it('short rows keep the factors bit-identical for any chunking', async () => {
    const o = resolveOptions({ solver: 'gibbs', factors: 8, samples: 2, burnIn: 1, threads: 1 });
    const runtime = { shortRows: { enabled: true, costRule: false } };
    const a = await fitGibbs(ratings, o, {}, { ...runtime, chunkThreads: 4 });
    const b = await fitGibbs(ratings, o, {}, { ...runtime, chunkThreads: 1 });
    expect(b.userFactors).toEqual(a.userFactors);
    expect(b.itemFactors).toEqual(a.itemFactors);
  });
});

describe("ALS solver 'gibbs'", () => {
  it('the same seed gives the same factors, and chunking does not change a bit', async () => {
    const { train } = smallRatings();
    const o = resolveOptions({ solver: 'gibbs', factors: 4, samples: 5, burnIn: 3, backend: 'js' });
    const a = await fitGibbs(train, o, {});
    const b = await fitGibbs(train, o, {});
    const c = await fitGibbs(train, o, {}, { chunkThreads: 4 });
    expect(a.userFactors).toEqual(b.userFactors);
    expect(c.userFactors).toEqual(a.userFactors);
    expect(c.itemFactors).toEqual(a.itemFactors);
    expect(c.userBiases).toEqual(a.userBiases);
    const other = await fitGibbs(train, { ...o, seed: 1 }, {});
    expect(other.userFactors).not.toEqual(a.userFactors);
  });

  it('starts from randomFactors drawn in memory, the same chain as passing them as init', async () => {
    const { train } = smallRatings();
    const o = resolveOptions({ solver: 'gibbs', factors: 4, samples: 3, burnIn: 2 });
    const drawn = await fitGibbs(train, o, {});
    const given = await fitGibbs(train, o, { init: randomFactors(train.numUsers, train.numItems, 4, o.seed) });
    expect(drawn.userFactors).toEqual(given.userFactors);
    expect(drawn.itemFactors).toEqual(given.itemFactors);
  });

  it('gibbs honours initStd instead of silently starting from unit rows', async () => {
    const { train } = smallRatings();
    const o = resolveOptions({ solver: 'gibbs', factors: 4, samples: 3, burnIn: 2, initStd: 0.1 });
    const scaled = await fitGibbs(train, o, {});
    const given = await fitGibbs(train, resolveOptions({ solver: 'gibbs', factors: 4, samples: 3, burnIn: 2 }), {
      init: randomFactors(train.numUsers, train.numItems, 4, o.seed, 0.1),
    });
    const unit = await fitGibbs(train, resolveOptions({ solver: 'gibbs', factors: 4, samples: 3, burnIn: 2 }), {});
    expect(scaled.userFactors).toEqual(given.userFactors);
    expect(scaled.itemFactors).toEqual(given.itemFactors);
    expect(scaled.userFactors).not.toEqual(unit.userFactors);
  });

  it('refuses kept samples beyond 2 GiB with TOO_LARGE before drawing any', async () => {
    const { train } = smallRatings();
    // (users + items) × k × samples floats just past 2²⁹, the count the message states.
    const rows = train.numUsers + train.numItems;
    const samples = Math.floor(2 ** 29 / (rows * 256)) + 1;
    const o = resolveOptions({ solver: 'gibbs', factors: 256, samples, burnIn: 0 });
    const started = performance.now();
    const error = await fitGibbs(train, o, {}).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AlsError);
    expect((error as AlsError).code).toBe(ErrorCode.TOO_LARGE);
    expect((error as AlsError).message).toContain(
      `keeps ${samples} samples × 256 factors for ${rows} rows: ${rows * 256 * samples} floats`,
    );
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('a model whose factors are views of the fit’s memory saves and loads with its samples and biases (toBytes)', async () => {
    const { train, test } = smallRatings();
    const model = await new ALS({ solver: 'gibbs', factors: 3, samples: 4, burnIn: 1, biases: true }).fit(train);
    // The kept samples are written by the kernel into the fit's memory (gibbs.ts planKept).
    expect(model.userFactors.byteOffset).toBeGreaterThan(0);
    expect(model.userFactors.buffer.byteLength).toBeGreaterThan(model.userFactors.byteLength + model.itemFactors.byteLength);
    const loaded = ALSModel.fromBytes(model.toBytes());
    expect(loaded.factors).toBe(12);
    expect(loaded.options.samples).toBe(4);
    expect(loaded.userFactors).toEqual(model.userFactors);
    expect(loaded.itemFactors).toEqual(model.itemFactors);
    expect(loaded.userBiases).toEqual(model.userBiases);
    expect(loaded.itemBiases).toEqual(model.itemBiases);
    const pairs = test.byUser;
    const user = test.users.id(0);
    const item = test.items.id(pairs.indices[pairs.indptr[0]!]!);
    expect(loaded.predict(user, item)).toBe(model.predict(user, item));
  });

  it('keeps samples × factors columns whose dot product is the average prediction', async () => {
    const { train, test } = smallRatings();
    const reported: number[] = [];
    const model = await new ALS({
      solver: 'gibbs',
      factors: 3,
      samples: 6,
      burnIn: 2,
      validation: test,
      onIteration: (info) => {
        reported.push(info.validationRmse!);
      },
    }).fit(train);
    expect(model.factors).toBe(18);
    expect(reported.slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(reported).toHaveLength(8);
    // The last running RMSE is the RMSE of the model's own predictions (f32 rounding apart).
    let squares = 0;
    const { indptr, indices, values } = test.byUser;
    for (let a = 0; a < test.numUsers; a++)
      for (let e = indptr[a]!; e < indptr[a + 1]!; e++)
        squares += (model.predict(test.users.id(a), test.items.id(indices[e]!), { clip: false }) - values[e]!) ** 2;
    expect(reported.at(-1)!).toBeCloseTo(Math.sqrt(squares / test.nnz), 5);
  });

  it('a chain stopped early keeps the samples drawn so far, rescaled to their own average', async () => {
    const { train, test } = smallRatings();
    const reported: number[] = [];
    const o = { solver: 'gibbs', factors: 3, burnIn: 2, validation: test } as const;
    const full = await new ALS({ ...o, samples: 3 }).fit(train);
    const stopped = await new ALS({
      ...o,
      samples: 8,
      onIteration: (info) => {
        reported.push(info.validationRmse!);
        return info.iteration < 5; // stop after the third kept sample
      },
    }).fit(train);
    expect(reported).toHaveLength(5);
    expect(stopped.factors).toBe(9);
    expect(stopped.options.samples).toBe(3);
    // The same three draws as a chain of 3 samples (the draws do not depend on `samples`),
    // written at 1/√8 and rescaled by √(8/3): within two float32 roundings of 1/√3.
    for (let e = 0; e < full.userFactors.length; e++)
      expect(Math.abs(stopped.userFactors[e]! - full.userFactors[e]!)).toBeLessThanOrEqual(
        4 * F32_EPS * Math.abs(full.userFactors[e]!),
      );
    expect(stopped.userBiases).toEqual(full.userBiases);
    let squares = 0;
    const { indptr, indices, values } = test.byUser;
    for (let a = 0; a < test.numUsers; a++)
      for (let e = indptr[a]!; e < indptr[a + 1]!; e++)
        squares += (stopped.predict(test.users.id(a), test.items.id(indices[e]!), { clip: false }) - values[e]!) ** 2;
    expect(reported.at(-1)!).toBeCloseTo(Math.sqrt(squares / test.nnz), 5);
  });

  it('WASM and JS backends agree to float32 rounding', async () => {
    const { train } = smallRatings();
    const o = { solver: 'gibbs', factors: 3, samples: 3, burnIn: 1 } as const;
    const js = await new ALS({ ...o, backend: 'js' }).fit(train);
    const wasm = await new ALS({ ...o, backend: 'wasm' }).fit(train);
    for (let e = 0; e < js.userFactors.length; e++) expect(wasm.userFactors[e]).toBeCloseTo(js.userFactors[e]!, 3);
  });

  it('a gibbs model survives toBytes / fromBytes with its options', async () => {
    const { train } = smallRatings();
    const model = await new ALS({ solver: 'gibbs', factors: 2, samples: 4, burnIn: 1 }).fit(train);
    const back = ALSModel.fromBytes(model.toBytes());
    expect(back.factors).toBe(8);
    expect(back.userFactors).toEqual(model.userFactors);
    expect(back.itemBiases).toEqual(model.itemBiases);
    expect(back.options.solver).toBe('gibbs');
    expect(back.options.samples).toBe(4);
    expect(back.predict(0, 0)).toBe(model.predict(0, 0));
  });

  it('options are checked', () => {
    const code = (options: object) => {
      try {
        new ALS(options);
        return 'accepted';
      } catch (e) {
        return (e as { code?: string }).code;
      }
    };
    expect(code({ solver: 'gibbs', samples: 0 })).toBe('INVALID_OPTION');
    expect(code({ solver: 'gibbs', samples: 1.5 })).toBe('INVALID_OPTION');
    expect(code({ solver: 'gibbs', burnIn: -1 })).toBe('INVALID_OPTION');
    expect(code({ solver: 'gibbs', validation: [1, 2] })).toBe('INVALID_OPTION');
    expect(code({ solver: 'gibbs', feedback: 'implicit' })).toBe('INVALID_OPTION');
    expect(code({ solver: 'gibs' })).toBe('INVALID_OPTION');
    expect(code({ solver: 'gibbs', samplez: 3 })).toBe('INVALID_OPTION');
    expect(code({ validation: smallRatings().test })).toBe('INVALID_OPTION');
    expect(code({ solver: 'gibbs', samples: 3, burnIn: 0, validation: smallRatings().test })).toBe('accepted');
  });
});

// Workers run the built JavaScript (dist/parallel/worker.node.js): `npm run build` first.
const built =
  existsSync(new URL('../dist/parallel/worker.node.js', import.meta.url)) &&
  existsSync(new URL('../build/als-threads.wasm', import.meta.url));
if (!built) console.warn('dist/ or build/ is missing (run `npm run build`): the threaded gibbs tests are skipped.');

describe.runIf(built)("solver 'gibbs' on threads", () => {
  // Power-law activity, so the balanced chunks differ in rows and tasks finish out of order.
  const data = syntheticRatings({ numUsers: 1500, numItems: 400, nnz: 30_000, seed: 7 });
  const ratings = Ratings.fromTriples(data, { denseIds: true, numUsers: data.numUsers, numItems: data.numItems });
  const fit = (threads: number, backend: 'wasm' | 'js' = 'wasm') =>
    new ALS({ solver: 'gibbs', factors: 6, samples: 3, burnIn: 2, seed: 3, threads, backend }).fit(ratings);

  it('gibbs ran single-threaded whatever threads said: factors bit-identical for 1, 2 and 3 threads', async () => {
    const one = await fit(1);
    expect(one.options.threads).toBe(1);
    for (const threads of [2, 3]) {
      const many = await fit(threads);
      expect(many.options.threads).toBe(threads);
      expect(many.userFactors).toEqual(one.userFactors);
      expect(many.itemFactors).toEqual(one.itemFactors);
      expect(many.userBiases).toEqual(one.userBiases);
      expect(many.itemBiases).toEqual(one.itemBiases);
    }
  });

  it('the JS backend samples on worker threads too, with the same factors as on one thread', async () => {
    const one = await fit(1, 'js');
    const two = await fit(2, 'js');
    expect(two.options.threads).toBe(2);
    expect(two.userFactors).toEqual(one.userFactors);
    expect(two.itemBiases).toEqual(one.itemBiases);
  });

  it('a worker failing in a Sample job rejects the fit with WORKER_FAILED', async () => {
    // Worker 1 throws on its 3rd job: the users' Sample of sample 2 (gibbs runs no other job).
    const failing = new URL('./fixtures/failing-worker.mjs', import.meta.url);
    let spawned = 0;
    const spawn = () =>
      spawned++ === 0 ? spawnNodeWorker(failing, { job: 2, message: 'injected sample failure' }) : spawnWorker();
    const o = resolveOptions({ solver: 'gibbs', factors: 4, samples: 2, burnIn: 1, threads: 2 });
    const error = await fitGibbs(ratings, o, {}, { spawnWorker: spawn }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AlsError);
    expect((error as AlsError).code).toBe(ErrorCode.WORKER_FAILED);
    expect((error as AlsError).message).toContain('injected sample failure');
  });

  it('threaded tasks draw the same normals as one thread cut in other chunks', async () => {
    // Rows' streams are keyed by row: 1 thread in 4-thread chunks equals 3 threads in 3-thread chunks.
    const o = resolveOptions({ solver: 'gibbs', factors: 4, samples: 2, burnIn: 1, threads: 1 });
    const a = await fitGibbs(ratings, o, {}, { chunkThreads: 4 });
    const b = await fitGibbs(ratings, { ...o, threads: 3 }, {});
    expect(b.userFactors).toEqual(a.userFactors);
    expect(b.itemFactors).toEqual(a.itemFactors);
  });
});

// Kernels is imported for its type only: sampleRows is on every backend.
export type { Kernels };

/**
 * solveRows with CG and YᵀY solves short rows four at a time in lockstep (assembly/cg.ts
 * cgSolve4), and a group that cannot fill up row by row (cgSolve). A row's factors must not
 * depend on which rows it was grouped with — that is what keeps training bit-identical for any
 * thread count, since tasks start at different rows. Checked on every backend: one call over
 * all rows against one call per row (every group then of one) and against calls over ranges
 * that cut the groups at other places.
 */
import { describe, expect, it } from 'vitest';
import { writeSolveParams } from '../src/kernels/abi.js';
import { CG_GATHER_ROWS, PARAM_BYTES, SOLVE_OK, Solver, WeightMode, solveScratchFloats } from '../src/kernels/types.js';
import { Arena, listBackends, rng, uniform } from './helpers.js';

const backends = await listBackends();

/** Ratings per row: empty rows and one longer than CG_GATHER_ROWS break groups up. */
const COUNTS = [5, 3, 0, 40, 1, 7, 2, 9, CG_GATHER_ROWS + 3, 4, 6, 11, 2, 0, 8, 3, 5, 1, 13];
const NUM_COLS = CG_GATHER_ROWS + 40;

for (const b of backends) {
  describe.skipIf(b.make === null)(`CG groups of four [${b.name}]`, () => {
    for (const k of [16, 61, 64]) {
      it(`a row's factors do not depend on the rows it is solved with (k = ${k})`, async () => {
        const { kernels: K, buffer } = await b.make!();
        const arena = new Arena(buffer);
        const rand = rng(9100 + k);
        const stride = Math.ceil(k / 8) * 8;
        const Y = arena.f32(NUM_COLS * stride);
        for (let r = 0; r < NUM_COLS; r++) for (let c = 0; c < k; c++) Y.view[r * stride + c] = uniform(rand, -0.3, 0.3);
        const YtY = arena.f32(stride * stride);
        K.gramBlock(Y.ptr, stride, k, 0, NUM_COLS, YtY.ptr, 0);
        const indptr = [0];
        const indices: number[] = [];
        const values: number[] = [];
        for (const n of COUNTS) {
          const cols = new Set<number>();
          while (cols.size < n) cols.add(Math.floor(rand() * NUM_COLS));
          for (const c of [...cols].sort((x, y) => x - y)) {
            indices.push(c);
            values.push(Math.round(uniform(rand, 1, 5)));
          }
          indptr.push(indices.length);
        }
        const rows = COUNTS.length;
        const X0 = Array.from({ length: rows * stride }, (_, e) => (e % stride < k ? uniform(rand, -0.2, 0.2) : 0));
        const X = arena.f32(rows * stride);
        const regWeights = arena.f32(COUNTS.map((n) => Math.max(n, 1)));
        const params = arena.i32(PARAM_BYTES / 4);
        writeSolveParams(new Int32Array(buffer), params.ptr, {
          X: X.ptr,
          Y: Y.ptr,
          stride,
          dim: k,
          indptr: arena.i32(indptr).ptr,
          indices: arena.i32(indices).ptr,
          values: arena.f32(values).ptr,
          regWeights: regWeights.ptr,
          lambda: 0.05,
          mode: WeightMode.ImplicitOnePlusAlpha,
          alpha: 2,
          solver: Solver.ConjugateGradient,
          cgSteps: 3,
          YtY: YtY.ptr,
          mu: 0,
          otherBias: 0,
          blockSize: 64,
        });
        const scratch = arena.f32(solveScratchFloats(stride, Math.max(...COUNTS)));
        const solve = (ranges: [number, number][]) => {
          X.view.set(X0);
          for (const [start, end] of ranges) expect(K.solveRows(params.ptr, start, end, scratch.ptr)).toBe(SOLVE_OK);
          return Array.from(X.view);
        };
        const whole = solve([[0, rows]]);
        expect(
          whole.some((v, e) => v !== X0[e]),
          'the rows were solved',
        ).toBe(true);
        expect(solve(COUNTS.map((_, u) => [u, u + 1])), 'one row per call').toEqual(whole);
        expect(
          solve([
            [0, 3],
            [3, 10],
            [10, 11],
            [11, rows],
          ]),
          'cut elsewhere',
        ).toEqual(whole);
      });
    }
  });
}

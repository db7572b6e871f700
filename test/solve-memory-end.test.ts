/**
 * solveRows reads the other side's rows where they are: CG reads them in place, and gramRow
 * touches every cache line of a block's rows before copying them (a load used as a prefetch).
 * Those reads must stay inside each row: with Y's last row ending at the last byte of the
 * memory, nothing traps and the factors are the same as with Y anywhere else. Every backend,
 * both solvers, k a multiple of 8 (rows without padding) and not.
 */
import { describe, expect, it } from 'vitest';
import { writeSolveParams } from '../src/kernels/abi.js';
import { PARAM_BYTES, SOLVE_OK, Solver, WeightMode, solveScratchFloats } from '../src/kernels/types.js';
import { Arena, listBackends, rng, uniform } from './helpers.js';

const backends = await listBackends();

/** Ratings per row; every row also rates the last row of Y. */
const COUNTS = [1, 5, 40, 3, 9, 70, 2, 8];
const NUM_COLS = 80;

for (const b of backends) {
  describe.skipIf(b.make === null)(`rows of Y at the end of the memory [${b.name}]`, () => {
    for (const solver of [Solver.Cholesky, Solver.ConjugateGradient]) {
      for (const k of [64, 61]) {
        it(`${solver === Solver.Cholesky ? 'Cholesky' : 'CG'}, k = ${k}: no read past the last row, same factors`, async () => {
          const { kernels: K, buffer } = await b.make!();
          const arena = new Arena(buffer);
          const rand = rng(7300 + k + 10 * solver);
          const stride = Math.ceil(k / 8) * 8;
          const rowsY = NUM_COLS * stride;
          const yData = Array.from({ length: rowsY }, (_, e) => (e % stride < k ? uniform(rand, -0.3, 0.3) : 0));
          const Yhere = arena.f32(yData);
          const yEnd = buffer.byteLength - rowsY * 4;
          new Float32Array(buffer, yEnd, rowsY).set(yData);
          const YtY = arena.f32(stride * stride);
          K.gramBlock(Yhere.ptr, stride, k, 0, NUM_COLS, YtY.ptr, 0);
          const indptr = [0];
          const indices: number[] = [];
          const values: number[] = [];
          for (const n of COUNTS) {
            const cols = new Set<number>([NUM_COLS - 1]);
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
          const params = arena.i32(PARAM_BYTES / 4);
          const common = {
            X: X.ptr,
            stride,
            dim: k,
            indptr: arena.i32(indptr).ptr,
            indices: arena.i32(indices).ptr,
            values: arena.f32(values).ptr,
            regWeights: 0,
            lambda: 0.05,
            mode: WeightMode.ImplicitOnePlusAlpha,
            alpha: 2,
            solver,
            cgSteps: 3,
            YtY: YtY.ptr,
            mu: 0,
            otherBias: 0,
            blockSize: 64,
          };
          const scratch = arena.f32(solveScratchFloats(stride, Math.max(...COUNTS)));
          const solve = (Y: number) => {
            writeSolveParams(new Int32Array(buffer), params.ptr, { ...common, Y });
            X.view.set(X0);
            expect(K.solveRows(params.ptr, 0, rows, scratch.ptr)).toBe(SOLVE_OK);
            return Array.from(X.view);
          };
          const atEnd = solve(yEnd);
          expect(
            atEnd.some((v, e) => v !== X0[e]),
            'the rows were solved',
          ).toBe(true);
          expect(solve(Yhere.ptr)).toEqual(atEnd);
        });
      }
    }
  });
}

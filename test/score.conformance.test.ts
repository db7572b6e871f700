/**
 * scoreTopK on every backend against the obvious reference: score every row in float64,
 * sort by (score desc, index asc), drop excluded rows, take n.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Kernels } from '../src/kernels/types.js';
import { Arena, listBackends, rng, uniform } from './helpers.js';

function reference(Y: number[][], x: number[], bias: number[] | null, rows: number[], excl: Set<number>, n: number) {
  return rows
    .filter((i) => !excl.has(i))
    .map((i) => ({ i, s: Y[i]!.reduce((a, v, c) => a + v * x[c]!, 0) + (bias ? bias[i]! : 0) }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, n);
}

for (const backend of await listBackends()) {
  const suite = backend.make ? describe : describe.skip;
  suite(`scoreTopK [${backend.name}]`, () => {
    let K: Kernels;
    let arena: Arena;
    beforeAll(async () => {
      const b = await backend.make!();
      K = b.kernels;
      arena = new Arena(b.buffer);
    });
    beforeEach(() => arena.reset());

    /** Runs the kernel and returns its kept entries sorted best first. */
    const top = (Y: number[][], stride: number, dim: number, x: number[], opts: { bias?: number[]; cands?: number[]; excl?: number[]; n: number; start?: number; end?: number }) => {
      const y = arena.f32(Y.length * stride);
      Y.forEach((row, r) => y.view.set(row, r * stride));
      const xb = arena.f32(stride);
      xb.view.set(x);
      const bias = opts.bias ? arena.f32(opts.bias).ptr : 0;
      const cands = opts.cands ? arena.i32(opts.cands) : null;
      const excl = arena.i32(opts.excl ?? [0]);
      const outIdx = arena.i32(Math.max(opts.n, 1));
      const outScore = arena.f32(Math.max(opts.n, 1));
      const kept = K.scoreTopK(
        y.ptr, stride, dim, opts.start ?? 0, opts.end ?? Y.length, cands ? cands.ptr : 0, opts.cands?.length ?? 0,
        xb.ptr, bias, excl.ptr, opts.excl?.length ?? 0, opts.n, outIdx.ptr, outScore.ptr,
      );
      return Array.from({ length: kept }, (_, q) => ({ i: outIdx.view[q]!, s: outScore.view[q]! })).sort((a, b) => b.s - a.s || a.i - b.i);
    };

    it("Spark's recommendForAll fixture (rank 2): user 0 → items 3, 4, 5, 6 with 54, 44, 42, 28", () => {
      const items = [[5, 6], [6, 2], [3, 6], [4, 1]]; // items 3, 4, 5, 6 at rows 0–3
      expect(top(items, 8, 2, [6, 4], { n: 10 })).toEqual([{ i: 0, s: 54 }, { i: 1, s: 44 }, { i: 2, s: 42 }, { i: 3, s: 28 }]);
      expect(top(items, 8, 2, [3, 4], { n: 2 })).toEqual([{ i: 0, s: 39 }, { i: 2, s: 33 }]);
      expect(top(items, 8, 2, [3, 6], { n: 0 })).toEqual([]);
    });

    it('ties keep the lower index; NaN scores never enter', () => {
      const Y = [[1], [1], [NaN], [1], [2]];
      expect(top(Y, 8, 1, [1], { n: 3 })).toEqual([{ i: 4, s: 2 }, { i: 0, s: 1 }, { i: 1, s: 1 }]);
    });

    for (const k of [1, 3, 16, 64]) {
      it(`k = ${k}: random rows, bias, exclusions, candidates and a row range match the reference`, () => {
        const rand = rng(900 + k);
        const stride = Math.ceil(k / 8) * 8;
        const rows = 700;
        const Y = Array.from({ length: rows }, () => Array.from({ length: k }, () => uniform(rand, -1, 1)));
        const x = Array.from({ length: k }, () => uniform(rand, -1, 1));
        const bias = Array.from({ length: rows }, () => uniform(rand, -0.5, 0.5));
        const excl = Array.from({ length: rows }, (_, i) => i).filter(() => rand() < 0.2);
        const all = Array.from({ length: rows }, (_, i) => i);
        const cands = all.filter(() => rand() < 0.3).sort(() => rand() - 0.5); // any order
        const check = (got: { i: number; s: number }[], want: { i: number; s: number }[]) => {
          expect(got.map((g) => g.i)).toEqual(want.map((w) => w.i));
          got.forEach((g, q) => expect(Math.abs(g.s - want[q]!.s)).toBeLessThan(1e-5 * (1 + Math.abs(want[q]!.s))));
        };
        check(top(Y, stride, k, x, { n: 10 }), reference(Y, x, null, all, new Set(), 10));
        check(top(Y, stride, k, x, { n: 25, bias, excl }), reference(Y, x, bias, all, new Set(excl), 25));
        check(top(Y, stride, k, x, { n: 7, cands, excl }), reference(Y, x, null, cands, new Set(excl), 7));
        check(top(Y, stride, k, x, { n: 5, start: 100, end: 350, excl }), reference(Y, x, null, all.slice(100, 350), new Set(excl), 5));
        check(top(Y, stride, k, x, { n: 1000 }), reference(Y, x, null, all, new Set(), 1000));
      });
    }
  });
}

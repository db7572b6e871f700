/**
 * scoreTopKBatch (the multi-query kernel) on every backend against scoreTopK of the same
 * backend, query by query: the same rows, the same scores to the bit, the same ties broken
 * by the lower index, NaN left out. And the serving engine's topNEach against topN.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Kernels, screenBytes, screenScratchBytes } from '../src/kernels/types.js';
import { ServingEngine } from '../src/model/engine.js';
import { topN } from '../src/model/recommend.js';
import { Arena, listBackends, rng, uniform } from './helpers.js';

interface Case {
  rows: number;
  stride: number;
  dim: number;
  queries: number;
  n: number;
  start?: number;
  end?: number;
  bias?: boolean;
  /** Excluded rows per query, ascending; null: exclIndptr = 0 (none). */
  excl: number[][] | null;
  /** Small integers: many equal scores, so ties decide. */
  integers?: boolean;
  /** Rows holding a NaN (their scores are NaN for every query). */
  nanRows?: number[];
  seed: number;
}

const sorted = (idx: ArrayLike<number>, score: ArrayLike<number>, kept: number) =>
  Array.from({ length: kept }, (_, j) => ({ i: idx[j]!, s: score[j]! })).sort((a, b) => b.s - a.s || a.i - b.i);

for (const backend of await listBackends()) {
  const suite = backend.make ? describe : describe.skip;
  suite(`scoreTopKBatch [${backend.name}]`, () => {
    let K: Kernels;
    let arena: Arena;
    beforeAll(async () => {
      const b = await backend.make!();
      K = b.kernels;
      arena = new Arena(b.buffer);
    });
    beforeEach(() => arena.reset());

    /** Both kernels on one random case: [batch lists, scoreTopK lists], query by query. */
    const run = (c: Case) => {
      const rand = rng(c.seed);
      const value = () => (c.integers ? Math.floor(uniform(rand, -3, 4)) : uniform(rand, -1, 1));
      const Y = arena.f32(c.rows * c.stride);
      for (let r = 0; r < c.rows; r++) for (let d = 0; d < c.dim; d++) Y.view[r * c.stride + d] = value();
      for (const r of c.nanRows ?? []) Y.view[r * c.stride] = NaN;
      const bias = c.bias ? arena.f32(Array.from({ length: c.rows }, value)).ptr : 0;
      const X = arena.f32(c.queries * c.stride);
      for (let q = 0; q < c.queries; q++) for (let d = 0; d < c.dim; d++) X.view[q * c.stride + d] = value();
      const lists = c.excl ?? [];
      const indptr = c.excl ? arena.i32([0, ...lists.map((_, q) => lists.slice(0, q + 1).flat().length)]).ptr : 0;
      const indices = arena.i32(lists.flat());
      const room = Math.max(c.n, 1);
      const outIdx = arena.i32(c.queries * room);
      const outScore = arena.f32(c.queries * room);
      const outKept = arena.i32(c.queries);
      const start = c.start ?? 0;
      const end = c.end ?? c.rows;
      K.scoreTopKBatch(
        Y.ptr,
        c.stride,
        c.dim,
        start,
        end,
        bias,
        X.ptr,
        c.queries,
        indptr,
        indices.ptr,
        c.n,
        outIdx.ptr,
        outScore.ptr,
        outKept.ptr,
      );
      const batch = Array.from({ length: c.queries }, (_, q) =>
        sorted(outIdx.view.subarray(q * c.n), outScore.view.subarray(q * c.n), outKept.view[q]!),
      );
      const one = Array.from({ length: c.queries }, (_, q) => {
        const excl = arena.i32(lists[q] ?? [0]);
        const idx = arena.i32(room);
        const score = arena.f32(room);
        const kept = K.scoreTopK(
          Y.ptr,
          c.stride,
          c.dim,
          start,
          end,
          0,
          0,
          X.ptr + q * c.stride * 4,
          bias,
          excl.ptr,
          lists[q]?.length ?? 0,
          c.n,
          idx.ptr,
          score.ptr,
        );
        return sorted(idx.view, score.view, kept);
      });
      return [batch, one] as const;
    };

    const exclusions = (seed: number, queries: number, rows: number, rate: number) => {
      const rand = rng(seed);
      return Array.from({ length: queries }, () => {
        const list: number[] = [];
        for (let i = 0; i < rows; i++) if (rand() < rate) list.push(i);
        return list;
      });
    };

    it('k = 64, 9 queries (two tiles of four and one alone) over 1,100 rows (three row blocks): the lists of scoreTopK', () => {
      const [batch, one] = run({
        rows: 1100,
        stride: 72,
        dim: 64,
        queries: 9,
        n: 10,
        bias: true,
        excl: exclusions(7, 9, 1100, 0.05),
        seed: 1,
      });
      expect(batch.map((l) => l.length)).toEqual(Array(9).fill(10));
      expect(batch).toEqual(one);
    });

    for (const dim of [1, 3, 4, 5, 7, 8, 9, 12, 13, 17]) {
      it(`dim ${dim} (every SIMD tail): bit-identical scores to scoreTopK`, () => {
        const stride = Math.ceil((dim + 1) / 8) * 8;
        const [batch, one] = run({ rows: 300, stride, dim, queries: 6, n: 7, excl: null, seed: 100 + dim });
        expect(batch).toEqual(one);
      });
    }

    it('ties keep the lower index in every query (integer factors, equal scores everywhere)', () => {
      const [batch, one] = run({ rows: 700, stride: 8, dim: 2, queries: 5, n: 25, integers: true, excl: null, seed: 3 });
      expect(batch).toEqual(one);
      for (const list of batch) {
        for (let j = 1; j < list.length; j++) {
          const [a, b] = [list[j - 1]!, list[j]!];
          expect(a.s > b.s || (a.s === b.s && a.i < b.i)).toBe(true);
        }
      }
    });

    it('NaN never enters: rows with a NaN are left out of every query', () => {
      const nanRows = [0, 5, 511, 512, 600];
      const [batch, one] = run({ rows: 640, stride: 16, dim: 9, queries: 4, n: 640, nanRows, excl: null, seed: 4 });
      expect(batch).toEqual(one);
      for (const list of batch) {
        expect(list).toHaveLength(640 - nanRows.length);
        expect(list.some((e) => nanRows.includes(e.i) || Number.isNaN(e.s))).toBe(false);
      }
    });

    it('exclusions per query as CSR, a sub-range [start, end), n past the rows, and empty queries', () => {
      const excl = exclusions(9, 7, 900, 0.3);
      excl[2] = Array.from({ length: 900 }, (_, i) => i); // every row excluded: an empty list
      excl[4] = [];
      const [batch, one] = run({
        rows: 900,
        stride: 16,
        dim: 16,
        queries: 7,
        n: 900,
        start: 130,
        end: 777,
        bias: true,
        excl,
        seed: 5,
      });
      expect(batch[2]).toEqual([]);
      expect(batch[4]).toHaveLength(777 - 130);
      expect(batch).toEqual(one);
    });

    it('screened (screenTopKBatch through the rows’ int16 screen): the heaps of scoreTopKBatch, bit for bit', () => {
      for (const [dim, queries, start, end] of [
        [64, 9, 0, 1100],
        [13, 5, 3, 1037],
        [1, 4, 0, 700],
      ] as const) {
        const stride = Math.ceil((dim + 1) / 8) * 8;
        const rows = 1100;
        const rand = rng(300 + dim);
        const Y = arena.f32(rows * stride);
        for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) Y.view[r * stride + d] = uniform(rand, -1, 1);
        const bias = arena.f32(Array.from({ length: rows }, () => uniform(rand, -0.5, 0.5)));
        const X = arena.f32(queries * stride);
        for (let q = 0; q < queries; q++) for (let d = 0; d < dim; d++) X.view[q * stride + d] = uniform(rand, -1, 1);
        const lists = exclusions(dim, queries, rows, 0.1);
        const indptr = arena.i32([0, ...lists.map((_, q) => lists.slice(0, q + 1).flat().length)]);
        const indices = arena.i32(lists.flat());
        const screen = arena.f32(screenBytes(rows, dim) / 4);
        K.screenRows(Y.ptr, stride, dim, rows, screen.ptr);
        const heaps = (screened: boolean) => {
          const idx = arena.i32(queries * 10);
          const score = arena.f32(queries * 10);
          const kept = arena.i32(queries);
          const args = [start, end, bias.ptr, X.ptr, queries, indptr.ptr, indices.ptr, 10, idx.ptr, score.ptr, kept.ptr] as const;
          if (screened) {
            K.screenTopKBatch(screen.ptr, Y.ptr, stride, dim, ...args, arena.f32(screenScratchBytes(queries, dim) / 4).ptr);
          } else K.scoreTopKBatch(Y.ptr, stride, dim, ...args);
          return [
            Array.from(kept.view),
            Array.from(idx.view),
            Array.from(new Uint32Array(score.view.buffer, score.ptr, queries * 10)),
          ];
        };
        expect(heaps(true)).toEqual(heaps(false));
      }
    });

    it('odd row counts and an odd start: the last row of a pair-of-rows tile alone, every tail', () => {
      for (const [dim, start, end] of [
        [64, 1, 1024],
        [13, 3, 518],
        [36, 511, 1024],
        [7, 0, 1],
      ] as const) {
        const stride = Math.ceil((dim + 1) / 8) * 8;
        const excl = exclusions(dim, 9, 1024, 0.1);
        const [batch, one] = run({ rows: 1024, stride, dim, queries: 9, n: 12, start, end, bias: true, excl, seed: 200 + dim });
        expect(batch).toEqual(one);
        const eligible = excl.map((list) => end - start - list.filter((i) => i >= start && i < end).length);
        expect(batch.map((l) => l.length)).toEqual(eligible.map((e) => Math.min(12, e)));
      }
    });

    it('scoreTopK over a range sums each row as dot does: the scores of the same rows as a candidate list', () => {
      // The candidate path scores one row at a time with `dot`; the range path four rows at a
      // time. Every kept score must carry the same bits, for every SIMD tail of the dimension.
      for (const dim of [1, 4, 5, 8, 12, 13, 17, 64, 67]) {
        arena.reset();
        const stride = Math.ceil((dim + 1) / 8) * 8;
        const rows = 203;
        const rand = rng(300 + dim);
        const Y = arena.f32(rows * stride);
        for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) Y.view[r * stride + d] = uniform(rand, -1, 1);
        const x = arena.f32(stride);
        for (let d = 0; d < dim; d++) x.view[d] = uniform(rand, -1, 1);
        const bias = arena.f32(Array.from({ length: rows }, () => uniform(rand, -0.5, 0.5)));
        const excl = arena.i32([2, 50, 51, 199]);
        const cands = arena.i32(Array.from({ length: rows - 5 }, (_, i) => i + 5));
        const list = (useCands: boolean) => {
          const idx = arena.i32(rows);
          const score = arena.f32(rows);
          const kept = K.scoreTopK(
            Y.ptr,
            stride,
            dim,
            5,
            rows,
            useCands ? cands.ptr : 0,
            useCands ? rows - 5 : 0,
            x.ptr,
            bias.ptr,
            excl.ptr,
            4,
            rows,
            idx.ptr,
            score.ptr,
          );
          return sorted(idx.view, score.view, kept);
        };
        const range = list(false);
        expect(range).toHaveLength(rows - 5 - 3);
        expect(range).toEqual(list(true));
      }
    });

    it('n = 0 keeps nothing; numQueries = 0 does nothing', () => {
      const [batch, one] = run({ rows: 50, stride: 8, dim: 4, queries: 5, n: 0, excl: null, seed: 6 });
      expect(batch).toEqual([[], [], [], [], []]);
      expect(one).toEqual(batch);
      expect(run({ rows: 50, stride: 8, dim: 4, queries: 0, n: 3, excl: null, seed: 6 })[0]).toEqual([]);
    });
  });
}

describe('ServingEngine.topNEach', () => {
  it('gives topN’s lists for every query, in batches, with duplicate and out-of-range exclusions', () => {
    const rand = rng(11);
    const k = 13;
    const users = 75;
    const items = 260;
    const userFactors = Float32Array.from({ length: users * k }, () => uniform(rand, -1, 1));
    const itemFactors = Float32Array.from({ length: items * k }, () => uniform(rand, -1, 1));
    const itemBiases = Float32Array.from({ length: items }, () => uniform(rand, -0.5, 0.5));
    const engine = new ServingEngine(k, userFactors, itemFactors, null, itemBiases);
    const excludeOf = (u: number) => [u, u + 3, u, (u * 7) % items, -1, items + 5];
    const vectorOf = (u: number) => userFactors.subarray(u * k, (u + 1) * k);
    for (const n of [1, 10, items]) {
      const got: { indices: number[]; scores: number[] }[] = [];
      engine.topNEach(
        engine.items,
        items,
        engine.itemBias,
        n,
        users,
        (u) => ({ vector: vectorOf(u), exclude: excludeOf(u) }),
        (u, indices, scores) => (got[u] = { indices: [...indices], scores: [...scores] }),
      );
      for (let u = 0; u < users; u++) {
        const want = topN(engine, {
          vector: vectorOf(u),
          rows: engine.items,
          numRows: items,
          bias: engine.itemBias,
          n,
          exclude: excludeOf(u).filter((i) => i >= 0 && i < items),
        });
        expect(got[u]).toEqual({ indices: [...want.indices], scores: [...want.scores] });
      }
    }
  });
});

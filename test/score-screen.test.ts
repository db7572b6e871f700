/**
 * The screened scoring kernels (screenTopK, screenTopKBatch) on every backend against the
 * exact ones of the same backend (scoreTopK, scoreTopKBatch): the very same heaps — indices,
 * score bits, kept counts, even the heap order — on adversarial cases: ties, equal rows,
 * huge and tiny scales, zero rows, negative scores, non-finite values, exclusions, n ≥ rows,
 * sub-ranges, every tail. And the bound itself: for every row, U (recomputed here from the
 * screen block as the WASM kernel computes it, in f32) is at least the exact score.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { screenBytes, screenScratchBytes, type Kernels } from '../src/kernels/types.js';
import { ServingEngine } from '../src/model/engine.js';
import { topN } from '../src/model/recommend.js';
import { Arena, listBackends, rng, uniform } from './helpers.js';

interface Case {
  rows: number;
  dim: number;
  n: number;
  seed: number;
  start?: number;
  end?: number;
  bias?: boolean;
  /** How a value is drawn (row r, column c); default uniform in [-1, 1). */
  value?: (rand: () => number, r: number, c: number) => number;
  /** The query's values; default like the rows. */
  query?: (rand: () => number, c: number) => number;
  biasValue?: (rand: () => number, r: number) => number;
  /** Excluded rows (ascending, distinct). */
  excl?: number[];
  /** Rows copied from row 0 (equal rows). */
  copies?: number[];
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const strideOf = (dim: number) => Math.ceil((dim + 1) / 8) * 8;

for (const backend of await listBackends()) {
  const suite = backend.make ? describe : describe.skip;
  suite(`screened scoring [${backend.name}]`, () => {
    let K: Kernels;
    let arena: Arena;
    beforeAll(async () => {
      const b = await backend.make!();
      K = b.kernels;
      arena = new Arena(b.buffer);
    });
    beforeEach(() => arena.reset());

    /** Rows, bias and a screen block for a case. */
    const setUp = (c: Case) => {
      const rand = rng(c.seed);
      const stride = strideOf(c.dim);
      const value = c.value ?? ((r: () => number) => uniform(r, -1, 1));
      const Y = arena.f32(c.rows * stride);
      for (let r = 0; r < c.rows; r++) for (let d = 0; d < c.dim; d++) Y.view[r * stride + d] = value(rand, r, d);
      for (const r of c.copies ?? []) Y.view.copyWithin(r * stride, 0, stride);
      const biasValue = c.biasValue ?? ((r: () => number) => uniform(r, -1, 1));
      const bias = c.bias ? arena.f32(Array.from({ length: c.rows }, (_, r) => biasValue(rand, r))) : null;
      const screen = arena.f32(screenBytes(c.rows, c.dim) / 4);
      K.screenRows(Y.ptr, stride, c.dim, c.rows, screen.ptr);
      // A query is drawn by c.query(rand, column), else like a row (row -1) by c.value.
      const query = (r: () => number, d: number) => (c.query ? c.query(r, d) : value(r, -1, d));
      const x = arena.f32(stride);
      for (let d = 0; d < c.dim; d++) x.view[d] = query(rand, d);
      return { stride, Y, bias, screen, x };
    };

    /** scoreTopK and screenTopK on one case: both heaps as they are left (not sorted). */
    const single = (c: Case) => {
      const { stride, Y, bias, screen, x } = setUp(c);
      const excl = arena.i32(c.excl ?? []);
      const room = Math.max(c.n, 1);
      const exact = { idx: arena.i32(room), score: arena.f32(room) };
      const screened = { idx: arena.i32(room), score: arena.f32(room) };
      const scratch = arena.f32(screenScratchBytes(1, c.dim) / 4);
      const start = c.start ?? 0;
      const end = c.end ?? c.rows;
      const args = [start, end] as const;
      const kept = K.scoreTopK(
        Y.ptr,
        stride,
        c.dim,
        ...args,
        0,
        0,
        x.ptr,
        bias?.ptr ?? 0,
        excl.ptr,
        excl.view.length,
        c.n,
        exact.idx.ptr,
        exact.score.ptr,
      );
      const keptScreened = K.screenTopK(
        screen.ptr,
        Y.ptr,
        stride,
        c.dim,
        ...args,
        x.ptr,
        bias?.ptr ?? 0,
        excl.ptr,
        excl.view.length,
        c.n,
        screened.idx.ptr,
        screened.score.ptr,
        scratch.ptr,
      );
      return {
        exact: { kept, idx: Array.from(exact.idx.view.subarray(0, kept)), score: bits(exact.score.view.subarray(0, kept)) },
        screened: {
          kept: keptScreened,
          idx: Array.from(screened.idx.view.subarray(0, keptScreened)),
          score: bits(screened.score.view.subarray(0, keptScreened)),
        },
        setup: { stride, Y, bias, screen, x, scratch },
      };
    };

    const same = (c: Case) => {
      const { exact, screened } = single(c);
      expect(screened).toEqual(exact);
      return exact;
    };

    it('returns scoreTopK’s heap bit for bit on random rows, every dim and tail', () => {
      for (const dim of [1, 3, 7, 8, 9, 16, 31, 64, 100, 128]) {
        for (const rows of [1, 2, 3, 4, 5, 63, 257]) {
          for (const n of [0, 1, 5, 10]) same({ rows, dim, n, seed: dim * 1000 + rows * 10 + n, bias: (rows + n) % 2 === 0 });
        }
      }
    });

    it('keeps every row when n ≥ the number of rows', () => {
      const exact = same({ rows: 37, dim: 16, n: 50, seed: 3, bias: true });
      expect(exact.kept).toBe(37);
    });

    it('ties: small integers, the lower index wins exactly as in scoreTopK', () => {
      const int = (r: () => number) => Math.floor(uniform(r, -2, 3));
      for (let seed = 0; seed < 20; seed++)
        same({ rows: 301, dim: 8 + seed, n: 7, seed, value: int, bias: seed % 2 === 0, biasValue: int });
    });

    it('equal rows: all copies of the best row tie, ordered by index', () => {
      const copies = Array.from({ length: 40 }, (_, j) => 5 + j * 7);
      same({ rows: 300, dim: 32, n: 10, seed: 11, copies });
      same({ rows: 300, dim: 32, n: 10, seed: 12, copies, bias: true, biasValue: () => 0.25 });
    });

    it('near ties below the quantisation step: rows differing in their last bits', () => {
      // Every row is row 0 plus a perturbation far below the int16 step, so the screen sees
      // them all alike and only the exact scores (differing in the last bits) decide.
      for (const eps of [1e-7, 1e-5, 1e-3]) {
        const base = Array.from({ length: 64 }, (_, c) => Math.sin(c + 1));
        same({ rows: 500, dim: 64, n: 10, seed: 5, value: (r, _row, c) => base[c]! * (1 + eps * uniform(r, -1, 1)) });
      }
    });

    it('huge and tiny scales, and rows of very different scales', () => {
      for (const scale of [1e-38, 1e-30, 1e-20, 1e-3, 1e3, 1e15, 1e18]) {
        same({
          rows: 203,
          dim: 24,
          n: 10,
          seed: 7,
          value: (r) => uniform(r, -scale, scale),
          bias: true,
          biasValue: (r) => uniform(r, -scale, scale),
        });
      }
      // Subnormal entries, and each row a different power of ten.
      same({ rows: 101, dim: 16, n: 10, seed: 8, value: (r) => uniform(r, -1e-40, 1e-40) });
      same({ rows: 120, dim: 16, n: 10, seed: 9, value: (r, row) => uniform(r, -1, 1) * 10 ** ((row % 40) - 20) });
      // ‖q‖·max‖y‖ past 2¹⁰⁰: not screened (the exact kernel's own sum could overflow).
      same({ rows: 50, dim: 16, n: 5, seed: 10, value: (r) => uniform(r, -1e30, 1e30) });
      // A query of a scale other than the rows'.
      same({ rows: 150, dim: 16, n: 10, seed: 13, query: (r) => uniform(r, -1e-12, 1e-12) });
    });

    it('zero rows, a zero query, negative scores and a large negative bias', () => {
      same({ rows: 100, dim: 16, n: 10, seed: 14, value: (r, row) => (row % 3 === 0 ? 0 : uniform(r, -1, 1)) });
      same({ rows: 100, dim: 16, n: 10, seed: 15, query: () => 0, bias: true });
      same({ rows: 100, dim: 16, n: 10, seed: 16, query: () => 0 });
      same({ rows: 100, dim: 16, n: 10, seed: 17, bias: true, biasValue: (r) => uniform(r, -1e6, -1e5) });
      same({ rows: 100, dim: 16, n: 10, seed: 18, value: (r) => uniform(r, 0.5, 1), query: (r) => uniform(r, -1, -0.5) });
    });

    it('non-finite values: NaN and ±Infinity rows, biases and queries', () => {
      const nanRows = (r: () => number, row: number, c: number) => (row % 17 === 3 && c === 2 ? NaN : uniform(r, -1, 1));
      const infRows = (r: () => number, row: number, c: number) =>
        row % 13 === 5 && c === 0 ? (row % 2 ? Infinity : -Infinity) : uniform(r, -1, 1);
      same({ rows: 200, dim: 16, n: 10, seed: 19, value: nanRows });
      same({ rows: 200, dim: 16, n: 10, seed: 20, value: infRows });
      same({
        rows: 200,
        dim: 16,
        n: 10,
        seed: 21,
        bias: true,
        biasValue: (r, row) => [NaN, Infinity, -Infinity][row % 7] ?? uniform(r, -1, 1),
      });
      same({ rows: 200, dim: 16, n: 10, seed: 22, query: (r, c) => (c === 4 ? NaN : uniform(r, -1, 1)) });
      same({ rows: 200, dim: 16, n: 10, seed: 23, query: (r, c) => (c === 4 ? Infinity : uniform(r, -1, 1)) });
      same({ rows: 200, dim: 16, n: 10, seed: 24, value: (r) => uniform(r, -3e38, 3e38) });
    });

    it('exclusions and sub-ranges', () => {
      const excl = Array.from({ length: 60 }, (_, j) => j * 5 + 1);
      same({ rows: 400, dim: 32, n: 10, seed: 25, excl, bias: true });
      same({ rows: 400, dim: 32, n: 10, seed: 26, excl, start: 37, end: 390 });
      same({ rows: 400, dim: 32, n: 10, seed: 27, start: 101, end: 102 });
      same({ rows: 400, dim: 32, n: 10, seed: 28, start: 5, end: 5 });
      // Everything excluded.
      same({ rows: 50, dim: 8, n: 10, seed: 29, excl: Array.from({ length: 50 }, (_, j) => j) });
    });

    it('a screen that does not fit (other dim, too few rows) falls back to scoreTopK', () => {
      const c: Case = { rows: 120, dim: 16, n: 10, seed: 30 };
      const { stride, Y, x } = setUp(c);
      const small = arena.f32(screenBytes(60, 16) / 4);
      K.screenRows(Y.ptr, stride, 16, 60, small.ptr);
      const other = arena.f32(screenBytes(120, 8) / 4);
      K.screenRows(Y.ptr, stride, 8, 120, other.ptr);
      const scratch = arena.f32(screenScratchBytes(1, 16) / 4);
      const run = (screen: number) => {
        const idx = arena.i32(10);
        const score = arena.f32(10);
        const kept = screen
          ? K.screenTopK(screen, Y.ptr, stride, 16, 0, 120, x.ptr, 0, 0, 0, 10, idx.ptr, score.ptr, scratch.ptr)
          : K.scoreTopK(Y.ptr, stride, 16, 0, 120, 0, 0, x.ptr, 0, 0, 0, 10, idx.ptr, score.ptr);
        return [kept, Array.from(idx.view), bits(score.view)];
      };
      const exact = run(0);
      expect(run(small.ptr)).toEqual(exact);
      expect(run(other.ptr)).toEqual(exact);
    });

    it('rows whose bound cannot enter are never read: a stale screen hides a row changed after it was built', () => {
      // Proof that the screen skips rows (and why it must be rebuilt when a row changes): a
      // low-scoring row made the best after screenRows is not found through the old screen.
      const c: Case = { rows: 1000, dim: 32, n: 10, seed: 36 };
      const { stride, Y, screen, x } = setUp(c);
      const scratch = arena.f32(screenScratchBytes(1, 32) / 4);
      const run = (screened: boolean) => {
        const idx = arena.i32(10);
        const score = arena.f32(10);
        const kept = screened
          ? K.screenTopK(screen.ptr, Y.ptr, stride, 32, 0, 1000, x.ptr, 0, 0, 0, 10, idx.ptr, score.ptr, scratch.ptr)
          : K.scoreTopK(Y.ptr, stride, 32, 0, 1000, 0, 0, x.ptr, 0, 0, 0, 10, idx.ptr, score.ptr);
        return new Set(Array.from(idx.view.subarray(0, kept)));
      };
      const before = run(false);
      const worst = 997; // far from the top ten of random rows, beyond the first heap fill
      expect(before.has(worst)).toBe(false);
      for (let d = 0; d < 32; d++) Y.view[worst * stride + d] = x.view[d]! * 100;
      expect(run(false).has(worst)).toBe(true);
      expect(run(true).has(worst)).toBe(false);
      K.screenRows(Y.ptr, stride, 32, 1000, screen.ptr);
      expect(run(true)).toEqual(run(false));
    });

    it('the bound: U ≥ the exact score for every row, recomputed in f32 from the screen block', () => {
      const cases: Case[] = [
        { rows: 300, dim: 64, n: 10, seed: 31, bias: true },
        { rows: 300, dim: 128, n: 10, seed: 32, value: (r, row) => uniform(r, -1, 1) * 10 ** ((row % 8) - 4), bias: true },
        { rows: 300, dim: 5, n: 10, seed: 33, value: (r) => Math.floor(uniform(r, -2, 3)) },
        {
          rows: 300,
          dim: 64,
          n: 10,
          seed: 34,
          value: (r) => uniform(r, -1e-30, 1e-30),
          bias: true,
          biasValue: (r) => uniform(r, -1e-30, 1e-30),
        },
        { rows: 300, dim: 17, n: 10, seed: 35, bias: true, biasValue: (r) => uniform(r, -1e8, 1e8) },
      ];
      for (const c of cases) {
        const { setup } = single(c);
        const { stride, Y, bias, screen, x, scratch } = setup;
        const buffer = Y.view.buffer;
        const head = new Int32Array(buffer, screen.ptr, 4);
        const width = head[2]!;
        const scales = new Float32Array(buffer, screen.ptr + 64, c.rows);
        const rowsAt = screen.ptr + 64 + Math.ceil((c.rows * 4) / 16) * 16;
        const h = new Int16Array(buffer, rowsAt, c.rows * width);
        const sq = scratch.view[0]!;
        const E = scratch.view[4]!;
        const xq = new Int16Array(buffer, scratch.ptr + 32, width);
        const f = Math.fround;
        const idx = arena.i32(1);
        const out = arena.f32(1);
        const cand = arena.i32(1);
        for (let i = 0; i < c.rows; i++) {
          let P = 0;
          for (let d = 0; d < width; d++) P += xq[d]! * h[i * width + d]!;
          const b = bias ? bias.view[i]! : 0;
          const a = f(f(f(P) * scales[i]!) * sq);
          const U = bias ? f(f(f(a + b) + E) + f(2 ** -21 * Math.abs(b))) : f(a + E);
          cand.view[0] = i;
          K.scoreTopK(Y.ptr, stride, c.dim, 0, c.rows, cand.ptr, 1, x.ptr, bias?.ptr ?? 0, 0, 0, 1, idx.ptr, out.ptr);
          expect([i, U >= out.view[0]!]).toEqual([i, true]);
        }
      }
    });

    /** scoreTopKBatch and screenTopKBatch on one case: heaps and kept counts. */
    const batch = (c: Case & { queries: number; exclPerQuery?: (q: number) => number[] }) => {
      const { stride, Y, bias, screen } = setUp(c);
      const rand = rng(c.seed + 1);
      const X = arena.f32(c.queries * stride);
      const value = c.value ?? ((r: () => number) => uniform(r, -1, 1));
      const query = (r: () => number, d: number) => (c.query ? c.query(r, d) : value(r, -1, d));
      for (let q = 0; q < c.queries; q++) for (let d = 0; d < c.dim; d++) X.view[q * stride + d] = query(rand, d);
      const lists = Array.from({ length: c.queries }, (_, q) => c.exclPerQuery?.(q) ?? []);
      const indptr = c.exclPerQuery ? arena.i32([0, ...lists.map((_, q) => lists.slice(0, q + 1).flat().length)]).ptr : 0;
      const indices = arena.i32(lists.flat());
      const room = Math.max(c.n, 1) * c.queries;
      const run = (screened: boolean) => {
        const idx = arena.i32(room);
        const score = arena.f32(room);
        const kept = arena.i32(c.queries);
        const args = [
          c.start ?? 0,
          c.end ?? c.rows,
          bias?.ptr ?? 0,
          X.ptr,
          c.queries,
          indptr,
          indices.ptr,
          c.n,
          idx.ptr,
          score.ptr,
          kept.ptr,
        ] as const;
        if (screened) {
          const scratch = arena.f32(screenScratchBytes(c.queries, c.dim) / 4);
          K.screenTopKBatch(screen.ptr, Y.ptr, stride, c.dim, ...args, scratch.ptr);
        } else K.scoreTopKBatch(Y.ptr, stride, c.dim, ...args);
        return { kept: Array.from(kept.view), idx: Array.from(idx.view), score: bits(score.view) };
      };
      const exact = run(false);
      expect(run(true)).toEqual(exact);
      return exact;
    };

    it('screenTopKBatch returns scoreTopKBatch’s heaps bit for bit, for 1 … 9 queries and odd blocks', () => {
      for (const queries of [1, 2, 3, 4, 5, 8, 9]) {
        for (const dim of [3, 16, 64, 72]) {
          batch({ rows: 1101, dim, n: 10, queries, seed: queries * 100 + dim, bias: queries % 2 === 0 });
        }
      }
      batch({ rows: 1101, dim: 64, n: 10, queries: 6, seed: 40, start: 13, end: 1030 });
      batch({ rows: 40, dim: 64, n: 50, queries: 5, seed: 41, bias: true });
      batch({ rows: 40, dim: 64, n: 0, queries: 5, seed: 42 });
    });

    it('screenTopKBatch with exclusions, ties, non-finite values and unscreenable queries', () => {
      const int = (r: () => number) => Math.floor(uniform(r, -2, 3));
      batch({
        rows: 700,
        dim: 24,
        n: 10,
        queries: 7,
        seed: 43,
        exclPerQuery: (q) => Array.from({ length: 30 }, (_, j) => j * (q + 3)),
      });
      batch({ rows: 700, dim: 24, n: 10, queries: 7, seed: 44, value: int, bias: true, biasValue: int });
      batch({ rows: 700, dim: 24, n: 10, queries: 5, seed: 45, copies: [3, 9, 400, 650] });
      batch({
        rows: 300,
        dim: 16,
        n: 10,
        queries: 6,
        seed: 46,
        value: (r, row, c) => (row % 11 === 2 && c === 1 ? NaN : uniform(r, -1, 1)),
        query: (r, c) => (c === 3 && r() < 0.3 ? Infinity : uniform(r, -1, 1)),
        bias: true,
        biasValue: (r, row) => (row % 19 === 4 ? -Infinity : uniform(r, -1, 1)),
      });
      batch({ rows: 300, dim: 16, n: 10, queries: 5, seed: 47, value: (r) => uniform(r, -1e30, 1e30) });
    });
  });
}

describe('the serving engine screens the item rows', () => {
  it('model.recommend’s topN and topNEach give the lists of the unscreened kernels', () => {
    const k = 24;
    const rand = rng(50);
    const users = 9;
    const items = 2500; // at least SCREEN_MIN_ROWS, so the engine screens them
    const userFactors = Float32Array.from({ length: users * k }, () => uniform(rand, -1, 1));
    const itemFactors = Float32Array.from({ length: items * k }, () => uniform(rand, -1, 1));
    const itemBiases = Float32Array.from({ length: items }, () => uniform(rand, -0.5, 0.5));
    const engine = new ServingEngine(k, userFactors, itemFactors, null, itemBiases);
    for (const bias of [0, engine.itemBias]) {
      for (let u = 0; u < users; u++) {
        const vector = userFactors.subarray(u * k, (u + 1) * k);
        const exclude = [u, u * 7, 300 + u];
        const screened = topN(engine, { vector, rows: engine.items, numRows: items, bias, n: 10, exclude });
        const plain = topN(engine, { vector, rows: engine.items, numRows: items, bias, n: 10, exclude, screen: false });
        expect(screened).toEqual(plain);
      }
      const each = (screened: boolean) => {
        const lists: number[][] = [];
        engine.topNEach(
          engine.items,
          items,
          bias,
          10,
          users,
          (u) => ({ vector: userFactors.subarray(u * k, (u + 1) * k), exclude: [u, u * 7] }),
          (u, idx, score) => lists.push([u, ...idx, ...bits(score)]),
          screened,
        );
        return lists;
      };
      expect(each(true)).toEqual(each(false));
    }
    expect(engine.screenFor(engine.items, items)).toBe(engine.itemScreen);
    expect(engine.screenFor(engine.users, users)).toBe(0);
    expect(engine.screenFor(engine.itemNormed, items)).toBe(0);
  });
});

describe('recommendAll screens the items on every path', () => {
  it('recommendAllThreaded on 1 and 2 threads and model.recommendAll give the unscreened lists (biases, seen items, minItemRatings)', async () => {
    const { ALSModel } = await import('../src/model/model.js');
    const { recommendAllThreaded } = await import('../src/model/recommend-all.js');
    const k = 16;
    const rand = rng(60);
    const users = 40;
    const items = 900; // past SCREEN_MIN_ROWS
    const seen = new Map(
      Array.from({ length: users }, (_, u) => [u, Array.from({ length: 30 }, (_, j) => (u * 37 + j * 11) % items)]),
    );
    const model = ALSModel.fromFactors({
      userIds: Array.from({ length: users }, (_, u) => u),
      itemIds: Array.from({ length: items }, (_, i) => i),
      userFactors: Float32Array.from({ length: users * k }, () => uniform(rand, -1, 1)),
      itemFactors: Float32Array.from({ length: items * k }, () => uniform(rand, -1, 1)),
      userBiases: Float32Array.from({ length: users }, () => uniform(rand, -0.3, 0.3)),
      itemBiases: Float32Array.from({ length: items }, () => uniform(rand, -0.3, 0.3)),
      globalMean: 3,
      seen,
    });
    const engine = model.engine();
    // The unscreened lists, user by user.
    const want = Array.from({ length: users }, (_, u) => {
      const top = topN(engine, {
        vector: model.userFactors.subarray(u * k, (u + 1) * k),
        rows: engine.items,
        numRows: items,
        bias: engine.itemBias,
        n: 10,
        exclude: seen.get(u)!,
        screen: false,
      });
      return Array.from(top.indices);
    });
    const rows = (all: { indices: Int32Array }) =>
      Array.from({ length: users }, (_, u) => Array.from(all.indices.subarray(u * 10, u * 10 + 10)));
    expect(rows(model.recommendAll({ n: 10 }))).toEqual(want);
    for (const threads of [1, 2]) expect(rows(await recommendAllThreaded(model, { n: 10, threads }))).toEqual(want);
    const sync = model.recommendAll({ n: 10, minItemRatings: 1 });
    expect(rows(await recommendAllThreaded(model, { n: 10, threads: 2, minItemRatings: 1 }))).toEqual(rows(sync));
  });
});

/**
 * scoreTopK on every backend against the obvious reference: score every row in float64,
 * sort by (score desc, index asc), drop excluded rows, take n.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RANK_PARAM_SLOTS, RankParam, screenBytes, screenScratchBytes, type Kernels } from '../src/kernels/types.js';
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
    const top = (
      Y: number[][],
      stride: number,
      dim: number,
      x: number[],
      opts: { bias?: number[]; cands?: number[]; excl?: number[]; n: number; start?: number; end?: number; screened?: boolean },
    ) => {
      const y = arena.f32(Y.length * stride);
      Y.forEach((row, r) => y.view.set(row, r * stride));
      const xb = arena.f32(stride);
      xb.view.set(x);
      const bias = opts.bias ? arena.f32(opts.bias).ptr : 0;
      const cands = opts.cands ? arena.i32(opts.cands) : null;
      const excl = arena.i32(opts.excl ?? [0]);
      const outIdx = arena.i32(Math.max(opts.n, 1));
      const outScore = arena.f32(Math.max(opts.n, 1));
      // screened: through the rows' int16 screen (screenTopK), which must keep the same heap.
      const screen = opts.screened ? arena.f32(screenBytes(Y.length, dim) / 4).ptr : 0;
      if (screen) K.screenRows(y.ptr, stride, dim, Y.length, screen);
      const kept = screen
        ? K.screenTopK(
            screen,
            y.ptr,
            stride,
            dim,
            opts.start ?? 0,
            opts.end ?? Y.length,
            xb.ptr,
            bias,
            excl.ptr,
            opts.excl?.length ?? 0,
            opts.n,
            outIdx.ptr,
            outScore.ptr,
            arena.f32(screenScratchBytes(1, dim) / 4).ptr,
          )
        : K.scoreTopK(
            y.ptr,
            stride,
            dim,
            opts.start ?? 0,
            opts.end ?? Y.length,
            cands ? cands.ptr : 0,
            opts.cands?.length ?? 0,
            xb.ptr,
            bias,
            excl.ptr,
            opts.excl?.length ?? 0,
            opts.n,
            outIdx.ptr,
            outScore.ptr,
          );
      return Array.from({ length: kept }, (_, q) => ({ i: outIdx.view[q]!, s: outScore.view[q]! })).sort(
        (a, b) => b.s - a.s || a.i - b.i,
      );
    };

    it("Spark's recommendForAll fixture (rank 2): user 0 → items 3, 4, 5, 6 with 54, 44, 42, 28", () => {
      const items = [
        [5, 6],
        [6, 2],
        [3, 6],
        [4, 1],
      ]; // items 3, 4, 5, 6 at rows 0–3
      expect(top(items, 8, 2, [6, 4], { n: 10 })).toEqual([
        { i: 0, s: 54 },
        { i: 1, s: 44 },
        { i: 2, s: 42 },
        { i: 3, s: 28 },
      ]);
      expect(top(items, 8, 2, [3, 4], { n: 2 })).toEqual([
        { i: 0, s: 39 },
        { i: 2, s: 33 },
      ]);
      expect(top(items, 8, 2, [3, 6], { n: 0 })).toEqual([]);
    });

    it('ties keep the lower index; NaN scores never enter', () => {
      const Y = [[1], [1], [NaN], [1], [2]];
      expect(top(Y, 8, 1, [1], { n: 3 })).toEqual([
        { i: 4, s: 2 },
        { i: 0, s: 1 },
        { i: 1, s: 1 },
      ]);
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
        check(
          top(Y, stride, k, x, { n: 5, start: 100, end: 350, excl }),
          reference(Y, x, null, all.slice(100, 350), new Set(excl), 5),
        );
        check(top(Y, stride, k, x, { n: 1000 }), reference(Y, x, null, all, new Set(), 1000));
      });

      it(`k = ${k}: screened (screenTopK) — the reference's lists and scoreTopK's score bits`, () => {
        const rand = rng(950 + k);
        const stride = Math.ceil(k / 8) * 8;
        const rows = 700;
        const Y = Array.from({ length: rows }, () => Array.from({ length: k }, () => uniform(rand, -1, 1)));
        const x = Array.from({ length: k }, () => uniform(rand, -1, 1));
        const bias = Array.from({ length: rows }, () => uniform(rand, -0.5, 0.5));
        const excl = Array.from({ length: rows }, (_, i) => i).filter(() => rand() < 0.2);
        const all = Array.from({ length: rows }, (_, i) => i);
        for (const opts of [{ n: 10 }, { n: 25, bias, excl }, { n: 5, start: 100, end: 350, excl }, { n: 1000 }]) {
          const screened = top(Y, stride, k, x, { ...opts, screened: true });
          expect(screened).toEqual(top(Y, stride, k, x, opts));
          const rowsOf = all.slice(opts.start ?? 0, opts.end ?? rows);
          const want = reference(Y, x, opts.bias ?? null, rowsOf, new Set(opts.excl ?? []), opts.n);
          expect(screened.map((g) => g.i)).toEqual(want.map((w) => w.i));
        }
      });
    }
  });
}

/**
 * scoreTopKRanks against the obvious reference, on rows of multiples of 1/8 (every dot is
 * exact in f32 and f64, so the reference sees the kernel's scores and ties are frequent):
 * the list is scoreTopK's, and each positive's rank counts 2 per lower-scoring and 1 per
 * tied row that is neither excluded nor positive.
 */
function rankReference(
  Y: number[][],
  x: number[],
  bias: number[] | null,
  start: number,
  end: number,
  excl: Set<number>,
  pos: number[],
) {
  const score = (i: number) => Y[i]!.reduce((a, v, c) => a + v * x[c]!, 0) + (bias ? bias[i]! : 0);
  const negatives: number[] = [];
  for (let i = start; i < end; i++) if (!excl.has(i) && !pos.includes(i)) negatives.push(score(i));
  return {
    posScore: pos.map(score),
    rank: pos.map((p) => {
      const s = score(p);
      return negatives.reduce((a, t) => a + (t < s ? 2 : t === s ? 1 : 0), 0);
    }),
  };
}

for (const backend of await listBackends()) {
  const suite = backend.make ? describe : describe.skip;
  suite(`scoreTopKRanks [${backend.name}]`, () => {
    let K: Kernels;
    let arena: Arena;
    beforeAll(async () => {
      const b = await backend.make!();
      K = b.kernels;
      arena = new Arena(b.buffer);
    });
    beforeEach(() => arena.reset());

    const run = (
      Y: number[][],
      stride: number,
      dim: number,
      x: number[],
      o: { bias?: number[]; excl?: number[]; pos: number[]; n: number; start?: number; end?: number },
    ) => {
      const y = arena.f32(Y.length * stride);
      Y.forEach((row, r) => y.view.set(row, r * stride));
      const xb = arena.f32(stride);
      xb.view.set(x);
      const bias = o.bias ? arena.f32(o.bias).ptr : 0;
      const excl = arena.i32(o.excl ?? [0]);
      const pos = arena.i32(o.pos.length ? o.pos : [0]);
      const padded = Math.ceil(o.pos.length / 4) * 4;
      const posScore = arena.f32(Math.max(padded, 4));
      const outRank = arena.i32(Math.max(padded, 4));
      outRank.view.fill(77); // stale values from an earlier user must not survive
      const outIdx = arena.i32(Math.max(o.n, 1));
      const outScore = arena.f32(Math.max(o.n, 1));
      const kept = K.scoreTopKRanks(
        y.ptr,
        stride,
        dim,
        o.start ?? 0,
        o.end ?? Y.length,
        xb.ptr,
        bias,
        excl.ptr,
        o.excl?.length ?? 0,
        pos.ptr,
        o.pos.length,
        o.n,
        -1,
        outIdx.ptr,
        outScore.ptr,
        posScore.ptr,
        outRank.ptr,
      );
      return {
        list: Array.from({ length: kept }, (_, q) => ({ i: outIdx.view[q]!, s: outScore.view[q]! })).sort(
          (a, b) => b.s - a.s || a.i - b.i,
        ),
        posScore: Array.from(posScore.view.subarray(0, o.pos.length)),
        rank: Array.from(outRank.view.subarray(0, o.pos.length)),
        padScore: Array.from(posScore.view.subarray(o.pos.length, padded)),
        padRank: Array.from(outRank.view.subarray(o.pos.length, padded)),
      };
    };

    it('ranks by hand: 2 per row below, 1 per tie; excluded and positive rows are not negatives', () => {
      // scores with x = [1]: rows 0…5 → 3, 1, 2, 2, 5, 0; row 5 excluded; positives 2 and 4
      const Y = [[3], [1], [2], [2], [5], [0]];
      const r = run(Y, 8, 1, [1], { excl: [5], pos: [2, 4], n: 3 });
      expect(r.list).toEqual([
        { i: 4, s: 5 },
        { i: 0, s: 3 },
        { i: 2, s: 2 },
      ]);
      expect(r.posScore).toEqual([2, 5]);
      // negatives 0, 1, 3 (scores 3, 1, 2): row 2 has 1 below and 1 tie → 3; row 4 has 3 below → 6
      expect(r.rank).toEqual([3, 6]);
      expect(r.padScore.every((s) => Number.isNaN(s))).toBe(true);
      expect(r.padRank).toEqual([0, 0]);
    });

    it('a NaN score never enters the list and counts in neither direction', () => {
      const Y = [[NaN], [1], [2], [NaN]];
      const r = run(Y, 8, 1, [1], { pos: [2, 3], n: 4 });
      expect(r.list).toEqual([
        { i: 2, s: 2 },
        { i: 1, s: 1 },
      ]);
      expect(r.rank).toEqual([2, 0]);
    });

    it('resuming block by block (kept ≥ 0) gives the one-pass list and ranks', () => {
      const rand = rng(1699);
      const rows = 500,
        k = 12,
        stride = 16;
      const eighth = () => Math.round(uniform(rand, -8, 8)) / 8;
      const Y = Array.from({ length: rows * stride }, (_, j) => (j % stride < k ? eighth() : 0));
      const y = arena.f32(Y);
      const x = arena.f32(Array.from({ length: stride }, (_, c) => (c < k ? eighth() : 0)));
      const bias = arena.f32(Array.from({ length: rows }, eighth));
      const exclList = Array.from({ length: rows }, (_, i) => i).filter(() => rand() < 0.1);
      const posList = Array.from({ length: rows }, (_, i) => i).filter((i) => !exclList.includes(i) && rand() < 0.02);
      const excl = arena.i32(exclList);
      const pos = arena.i32(posList);
      const padded = Math.ceil(posList.length / 4) * 4;
      const outs = [0, 1].map(() => ({
        idx: arena.i32(20),
        score: arena.f32(20),
        posScore: arena.f32(padded),
        rank: arena.i32(padded),
      }));
      const call = (o: (typeof outs)[number], start: number, end: number, kept: number) =>
        K.scoreTopKRanks(
          y.ptr,
          stride,
          k,
          start,
          end,
          x.ptr,
          bias.ptr,
          excl.ptr,
          exclList.length,
          pos.ptr,
          posList.length,
          20,
          kept,
          o.idx.ptr,
          o.score.ptr,
          o.posScore.ptr,
          o.rank.ptr,
        );
      const once = call(outs[0]!, 0, rows, -1);
      let kept = -1;
      for (const [start, end] of [
        [0, 64],
        [64, 65],
        [65, 300],
        [300, 301],
        [301, rows],
      ] as const)
        kept = call(outs[1]!, start, end, kept);
      expect(kept).toBe(once);
      const sorted = (o: (typeof outs)[number]) =>
        Array.from({ length: 20 }, (_, j) => [o.score.view[j]!, o.idx.view[j]!] as const).sort(
          (a, b) => b[0] - a[0] || a[1] - b[1],
        );
      expect(sorted(outs[1]!)).toEqual(sorted(outs[0]!));
      expect(Array.from(outs[1]!.rank.view)).toEqual(Array.from(outs[0]!.rank.view));
      expect(Array.from(outs[1]!.posScore.view)).toEqual(Array.from(outs[0]!.posScore.view));
    });

    it('rankQueries over a block of queries and row blocks equals scoreTopKRanks per query', () => {
      const rand = rng(1698);
      const rows = 300,
        k = 8,
        stride = 8,
        n = 6;
      const eighth = () => Math.round(uniform(rand, -8, 8)) / 8;
      const Y = arena.f32(Array.from({ length: rows * stride }, eighth));
      const bias = arena.f32(Array.from({ length: rows }, eighth));
      const queries = [0, 1, 2, 3].map(() => Array.from({ length: k }, eighth));
      const X = arena.f32(queries.flat());
      const excl = queries.map((_, q) => Array.from({ length: rows }, (_, i) => i).filter(() => rand() < 0.1 * q));
      const pos = queries.map((_, q) =>
        Array.from({ length: rows }, (_, i) => i).filter((i) => !excl[q]!.includes(i) && rand() < 0.02 * q),
      );
      const exclIndptr = arena.i32([0, ...excl.map((_, q) => excl.slice(0, q + 1).flat().length)]);
      const exclIndices = arena.i32(excl.flat().length ? excl.flat() : [0]);
      const padded = pos.map((p) => Math.ceil(p.length / 4) * 4);
      const posIndptr = arena.i32([0, ...padded.map((_, q) => padded.slice(0, q + 1).reduce((a, b) => a + b, 0))]);
      const total = padded.reduce((a, b) => a + b, 0);
      const posIndices = arena.i32(Math.max(total, 1));
      pos.forEach((p, q) => posIndices.view.set(p, posIndptr.view[q]!));
      const posCount = arena.i32(pos.map((p) => p.length));
      const out = {
        idx: arena.i32(4 * n),
        score: arena.f32(4 * n),
        kept: arena.i32(4),
        posScore: arena.f32(Math.max(total, 4)),
        rank: arena.i32(Math.max(total, 4)),
      };
      const params = arena.i32(RANK_PARAM_SLOTS);
      const set = (slot: number, v: number) => (params.view[slot] = v);
      set(RankParam.Queries, X.ptr);
      set(RankParam.Stride, stride);
      set(RankParam.Dim, k);
      set(RankParam.Rows, Y.ptr);
      set(RankParam.NumRows, rows);
      set(RankParam.Bias, bias.ptr);
      set(RankParam.ExclIndptr, exclIndptr.ptr);
      set(RankParam.ExclIndices, exclIndices.ptr);
      set(RankParam.PosIndptr, posIndptr.ptr);
      set(RankParam.PosIndices, posIndices.ptr);
      set(RankParam.PosCount, posCount.ptr);
      set(RankParam.N, n);
      set(RankParam.OutIdx, out.idx.ptr);
      set(RankParam.OutScore, out.score.ptr);
      set(RankParam.Kept, out.kept.ptr);
      set(RankParam.PosScore, out.posScore.ptr);
      set(RankParam.OutRank, out.rank.ptr);
      K.rankQueries(params.ptr, 1, 4, 64); // queries 1–3, rows in blocks of 64
      expect(out.kept.view[0]).toBe(0); // query 0 is outside the range: untouched
      for (let q = 1; q < 4; q++) {
        const one = {
          idx: arena.i32(n),
          score: arena.f32(n),
          posScore: arena.f32(Math.max(padded[q]!, 4)),
          rank: arena.i32(Math.max(padded[q]!, 4)),
        };
        const e = arena.i32(excl[q]!.length ? excl[q]! : [0]);
        const p = arena.i32(pos[q]!.length ? pos[q]! : [0]);
        const kept = K.scoreTopKRanks(
          Y.ptr,
          stride,
          k,
          0,
          rows,
          X.ptr + q * stride * 4,
          bias.ptr,
          e.ptr,
          excl[q]!.length,
          p.ptr,
          pos[q]!.length,
          n,
          -1,
          one.idx.ptr,
          one.score.ptr,
          one.posScore.ptr,
          one.rank.ptr,
        );
        expect(out.kept.view[q]).toBe(kept);
        const heap = (idx: Int32Array, score: Float32Array) =>
          Array.from({ length: kept }, (_, j) => [score[j]!, idx[j]!] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
        expect(heap(out.idx.view.subarray(q * n), out.score.view.subarray(q * n))).toEqual(heap(one.idx.view, one.score.view));
        expect(Array.from(out.rank.view.subarray(posIndptr.view[q]!, posIndptr.view[q]! + pos[q]!.length))).toEqual(
          Array.from(one.rank.view.subarray(0, pos[q]!.length)),
        );
      }
    });

    for (const k of [1, 5, 16, 64]) {
      it(`k = ${k}: lists match scoreTopK and ranks match the reference (bias, exclusions, ties, a row range)`, () => {
        const rand = rng(1700 + k);
        const stride = Math.ceil(k / 8) * 8;
        const rows = 600;
        const eighth = () => Math.round(uniform(rand, -8, 8)) / 8;
        const Y = Array.from({ length: rows }, () => Array.from({ length: k }, eighth));
        const x = Array.from({ length: k }, eighth);
        const bias = Array.from({ length: rows }, eighth);
        const excl = Array.from({ length: rows }, (_, i) => i).filter(() => rand() < 0.2);
        const pos = Array.from({ length: rows }, (_, i) => i).filter((i) => !excl.includes(i) && rand() < 0.03);
        for (const [opts, start, end] of [
          [{ n: 10, pos }, 0, rows],
          [{ n: 25, bias, excl, pos }, 0, rows],
          [{ n: 7, excl, pos: pos.slice(0, 5), start: 100, end: 350 }, 100, 350],
          [{ n: 1000, bias, pos: pos.slice(0, 1) }, 0, rows],
          [{ n: 3, excl, pos: [] }, 0, rows],
        ] as const) {
          const got = run(Y, stride, k, x, opts as never);
          const want = rankReference(Y, x, 'bias' in opts ? bias : null, start, end, new Set('excl' in opts ? excl : []), [
            ...opts.pos,
          ]);
          const all = Array.from({ length: rows }, (_, i) => i).slice(start, end);
          expect(got.list).toEqual(
            reference(Y, x, 'bias' in opts ? bias : null, all, new Set('excl' in opts ? excl : []), opts.n),
          );
          expect(got.posScore).toEqual(want.posScore);
          expect(got.rank).toEqual(want.rank);
        }
      });
    }
  });
}

/**
 * The literature's evaluation protocols (issue 15): the NCF protocol (He et al., WWW 2017) and
 * strong generalization (Liang et al., WWW 2018), with the popularity baseline reproduced from
 * figures computed by hand.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, run } from './cli-helpers.js';
import { ALS } from '../src/train/als.js';
import { AlsError, ErrorCode } from '../src/errors.js';
import { parseTriplesFile } from '../src/data/loaders/file.node.js';
import { syntheticRatings } from '../src/data/synthetic.js';
import { factorScorer, popularityScorer, type Scorer } from '../src/eval/scoring.js';
import { ratingsOf } from '../src/eval/tune.js';
import { ncfMetrics, ncfSplit, pessimisticRank } from '../src/eval/protocols/ncf.js';
import { sampleUnseen } from '../src/eval/protocols/sampling.js';
import {
  foldInScorer,
  popularityFoldIn,
  strongGeneralizationMetrics,
  strongGeneralizationSplit,
  type FoldInScorer,
  type HeldOutUsers,
} from '../src/eval/protocols/strong-generalization.js';
import { Prng } from '../src/train/prng.js';

const EXACT = 12; // toBeCloseTo(x, 12): |error| < 5e-13

function triples(rows: number[][]): { users: Int32Array; items: Int32Array; values: Float32Array } {
  const users: number[] = [];
  const items: number[] = [];
  rows.forEach((list, u) => {
    for (const i of list) users.push(u), items.push(i);
  });
  return { users: Int32Array.from(users), items: Int32Array.from(items), values: new Float32Array(users.length).fill(1) };
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof AlsError) return e.code;
    throw e;
  }
  return undefined;
}

/*
 * The NCF data set: 6 users, 8 items (0 … 7), each user with exactly 4 items in this input
 * order, so the last one is held out and the 4 items the user never touched are exactly its
 * negatives (negatives: 4 draws all of them, whatever the seed).
 *
 *   user  items (input order)  held out  negatives
 *   0     0 1 2 3              3         4 5 6 7
 *   1     0 1 4 2              2         3 5 6 7
 *   2     1 0 5 6              6         2 3 4 7
 *   3     0 2 3 7              7         1 4 5 6
 *   4     1 2 4 0              0         3 5 6 7
 *   5     3 5 6 1              1         0 2 4 7
 *
 * Training counts (popularity scores): item 0: 4 (users 0 1 2 3), 1: 4 (0 1 2 4), 2: 3 (0 3 4),
 * 3: 2 (3 5), 4: 2 (1 4), 5: 2 (2 5), 6: 1 (5), 7: 0 — 18 interactions in all.
 *
 * Rank r = negatives scoring ≥ the held-out item (ties pessimistic):
 *   user 0: held 3 (2) vs 4:2 5:2 6:1 7:0 → r = 2 (ties with 4 and 5)
 *   user 1: held 2 (3) vs 3:2 5:2 6:1 7:0 → r = 0
 *   user 2: held 6 (1) vs 2:3 3:2 4:2 7:0 → r = 3
 *   user 3: held 7 (0) vs 1:4 4:2 5:2 6:1 → r = 4
 *   user 4: held 0 (4) vs 3:2 5:2 6:1 7:0 → r = 0
 *   user 5: held 1 (4) vs 0:4 2:3 4:2 7:0 → r = 1 (tie with 0)
 * HR@1 = 2/6 (users 1, 4); NDCG@1 = 2/6.
 * HR@3 = 4/6 (r < 3: users 0 1 4 5); NDCG@3 = (1/log2 4 + 1 + 1 + 1/log2 3) / 6.
 * HR@10 = 6/6; NDCG@10 = (1/log2 4 + 1 + 1/log2 5 + 1/log2 6 + 1 + 1/log2 3) / 6.
 */
const NCF_ROWS = [
  [0, 1, 2, 3],
  [0, 1, 4, 2],
  [1, 0, 5, 6],
  [0, 2, 3, 7],
  [1, 2, 4, 0],
  [3, 5, 6, 1],
];

describe('the NCF protocol', () => {
  const data = triples(NCF_ROWS);
  const split = ncfSplit(data, { negatives: 4, seed: 1 });

  it('holds out the last interaction in input order and takes every unseen item when there are exactly `negatives`', () => {
    expect(split.heldOutBy).toBe('input order');
    expect(Array.from(split.test.users)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(split.test.items)).toEqual([3, 2, 6, 7, 0, 1]);
    expect(split.test.negativesPerUser).toBe(4);
    expect(Array.from(split.test.negatives)).toEqual([
      ...[4, 5, 6, 7],
      ...[3, 5, 6, 7],
      ...[2, 3, 4, 7],
      ...[1, 4, 5, 6],
      ...[3, 5, 6, 7],
      ...[0, 2, 4, 7],
    ]);
    expect(split.train.values.length).toBe(18);
    expect(Array.from(split.train.items.subarray(0, 6))).toEqual([0, 1, 2, 0, 1, 4]);
  });

  it('reproduces the popularity baseline computed by hand (HR@k, NDCG@k for k = 1, 3, 10)', () => {
    const popularity = popularityScorer(split.train, split.numItems);
    const at1 = ncfMetrics(popularity, split, { k: 1 });
    expect(Array.from(at1.ranks)).toEqual([2, 0, 3, 4, 0, 1]);
    expect(at1.users).toBe(6);
    expect(at1.hitRate).toBeCloseTo(2 / 6, EXACT);
    expect(at1.ndcg).toBeCloseTo(2 / 6, EXACT);
    const at3 = ncfMetrics(popularity, split, { k: 3 });
    expect(at3.hitRate).toBeCloseTo(4 / 6, EXACT);
    expect(at3.ndcg).toBeCloseTo((1 / Math.log2(4) + 1 + 1 + 1 / Math.log2(3)) / 6, EXACT);
    const at10 = ncfMetrics(popularity, split); // k = 10 by default
    expect(at10.k).toBe(10);
    expect(at10.hitRate).toBe(1);
    expect(at10.ndcg).toBeCloseTo((1 / Math.log2(4) + 1 + 1 / Math.log2(5) + 1 / Math.log2(6) + 1 + 1 / Math.log2(3)) / 6, EXACT);
  });

  it('a perfect oracle gets HR = NDCG = 1; a constant scorer ranks last under the pessimistic tie rule', () => {
    const heldBy = new Map(Array.from(split.test.users, (u, j) => [u, split.test.items[j]!]));
    const oracle: Scorer = {
      numItems: 8,
      scoreAll(user, out) {
        out.fill(0);
        out[heldBy.get(user)!] = 1;
      },
    };
    const best = ncfMetrics(oracle, split, { k: 1 });
    expect([best.hitRate, best.ndcg]).toEqual([1, 1]);
    const constant: Scorer = { numItems: 8, scoreAll: (_u, out) => out.fill(0.5) };
    // Every negative ties, so r = 4: HR@k = NDCG@k = 0 for k ≤ 4, HR@5 = 1, NDCG@5 = 1/log2(6).
    expect(Array.from(ncfMetrics(constant, split).ranks)).toEqual([4, 4, 4, 4, 4, 4]);
    expect(ncfMetrics(constant, split, { k: 4 })).toMatchObject({ hitRate: 0, ndcg: 0 });
    const at5 = ncfMetrics(constant, split, { k: 5 });
    expect(at5.hitRate).toBe(1);
    expect(at5.ndcg).toBeCloseTo(1 / Math.log2(6), EXACT);
  });

  it('ties count against the held-out item and NaN scores rank last', () => {
    expect(pessimisticRank(Float32Array.from([1, 1, 0, 2]))).toBe(2);
    expect(pessimisticRank(Float32Array.from([1, 0, 0, 0]))).toBe(0);
    expect(pessimisticRank(Float32Array.from([Number.NaN, 0, 0]))).toBe(2);
    expect(pessimisticRank(Float32Array.from([0, Number.NaN, -1]))).toBe(0);
  });

  it('holds out the latest interaction by timestamp, the later in the input on equal timestamps', () => {
    const timestamps = new Float64Array(24).fill(10);
    timestamps[0] = 99; // user 0's item 0 is its latest
    const byTime = ncfSplit(data, { negatives: 4, timestamps });
    expect(byTime.heldOutBy).toBe('timestamp');
    // User 0 holds out item 0; the others, all equal in time, their last in input order.
    expect(Array.from(byTime.test.items)).toEqual([0, 2, 6, 7, 0, 1]);
  });

  it("heldOut: 'random' holds out one of each user's interactions, uniformly and reproducibly", () => {
    const random = ncfSplit(data, { negatives: 4, seed: 7, heldOut: 'random' });
    expect(random.heldOutBy).toBe('random');
    expect(ncfSplit(data, { negatives: 4, seed: 7, heldOut: 'random' })).toEqual(random);
    // Every held-out item is one of its user's, and train + test is the input, each pair once.
    const pairs = (t: { users: ArrayLike<number>; items: ArrayLike<number> }) =>
      Array.from(t.users, (u, e) => `${u}:${t.items[e]}`);
    expect([...pairs(random.train), ...pairs(random.test)].sort()).toEqual(pairs(data).sort());
    random.test.users.forEach((u, j) => expect(NCF_ROWS[u]).toContain(random.test.items[j]));
    // Uniform: over 4,000 seeds user 0's four interactions are each held out ~1,000 times
    // (binomial sd ≈ 27; 5 sd allowed).
    const counts = new Map<number, number>();
    for (let seed = 0; seed < 4000; seed++) {
      const item = ncfSplit(data, { negatives: 4, seed, heldOut: 'random' }).test.items[0]!;
      counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...NCF_ROWS[0]!].sort());
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(5 * 27.4);
    // The default stays the last interaction.
    expect(ncfSplit(data, { negatives: 4, seed: 7, heldOut: 'last' })).toEqual(ncfSplit(data, { negatives: 4, seed: 7 }));
    expect(codeOf(() => ncfSplit(data, { heldOut: 'rnd' as 'random' }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('users with a single interaction stay in train and are counted, not evaluated', () => {
    const s = ncfSplit(triples([[0, 1, 2], [3], [1, 4]]), { negatives: 2, numItems: 6 });
    expect(Array.from(s.test.users)).toEqual([0, 2]);
    expect(s.usersTooFew).toBe(1);
    expect(s.train.values.length).toBe(4);
  });

  it('sampling is seeded and reproducible, without replacement, and never picks an item of the user (train or test)', () => {
    const s = syntheticRatings({ numUsers: 120, numItems: 300, nnz: 6000, seed: 5 });
    const a = ncfSplit(s, { seed: 7, numItems: 300 });
    const b = ncfSplit(s, { seed: 7, numItems: 300 });
    const c = ncfSplit(s, { seed: 8, numItems: 300 });
    expect(Array.from(b.test.negatives)).toEqual(Array.from(a.test.negatives));
    expect(Array.from(c.test.negatives)).not.toEqual(Array.from(a.test.negatives));
    const mine = new Map<number, Set<number>>();
    for (let e = 0; e < s.users.length; e++) {
      if (!mine.has(s.users[e]!)) mine.set(s.users[e]!, new Set());
      mine.get(s.users[e]!)!.add(s.items[e]!);
    }
    expect(a.test.users.length).toBeGreaterThan(100);
    for (let j = 0; j < a.test.users.length; j++) {
      const row = Array.from(a.test.negatives.subarray(j * 99, (j + 1) * 99));
      expect(new Set(row).size).toBe(99);
      for (let p = 0; p < 99; p++) {
        expect(row[p]).toBeGreaterThanOrEqual(0);
        expect(row[p]).toBeLessThan(300);
        if (p > 0) expect(row[p]).toBeGreaterThan(row[p - 1]!);
        expect(mine.get(a.test.users[j]!)!.has(row[p]!)).toBe(false);
      }
    }
  });

  it('sampleUnseen draws every allowed item equally often', () => {
    // 2 of the 5 items {1, 3, 4, 6, 7} of 0 … 7, 20,000 times: each should appear 8,000 times.
    const rng = new Prng(11);
    const seen = new Float64Array(8);
    for (let t = 0; t < 20000; t++) for (const i of sampleUnseen(rng, 8, Int32Array.from([0, 2, 5]), 2)) seen[i]!++;
    expect([seen[0], seen[2], seen[5]]).toEqual([0, 0, 0]);
    for (const i of [1, 3, 4, 6, 7]) expect(Math.abs(seen[i]! - 8000)).toBeLessThan(250); // ≈ 4 standard deviations
  });

  it('a factor model scores its candidates exactly as factorScorer does', async () => {
    const s = syntheticRatings({ numUsers: 80, numItems: 120, nnz: 2500, seed: 2 });
    const sp = ncfSplit(s, { seed: 3, numItems: 120, negatives: 50 });
    const model = await new ALS({ feedback: 'implicit', factors: 6, iterations: 4, threads: 1 }).fit(
      ratingsOf(sp.train, 80, 120),
    );
    const direct = ncfMetrics(model, sp, { k: 5 });
    const viaScorer = ncfMetrics(factorScorer(model), sp, { k: 5 });
    expect(Array.from(direct.ranks)).toEqual(Array.from(viaScorer.ranks));
    expect(direct.ndcg).toBe(viaScorer.ndcg);
    expect(direct.hitRate).toBe(viaScorer.hitRate);
  });

  it('refuses bad options with coded errors', () => {
    expect(codeOf(() => ncfSplit(data, { negative: 4 } as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => ncfSplit(data, { negatives: 5 }))).toBe(ErrorCode.INVALID_OPTION); // only 4 unseen items
    expect(codeOf(() => ncfSplit(data, { negatives: 0 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => ncfSplit(data, { numItems: 7 }))).toBe(ErrorCode.INVALID_OPTION); // item 7 exists
    expect(codeOf(() => ncfSplit(data, { timestamps: [1, 2] }))).toBe(ErrorCode.LENGTH_MISMATCH);
    expect(codeOf(() => ncfSplit({ users: [0, -1], items: [0, 1], values: [1, 1] }))).toBe(ErrorCode.INVALID_ID);
    expect(codeOf(() => ncfMetrics(popularityScorer(split.train, 8), split, { k: 0 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => ncfMetrics(popularityScorer(split.train, 5), split))).toBe(ErrorCode.UNKNOWN_ID);
  });
});

/*
 * Strong generalization, by hand. Training users (their ratings give the popularity scores):
 *   user 0: 0 1 2   user 1: 0 1 3   user 2: 0 4 2   user 3: 0 1 5
 * counts: item 0: 4, 1: 3, 2: 2, 3: 1, 4: 1, 5: 1, 6: 0, 7: 0.
 * Held-out users:
 *   user 10 folds in {0, 3}, holds out {1, 6}. Ranked (fold-in excluded, ties: non-held-out
 *     first, then by index): 1 (3), 2 (2), 4 (1), 5 (1), 7 (0), 6 (0) → held-out at j = 0 and 5.
 *     Recall@1 = 1/min(1, 2) = 1; Recall@3 = 1/min(3, 2) = 1/2;
 *     NDCG@3 = 1 / (1 + 1/log2 3); NDCG@100 = (1 + 1/log2 7) / (1 + 1/log2 3).
 *   user 11 folds in {1, 2, 4}, holds out {5}. Ranked: 0 (4), 3 (1), 5 (1), 6 (0), 7 (0) →
 *     held-out at j = 2 (behind 3, its tie). Recall@1 = 0; Recall@3 = 1; NDCG@3 = NDCG@100 = 1/log2 4 = 1/2.
 *   user 12 folds in {0, 1} and holds out nothing: not scored.
 * Means over the 2 scored users: Recall@1 = 1/2, Recall@3 = 3/4, Recall@20 = Recall@50 = 1,
 *   NDCG@3 = (1/(1 + 1/log2 3) + 1/2) / 2, NDCG@100 = ((1 + 1/log2 7)/(1 + 1/log2 3) + 1/2) / 2.
 */
describe('strong generalization', () => {
  const train = triples([
    [0, 1, 2],
    [0, 1, 3],
    [0, 4, 2],
    [0, 1, 5],
  ]);
  const held = (rows: [number, number[]][]) => {
    const users: number[] = [];
    const items: number[] = [];
    for (const [u, list] of rows) for (const i of list) users.push(u), items.push(i);
    return { users: Int32Array.from(users), items: Int32Array.from(items), values: new Float32Array(users.length).fill(1) };
  };
  const set: HeldOutUsers = {
    users: Int32Array.from([10, 11, 12]),
    foldIn: held([
      [10, [0, 3]],
      [11, [1, 2, 4]],
      [12, [0, 1]],
    ]),
    heldOut: held([
      [10, [1, 6]],
      [11, [5]],
    ]),
    droppedRatings: 0,
  };
  const idcg2 = 1 + 1 / Math.log2(3);

  it('reproduces the popularity baseline computed by hand (Recall@1, @3, @20, @50, NDCG@3, @100)', () => {
    const m = strongGeneralizationMetrics(popularityFoldIn(train, 8), set, { recallAt: [1, 3, 20, 50], ndcgAt: [3, 100] });
    expect(m.users).toBe(2);
    expect(m.usersWithoutHeldOut).toBe(1);
    expect(m.recall[1]).toBeCloseTo(1 / 2, EXACT);
    expect(m.recall[3]).toBeCloseTo(3 / 4, EXACT);
    expect(m.recall[20]).toBe(1);
    expect(m.recall[50]).toBe(1);
    expect(m.ndcg[3]).toBeCloseTo((1 / idcg2 + 1 / 2) / 2, EXACT);
    expect(m.ndcg[100]).toBeCloseTo(((1 + 1 / Math.log2(7)) / idcg2 + 1 / 2) / 2, EXACT);
    const defaults = strongGeneralizationMetrics(popularityFoldIn(train, 8), set);
    expect(Object.keys(defaults.recall)).toEqual(['20', '50']);
    expect(defaults.ndcg[100]).toBe(m.ndcg[100]);
  });

  it('a perfect oracle gets Recall = NDCG = 1; a constant scorer puts the held-out items last', () => {
    const targets = new Map([
      [10, [1, 6]],
      [11, [5]],
    ]);
    // The oracle knows the user from its fold-in items.
    const userOf = (items: Int32Array) => (items.length === 2 ? 10 : 11);
    const oracle: FoldInScorer = {
      numItems: 8,
      scoreFoldIn(items, _v, out) {
        out.fill(0);
        for (const i of targets.get(userOf(items)) ?? []) out[i] = 1;
      },
    };
    const best = strongGeneralizationMetrics(oracle, set, { recallAt: [1, 2], ndcgAt: [1, 100] });
    expect([best.recall[1], best.recall[2], best.ndcg[1], best.ndcg[100]]).toEqual([1, 1, 1, 1]);
    // Constant: user 10's 6 candidates put {1, 6} at j = 4, 5; user 11's 5 put {5} at j = 4.
    const constant: FoldInScorer = { numItems: 8, scoreFoldIn: (_i, _v, out) => out.fill(0) };
    const flat = strongGeneralizationMetrics(constant, set, { recallAt: [4, 5], ndcgAt: [100] });
    expect(flat.recall[4]).toBe(0);
    expect(flat.recall[5]).toBeCloseTo((1 / 2 + 1) / 2, EXACT);
    expect(flat.ndcg[100]).toBeCloseTo(((1 / Math.log2(6) + 1 / Math.log2(7)) / idcg2 + 1 / Math.log2(6)) / 2, EXACT);
  });

  it('splits users into train, validation and test, and each held-out user 80 / 20 as Liang et al.', () => {
    const s = syntheticRatings({ numUsers: 200, numItems: 150, nnz: 6000, seed: 4 });
    const sp = strongGeneralizationSplit(s, { seed: 9, numItems: 150 });
    const trainUsers = new Set(sp.train.users);
    const v = new Set(sp.validation.users);
    const t = new Set(sp.test.users);
    expect([v.size, t.size]).toEqual([20, 20]); // 0.1 of 200 each
    for (const u of v) expect(trainUsers.has(u) || t.has(u)).toBe(false);
    for (const u of t) expect(trainUsers.has(u)).toBe(false);
    const trained = new Set(sp.train.items);
    for (const h of [sp.validation, sp.test]) {
      const fold = new Map<number, number>();
      const out = new Map<number, number>();
      for (const u of h.foldIn.users) fold.set(u, (fold.get(u) ?? 0) + 1);
      for (const u of h.heldOut.users) out.set(u, (out.get(u) ?? 0) + 1);
      for (const u of h.users) {
        const n = (fold.get(u) ?? 0) + (out.get(u) ?? 0);
        expect(out.get(u) ?? 0).toBe(n >= 5 ? Math.floor(0.2 * n) : 0);
      }
      for (const i of [...h.foldIn.items, ...h.heldOut.items]) expect(trained.has(i)).toBe(true);
      for (let i = 0; i < 150; i++) expect(h.catalogue![i]).toBe(trained.has(i) ? 1 : 0);
    }
    // Every rating is in exactly one place (or dropped: an item no training user rated).
    const total =
      sp.train.values.length +
      sp.validation.foldIn.values.length +
      sp.validation.heldOut.values.length +
      sp.test.foldIn.values.length +
      sp.test.heldOut.values.length +
      sp.validation.droppedRatings +
      sp.test.droppedRatings;
    expect(total).toBe(s.values.length);
    const again = strongGeneralizationSplit(s, { seed: 9, numItems: 150 });
    expect(Array.from(again.test.heldOut.items)).toEqual(Array.from(sp.test.heldOut.items));
    expect(Array.from(again.validation.users)).toEqual(Array.from(sp.validation.users));
    const other = strongGeneralizationSplit(s, { seed: 10, numItems: 150 });
    expect(Array.from(other.test.users)).not.toEqual(Array.from(sp.test.users));
    expect(strongGeneralizationSplit(s, { heldOutUsers: 7 }).test.users.length).toBe(7);
  });

  it('an ALS model is scored from its foldIn of the fold-in items', async () => {
    const s = syntheticRatings({ numUsers: 300, numItems: 120, nnz: 9000, seed: 6 });
    const sp = strongGeneralizationSplit(s, { seed: 1, numItems: 120 });
    const model = await new ALS({ feedback: 'implicit', factors: 8, iterations: 6, threads: 1 }).fit(
      ratingsOf(sp.train, 300, 120),
    );
    const byModel = strongGeneralizationMetrics(model, sp.test);
    const byScorer = strongGeneralizationMetrics(foldInScorer(model), sp.test);
    expect(byModel).toEqual(byScorer);
    // The held-out users have no factors of their own: the model knows them only through foldIn.
    const u = sp.test.users[0]!;
    expect(Array.from(model.userFactors.subarray(u * 8, u * 8 + 8))).toEqual(new Array(8).fill(0));
    expect(byModel.users).toBeGreaterThan(0);
  });

  it('refuses bad options with coded errors', () => {
    const s = triples([
      [0, 1],
      [1, 2],
      [2, 3],
      [0, 3],
    ]);
    expect(codeOf(() => strongGeneralizationSplit(s, { heldOutUser: 1 } as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => strongGeneralizationSplit(s, { heldOutUsers: 2 }))).toBe(ErrorCode.INVALID_OPTION); // none left to train
    expect(codeOf(() => strongGeneralizationSplit(s, { heldOutFraction: 1 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => strongGeneralizationSplit(s, { heldOutUsers: 1.5 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => strongGeneralizationMetrics(popularityFoldIn(train, 8), set, { recallAt: [] }))).toBe(
      ErrorCode.INVALID_OPTION,
    );
    expect(codeOf(() => strongGeneralizationMetrics(popularityFoldIn(train, 6), set))).toBe(ErrorCode.UNKNOWN_ID);
    expect(codeOf(() => strongGeneralizationMetrics({} as never, set))).toBe(ErrorCode.INVALID_OPTION);
  });
});

describe('als-wasm eval --protocol', () => {
  const dir = mkdtempSync(join(tmpdir(), 'als-protocols-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const lines = ['userId,movieId,rating,timestamp'];
  for (let u = 0; u < 60; u++)
    for (let i = 0; i < 150; i++) if ((u * 13 + i * 7) % 5 < 2 && u < 30 === i < 75) lines.push(`${u},${i},1,${u * 1000 + i}`);
  const csv = join(dir, 'ratings.csv');
  writeFileSync(csv, `${lines.join('\n')}\n`);

  it('ncf prints the model and the popularity baseline, the baseline exactly as the library computes it', async () => {
    const r = await run('eval', csv, '--format', 'movielens-csv', '--implicit', '--protocol', 'ncf', '--negatives', '50');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /NCF protocol: 60 users, last interaction by timestamp among 50 sampled negatives\nmodel: +hr@10 [\d.]+ +ndcg@10 [\d.]+\nbaseline: +hr@10 [\d.]+ +ndcg@10 [\d.]+ \(popularity\)/,
    );
    const json = await run(
      'eval',
      csv,
      '--format',
      'movielens-csv',
      '--implicit',
      '--protocol',
      'ncf',
      '--negatives',
      '50',
      '--k',
      '5',
      '--seed',
      '3',
      '--json',
    );
    const last = jsonLines(json.stdout).at(-1)!;
    const parsed = await parseTriplesFile(csv, { format: 'movielens-csv' });
    const sp = ncfSplit(parsed, {
      seed: 3,
      negatives: 50,
      timestamps: parsed.timestamps!,
      numItems: parsed.itemMap.size,
    });
    const expected = ncfMetrics(popularityScorer(sp.train, parsed.itemMap.size), sp, { k: 5 });
    expect(last).toMatchObject({ protocol: 'ncf', heldOutBy: 'timestamp', negatives: 50, users: 60 });
    expect(last.baseline).toEqual({ 'hr@5': expected.hitRate, 'ndcg@5': expected.ndcg });
    const model = last.metrics as Record<string, number>;
    expect(model['hr@5']).toBeGreaterThan(expected.hitRate);
  });

  it('strong-generalization prints Recall@20, Recall@50 and NDCG@100 for test and validation users', async () => {
    const r = await run(
      'eval',
      csv,
      '--format',
      'movielens-csv',
      '--implicit',
      '--protocol',
      'strong-generalization',
      '--held-out-users',
      '6',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const last = jsonLines(r.stdout).at(-1)!;
    expect(last).toMatchObject({ protocol: 'strong-generalization', trainUsers: 48, testUsers: 6, validationUsers: 6 });
    expect(Object.keys(last.metrics as object)).toEqual(['recall@20', 'recall@50', 'ndcg@100']);
    const parsed = await parseTriplesFile(csv, { format: 'movielens-csv' });
    const sp = strongGeneralizationSplit(parsed, { seed: 0, heldOutUsers: 6, numItems: parsed.itemMap.size });
    const pop = strongGeneralizationMetrics(popularityFoldIn(sp.train, parsed.itemMap.size), sp.test);
    expect(last.baseline).toEqual({ 'recall@20': pop.recall[20], 'recall@50': pop.recall[50], 'ndcg@100': pop.ndcg[100] });
  });

  it("ncf --held-out random holds out a random interaction; a typo gets the library's did-you-mean", async () => {
    const r = await run(
      'eval',
      csv,
      '--format',
      'movielens-csv',
      '--implicit',
      '--protocol',
      'ncf',
      '--negatives',
      '50',
      '--held-out',
      'random',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ protocol: 'ncf', heldOutBy: 'random', negatives: 50 });
    const typo = await run('eval', csv, '--format', 'movielens-csv', '--implicit', '--protocol', 'ncf', '--held-out', 'randon');
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toMatch(/random/);
  });

  it('an unknown protocol gets a did-you-mean, and flags of another protocol or split are refused', async () => {
    const typo = await run('eval', csv, '--protocol', 'nfc');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe(
      `als-wasm: INVALID_OPTION: --protocol must be 'ncf' or 'strong-generalization' (got "nfc"). Did you mean 'ncf'?\n`,
    );
    expect((await run('eval', csv, '--negatives', '9')).stderr).toBe(
      'als-wasm: INVALID_OPTION: --negatives applies to --protocol ncf only. Add --protocol ncf, or leave out --negatives.\n',
    );
    expect((await run('eval', csv, '--protocol', 'ncf', '--split', 'random')).stderr).toContain(
      '--protocol ncf makes its own split, so --split cannot apply.',
    );
    expect((await run('eval', csv, '--protocol', 'strong-generalization', '--k', '5')).code).toBe(1);
    expect((await run('eval', csv, '--protocol', 'strong-generalization', '--held-out-users', '2.5')).stderr).toContain(
      '--held-out-users must be a whole number of users ≥ 1 or a share in (0, 1) (got 2.5).',
    );
  });
});

/** The shared data sets (never copied into the repo): skipped with a message when absent. */
const mlSmall = fileURLToPath(new URL('../../shared/data/ml-latest-small/ratings.csv', import.meta.url));
describe.skipIf(!existsSync(mlSmall))('the protocols on ml-latest-small', () => {
  it('the NCF split holds out one rating for each of the 610 users, by timestamp', async () => {
    const parsed = await parseTriplesFile(mlSmall, { format: 'movielens-csv' });
    const sp = ncfSplit(parsed, { timestamps: parsed.timestamps!, numItems: parsed.itemMap.size });
    expect(sp.test.users.length).toBe(610);
    expect(sp.train.values.length).toBe(100836 - 610);
  });
});
if (!existsSync(mlSmall)) console.warn(`Skipping the ml-latest-small protocol test: ${mlSmall} is absent.`);

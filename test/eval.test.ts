import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALS } from '../src/train/als.js';
import { AlsError, ErrorCode } from '../src/errors.js';
import { loadRatingsFile } from '../src/data/loaders/file.node.js';
import { bm25Weight, logScale, tfidfWeight } from '../src/data/weighting.js';
import {
  auc,
  averagePrecisionAtK,
  mae,
  ndcgAtK,
  precisionAtK,
  precisionAtKImplicit,
  rankingMetrics,
  recallAtK,
  rmse,
} from '../src/eval/metrics.js';
import { factorScorer, topK, type Scorer } from '../src/eval/scoring.js';
import { kFold, leaveKOut, perUserSplit, randomSplit, timeSplit, type Split, type TripleArrays } from '../src/eval/split.js';
import { crossValidate, grid, ratingsOf, triplesOf, tune } from '../src/eval/tune.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** ../shared relative to the repo root (never copied into the repo). */
export const sharedData = join(root, '..', 'shared', 'data');

const close = (a: number, b: number, digits = 6) => expect(a).toBeCloseTo(b, digits);

describe('metrics against hand-computed cases', () => {
  const ranked = [3, 1, 4, 5, 9];
  const relevant = new Set([1, 5, 7]);

  it('precision, recall, AP and NDCG at k', () => {
    // hits at ranks 2 and 4
    close(precisionAtK(ranked, relevant, 5), 2 / 5);
    close(precisionAtK(ranked, relevant, 2), 1 / 2);
    close(precisionAtKImplicit(ranked, relevant, 5), 2 / 3); // ÷ min(5, 3)
    close(precisionAtKImplicit(ranked, relevant, 2), 1 / 2); // ÷ min(2, 3)
    close(recallAtK(ranked, relevant, 5), 2 / 3);
    close(averagePrecisionAtK(ranked, relevant, 5), (1 / 2 + 2 / 4) / 3);
    close(ndcgAtK(ranked, relevant, 5), (1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3) + 1 / Math.log2(4)));
    close(ndcgAtK([1, 5, 7], relevant, 3), 1);
    expect(recallAtK(ranked, new Set(), 5)).toBe(0);
  });

  it('AUC counts ties as one half', () => {
    close(auc([3], Float32Array.from([1, 2])), 1);
    close(auc([1], Float32Array.from([1, 2])), 0.25); // one tie (½), one loss
    close(auc([2, 0], Float32Array.from([1, 2, 3])), (1.5 + 0) / 6);
  });

  it('RMSE and MAE', () => {
    const data = { users: [0, 0, 1], items: [0, 1, 0], values: [1, 2, 4] };
    const predict = () => 2;
    close(rmse(data, predict), Math.sqrt((1 + 0 + 4) / 3));
    close(mae(data, predict), (1 + 0 + 2) / 3);
  });

  it('topK breaks ties by the lower item index and skips excluded items', () => {
    expect(Array.from(topK([1, 3, 3, 2, 3], 3))).toEqual([1, 2, 4]);
    expect(Array.from(topK([1, 3, 3, 2, 3], 3, Uint8Array.from([0, 1, 0, 0, 0])))).toEqual([2, 4, 3]);
    expect(Array.from(topK([5, 4], 3))).toEqual([0, 1]);
  });

  it('rankingMetrics: training items excluded, users without test items skipped, ties and coverage', () => {
    // Fixed scores: item i scores 10 - i for everyone except item 2 and 3 tie.
    const scores = Float32Array.from([10, 9, 8, 8, 6, 5]);
    const scorer: Scorer = { numItems: 6, scoreAll: (_u, out) => out.set(scores) };
    const train = { users: [0, 1, 2], items: [0, 0, 1], values: [1, 1, 1] };
    // user 0: train {0}; ranking 1, 2, 3 (tie 2/3 → 2 first); test {3} → hit at rank 3
    // user 1: train {0}; test {5} → no hit in top 3
    // user 2: train {1}, no test items → skipped
    const test = { users: [0, 1], items: [3, 5], values: [1, 1] };
    const m = rankingMetrics(scorer, test, { k: 3, train });
    expect(m.users).toBe(2);
    expect(m.usersWithoutTest).toBe(1);
    close(m.precision, (1 / 3 + 0) / 2);
    close(m.precisionImplicit, (1 + 0) / 2);
    close(m.recall, (1 + 0) / 2);
    close(m.map, (1 / 3 + 0) / 2);
    close(m.ndcg, (1 / Math.log2(4) + 0) / 2);
    // user 0: positive 3 (score 8) vs negatives {1: 9, 2: 8, 4: 6, 5: 5} → (0 + ½ + 1 + 1) / 4
    // user 1: positive 5 (score 5) vs {1, 2, 3, 4} → 0
    close(m.auc, (2.5 / 4 + 0) / 2);
    close(m.coverage, 3 / 6); // lists {1, 2, 3} for both users
  });

  it('the implicit checkerboard: precision@1 = 1 when the test set is the withheld diagonal', async () => {
    // implicit's test: a 50×50 checkerboard of likes (u + i even) minus the diagonal, which is the test set.
    const n = 50;
    const users: number[] = [];
    const items: number[] = [];
    const testUsers: number[] = [];
    const testItems: number[] = [];
    for (let u = 0; u < n; u++) {
      for (let i = 0; i < n; i++) {
        if ((u + i) % 2 !== 0) continue;
        if (u === i) testUsers.push(u), testItems.push(i);
        else users.push(u), items.push(i);
      }
    }
    const train = { users, items, values: users.map(() => 1) };
    const test = { users: testUsers, items: testItems, values: testUsers.map(() => 1) };
    const model = await new ALS({ feedback: 'implicit', factors: 3, regularization: 0, iterations: 15, alpha: 1, seed: 23 }).fit(
      ratingsOf(train, n, n),
    );
    const m = rankingMetrics(factorScorer(model), test, { k: 1, train });
    expect(m.precision).toBe(1);
    expect(m.precisionImplicit).toBe(1);
    expect(m.users).toBe(n);
  });
});

describe('splits', () => {
  // 40 users, 30 items, a dense-ish pattern with timestamps.
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  const times: number[] = [];
  for (let u = 0; u < 40; u++)
    for (let i = 0; i < 30; i++)
      if ((u * 7 + i * 3) % 5 < 2 + (u % 3))
        users.push(u), items.push(i), values.push(1 + ((u + i) % 5)), times.push((u * 31 + i * 17) % 1000);
  const data: TripleArrays = { users, items, values };
  const key = (s: TripleArrays, e: number) => `${s.users[e]}:${s.items[e]}`;
  const keys = (s: TripleArrays) => Array.from({ length: s.values.length }, (_, e) => key(s, e));

  function checkPartition(split: Split): void {
    const train = keys(split.train);
    const test = keys(split.test);
    const all = new Set(keys(data));
    expect(train.length + test.length).toBe(all.size); // union = input, nothing repeated
    expect(new Set([...train, ...test])).toEqual(all);
    const trainSet = new Set(train);
    expect(test.some((k) => trainSet.has(k))).toBe(false); // disjoint
  }

  it('every split is deterministic per seed, disjoint, and its union is the input', () => {
    const splits: [string, (seed: number) => Split][] = [
      ['random', (seed) => randomSplit(data, 0.2, seed)],
      ['per-user ratio', (seed) => perUserSplit(data, 0.2, { seed })],
      ['leave-2-out', (seed) => leaveKOut(data, 2, { seed })],
      ['time', () => timeSplit(data, times, { testFraction: 0.25 })],
      ['fold 3 of 5', (seed) => kFold(data, 5, seed)[3]!],
    ];
    for (const [name, make] of splits) {
      const a = make(1);
      expect(a.test.values.length, name).toBeGreaterThan(0);
      checkPartition(a);
      expect(keys(make(1).test), name).toEqual(keys(a.test));
      if (name !== 'time') expect(keys(make(2).test), name).not.toEqual(keys(a.test));
    }
  });

  it('k-fold test sets partition the input', () => {
    const folds = kFold(data, 4, 9);
    const seen = folds.flatMap((f) => keys(f.test));
    expect(seen.length).toBe(values.length);
    expect(new Set(seen).size).toBe(values.length);
    for (const f of folds) checkPartition(f);
  });

  it('leave-k-out: exactly k per user (users with ≤ k ratings stay in train), latest k with timestamps', () => {
    const { test } = leaveKOut(data, 2, { timestamps: times });
    const perUser = new Map<number, number>();
    for (let e = 0; e < test.users.length; e++) perUser.set(test.users[e]!, (perUser.get(test.users[e]!) ?? 0) + 1);
    expect([...perUser.values()].every((c) => c === 2)).toBe(true);
    // the held-out ones are the user's latest
    const t = new Map(users.map((u, e) => [`${u}:${items[e]}`, times[e]!]));
    for (let u = 0; u < 40; u++) {
      const mine = users.flatMap((v, e) => (v === u ? [times[e]!] : [])).sort((a, b) => a - b);
      const held = Array.from(test.users)
        .flatMap((v, e) => (v === u ? [t.get(`${u}:${test.items[e]}`)!] : []))
        .sort((a, b) => a - b);
      if (mine.length > 2) expect(held).toEqual(mine.slice(-2));
    }
  });

  it('leave-k-out refuses k < 1; bad fractions and fold counts are coded errors', () => {
    for (const bad of [0, -1, 1.5])
      expect(() => leaveKOut(data, bad)).toThrowError(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
    expect(() => randomSplit(data, 1)).toThrow(AlsError);
    expect(() => perUserSplit(data, 0)).toThrow(AlsError);
    expect(() => kFold(data, 1)).toThrow(AlsError);
  });
});

describe('weighting', () => {
  // 3 users; item 0 liked by all three (idf = ln 3 − ln 4 < 0), item 1 by one user.
  const data = { users: [0, 1, 2, 0], items: [0, 0, 0, 1], values: [4, 1, 1, 2] };
  it('TF-IDF and BM25 against hand-computed values (implicit library formulas)', () => {
    const idf0 = Math.log(3) - Math.log(4);
    const idf1 = Math.log(3) - Math.log(2);
    const tfidf = tfidfWeight(data);
    close(tfidf[0]!, 2 * idf0, 5);
    close(tfidf[3]!, Math.sqrt(2) * idf1, 5);
    const bm25 = bm25Weight(data, { k1: 100, b: 0.8 });
    const avg = (6 + 1 + 1) / 3;
    const norm = 0.2 + (0.8 * 6) / avg;
    close(bm25[0]!, ((4 * 101) / (100 * norm + 4)) * idf0, 5);
    close(bm25[3]!, ((2 * 101) / (100 * norm + 2)) * idf1, 5);
  });
  it('log scaling', () => {
    expect(Array.from(logScale([0, 1, 9], { epsilon: 1 }))).toEqual([0, Math.fround(Math.log(2)), Math.fround(Math.log(10))]);
    expect(() => logScale([-1])).toThrow(AlsError);
  });
});

describe('cross-validation and search', () => {
  it('grid enumerates every combination', () => {
    expect(grid({ factors: [4, 8], regularization: [0.1, 1] })).toEqual([
      { factors: 4, regularization: 0.1 },
      { factors: 4, regularization: 1 },
      { factors: 8, regularization: 0.1 },
      { factors: 8, regularization: 1 },
    ]);
  });

  it('tune on a small synthetic set returns a sorted table and the best options', async () => {
    const { syntheticRatings } = await import('../src/data/synthetic.js');
    const s = syntheticRatings({ numUsers: 300, numItems: 150, nnz: 8000, seed: 3 });
    const result = await tune(
      { ...s },
      {
        base: { biases: true, regularizationScaling: 'count', iterations: 8 },
        space: { factors: [4, 8], regularization: [0.5, 20] },
        folds: 3,
        earlyStopping: { patience: 1 },
      },
    );
    expect(result.table).toHaveLength(4);
    for (let r = 1; r < 4; r++) expect(result.table[r]!.scores.rmse!).toBeGreaterThanOrEqual(result.table[r - 1]!.scores.rmse!);
    expect(result.best.regularization).toBe(0.5);
    expect(result.bestScores).toEqual(result.table[0]!.scores);
    expect(result.baseline!.rmse).toBeGreaterThan(0);
    expect(result.best.iterations).toBeGreaterThanOrEqual(1);
  });
});

const mlSmall = join(sharedData, 'ml-latest-small', 'ratings.csv');
describe.skipIf(!existsSync(mlSmall))('MovieLens latest-small (../shared/data, read in place)', () => {
  it('5-fold CV: explicit ALS with biases beats the bias-only baseline RMSE in the same run', async () => {
    const { ratings } = await loadRatingsFile(mlSmall, { format: 'movielens-csv' });
    const data = triplesOf(ratings);
    const cv = await crossValidate(
      data,
      { factors: 16, regularization: 0.1, regularizationScaling: 'count', biases: true, iterations: 10, seed: 1 },
      { folds: 5, seed: 0 },
    );
    console.log(
      `ml-latest-small 5-fold CV: ALS RMSE ${cv.mean.rmse!.toFixed(4)} MAE ${cv.mean.mae!.toFixed(4)}; baseline RMSE ${cv.baseline!.rmse!.toFixed(4)} MAE ${cv.baseline!.mae!.toFixed(4)} (${cv.seconds.toFixed(1)} s)`,
    );
    expect(cv.mean.rmse!).toBeLessThan(cv.baseline!.rmse!);
    expect(cv.folds).toHaveLength(5);
  });
});
if (!existsSync(mlSmall))
  console.warn(`Skipping the MovieLens test: ${mlSmall} is absent (it is read from ../shared/data next to the repo).`);

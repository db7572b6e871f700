/**
 * Ranking evaluation through the top-k kernel (evaluateRanking, and evaluateModel /
 * crossValidate / tune / fitWithEarlyStopping on top of it) against the readable JS path
 * (rankingMetrics over factorScorer / popularityScorer), and the cold-start rule of RMSE / MAE.
 * Timings are not tested here: bench/eval.bench.ts measures them.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AlsError, ErrorCode } from '../src/errors.js';
import { rankingMetrics } from '../src/eval/metrics.js';
import { evaluateRanking, rankingEvaluator } from '../src/eval/ranking.js';
import { RankingJob } from '../src/eval/ranking-job.js';
import { factorScorer, popularityScorer, topK, type FactorModel } from '../src/eval/scoring.js';
import { perUserSplit, type SplitTriples } from '../src/eval/split.js';
import {
  crossValidate,
  evaluateBaseline,
  evaluateModel,
  fitWithEarlyStopping,
  ratingsOf,
  type EvalData,
} from '../src/eval/tune.js';
import { parseTriplesFile } from '../src/data/loaders/file.node.js';
import { ALS } from '../src/train/als.js';
import { rng } from './helpers.js';

const WORKER_BUILT = existsSync(new URL('../dist/parallel/worker.node.js', import.meta.url));
const LASTFM = fileURLToPath(new URL('../../shared/data/lastfm-2k/user_artists.dat', import.meta.url));

/**
 * A seeded factor model whose scores are exact in f32 (factors and biases are multiples of
 * 1/4 in [-1, 1], k = 8), so the JS path (f64 sums) and the kernel (f32 lanes) see the same
 * scores, ties included — and triples with what the metrics must handle: training items
 * excluded, test items that are also training items, users with training but no test items,
 * users with test items only, repeated pairs.
 */
function dyadicCase(seed: number, options: { biases: boolean; numUsers?: number; numItems?: number }) {
  const rand = rng(seed);
  const k = 8;
  const numUsers = options.numUsers ?? 70;
  const numItems = options.numItems ?? 300;
  const quarter = () => (Math.floor(rand() * 9) - 4) / 4;
  const model: FactorModel = {
    factors: k,
    userFactors: Float32Array.from({ length: numUsers * k }, quarter),
    itemFactors: Float32Array.from({ length: numItems * k }, quarter),
    itemBiases: options.biases ? Float32Array.from({ length: numItems }, quarter) : null,
  };
  const triples = (users: number[], items: number[]): SplitTriples => ({
    users: Int32Array.from(users),
    items: Int32Array.from(items),
    values: new Float32Array(users.length).fill(1),
  });
  const tu: number[] = [],
    ti: number[] = [],
    su: number[] = [],
    si: number[] = [];
  for (let u = 0; u < numUsers; u++) {
    const nTrain = u % 11 === 5 ? 0 : 5 + Math.floor(rand() * 40);
    const nTest = u % 7 === 3 ? 0 : 1 + Math.floor(rand() * 8);
    for (let j = 0; j < nTrain; j++) tu.push(u), ti.push(Math.floor(rand() * numItems));
    for (let j = 0; j < nTest; j++) {
      // now and then a test item that is also a training item of the user
      const again = j === 0 && nTrain > 0 && u % 5 === 0;
      su.push(u), si.push(again ? ti[ti.length - 1]! : Math.floor(rand() * numItems));
    }
  }
  return { model, train: triples(tu, ti), test: triples(su, si), numUsers, numItems };
}

describe('ranking evaluation through the top-k kernel gives the JS path’s metrics', () => {
  for (const biases of [false, true]) {
    it(`evaluateRanking equals rankingMetrics(factorScorer) on exact scores with ties (biases: ${biases})`, async () => {
      const { model, train, test } = dyadicCase(biases ? 31 : 30, { biases });
      for (const options of [{ k: 10 }, { k: 1 }, { k: 400 }, { k: 10, auc: false }, { k: 5, maxUsers: 17 }]) {
        const want = rankingMetrics(factorScorer(model), test, { ...options, train });
        const got = await evaluateRanking(model, test, { ...options, train, threads: 1 });
        expect(got).toEqual(want);
      }
      // without training items nothing is excluded
      expect(await evaluateRanking(model, test, { k: 10, threads: 1 })).toEqual(
        rankingMetrics(factorScorer(model), test, { k: 10 }),
      );
    });
  }

  it('the kernel’s top-k lists are bit-equal to topK over the JS scores (ties to the lower index)', async () => {
    const { model, train } = dyadicCase(32, { biases: true });
    const scorer = factorScorer(model);
    const numItems = scorer.numItems;
    const users = Int32Array.from({ length: 70 }, (_, u) => u);
    const exclusions = Array.from(users, (u) =>
      Int32Array.from(new Set(Array.from(train.items).filter((_, e) => train.users[e] === u))).sort(),
    );
    const indptr = new Int32Array(users.length + 1);
    exclusions.forEach((list, u) => (indptr[u + 1] = indptr[u]! + list.length));
    const indices = new Int32Array(indptr[users.length]!);
    exclusions.forEach((list, u) => indices.set(list, indptr[u]!));
    const job = await RankingJob.start(
      { k: 8, numItems, n: 12, threads: 1 },
      {
        users,
        excluded: { indptr, indices },
        positives: { indptr: new Int32Array(users.length + 1), indices: new Int32Array(0) },
      },
    );
    try {
      await job.run(model);
      const scores = new Float32Array(numItems);
      const list = new Int32Array(12);
      for (const u of users) {
        scorer.scoreAll(u, scores);
        const excluded = new Uint8Array(numItems);
        for (const i of exclusions[u]!) excluded[i] = 1;
        const length = job.list(u, list);
        expect(Array.from(list.subarray(0, length))).toEqual(Array.from(topK(scores, 12, excluded)));
      }
    } finally {
      await job.close();
    }
  });

  it('the popularity baseline through the kernel equals rankingMetrics(popularityScorer)', async () => {
    const { train, test, numUsers, numItems } = dyadicCase(33, { biases: false });
    const split = { train, test };
    const got = await evaluateBaseline('implicit', split, numUsers, numItems, { k: 10, threads: 1 });
    const { precision, precisionImplicit, recall, map, ndcg, auc, coverage } = rankingMetrics(
      popularityScorer(train, numItems),
      test,
      { k: 10, train },
    );
    expect(got).toEqual({ precision, precisionImplicit, recall, map, ndcg, auc, coverage });
  });

  it.skipIf(!WORKER_BUILT)('1 and 2 threads give bit-identical metrics (general float factors)', async () => {
    const rand = rng(34);
    const { train, test } = dyadicCase(34, { biases: true, numUsers: 700 });
    const model: FactorModel = {
      factors: 13,
      userFactors: Float32Array.from({ length: 700 * 13 }, () => rand() * 2 - 1),
      itemFactors: Float32Array.from({ length: 300 * 13 }, () => rand() * 2 - 1),
      itemBiases: Float32Array.from({ length: 300 }, () => rand() - 0.5),
    };
    const one = await evaluateRanking(model, test, { k: 10, train, threads: 1 });
    const two = await evaluateRanking(model, test, { k: 10, train, threads: 2 });
    expect(two).toEqual(one);
    expect(one.users).toBeGreaterThan(500);
  });

  it('onProgress reports users done up to the number evaluated, on both paths', async () => {
    const { model, train, test } = dyadicCase(35, { biases: false, numUsers: 1500 });
    const calls: [number, number][] = [];
    const m = await evaluateRanking(model, test, {
      k: 5,
      train,
      threads: 1,
      onProgress: (done, total) => calls.push([done, total]),
    });
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.at(-1)).toEqual([m.users, m.users]);
    expect(calls.every(([done, total], j) => total === m.users && (j === 0 || done > calls[j - 1]![0]))).toBe(true);
    const old: [number, number][] = [];
    rankingMetrics(factorScorer(model), test, {
      k: 5,
      train,
      maxUsers: 100,
      onProgress: (done, total) => old.push([done, total]),
    });
    expect(old).toEqual([
      [64, 100],
      [100, 100],
    ]);
  });

  it('one evaluator re-evaluates a changed model of the same shape (early stopping reuses its memory)', async () => {
    const { model, train, test } = dyadicCase(36, { biases: true });
    const other: FactorModel = { ...model, userFactors: model.userFactors.map((v) => -v) };
    const evaluator = await rankingEvaluator(test, { k: 10, train, threads: 1 });
    try {
      expect(await evaluator.evaluate(model)).toEqual(rankingMetrics(factorScorer(model), test, { k: 10, train }));
      expect(await evaluator.evaluate(other)).toEqual(rankingMetrics(factorScorer(other), test, { k: 10, train }));
    } finally {
      await evaluator.close();
    }
  });

  it('evaluateRanking refuses unknown keys, a test user the model lacks, a negative index, and an aborted signal', async () => {
    const { model, train, test } = dyadicCase(37, { biases: false });
    const refusal = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => null,
        (error: unknown) => error,
      );
      expect(e).toBeInstanceOf(AlsError);
      return e as AlsError;
    };
    expect((await refusal(evaluateRanking(model, test, { kk: 3 } as never))).hint).toBe("Did you mean 'k'?");
    expect((await refusal(evaluateRanking(model, test, { onProgress: 1 } as never))).code).toBe(ErrorCode.INVALID_OPTION);
    const stranger = { ...test, users: Int32Array.from(test.users, (u, e) => (e === 0 ? 70 : u)) };
    const unknown = await refusal(evaluateRanking(model, stranger, { train, threads: 1 }));
    expect(unknown.code).toBe(ErrorCode.UNKNOWN_ID);
    expect(unknown.message).toContain('Test user index 70 has no factors: the model has 70 users.');
    const negative = { ...test, items: Int32Array.from(test.items, (i, e) => (e === 2 ? -1 : i)) };
    expect((await refusal(evaluateRanking(model, negative, { threads: 1 }))).code).toBe(ErrorCode.INVALID_ID);
    const controller = new AbortController();
    controller.abort();
    expect((await refusal(evaluateRanking(model, test, { signal: controller.signal, threads: 1 }))).code).toBe(ErrorCode.ABORTED);
  });
});

describe('evaluators of fitted models', () => {
  const data = (() => {
    const rand = rng(40);
    const users: number[] = [],
      items: number[] = [],
      values: number[] = [];
    for (let u = 0; u < 120; u++) {
      for (let i = 0; i < 80; i++) {
        if (rand() < ((u + i) % 4 === 0 ? 0.6 : 0.08)) users.push(u), items.push(i), values.push(1 + Math.floor(rand() * 5));
      }
    }
    return {
      users: Int32Array.from(users),
      items: Int32Array.from(items),
      values: Float32Array.from(values),
      numUsers: 120,
      numItems: 80,
    } satisfies EvalData;
  })();
  const implicit = {
    feedback: 'implicit',
    factors: 6,
    iterations: 4,
    regularization: 0.1,
    alpha: 2,
    seed: 3,
    threads: 1,
  } as const;

  it('evaluateModel (now a Promise) scores an implicit model as rankingMetrics(factorScorer) does', async () => {
    const split = perUserSplit(data, 0.25, { seed: 1 });
    const model = await new ALS(implicit).fit(ratingsOf(split.train, data.numUsers, data.numItems));
    const got = await evaluateModel(model, split, { k: 5, threads: 1 });
    const want = rankingMetrics(factorScorer(model), split.test, { k: 5, train: split.train });
    for (const key of ['precision', 'precisionImplicit', 'recall', 'map', 'ndcg', 'auc', 'coverage'] as const)
      expect(got[key]).toBeCloseTo(want[key], 6);
  });

  it('fitWithEarlyStopping reports the kept checkpoint’s kernel-path scores', async () => {
    const split = perUserSplit(data, 0.25, { seed: 2 });
    const fit = await fitWithEarlyStopping(
      split,
      data.numUsers,
      data.numItems,
      { ...implicit, iterations: 5 },
      { patience: 1 },
      { k: 5 },
    );
    const want = rankingMetrics(factorScorer(fit.model), split.test, { k: 5, train: split.train });
    expect(fit.scores.ndcg).toBeCloseTo(want.ndcg, 6);
    expect(fit.scores.auc).toBeCloseTo(want.auc, 6);
    expect(fit.history.find(([it]) => it === fit.iterations)![1]).toBe(fit.scores.ndcg);
  });

  it("crossValidate with coldStart 'drop' leaves out test ratings of users and items without factors, and counts them", async () => {
    const explicit = {
      feedback: 'explicit',
      factors: 4,
      iterations: 3,
      regularization: 0.5,
      biases: true,
      seed: 5,
      threads: 1,
    } as const;
    const cv = await crossValidate(data, explicit, { folds: 3, coldStart: 'drop', baseline: false });
    expect(cv.folds.every((f) => f.scores.dropped === 0)).toBe(true); // every index trains in every fold here
    expect(Number.isFinite(cv.mean.rmse)).toBe(true);
  });

  it("evaluateModel: rmse of unknown test users is NaN by default; coldStart 'drop' leaves them out and counts them", async () => {
    // Users 100–119 and item 79 have no training ratings: ALS leaves their rows (and biases) zero.
    const known = (e: number) => data.users[e]! < 100 && data.items[e]! !== 79;
    const pick = (keep: (e: number) => boolean) => {
      const idx = Array.from(data.values, (_, e) => e).filter(keep);
      return {
        users: Int32Array.from(idx, (e) => data.users[e]!),
        items: Int32Array.from(idx, (e) => data.items[e]!),
        values: Float32Array.from(idx, (e) => data.values[e]!),
      };
    };
    const train = pick((e) => known(e) && e % 5 !== 0);
    const test = pick((e) => e % 5 === 0);
    const explicit = {
      feedback: 'explicit',
      factors: 4,
      iterations: 3,
      regularization: 0.5,
      biases: true,
      seed: 5,
      threads: 1,
    } as const;
    // Train on indices 0 … 99 only: test users 100 … 119 are outside the model.
    const model = await new ALS(explicit).fit(ratingsOf(train, 100, data.numItems));
    const nan = await evaluateModel(model, { train, test });
    expect(nan.rmse).toBeNaN();
    const dropped = await evaluateModel(model, { train, test }, { coldStart: 'drop' });
    const keep = Array.from(test.values, (_, e) => e).filter((e) => test.users[e]! < 100 && test.items[e]! !== 79);
    let se = 0,
      ae = 0;
    for (const e of keep) {
      const err = test.values[e]! - model.score(test.users[e]!, test.items[e]!);
      (se += err * err), (ae += Math.abs(err));
    }
    expect(dropped).toEqual({
      rmse: Math.sqrt(se / keep.length),
      mae: ae / keep.length,
      dropped: test.values.length - keep.length,
    });
    expect(dropped.dropped).toBeGreaterThan(0);
  });
});

describe.skipIf(!existsSync(LASTFM))('lastfm-2k (needs ../shared/data)', () => {
  it('the kernel path’s ranking metrics match the JS path’s on a trained model (first 300 users)', async () => {
    const p = await parseTriplesFile(LASTFM, { format: 'lastfm' });
    const data = { users: p.users, items: p.items, values: p.values };
    const split = perUserSplit(data, 0.2, { seed: 0 });
    const model = await new ALS({
      feedback: 'implicit',
      factors: 32,
      iterations: 3,
      regularization: 0.1,
      alpha: 1,
      seed: 1,
      threads: 1,
    }).fit(ratingsOf(split.train, p.userMap.size, p.itemMap.size));
    const options = { k: 10, train: split.train, maxUsers: 300 };
    const want = rankingMetrics(factorScorer(model), split.test, options);
    const got = await evaluateRanking(model, split.test, { ...options, threads: 1 });
    expect({ ...got, auc: 0 }).toEqual({ ...want, auc: 0 }); // the lists are the same
    expect(got.auc).toBeCloseTo(want.auc, 6); // f32 lanes vs one f64 sum: near-ties may swap
  }, 60_000);
});

/**
 * The defaults are chosen by measurement and must beat the simple baseline on real data, with
 * no options but the data and its feedback kind (issue 12). Each test is one row of the
 * README's defaults table; a change of a default that makes a row lose fails here.
 * The data are read in place from ../shared/data (skipped with a message when absent).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALS, parseTriples } from '../src/index.js';
import {
  crossValidate,
  factorScorer,
  fitBaseline,
  perUserSplit,
  popularityScorer,
  rankingMetrics,
  ratingsOf,
  rmse,
  splitByMask,
  triplesOf,
} from '../src/eval/index.js';
import { loadRatingsFile } from '../src/node.js';

const data = join(import.meta.dirname, '..', '..', 'shared', 'data');
const mlSmall = join(data, 'ml-latest-small', 'ratings.csv');
const libmfTrain = join(data, 'libmf-demo', 'real_matrix.tr.txt');
const libmfTest = join(data, 'libmf-demo', 'real_matrix.te.txt');
const lastfm = join(data, 'lastfm-2k', 'user_artists.dat');
for (const file of [mlSmall, libmfTrain, lastfm]) {
  if (!existsSync(file))
    console.warn(
      `defaults: ${file} is absent (read from ../shared/data next to the repo); its row of the defaults table is not checked.`,
    );
}

describe('the defaults beat the baselines on real data (the README defaults table)', () => {
  it.skipIf(!existsSync(mlSmall))(
    'explicit defaults: ml-latest-small 5-fold CV RMSE at least 2% below the bias-only baseline',
    async () => {
      const { ratings } = await loadRatingsFile(mlSmall, { format: 'movielens-csv' });
      const cv = await crossValidate(triplesOf(ratings), { threads: 'auto' }, { folds: 5, seed: 0, earlyStopping: false });
      const model = cv.mean.rmse!;
      const baseline = cv.baseline!.rmse!;
      console.log(
        `defaults table: ml-latest-small 5-fold CV RMSE: defaults ${model.toFixed(4)}, bias-only baseline ${baseline.toFixed(4)} (${(100 * (1 - model / baseline)).toFixed(2)}% lower)`,
      );
      expect(model).toBeLessThan(0.98 * baseline);
    },
  );

  it.skipIf(!existsSync(libmfTrain))('explicit defaults: libmf-demo .tr → .te RMSE below the bias-only baseline', async () => {
    // One parse of both files, so the test file's IDs map to the training file's indices.
    const train = readFileSync(libmfTrain, 'utf8').trimEnd();
    const parsed = await parseTriples(`${train}\n${readFileSync(libmfTest, 'utf8')}`, { format: 'libmf' });
    const inTest = new Uint8Array(parsed.values.length).fill(1, train.split('\n').length);
    const split = splitByMask(parsed, inTest);
    const numUsers = parsed.userMap.size;
    const numItems = parsed.itemMap.size;
    const fitted = await new ALS().fit(ratingsOf(split.train, numUsers, numItems));
    const model = rmse(split.test, (u, i) => fitted.score(u, i));
    const baseline = rmse(split.test, fitBaseline(split.train, numUsers, numItems).predict);
    console.log(`defaults table: libmf-demo test RMSE: defaults ${model.toFixed(4)}, bias-only baseline ${baseline.toFixed(4)}`);
    expect(model).toBeLessThan(baseline);
  });

  it.skipIf(!existsSync(lastfm))(
    'implicit defaults: lastfm-2k per-user 80/20 precision@10 and nDCG@10 above popularity',
    async () => {
      const { ratings } = await loadRatingsFile(lastfm, { format: 'lastfm' });
      const split = perUserSplit(triplesOf(ratings), 0.2, { seed: 0 });
      const fitted = await new ALS({ feedback: 'implicit' }).fit(ratingsOf(split.train, ratings.numUsers, ratings.numItems));
      const options = { k: 10, train: split.train, auc: false };
      const model = rankingMetrics(factorScorer(fitted), split.test, options);
      const baseline = rankingMetrics(popularityScorer(split.train, ratings.numItems), split.test, options);
      console.log(
        `defaults table: lastfm-2k precision@10 ${model.precision.toFixed(4)} vs popularity ${baseline.precision.toFixed(4)}; nDCG@10 ${model.ndcg.toFixed(4)} vs ${baseline.ndcg.toFixed(4)}`,
      );
      expect(model.precision).toBeGreaterThan(baseline.precision);
      expect(model.ndcg).toBeGreaterThan(baseline.ndcg);
    },
  );
});

/**
 * Bayesian ALS (solver 'gibbs') against ALS with biases on real rating data
 * (docs/bayesian-als.md). Reads ../shared/data next to the repository.
 *
 *   npx tsx bench/gibbs-quality.ts ml [folds=5] [k=10] [samples=100] [burnIn=10] [noise=sampled]
 *   npx tsx bench/gibbs-quality.ts libmf [k] [samples] [burnIn] [noise]
 *   npx tsx bench/gibbs-quality.ts als-ml [folds]     (the ALS grid)
 *   npx tsx bench/gibbs-quality.ts als-libmf
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRatingsFile } from '../src/data/loaders/file.node.js';
import { parseTriples } from '../src/data/loaders/load.js';
import { kFold, splitByMask, type Split } from '../src/eval/split.js';
import { rmse } from '../src/eval/metrics.js';
import { ratingsOf, triplesOf } from '../src/eval/tune.js';
import { fitGibbs, type GibbsRuntime } from '../src/train/gibbs.js';
import { ALS } from '../src/train/als.js';
import { resolveOptions, type AlsOptions } from '../src/train/options.js';

const data = join(import.meta.dirname, '..', '..', 'shared', 'data');
const [what = 'ml', ...rest] = process.argv.slice(2);

async function splits(): Promise<{ folds: Split[]; numUsers: number; numItems: number }> {
  if (what.endsWith('ml')) {
    const { ratings } = await loadRatingsFile(join(data, 'ml-latest-small', 'ratings.csv'), { format: 'movielens-csv' });
    const folds = kFold(triplesOf(ratings), 5, 0).slice(0, Number(rest[0] ?? 5));
    return { folds, numUsers: ratings.numUsers, numItems: ratings.numItems };
  }
  const train = readFileSync(join(data, 'libmf-demo', 'real_matrix.tr.txt'), 'utf8').trimEnd();
  const test = readFileSync(join(data, 'libmf-demo', 'real_matrix.te.txt'), 'utf8');
  const parsed = await parseTriples(`${train}\n${test}`, { format: 'libmf' });
  const inTest = new Uint8Array(parsed.values.length).fill(1, train.split('\n').length);
  return { folds: [splitByMask(parsed, inTest)], numUsers: parsed.userMap.size, numItems: parsed.itemMap.size };
}

const { folds, numUsers, numItems } = await splits();
const args = what.endsWith('ml') ? rest.slice(1) : rest;

async function alsRmse(options: AlsOptions): Promise<{ rmse: number; seconds: number }> {
  let sum = 0;
  let seconds = 0;
  let iterations = 0;
  for (const split of folds) {
    const model = await new ALS({
      ...options,
      threads: 1,
      onIteration: (info) => {
        seconds += info.seconds;
        iterations++;
      },
    }).fit(ratingsOf(split.train, numUsers, numItems));
    sum += rmse(split.test, (u, i) => model.score(u, i));
  }
  return { rmse: sum / folds.length, seconds: seconds / iterations };
}

if (what.startsWith('als')) {
  let best = { rmse: Infinity, label: '' };
  for (const factors of [8, 16, 32, 64])
    for (const regularization of [2, 5, 10, 20])
      for (const regularizationScaling of ['none', 'count'] as const) {
        const lambda = regularizationScaling === 'count' ? regularization / 50 : regularization;
        const r = await alsRmse({ factors, regularization: lambda, regularizationScaling, iterations: 15 });
        const label = `k=${factors} λ=${lambda} ${regularizationScaling}`;
        console.log(`ALS ${label}: RMSE ${r.rmse.toFixed(4)}, ${(r.seconds * 1000).toFixed(1)} ms/iteration`);
        if (r.rmse < best.rmse) best = { rmse: r.rmse, label };
      }
  console.log(`best ALS: ${best.label} RMSE ${best.rmse.toFixed(4)}`);
} else {
  const [k = '10', samples = '100', burnIn = '10', noise = 'sampled'] = args;
  const runtime: GibbsRuntime = { noise: noise === 'sampled' ? 'sampled' : Number(noise) };
  let sum = 0;
  let seconds = 0;
  let count = 0;
  for (const split of folds) {
    const o = resolveOptions({ solver: 'gibbs', factors: Number(k), samples: Number(samples), burnIn: Number(burnIn) });
    const model = await fitGibbs(
      ratingsOf(split.train, numUsers, numItems),
      o,
      {
        onIteration: (info) => {
          seconds += info.seconds;
          count++;
        },
      },
      runtime,
    );
    const r = rmse(split.test, (u, i) => model.score(u, i));
    console.log(`fold RMSE ${r.toFixed(4)}`);
    sum += r;
  }
  console.log(
    `gibbs k=${k} samples=${samples} burnIn=${burnIn} noise=${noise}: RMSE ${(sum / folds.length).toFixed(4)}, ${((1000 * seconds) / count).toFixed(1)} ms/sample`,
  );
}

/**
 * One Gibbs (or ALS) configuration on one data set, with the sampler's non-public knobs: the
 * measurements behind the defaults of docs/bayesian-als.md. One thread.
 *
 *   npx tsx bench/gibbs-explore.ts '{"data":"libmf","k":8,"samples":400,"burnIn":50,
 *     "hyperprior":{"w0":1,"beta0":2,"nu0Extra":0},"noisePrior":{"alpha0":1,"beta0":1},
 *     "initAls":{"regularization":10,"iterations":10},"curve":[50,100,200]}'
 *   npx tsx bench/gibbs-explore.ts '{"data":"ml","folds":[0,1],"als":{"factors":64,"regularization":10}}'
 *
 * data: "libmf" (.tr → .te) or "ml" (ml-latest-small, kFold(…, 5, seed 0), folds listed).
 */
import { loadSplits } from './gibbs-data.js';
import { rmse } from '../src/eval/metrics.js';
import { ratingsOf } from '../src/eval/tune.js';
import { fitGibbs, type GibbsRuntime } from '../src/train/gibbs.js';
import { ALS } from '../src/train/als.js';
import { resolveOptions, type AlsOptions } from '../src/train/options.js';
import type { HyperpriorSettings } from '../src/train/wishart.js';

interface Config {
  data: 'libmf' | 'ml';
  folds?: number[];
  k?: number;
  samples?: number;
  burnIn?: number;
  seed?: number;
  noise?: number | 'sampled';
  hyperprior?: HyperpriorSettings;
  noisePrior?: { alpha0: number; beta0: number };
  /** Start the chain from the factors of a short ALS fit with these options (same k). */
  initAls?: AlsOptions;
  /** Print the running RMSE of the average after these kept-sample counts. */
  curve?: number[];
  /** Fit ALS with these options instead of Gibbs. */
  als?: AlsOptions;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const { folds, numUsers, numItems } = await loadSplits(config.data, config.folds);
const k = config.k ?? 8;
const results: number[] = [];
for (const split of folds) {
  const train = ratingsOf(split.train, numUsers, numItems);
  const started = performance.now();
  if (config.als) {
    const model = await new ALS({ biases: true, iterations: 15, ...config.als, threads: 1 }).fit(train);
    results.push(rmse(split.test, (u, i) => model.score(u, i)));
  } else {
    let init: AlsOptions['init'];
    if (config.initAls) {
      const m = await new ALS({ biases: true, ...config.initAls, factors: k, threads: 1, seed: config.seed ?? 0 }).fit(train);
      init = { userFactors: m.userFactors, itemFactors: m.itemFactors };
    }
    const o = resolveOptions({
      solver: 'gibbs',
      factors: k,
      samples: config.samples ?? 100,
      burnIn: config.burnIn ?? 10,
      seed: config.seed ?? 0,
      threads: 1,
    });
    const runtime: GibbsRuntime = {
      noise: config.noise ?? 'sampled',
      hyperprior: config.hyperprior,
      noisePrior: config.noisePrior,
    };
    const curve = new Set(config.curve ?? []);
    const validation = curve.size ? ratingsOf(split.test, numUsers, numItems) : undefined;
    const points: string[] = [];
    const model = await fitGibbs(
      train,
      o,
      {
        init,
        validation,
        onIteration: (info) => {
          const kept = info.iteration - o.burnIn;
          if (curve.has(kept)) points.push(`${kept}:${info.validationRmse?.toFixed(4)}`);
        },
      },
      runtime,
    );
    if (points.length) console.log(`  curve ${points.join(' ')}`);
    results.push(rmse(split.test, (u, i) => model.score(u, i)));
  }
  console.log(`  fold RMSE ${results.at(-1)!.toFixed(4)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
const mean = results.reduce((a, b) => a + b, 0) / results.length;
console.log(`${JSON.stringify(config)} → mean RMSE ${mean.toFixed(4)} [${results.map((r) => r.toFixed(4)).join(', ')}]`);

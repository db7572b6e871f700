/**
 * Evaluation as fast as training, on lastfm-2k (1,892 users × 17,632 artists, k = 64, a per-user
 * 80/20 split): recommendAll for the same users vs ranking evaluation — the JS path
 * (rankingMetrics over factorScorer) and the kernel path (evaluateRanking) on 1 and 2 threads —
 * and `tune` with 2 candidates × 2 folds (early stopping as the CLI's defaults) after, and before
 * when BEFORE names a built checkout of the original commit (5cabb66):
 *   npm run build && npx tsx bench/eval.bench.ts          (writes bench/eval.results.md)
 *   git clone . /tmp/als-before && (cd /tmp/als-before && git checkout 5cabb66 && npm run build)
 *   BEFORE=/tmp/als-before npx tsx bench/eval.bench.ts
 * Reads ../shared/data/lastfm-2k (skips when absent). Medians of RUNS runs (default 3); the
 * "before" tune runs once (it takes minutes).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseTriplesFile } from '../dist/data/loaders/file.node.js';
import { rankingMetrics } from '../dist/eval/metrics.js';
import { evaluateRanking } from '../dist/eval/ranking.js';
import { factorScorer } from '../dist/eval/scoring.js';
import { perUserSplit } from '../dist/eval/split.js';
import { ratingsOf, tune } from '../dist/eval/tune.js';
import { recommendAllThreaded } from '../dist/model/recommend-all.js';
import { ALS } from '../dist/train/als.js';

const file = fileURLToPath(new URL('../../shared/data/lastfm-2k/user_artists.dat', import.meta.url));
if (!existsSync(file)) {
  console.log(`skipped: ${file} is absent (the shared data folder is not here).`);
  process.exit(0);
}
const runs = Number(process.env.RUNS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
async function seconds(fn: () => unknown, reps = runs): Promise<number> {
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    out.push((performance.now() - t0) / 1000);
  }
  return median(out);
}

const parsed = await parseTriplesFile(file, { format: 'lastfm' });
const data = {
  users: parsed.users,
  items: parsed.items,
  values: parsed.values,
  numUsers: parsed.userMap.size,
  numItems: parsed.itemMap.size,
};
const split = perUserSplit(data, 0.2, { seed: 0 });
const model = await new ALS({ feedback: 'implicit', factors: 64, iterations: 15, seed: 0 }).fit(
  ratingsOf(split.train, data.numUsers, data.numItems),
);
const k = 10;
const lines = [
  '# Evaluation benchmarks',
  '',
  `${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}; medians of ${runs} runs, wall time.`,
  `lastfm-2k, per-user 80/20 split (seed 0): ${split.train.values.length} training / ${split.test.values.length} test ratings, implicit, k = 64 factors, lists of ${k}.`,
  '',
];
const say = (line: string) => (console.log(line), lines.push(line));

const old = await seconds(() => rankingMetrics(factorScorer(model), split.test, { k, train: split.train }));
say(`- ranking evaluation, JS path (rankingMetrics(factorScorer(model)), AUC on): ${old.toFixed(2)} s`);
for (const threads of [1, 2]) {
  // recommendAll lists every user (1,892); the evaluation ranks the 1,884 with test items.
  const all = await seconds(() => recommendAllThreaded(model, { n: k, threads }));
  const fast = await seconds(() => evaluateRanking(model, split.test, { k, train: split.train, threads }));
  say(
    `- ${threads} thread(s): recommendAll(n = ${k}) ${all.toFixed(2)} s; evaluateRanking (AUC on) ${fast.toFixed(2)} s = ${(fast / all).toFixed(2)}× recommendAll, ${(old / fast).toFixed(0)}× faster than the JS path`,
  );
}

// tune as `als-wasm tune … --implicit --grid-regularization 0.01,0.1 --folds 2` runs it.
const search = {
  base: { feedback: 'implicit', factors: 64 },
  space: { regularization: [0.01, 0.1] },
  folds: 2,
  seed: 0,
  earlyStopping: { patience: 2, evalEvery: 1 },
} as const;
const after = await seconds(() => tune(data, search));
say(`- tune, 2 candidates × 2 folds, early stopping (patience 2, every iteration): ${after.toFixed(1)} s now`);
if (process.env.BEFORE) {
  const before = (await import(pathToFileURL(`${process.env.BEFORE}/dist/eval/tune.js`).href)) as { tune: typeof tune };
  const t = await seconds(() => before.tune(data, search), 1);
  say(
    `- the same tune at ${process.env.BEFORE} (the original commit, one run): ${t.toFixed(1)} s → ${(t / after).toFixed(1)}× faster now`,
  );
}
writeFileSync(new URL('./eval.results.md', import.meta.url), `${lines.join('\n')}\n`);

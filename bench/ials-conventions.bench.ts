/**
 * Hu–Koren–Volinsky (α, λ) against Rendle et al.'s conventions (α₀, ν, λ, initStd), each tuned
 * on a small grid, on lastfm-2k and ml-latest-small (ratings ≥ 4 as positives), with the
 * project's per-user 80/20 split (seed 0) and kernel evaluator (training items excluded):
 *   npm run build && npx tsx bench/ials-conventions.bench.ts             (prints Markdown tables)
 *   GRID=large npx tsx bench/ials-conventions.bench.ts                   (k = 64, 15 iterations)
 * Both grids are scored on the same held-out split they are picked on, so both best figures are
 * optimistic alike. seed 0; small grids (the task was time-boxed at one hour). Reads ../shared/data (skips when absent).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTriplesFile } from '../dist/data/loaders/file.node.js';
import { evaluateRanking } from '../dist/eval/ranking.js';
import { perUserSplit } from '../dist/eval/split.js';
import { ratingsOf } from '../dist/eval/tune.js';
import { ALS } from '../dist/train/als.js';
import type { AlsOptions } from '../dist/train/options.js';

const sets = [
  { name: 'lastfm-2k', path: 'lastfm-2k/user_artists.dat', format: 'lastfm', transform: (v: number) => Math.log1p(v) },
  { name: 'ml-latest-small (≥ 4)', path: 'ml-latest-small/ratings.csv', format: 'movielens-csv', keep: 4 },
] as const;

// GRID=small (k = 32, 10 iterations) or GRID=large (k = 64, 15 iterations, finer grids).
const large = process.env.GRID === 'large';
const factors = large ? 64 : 32;
const iterations = large ? 15 : 10;
const hkv: AlsOptions[] = [];
for (const alpha of large ? [0.5, 1, 3] : [1, 10])
  for (const regularization of large ? [3, 10, 30] : [1, 10]) hkv.push({ alpha, regularization });
const rendle: AlsOptions[] = [];
for (const unobservedWeight of large ? [0.03, 0.1, 0.3] : [0.01, 0.1])
  for (const regularization of large ? [0.003, 0.01, 0.03] : [0.01, 0.1])
    rendle.push({ unobservedWeight, regularization, regularizationExponent: 1, initStd: 0.1 });
rendle.push({ unobservedWeight: 0.1, regularization: 0.01, regularizationExponent: large ? 0.75 : 0.5, initStd: 0.1 });
rendle.push({ unobservedWeight: 0.1, regularization: 0.01, regularizationExponent: 1 });

for (const set of sets) {
  const file = fileURLToPath(new URL(`../../shared/data/${set.path}`, import.meta.url));
  if (!existsSync(file)) {
    console.log(`skipped: ${file} is absent.`);
    continue;
  }
  const parsed = await parseTriplesFile(file, { format: set.format });
  const keep: number[] = [];
  for (let e = 0; e < parsed.values.length; e++) if (!('keep' in set) || parsed.values[e]! >= set.keep) keep.push(e);
  const data = {
    users: Int32Array.from(keep, (e) => parsed.users[e]!),
    items: Int32Array.from(keep, (e) => parsed.items[e]!),
    values: Float32Array.from(keep, (e) => ('transform' in set ? set.transform(parsed.values[e]!) : 1)),
    numUsers: parsed.userMap.size,
    numItems: parsed.itemMap.size,
  };
  const split = perUserSplit(data, 0.2, { seed: 0 });
  const train = ratingsOf(split.train, data.numUsers, data.numItems);
  console.log(
    `\n### ${set.name} (k = ${factors}, ${iterations} iterations): ${split.train.values.length} training / ${split.test.values.length} test positives\n`,
  );
  console.log('| form | options | nDCG@10 | Recall@20 | s |');
  console.log('|---|---|---|---|---|');
  const best: Record<string, { ndcg: number; line: string }> = {};
  for (const [form, grid] of [
    ['HKV', hkv],
    ['Rendle', rendle],
  ] as const) {
    for (const o of grid) {
      const t0 = performance.now();
      const model = await new ALS({ feedback: 'implicit', factors, iterations, seed: 0, threads: 2, ...o }).fit(train);
      const s = (performance.now() - t0) / 1000;
      const at10 = await evaluateRanking(model, split.test, { k: 10, train: split.train, auc: false, threads: 2 });
      const at20 = await evaluateRanking(model, split.test, { k: 20, train: split.train, auc: false, threads: 2 });
      const line = `| ${form} | ${JSON.stringify(o).replace(/"/g, '')} | ${at10.ndcg.toFixed(4)} | ${at20.recall.toFixed(4)} | ${s.toFixed(1)} |`;
      console.log(line);
      if (!best[form] || at10.ndcg > best[form].ndcg) best[form] = { ndcg: at10.ndcg, line };
    }
  }
  console.log('\nBest by nDCG@10:\n');
  for (const b of Object.values(best)) console.log(b.line);
}

/**
 * Serving: top-10 of 20,000 items at k = 64 (WASM vs JS), recommendAll throughput, fold-in
 * latency, model file size and load time, and the gzipped size of the als-wasm/serve bundle.
 *   npm run build && npx tsx bench/serving.bench.ts   (writes bench/serving.results.md)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { ALS, ALSModel, recommendAllThreaded } from '../dist/index.js';
import { loadRatingsFile } from '../dist/node.js';
import { ServingEngine } from '../dist/model/engine.js';
import { topN } from '../dist/model/recommend.js';

const k = 64;
let seed = 1;
const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
const make = (users: number, items: number) =>
  ALSModel.fromFactors({
    userIds: Array.from({ length: users }, (_, u) => u),
    itemIds: Array.from({ length: items }, (_, i) => i),
    userFactors: Float32Array.from({ length: users * k }, rand),
    itemFactors: Float32Array.from({ length: items * k }, rand),
    options: { feedback: 'implicit', regularization: 0.05, confidence: 'alpha' },
  });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
function time(fn: () => void, reps: number): number {
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

const lines = [`# Serving benchmarks`, '', `${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}; medians.`, ''];

/** Serving on the JS twin, as every model did before it compiled WASM itself (issue 14 §5). */
const onJs = (m: ALSModel) => {
  const engine = new ServingEngine(m.factors, m.userFactors, m.itemFactors, m.userBiases, m.itemBiases, 'js');
  (m as unknown as { engineCache: ServingEngine }).engineCache = engine;
  return m;
};
const jsModel = onJs(make(1000, 20_000));
jsModel.recommend(0, { n: 10, excludeSeen: false });
const jsUs = time(() => jsModel.recommend(1, { n: 10, excludeSeen: false }), 200) * 1000;
const model = make(1000, 20_000);
model.recommend(0, { n: 10, excludeSeen: false });
const wasmUs = time(() => model.recommend(1, { n: 10, excludeSeen: false }), 500) * 1000;
lines.push(
  `- top-10 of 20,000 items, k = 64: WASM ${wasmUs.toFixed(0)} µs, JS ${jsUs.toFixed(0)} µs (${(jsUs / wasmUs).toFixed(1)}×)`,
);

/** tinybench median (p50) of one call, in ms. */
async function p50(fn: () => void, timeMs: number): Promise<number> {
  const bench = new Bench({ time: timeMs, warmupTime: 200, iterations: 5 });
  bench.add('x', fn);
  await bench.run();
  const res = bench.tasks[0]!.result as { state: string; latency?: { p50: number }; error?: unknown };
  if (res.state !== 'completed' || !res.latency) throw new Error(`benchmark failed: ${String(res.error ?? res.state)}`);
  return res.latency.p50;
}

// The multi-query kernel: scoreTopK query by query (topN) against scoreTopKBatch (topNEach).
// Two builds against each other, interleaved: bench/serving-kernels.ab.ts (kernels) and
// bench/serving-e2e.ab.ts (lastfm-2k recommendAll, recommendAllThreaded, recommend).
{
  const engine = model.engine();
  const numItems = model.numItems;
  const vector = (u: number) => model.userFactors.subarray(u * k, (u + 1) * k);
  const one = (u: number) =>
    topN(engine, { vector: vector(u), rows: engine.items, numRows: numItems, bias: 0, n: 10, exclude: [] });
  const each = (count: number) =>
    engine.topNEach(
      engine.items,
      numItems,
      0,
      10,
      count,
      (u) => ({ vector: vector(u), exclude: [] }),
      () => undefined,
    );
  const singleBefore = (await p50(() => one(1), 2000)) * 1000;
  const singleAfter = (await p50(() => each(1), 2000)) * 1000;
  const users = 1000;
  const allBefore =
    users /
    ((await p50(() => {
      for (let u = 0; u < users; u++) one(u);
    }, 4000)) /
      1000);
  const allAfter = users / ((await p50(() => each(users), 4000)) / 1000);
  lines.push(
    `- engine (${engine.kernels.backend}), 20,000 items, k = 64, n = 10, tinybench p50, one thread: single top-10 query ${singleBefore.toFixed(0)} µs with scoreTopK (model.recommend's kernel), ${singleAfter.toFixed(0)} µs with scoreTopKBatch alone (${(singleBefore / singleAfter).toFixed(2)}×); all-users throughput query by query ${allBefore.toFixed(0)} → ${allAfter.toFixed(0)} users/s in batches (${(allAfter / allBefore).toFixed(2)}×)`,
  );
}

const items = Array.from({ length: 50 }, (_, j) => j * 397);
const values = items.map(() => 1 + Math.floor(Math.random() * 5));
model.foldIn({ items, values });
const foldUs = time(() => model.foldIn({ items, values }), 500) * 1000;
lines.push(`- fold-in of a user with 50 ratings, k = 64 (implicit, Cholesky): ${foldUs.toFixed(0)} µs`);

const big = make(100_000, 20_000);
for (const threads of [1, 2]) {
  const t0 = performance.now();
  const all = await recommendAllThreaded(big, { n: 10, threads, excludeSeen: false });
  const seconds = (performance.now() - t0) / 1000;
  lines.push(
    `- recommendAll, 100,000 users × 20,000 items, k = 64, n = 10, ${threads} thread(s): ${seconds.toFixed(1)} s, ${(100_000 / seconds).toFixed(0)} users/s (${all.indices.length} results)`,
  );
}

const bytes = big.toBytes();
const file = join(tmpdir(), 'als-bench-model.als');
writeFileSync(file, bytes);
const loadMs = time(() => ALSModel.fromBytes(new Uint8Array(readFileSync(file))), 5);
rmSync(file);
lines.push(
  `- model file, 100,000 × 20,000 × 64 (number IDs, no seen items): ${(bytes.length / 2 ** 20).toFixed(1)} MiB, read + fromBytes ${loadMs.toFixed(0)} ms`,
);

const out = join(tmpdir(), 'als-serve-bundle.js');
execFileSync(
  'npx',
  ['esbuild', 'dist/serve.js', '--bundle', '--minify', '--format=esm', '--platform=browser', `--outfile=${out}`],
  { stdio: 'ignore' },
);
const js = readFileSync(out);
const wasm = readFileSync('build/als.wasm');
rmSync(out);
const gz = (b: Buffer) => gzipSync(b, { level: 9 }).length;
lines.push(
  `- als-wasm/serve bundle (esbuild --minify, browser): JS ${(js.length / 1024).toFixed(1)} KiB (${(gz(js) / 1024).toFixed(1)} KiB gzipped) + als.wasm ${(wasm.length / 1024).toFixed(1)} KiB (${(gz(wasm) / 1024).toFixed(1)} KiB gzipped) = ${((gz(js) + gz(wasm)) / 1024).toFixed(1)} KiB gzipped`,
);
// lastfm-2k, k = 64, after a 2-thread fit: model.recommendAll({ n: 10 }) on the JS twin (what
// it ran on before serving compiled WASM itself), on WASM now, and through topNEach.
const lastfm = fileURLToPath(new URL('../../shared/data/lastfm-2k/user_artists.dat', import.meta.url));
if (existsSync(lastfm)) {
  const { ratings } = await loadRatingsFile(lastfm, { format: 'lastfm' });
  const fitted = await new ALS({ feedback: 'implicit', factors: 64, iterations: 15, seed: 0, threads: 2 }).fit(ratings);
  const bytes = fitted.toBytes();
  const seconds = (fn: () => unknown) => {
    const t0 = performance.now();
    fn();
    return (performance.now() - t0) / 1000;
  };
  const before = onJs(ALSModel.fromBytes(bytes));
  const jsSeconds = seconds(() => before.recommendAll({ n: 10 }));
  const after = ALSModel.fromBytes(bytes);
  const backend = after.engine().kernels.backend;
  const wasmSeconds = seconds(() => after.recommendAll({ n: 10 }));
  const reference = after.recommendAll({ n: 10 });
  const engine = after.engine();
  const seen = after.seen!;
  const indices = new Int32Array(after.numUsers * 10).fill(-1);
  const batchSeconds = seconds(() =>
    engine.topNEach(
      engine.items,
      after.numItems,
      0,
      10,
      after.numUsers,
      (u) => ({
        vector: after.userFactors.subarray(u * k, (u + 1) * k),
        exclude: seen.indices.subarray(seen.indptr[u]!, seen.indptr[u + 1]!),
      }),
      (u, idx) => indices.set(idx, u * 10),
    ),
  );
  const same = indices.every((v, e) => v === reference.indices[e]);
  lines.push(
    `- lastfm-2k (${after.numUsers} users × ${after.numItems} artists), k = 64, after a 2-thread fit, model.recommendAll({ n: 10 }), one run: JS twin (before) ${jsSeconds.toFixed(2)} s → ${backend} ${wasmSeconds.toFixed(2)} s (${(jsSeconds / wasmSeconds).toFixed(1)}×); through topNEach (scoreTopKBatch) ${batchSeconds.toFixed(2)} s (${(wasmSeconds / batchSeconds).toFixed(1)}× more, same lists: ${same})`,
  );
} else {
  lines.push(`- lastfm-2k: skipped, ${lastfm} is absent`);
}

const report = `${lines.join('\n')}\n`;
console.log(report);
writeFileSync(join(import.meta.dirname, 'serving.results.md'), report);

/**
 * Serving: top-10 of 20,000 items at k = 64 (WASM vs JS), recommendAll throughput, fold-in
 * latency, model file size and load time, and the gzipped size of the als-wasm/serve bundle.
 *   npm run build && npx tsx bench/serving.bench.ts   (writes bench/serving.results.md)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ALSModel, loadWasmModule, recommendAllThreaded } from '../dist/index.js';

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

// JS first: the serving engine takes WASM only once the module is compiled in this realm.
const jsModel = make(1000, 20_000);
jsModel.recommend(0, { n: 10, excludeSeen: false });
const jsUs = time(() => jsModel.recommend(1, { n: 10, excludeSeen: false }), 200) * 1000;
await loadWasmModule();
const model = make(1000, 20_000);
model.recommend(0, { n: 10, excludeSeen: false });
const wasmUs = time(() => model.recommend(1, { n: 10, excludeSeen: false }), 500) * 1000;
lines.push(
  `- top-10 of 20,000 items, k = 64: WASM ${wasmUs.toFixed(0)} µs, JS ${jsUs.toFixed(0)} µs (${(jsUs / wasmUs).toFixed(1)}×)`,
);

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
const report = `${lines.join('\n')}\n`;
console.log(report);
writeFileSync(join(import.meta.dirname, 'serving.results.md'), report);

/**
 * Interop: write and load time, file size and peak memory of a 100,000 × 20,000 × 64 model
 * in each format (this library's .als, a Spark ALSModel directory, an `implicit` .npz).
 * Each load runs in its own process, so its peak RSS is its own.
 *   npm run build && npx tsx bench/interop.bench.ts [users items k]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALSModel } from '../dist/index.js';
import { Prng } from '../dist/train/prng.js';
import { loadImplicitModel, loadSparkModel, saveImplicitModel, saveSparkModel } from '../dist/interop/index.js';

type Format = 'als' | 'spark' | 'npz';
const LOADERS: Record<Format, (path: string) => Promise<ALSModel>> = {
  als: (path) => ALSModel.load(path),
  spark: (path) => loadSparkModel(path),
  npz: (path) => loadImplicitModel(path),
};

if (process.argv[2] === 'load') {
  // Child: one load, reporting seconds and how far it raised the peak RSS.
  const format = process.argv[3] as Format;
  const before = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  const model = await LOADERS[format](process.argv[4]!);
  const seconds = (performance.now() - t0) / 1000;
  const peak = process.resourceUsage().maxRSS;
  console.log(JSON.stringify({ seconds, peakKiB: peak, growthKiB: peak - before, users: model.numUsers }));
  process.exit(0);
}

const [users, items, k] = process.argv
  .slice(2, 5)
  .map(Number)
  .concat([100_000, 20_000, 64].slice(process.argv.length - 2)) as [number, number, number];
// A full-period generator: factors must not repeat, or parquet's dictionary encoding would flatter Spark's size.
const prng = new Prng(1);
const rand = () => prng.next() - 0.5;
const model = ALSModel.fromFactors({
  userIds: Array.from({ length: users }, (_, u) => u),
  itemIds: Array.from({ length: items }, (_, i) => i),
  userFactors: Float32Array.from({ length: users * k }, rand),
  itemFactors: Float32Array.from({ length: items * k }, rand),
  options: { feedback: 'implicit', confidence: 'alpha', regularization: 0.01 },
});
const factorMiB = ((users + items) * k * 4) / 2 ** 20;
const dir = mkdtempSync(join(tmpdir(), 'als-interop-bench-'));
const paths: Record<Format, string> = { als: join(dir, 'model.als'), spark: join(dir, 'spark'), npz: join(dir, 'model.npz') };
const sizeOf = (path: string): number =>
  statSync(path).isDirectory() ? readdirSync(path).reduce((s, f) => s + sizeOf(join(path, f)), 0) : statSync(path).size;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const writeSeconds: Record<Format, number> = { als: 0, spark: 0, npz: 0 };
let t = performance.now();
await model.save(paths.als, { seen: false });
writeSeconds.als = (performance.now() - t) / 1000;
t = performance.now();
await saveSparkModel(model, paths.spark);
writeSeconds.spark = (performance.now() - t) / 1000;
t = performance.now();
await saveImplicitModel(model, paths.npz);
writeSeconds.npz = (performance.now() - t) / 1000;

const lines = [
  '# Interop benchmarks',
  '',
  `${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}. Model ${users.toLocaleString('en')} × ${items.toLocaleString('en')} × ${k} (factors ${factorMiB.toFixed(1)} MiB); load = median of 5, each in a fresh process; peak RSS growth = the process's maxRSS after the load minus before it.`,
  '',
  '| format | file size | write (s) | load (s) | peak RSS growth | growth / factors |',
  '|---|---:|---:|---:|---:|---:|',
];
for (const format of ['als', 'spark', 'npz'] as const) {
  const runs = Array.from(
    { length: 5 },
    () =>
      JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, 'load', format, paths[format]], {
          encoding: 'utf8',
        }),
      ) as { seconds: number; growthKiB: number },
  );
  const growthMiB = median(runs.map((r) => r.growthKiB)) / 1024;
  lines.push(
    `| ${format} | ${(sizeOf(paths[format]) / 2 ** 20).toFixed(1)} MiB | ${writeSeconds[format].toFixed(2)} | ${median(runs.map((r) => r.seconds)).toFixed(3)} | ${growthMiB.toFixed(0)} MiB | ${(growthMiB / factorMiB).toFixed(1)}× |`,
  );
}
rmSync(dir, { recursive: true, force: true });
const report = `${lines.join('\n')}\n`;
console.log(report);
writeFileSync(join(import.meta.dirname, 'interop.results.md'), report);

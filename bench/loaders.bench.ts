/**
 * Parse throughput of the streaming loader on a generated MovieLens-style CSV
 * (userId,movieId,rating,timestamp with a header), and peak memory against the final arrays.
 *
 *   npx tsx bench/loaders.bench.ts [MB=100] [path=/tmp/als-wasm-bench-ratings.csv]
 *
 * Run with --expose-gc for a clean baseline: node --expose-gc --import tsx bench/loaders.bench.ts
 */
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseTriplesFile } from '../src/data/loaders/file.node.js';

const megabytes = Number(process.argv[2] ?? 100);
const path = process.argv[3] ?? `/tmp/als-wasm-bench-ratings-${megabytes}mb.csv`;

async function generate(): Promise<void> {
  // Seeded LCG; ratings in half stars, 162k users × 60k movies like ml-25m.
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const out = createWriteStream(path);
  out.write('userId,movieId,rating,timestamp\n');
  let bytes = 0;
  while (bytes < megabytes * 1e6) {
    let block = '';
    for (let r = 0; r < 20000; r++) {
      const line = `${1 + Math.floor(next() * 162000)},${1 + Math.floor(next() ** 2 * 60000)},${(1 + Math.floor(next() * 9)) / 2},${1_000_000_000 + Math.floor(next() * 5e8)}\n`;
      block += line;
    }
    bytes += block.length;
    if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(resolve));
}

if (!existsSync(path) || statSync(path).size < megabytes * 1e6) await generate();
const size = statSync(path).size;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const base = process.memoryUsage();
let peakRss = base.rss;
let peakBuffers = base.arrayBuffers;
const start = performance.now();
const parsed = await parseTriplesFile(path, {
  format: 'movielens-csv',
  onProgress: () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
  },
});
const seconds = (performance.now() - start) / 1000;
const finalBytes =
  parsed.users.byteLength + parsed.items.byteLength + parsed.values.byteLength + (parsed.timestamps?.byteLength ?? 0);
const mb = (b: number) => (b / 1e6).toFixed(1);
console.log(
  JSON.stringify({
    file: path,
    megabytes: +mb(size),
    ratings: parsed.values.length,
    users: parsed.userMap.size,
    items: parsed.itemMap.size,
    seconds: +seconds.toFixed(3),
    megabytesPerSecond: +(size / 1e6 / seconds).toFixed(1),
    finalArraysMB: +mb(finalBytes),
    peakArrayBuffersAboveBaselineMB: +mb(peakBuffers - base.arrayBuffers),
    peakRssAboveBaselineMB: +mb(peakRss - base.rss),
    ratioPeakArrayBuffersToFinal: +((peakBuffers - base.arrayBuffers) / finalBytes).toFixed(2),
    machine: `${cpus()[0]?.model} × ${cpus().length}, Node ${process.version}`,
  }),
);

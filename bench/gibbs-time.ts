/**
 * Time per Gibbs sample against one ALS iteration (ml-latest-small, cholesky, explicit,
 * biases), in one process, the two fits alternating `rounds` times (`perFit` iterations /
 * draws each). Per fit the mean over its iterations (all of them), then the median over the
 * rounds; and, as "steady", the same with each fit's median iteration instead of its mean, as
 * wall time (`info.seconds`: ALS's excludes its loss, Gibbs's includes the RSS τ needs and the
 * writes of the kept sample) and as CPU time of the whole process between callbacks (workers
 * included: with threads > 1 it is the total work, not the latency; ALS's includes its loss).
 * Workers run from dist/: `npm run build`.
 *
 *   npx tsx bench/gibbs-time.ts [factors=32] [threads=1] [rounds=6] [perFit=30] [file under ../shared/data]
 *   BURN_IN=10 npx tsx bench/gibbs-time.ts 64 1 2 110     # the default chain: 10 burn-in, 100 kept
 *
 * BURN_IN (default 0) draws that many samples first without keeping them; the chain keeps
 * perFit − BURN_IN. The mean is the figure a user waits for: every kept sample is written into
 * fresh memory (rows × factors × 4 bytes a sample), and the first write to each 4 KiB page is a
 * page fault. Where those faults fall depends on the layout: with 30 kept samples a row's kept
 * columns fit in one page, so the first kept sample takes nearly all of them and the steady
 * (median) figure leaves them out; with the default 100 a row spans several pages and every
 * fourth sample takes a share, which the median also leaves out. So "steady" is the sampler's
 * compute, and the mean of the default chain is the wall time. The bench prints what a fresh
 * page costs on this host (shared wasm memory, first write), to tell the two apart.
 *
 * SHORT_ROWS=0 times ALS without its exact short-row path (src/train/state.ts `shortRowPath`),
 * the standard Gram + Cholesky per row. The sampler's own short rows (perturb and MAP,
 * train/gibbs-prior.ts) are on as in any fit.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { loadRatingsFile } from '../src/data/loaders/file.node.js';
import { ALS } from '../src/train/als.js';
import { shortRowPath } from '../src/train/state.js';

shortRowPath.enabled = process.env.SHORT_ROWS !== '0';

// The data: ml-latest-small, or another file under ../shared/data (its format detected).
const data = join(import.meta.dirname, '..', '..', 'shared', 'data');
const other = process.argv[6];
const { ratings } = other
  ? await loadRatingsFile(join(data, other))
  : await loadRatingsFile(join(data, 'ml-latest-small', 'ratings.csv'), { format: 'movielens-csv' });
const k = Number(process.argv[2] ?? 32);
const threads = Number(process.argv[3] ?? 1);
const rounds = Number(process.argv[4] ?? 6);
const perFit = Number(process.argv[5] ?? 30);
const burnIn = Number(process.env.BURN_IN ?? 0);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const series = () => ({ wall: [] as number[], cpu: [] as number[], steadyWall: [] as number[], steadyCpu: [] as number[] });
const times = { cholesky: series(), gibbs: series() };
const load = [loadavg()[0]!];
for (let round = 0; round < rounds; round++) {
  for (const solver of round % 2 ? (['gibbs', 'cholesky'] as const) : (['cholesky', 'gibbs'] as const)) {
    let last = process.cpuUsage();
    const wall: number[] = [];
    const cpu: number[] = [];
    await new ALS({
      solver,
      factors: k,
      threads,
      biases: true,
      iterations: perFit,
      samples: perFit - burnIn,
      burnIn,
      onIteration: (info) => {
        const now = process.cpuUsage();
        cpu.push((now.user - last.user + now.system - last.system) / 1000);
        wall.push(info.seconds * 1000);
        last = process.cpuUsage();
      },
    }).fit(ratings);
    times[solver].wall.push(mean(wall));
    times[solver].cpu.push(mean(cpu));
    times[solver].steadyWall.push(median(wall));
    times[solver].steadyCpu.push(median(cpu));
  }
}
load.push(loadavg()[0]!);

/** Microseconds for the first write to a 4 KiB page of fresh shared wasm memory (64 MiB, median of 3). */
function freshPageMicros(): number {
  const bytes = 64 << 20;
  const runs = [0, 1, 2].map(() => {
    const memory = new WebAssembly.Memory({ initial: 0, maximum: bytes >> 16, shared: true });
    memory.grow(bytes >> 16);
    const u8 = new Uint8Array(memory.buffer);
    const start = performance.now();
    for (let i = 0; i < bytes; i += 4096) u8[i] = 1;
    return ((performance.now() - start) * 1000) / (bytes / 4096);
  });
  return median(runs);
}
const als = times.cholesky;
const gibbs = times.gibbs;
console.log(
  `k=${k} threads=${threads} rounds=${rounds} (load ${load.map((l) => l.toFixed(2)).join(' → ')}): ` +
    `ALS iteration ${median(als.wall).toFixed(1)} ms wall / ${median(als.cpu).toFixed(1)} ms CPU, ` +
    `Gibbs sample ${median(gibbs.wall).toFixed(1)} ms wall / ${median(gibbs.cpu).toFixed(1)} ms CPU, ` +
    `ratio ${(median(gibbs.wall) / median(als.wall)).toFixed(2)} wall / ${(median(gibbs.cpu) / median(als.cpu)).toFixed(2)} CPU; ` +
    `steady: ALS ${median(als.steadyWall).toFixed(1)} / ${median(als.steadyCpu).toFixed(1)} ms, ` +
    `Gibbs ${median(gibbs.steadyWall).toFixed(1)} / ${median(gibbs.steadyCpu).toFixed(1)} ms, ` +
    `ratio ${(median(gibbs.steadyWall) / median(als.steadyWall)).toFixed(2)} wall / ${(median(gibbs.steadyCpu) / median(als.steadyCpu)).toFixed(2)} CPU`,
);
const pageMicros = freshPageMicros();
const keptBytes = (ratings.numUsers + ratings.numItems) * k * 4;
console.log(
  `fresh page on this host: ${pageMicros.toFixed(1)} µs; a kept sample writes ${(keptBytes / 2 ** 20).toFixed(2)} MiB ` +
    `of fresh memory: about ${(((keptBytes / 4096) * pageMicros) / 1000).toFixed(1)} ms of page faults a sample, spread over the threads`,
);

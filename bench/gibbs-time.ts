/**
 * Time per Gibbs sample against one ALS iteration (ml-latest-small, cholesky, explicit,
 * biases), in one process, the two fits alternating `rounds` times (`perFit` iterations /
 * samples each, burnIn 0, so every sample is kept and written into the model). Per fit the mean over
 * its iterations (all of them: the first sample's writes into fresh pages are part of the
 * cost), then the median over the rounds; and, as "steady", the same with each fit's median
 * iteration instead of its mean (a chain of the default 110 samples pays the first kept
 * sample's page faults once, and its first few samples run beside V8's background threads:
 * the garbage collector and the compiler, busy after a fit allocates its kept samples; with
 * perFit = 10 half of a fit's iterations were such, so the default is 30), as wall time (`info.seconds`: ALS's excludes its
 * loss, Gibbs's includes the RSS τ needs and the writes of the kept sample) and as CPU time of
 * the whole process between callbacks (workers included: with threads > 1 it is the total
 * work, not the latency; ALS's includes its loss). Workers run from dist/: `npm run build`.
 *
 *   npx tsx bench/gibbs-time.ts [factors=32] [threads=1] [rounds=6] [perFit=30] [file under ../shared/data]
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
      samples: perFit,
      burnIn: 0,
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

/**
 * Time per Gibbs sample against one ALS iteration (ml-latest-small, cholesky, explicit,
 * biases), as wall time and as CPU time of the whole process (workers included, so with
 * threads > 1 it is the total work, not the latency). Workers run from dist/: `npm run build`.
 *
 *   npx tsx bench/gibbs-time.ts [factors=32] [threads=1] [rounds=2]
 */
import { join } from 'node:path';
import { loadRatingsFile } from '../src/data/loaders/file.node.js';
import { ALS } from '../src/train/als.js';

const file = join(import.meta.dirname, '..', '..', 'shared', 'data', 'ml-latest-small', 'ratings.csv');
const { ratings } = await loadRatingsFile(file, { format: 'movielens-csv' });
const k = Number(process.argv[2] ?? 32);
const threads = Number(process.argv[3] ?? 1);
const rounds = Number(process.argv[4] ?? 2);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const solvers = Array.from({ length: rounds }, () => ['cholesky', 'gibbs'] as const).flat();
for (const solver of solvers) {
  const wall: number[] = [];
  const cpu: number[] = [];
  let last = process.cpuUsage();
  await new ALS({
    solver,
    factors: k,
    threads,
    biases: true,
    iterations: 10,
    samples: 10,
    burnIn: 0,
    onIteration: (info) => {
      const now = process.cpuUsage();
      cpu.push((now.user - last.user + now.system - last.system) / 1000);
      last = now;
      wall.push(info.seconds * 1000);
    },
  }).fit(ratings);
  console.log(
    `${solver} k=${k} threads=${threads}: median ${median(wall).toFixed(1)} ms wall, ${median(cpu).toFixed(1)} ms CPU per iteration/sample`,
  );
}

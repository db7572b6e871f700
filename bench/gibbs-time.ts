/**
 * Time per Gibbs sample against one ALS iteration (ml-latest-small, one thread), as CPU time
 * of the calling thread's process (less sensitive to other load than wall time) and wall time.
 *
 *   npx tsx bench/gibbs-time.ts [factors=32]
 */
import { join } from 'node:path';
import { loadRatingsFile } from '../src/data/loaders/file.node.js';
import { ALS } from '../src/train/als.js';

const file = join(import.meta.dirname, '..', '..', 'shared', 'data', 'ml-latest-small', 'ratings.csv');
const { ratings } = await loadRatingsFile(file, { format: 'movielens-csv' });
const k = Number(process.argv[2] ?? 32);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
for (const solver of ['cholesky', 'gibbs', 'cholesky', 'gibbs'] as const) {
  const wall: number[] = [];
  const cpu: number[] = [];
  let last = process.cpuUsage();
  await new ALS({
    solver,
    factors: k,
    threads: 1,
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
    `${solver} k=${k}: median ${median(wall).toFixed(1)} ms wall, ${median(cpu).toFixed(1)} ms CPU per iteration/sample`,
  );
}

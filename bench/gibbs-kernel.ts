/**
 * The sampling kernel against ALS's solve, kernel alone, on the memory a fit uses
 * (ml-latest-small, explicit with biases, one thread, from the starting factors each round):
 * per side, solveRows (Cholesky, λ = 0.1, its short rows as a fit has them) over every row and
 * sampleRows over every row with the prior block a fit writes for P = 0.1·I, h = 0 and noiseScale
 * 1/√2 (its short rows by perturb and MAP where the fit's cost rule takes them, the whitening
 * timed outside), in alternating order, `rounds` times; the medians of each (CPU time) and
 * their ratio. With a second build's path (one that reads the same prior block, e.g. a variant
 * copied aside), its sampleRows runs in the same rounds on the same memory, and the ratio of
 * the two sampleRows medians is printed too.
 *
 *   npx tsx bench/gibbs-kernel.ts [factors=32] [rounds=15] [other build.wasm]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { median } from '../src/cli/training.js';
import { loadRatingsFile } from '../src/data/loaders/file.node.js';
import { createBackend } from '../src/kernels/select.js';
import { roundUp } from '../src/kernels/types.js';
import { createWasmKernels } from '../src/kernels/wasm.js';
import { planPriorBlock, writePriorBlock } from '../src/train/gibbs-prior.js';
import { planTraining } from '../src/train/layout.js';
import { resolveOptions } from '../src/train/options.js';
import { streamKey } from '../src/train/prng.js';
import { randomFactors } from '../src/train/random-factors.js';
import { startTraining } from '../src/train/state.js';

const file = join(import.meta.dirname, '..', '..', 'shared', 'data', 'ml-latest-small', 'ratings.csv');
const { ratings } = await loadRatingsFile(file, { format: 'movielens-csv' });
const k = Number(process.argv[2] ?? 32);
const rounds = Number(process.argv[3] ?? 15);
const otherPath = process.argv[4];
const o = resolveOptions({ solver: 'cholesky', factors: k, biases: true, regularization: 0.1, threads: 1 });
const dim = k + 1;
const stride = roundUp(dim, 8);
const layout = planTraining(ratings, stride, 1, 1);
const prior = planPriorBlock(roundUp(layout.totalBytes, 64), ratings, stride, dim, { enabled: true });
const backend = await createBackend('wasm', prior.end, false);
const init = randomFactors(ratings.numUsers, ratings.numItems, k, 1);
const { state, executor } = await startTraining({ backend, layout, options: o, stride, ratings, init, threads: 1 });
const f32 = new Float32Array(backend.buffer);
const i32 = new Int32Array(backend.buffer);
const hyper = { mean: new Float64Array(dim), precision: new Float64Array(dim * dim) };
for (let i = 0; i < dim; i++) hyper.precision[i * dim + i] = 0.1;
const other = otherPath ? createWasmKernels(new WebAssembly.Module(readFileSync(otherPath)), backend.memory!) : null;
const K = state.kernels;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const times: Record<string, number[]> = { solve: [], sample: [], other: [] };
const load = [loadavg()[0]!];
for (let round = 0; round < rounds; round++) {
  // From the starting factors every round (a chain under this fixed prior would drift), each
  // call's status checked; the order alternates (ABBA) so neither build runs on warmer caches.
  state.loadFactors('users', init.userFactors);
  state.loadFactors('items', init.itemFactors);
  const t = { solve: 0, sample: 0, other: 0 };
  for (const side of ['users', 'items'] as const) {
    await state.prepare(side);
    await writePriorBlock(state, f32, i32, prior, layout, side, dim, hyper, 1, { keep: null, mirror: 0 });
    const s = layout[side];
    const run = (name: 'solve' | 'sample' | 'other') => {
      const key = streamKey(1, round, side === 'users' ? 0 : 1);
      const c = cpu();
      const status =
        name === 'solve'
          ? K.solveRows(s.params, 0, s.rows, layout.scratch)
          : (name === 'sample' ? K : other!).sampleRows(s.params, prior.at, Math.SQRT1_2, key, 0, s.rows, layout.scratch);
      t[name] += cpu() - c;
      if (status !== -1) throw new Error(`${name} failed on ${side} row ${status}`);
    };
    const order: ('solve' | 'sample' | 'other')[] = other ? ['solve', 'sample', 'other'] : ['solve', 'sample'];
    for (const name of round % 2 ? order.reverse() : order) run(name);
  }
  times.solve!.push(t.solve);
  times.sample!.push(t.sample);
  times.other!.push(t.other);
}
load.push(loadavg()[0]!);
await executor.close();
const m = (name: string) => median(times[name]!);
console.log(
  `k=${k} rounds=${rounds} (load ${load.map((l) => l.toFixed(2)).join(' → ')}), CPU ms per iteration (both sides): ` +
    `solveRows ${m('solve').toFixed(1)}, sampleRows ${m('sample').toFixed(1)} (×${(m('sample') / m('solve')).toFixed(2)})` +
    (other ? `, other build's sampleRows ${m('other').toFixed(1)} (this / other ${(m('sample') / m('other')).toFixed(3)})` : ''),
);

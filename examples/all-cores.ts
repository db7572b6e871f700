/**
 * The same training on all cores: threads: 'auto' uses every core in Node (worker threads on
 * one shared WebAssembly memory; identical factors for any thread count).
 *   npx tsx examples/all-cores.ts
 */
import { ALS, Ratings, syntheticRatings } from 'als-wasm';
import { randomSplit, rmse } from 'als-wasm/eval';

const data = syntheticRatings({ numUsers: 4000, numItems: 2000, nnz: 200_000, seed: 2 });
const { train, test } = randomSplit(data, 0.1, 1);
const ratings = Ratings.fromTriples(train, { denseIds: true, numUsers: data.numUsers, numItems: data.numItems });

for (const threads of [1, 'auto'] as const) {
  const seconds: number[] = [];
  const model = await new ALS({
    factors: 32,
    iterations: 5,
    regularization: 0.05,
    regularizationScaling: 'count',
    biases: true,
    seed: 1,
    threads,
    onIteration: (info) => void seconds.push(info.seconds),
  }).fit(ratings);
  const err = rmse(test, (u, i) => model.score(u, i));
  console.log(
    `threads ${String(threads).padEnd(4)} → ${model.options.threads} worker(s), ${(1000 * Math.min(...seconds)).toFixed(0)} ms/iteration (best), held-out RMSE ${err.toFixed(4)}`,
  );
}

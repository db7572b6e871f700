/** `als-wasm bench` (seconds per iteration on synthetic data) and `demo`. */
import { Option, type Command } from 'commander';
import { syntheticRatings } from '../../data/synthetic.js';
import { runDemo } from '../run-demo.js';
import { integerFlag, threadsFlag } from '../numbers.js';
import { addTrainingOptions, alsOptions, type Common, type TrainingDefaults } from '../options.js';
import { out } from '../output.js';
import { median, trainVerbose } from '../training.js';

/** What bench trains with unless told otherwise: short runs, a mid-sized k. Its help shows these. */
export const BENCH_DEFAULTS: Required<TrainingDefaults> = { iterations: 5, factors: 32 };

export function registerBench(prog: Command): void {
  prog
    .command('demo')
    .description('train on the built-in synthetic data set and compare with the bias-only baseline')
    .option('--threads <n>', "worker threads or 'auto' (default: auto)")
    .option('--json', 'one JSON object per line')
    .action(async (o: { threads?: string; json?: boolean }) => {
      const threads = threadsFlag(o.threads);
      const result = await runDemo(o.json ? () => {} : console.log, {
        threads,
        onIteration: (i) => out(o.json).json({ iteration: i.iteration, seconds: i.seconds, loss: i.loss }),
      });
      out(o.json).json({
        secondsPerIteration: median(result.iterations.map((i) => i.seconds)),
        threads: result.threads,
        backend: result.backend,
        metrics: { rmse: result.alsRmse },
        baseline: { rmse: result.baselineRmse },
      });
    });

  addTrainingOptions(
    prog.command('bench').description('seconds per iteration on the built-in synthetic data set'),
    BENCH_DEFAULTS,
  )
    .addOption(new Option('--users <n>', 'users').default('20000', '20000'))
    .addOption(new Option('--items <n>', 'items').default('10000', '10000'))
    .addOption(new Option('--nnz <n>', 'ratings').default('1000000', '1000000'))
    .action(async (o: Common & { users: string; items: string; nnz: string }) => {
      const options = alsOptions(o, BENCH_DEFAULTS);
      const s = syntheticRatings({
        numUsers: integerFlag('users', o.users),
        numItems: integerFlag('items', o.items),
        nnz: integerFlag('nnz', o.nnz),
        seed: 1,
      });
      out(o.json).line(`synthetic: ${s.numUsers} users × ${s.numItems} items, ${s.values.length} ratings`);
      const { summary } = await trainVerbose({ ...s }, options, o);
      out(o.json).json({ ...summary, ratings: s.values.length, factors: options.factors });
      out(o.json).line(
        `${(summary.secondsPerIteration * 1000).toFixed(1)} ms/iteration (median of ${summary.iterations}), backend ${summary.backend}, ${summary.threads} thread(s)`,
      );
    });
}

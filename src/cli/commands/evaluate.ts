/** `als-wasm eval`, `cv` and `tune`: scores against the baseline, with progress per fold and trial. */
import { Option, type Command } from 'commander';
import { AlsError, ErrorCode } from '../../errors.js';
import { leaveKOut, perUserSplit, randomSplit, timeSplit, type Split, type TripleArrays } from '../../eval/split.js';
import {
  crossValidate,
  evaluateBaseline,
  evaluateModel,
  grid,
  tune,
  type EvalOptions,
  type MetricName,
  type SearchSpace,
} from '../../eval/tune.js';
import { integerFlag, listFlag, realFlag } from '../numbers.js';
import { addDataOptions, addRatingOptions, addTrainingOptions, alsOptions, userError, type Common } from '../options.js';
import { load, loadTestFile } from '../data.js';
import { formatScores, out } from '../output.js';
import { Progress, progressCallback } from '../progress.js';
import { trainVerbose, warnIfCounts } from '../training.js';
import { protocolOf, runProtocol, type ProtocolFlags } from './eval-protocols.js';

/** The evaluation options from the flags (shared by eval, cv and tune). */
function evalOptionsOf(o: Common): EvalOptions {
  return { k: integerFlag('k', o.k) };
}

function makeSplit(
  data: TripleArrays,
  timestamps: Float64Array | null,
  how: string,
  fraction: number,
  k: number,
  seed: number,
): Split {
  switch (how) {
    case 'random':
      return randomSplit(data, fraction, seed);
    case 'per-user':
      return perUserSplit(data, fraction, { seed });
    case 'leave-k-out':
      return leaveKOut(data, k, { seed, timestamps: timestamps ?? undefined });
    case 'time':
      if (!timestamps)
        userError('--split time needs a timestamp column.', 'Pass --time-col <name or index> or a format with timestamps.');
      return timeSplit(data, timestamps!, { testFraction: fraction });
    default:
      return userError(`--split must be random, per-user, leave-k-out or time (got '${how}').`);
  }
}

type EvalFlags = ProtocolFlags & { split: string; testFraction: string; leave: string; test?: string };

export function registerEvaluate(prog: Command): void {
  addTrainingOptions(
    addRatingOptions(
      addDataOptions(
        prog
          .command('eval <file>')
          .description('hold out a test set (or read one), train, and score the model against the baseline'),
      ),
    ),
  )
    .addOption(
      new Option('--split <how>', 'how to hold out the test set')
        .choices(['random', 'per-user', 'leave-k-out', 'time'])
        .default('per-user'),
    )
    .addOption(new Option('--test-fraction <f>', 'test share').default('0.2', '0.2'))
    .addOption(new Option('--leave <k>', 'k of leave-k-out').default('1', '1'))
    .option(
      '--test <file>',
      "score this test file (LibMF's .te, MovieLens u1.test; read with the same format flags) and train on all of <file>",
    )
    .option(
      '--protocol <name>',
      "a protocol of the literature instead of --split: 'ncf' (He et al. 2017: each user's last interaction among 99 sampled negatives, HR@k, NDCG@k) or 'strong-generalization' (Liang et al. 2018: held-out users, 80% folded in, Recall@20, Recall@50, NDCG@100)",
    )
    .option('--negatives <n>', 'ncf: sampled negatives per held-out item (default: 99)')
    .option(
      '--held-out <which>',
      "ncf: 'last' interaction (by timestamp, else input order; He et al.) or 'random' (one drawn per user) (default: last)",
    )
    .option(
      '--held-out-users <n>',
      'strong-generalization: users in each of validation and test, a count or a share in (0, 1) (default: 0.1)',
    )
    .action(async (file: string, o: EvalFlags, cmd: Command) => {
      const options = alsOptions(o);
      const protocol = protocolOf(o, cmd);
      if (protocol !== undefined) {
        const loaded = await load(file, o);
        warnIfCounts(options, loaded.parsed.values);
        await runProtocol(protocol, loaded, options, o);
        return;
      }
      const testFraction = realFlag('test-fraction', o.testFraction)!;
      const leave = integerFlag('leave', o.leave)!;
      if (o.test !== undefined) {
        const given = ['split', 'testFraction', 'leave'].filter((name) => cmd.getOptionValueSource(name) === 'cli');
        if (given.length > 0)
          userError(
            `--test gives the test set, so ${given.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(' and ')} cannot apply.`,
            'Leave out --test to hold out a split of <file>, or the split options to score the test file.',
          );
      }
      const evalOptions = evalOptionsOf(o);
      const { data, parsed, timestamps } = await load(file, o);
      warnIfCounts(options, parsed.values);
      let split: Split;
      let dropped = 0;
      if (o.test !== undefined) {
        const read = await loadTestFile(o.test, o, parsed);
        if (read.test.values.length === 0) {
          throw new AlsError(
            ErrorCode.EMPTY_DATA,
            `${o.test}: none of its ${read.total} ratings has a user and an item of ${file}.`,
            'Check that both files use the same IDs and columns (--format, --user-col, --item-col).',
          );
        }
        dropped = read.dropped;
        if (dropped > 0 && !o.json)
          process.stderr.write(
            `als-wasm: ${o.test}: ${dropped} of ${read.total} ratings name a user or item that ${file} does not have; they are left out.\n`,
          );
        split = { train: data, test: read.test };
      } else {
        split = makeSplit(data, timestamps, o.split, testFraction, leave, options.seed ?? 0);
      }
      const { model, summary } = await trainVerbose(data, options, o, split.train);
      // Ranking evaluation of implicit models scores every test user: a bar on a terminal.
      const scores = await evaluateModel(model, split, {
        ...evalOptions,
        onProgress: progressCallback(o, 'evaluating', 'users'),
      });
      const baseline = await evaluateBaseline(model.options.feedback, split, data.numUsers, data.numItems, {
        ...evalOptions,
        onProgress: progressCallback(o, 'baseline', 'users'),
      });
      const how = o.test !== undefined ? { testFile: o.test, testDropped: dropped } : { split: o.split };
      out(o.json).json({
        ...summary,
        ...how,
        train: split.train.values.length,
        test: split.test.values.length,
        metrics: scores,
        baseline,
      });
      out(o.json).line(
        `model:    ${formatScores(scores)}\nbaseline: ${formatScores(baseline)} (${model.options.feedback === 'explicit' ? 'bias-only' : 'popularity'})`,
      );
    });

  addTrainingOptions(
    addRatingOptions(addDataOptions(prog.command('cv <file>').description('k-fold cross-validation against the baseline'))),
  )
    .addOption(new Option('--folds <n>', 'folds').default('5', '5'))
    .action(async (file: string, o: Common & { folds: string }) => {
      const options = alsOptions(o);
      const folds = integerFlag('folds', o.folds)!;
      const k = integerFlag('k', o.k);
      const { data, parsed } = await load(file, o);
      warnIfCounts(options, parsed.values);
      const progress = Progress.start(o, 'cross-validation', folds, 'folds');
      try {
        const result = await crossValidate(data, options, {
          folds,
          seed: options.seed ?? 0,
          k,
          onFold: (fold, f) => {
            progress?.update(f + 1);
            out(o.json).json({ fold: f + 1, seconds: fold.seconds, metrics: fold.scores, baseline: fold.baseline });
          },
        });
        progress?.stop();
        out(o.json).json({ folds, seconds: result.seconds, metrics: result.mean, std: result.std, baseline: result.baseline });
        out(o.json).line(
          `${folds}-fold CV (${result.seconds.toFixed(1)} s)\nmodel:    ${formatScores(result.mean)}\nbaseline: ${formatScores(result.baseline ?? {})}`,
        );
      } finally {
        progress?.stop();
      }
    });

  addTrainingOptions(
    addRatingOptions(
      addDataOptions(prog.command('tune <file>').description('grid or random search with k-fold CV and early stopping')),
    ),
  )
    .option('--grid-factors <list>', 'factors to try, e.g. 16,32,64')
    .option('--grid-regularization <list>', 'λ values to try, e.g. 0.01,0.1,1')
    .option('--grid-alpha <list>', 'α values to try (implicit)')
    .addOption(new Option('--folds <n>', 'folds').default('5', '5'))
    .addOption(new Option('--strategy <s>', 'search strategy').choices(['grid', 'random']).default('grid'))
    .addOption(new Option('--trials <n>', 'random search: candidates').default('10', '10'))
    .option('--metric <m>', 'metric to optimize (default: rmse explicit, ndcg implicit)')
    .addOption(new Option('--patience <n>', 'early stopping: evaluations without improvement').default('2', '2'))
    .addOption(new Option('--eval-every <n>', 'early stopping: evaluate every n iterations').default('1', '1'))
    .action(
      async (
        file: string,
        o: Common & {
          gridFactors?: string;
          gridRegularization?: string;
          gridAlpha?: string;
          folds: string;
          strategy: string;
          trials: string;
          metric?: string;
          patience: string;
          evalEvery: string;
        },
      ) => {
        const base = alsOptions(o);
        const space: SearchSpace = {};
        if (o.gridFactors !== undefined) space.factors = listFlag('grid-factors', o.gridFactors, 'integer')!;
        if (o.gridRegularization !== undefined)
          space.regularization = listFlag('grid-regularization', o.gridRegularization, 'real')!;
        if (o.gridAlpha !== undefined) {
          if (base.feedback === 'explicit')
            userError(
              '--grid-alpha applies to implicit feedback only; these ratings are trained as explicit.',
              'Add --implicit to search α on implicit feedback, or leave out --grid-alpha.',
            );
          space.alpha = listFlag('grid-alpha', o.gridAlpha, 'real')!;
        }
        if (Object.keys(space).length === 0)
          userError(
            'Nothing to search.',
            'Pass --grid-factors, --grid-regularization and/or --grid-alpha as comma-separated lists.',
          );
        const search = {
          folds: integerFlag('folds', o.folds),
          trials: integerFlag('trials', o.trials),
          k: integerFlag('k', o.k),
          earlyStopping: { patience: integerFlag('patience', o.patience), evalEvery: integerFlag('eval-every', o.evalEvery) },
        };
        const candidates = o.strategy === 'random' ? Math.min(search.trials!, grid(space).length) : grid(space).length;
        const { data, parsed } = await load(file, o);
        warnIfCounts(base, parsed.values);
        const print = out(o.json);
        const progress = Progress.start(o, 'search', candidates, 'trials');
        try {
          const result = await tune(data, {
            base,
            space,
            ...search,
            seed: base.seed ?? 0,
            strategy: o.strategy as 'grid' | 'random',
            metric: o.metric as MetricName | undefined,
            onTrial: (row, c, total) => {
              progress?.update(c + 1);
              print.json({
                trial: c + 1,
                of: total,
                options: row.options,
                iterations: row.iterations,
                seconds: row.seconds,
                metrics: row.scores,
              });
              const line = `[${c + 1}/${total}] ${JSON.stringify(row.options)} → ${formatScores(row.scores)} (${row.iterations.toFixed(1)} iterations, ${row.seconds.toFixed(1)} s)`;
              if (progress) progress.print(line);
              else print.line(line);
            },
          });
          progress?.stop();
          print.json({
            metric: result.metric,
            best: result.best,
            metrics: result.bestScores,
            baseline: result.baseline,
            seconds: result.seconds,
          });
          print.line(
            `best by ${result.metric}: ${JSON.stringify(result.best)}\n  ${formatScores(result.bestScores)}\nbaseline: ${formatScores(result.baseline ?? {})}\nsearch took ${result.seconds.toFixed(1)} s`,
          );
        } finally {
          progress?.stop();
        }
      },
    );
}

#!/usr/bin/env node
/**
 * The `als-wasm` command. Human output by default, progress bars on stderr when it is a
 * terminal; `--json` prints one JSON object per line (one per iteration, then a summary).
 * Exit codes (EXIT_CODES, also in the help): 0 ok; 1 a usage error or an AlsError of any code
 * (one line "als-wasm: CODE: message", never a stack); 2 an internal error, i.e. a bug (the
 * stack is printed). Every output is checked before anything is read or trained, and written
 * atomically (io/atomic-write.ts).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { AlsError, ErrorCode } from '../errors.js';
import { ALS } from '../train/als.js';
import type { AlsOptions, IterationInfo } from '../train/options.js';
import { parseTriplesFile } from '../data/loaders/file.node.js';
import { PRESETS, type Delimiter, type PresetName } from '../data/loaders/presets.js';
import type { ParsedTriples } from '../data/loaders/parse.js';
import { bm25Weight, logScale, tfidfWeight } from '../data/weighting.js';
import { syntheticRatings } from '../data/synthetic.js';
import { leaveKOut, perUserSplit, randomSplit, timeSplit, type Split, type TripleArrays } from '../eval/split.js';
import { crossValidate, evaluateBaseline, evaluateModel, ratingsOf, tune, type EvalData, type MetricName, type SearchSpace } from '../eval/tune.js';
import { ALSModel } from '../model/model.js';
import { IdMap } from '../data/id-map.js';
import { runDemo } from './demo.js';
import { checkModelOutput, idFor, loadModel, modelFormat, saveModel } from './models.js';
import { NUMBER_FORMS, countFlag, integerFlag, listFlag, realFlag, threadsFlag } from './numbers.js';

interface Common {
  json?: boolean;
  format?: PresetName;
  delimiter?: string;
  header?: boolean;
  userCol?: string;
  itemCol?: string;
  valueCol?: string;
  timeCol?: string;
  skipBadLines?: boolean;
  weighting?: 'bm25' | 'tfidf' | 'log';
  factors?: string;
  iterations?: string;
  regularization?: string;
  scaling?: 'none' | 'count';
  implicit?: boolean;
  alpha?: string;
  confidence?: 'one-plus-alpha' | 'alpha';
  solver?: 'cholesky' | 'cg';
  cgSteps?: string;
  biases?: boolean;
  seed?: string;
  threads?: string;
  backend?: 'auto' | 'wasm' | 'js';
  k?: string;
}

const userError = (message: string, hint?: string): never => {
  throw new AlsError(ErrorCode.INVALID_OPTION, message, hint);
};

function column(value: string | undefined): string | number | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

const out = (json: boolean | undefined) => ({
  line(text: string) {
    if (!json) process.stdout.write(text + '\n');
  },
  json(object: object) {
    if (json) process.stdout.write(JSON.stringify(object) + '\n');
  },
});

function bar(o: Common, label: string, total: number): cliProgress.SingleBar | null {
  if (o.json || !process.stderr.isTTY) return null;
  const b = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total} {unit}`, stream: process.stderr, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  b.start(total, 0, { unit: '' });
  return b;
}

async function load(file: string, o: Common): Promise<{ data: EvalData; parsed: ParsedTriples }> {
  let progress: cliProgress.SingleBar | null = null;
  const parsed = await parseTriplesFile(file, {
    format: o.format,
    delimiter: o.delimiter === 'tab' || o.delimiter === '\\t' ? '\t' : (o.delimiter as Delimiter | undefined),
    header: o.header,
    columns: {
      ...(o.userCol !== undefined && { user: column(o.userCol)! }),
      ...(o.itemCol !== undefined && { item: column(o.itemCol)! }),
      ...(o.valueCol !== undefined && { value: o.valueCol === 'none' ? null : column(o.valueCol)! }),
      ...(o.timeCol !== undefined && { timestamp: column(o.timeCol)! }),
    },
    onBadLine: o.skipBadLines ? 'skip' : 'error',
    onProgress: (p) => {
      const total = (p as { totalBytes?: number }).totalBytes ?? p.bytes;
      progress ??= bar(o, 'loading', Math.max(1, Math.round(total / 1e6)));
      progress?.update(Math.round(p.bytes / 1e6), { unit: 'MB' });
    },
  });
  (progress as cliProgress.SingleBar | null)?.stop();
  if (parsed.values.length === 0) throw new AlsError(ErrorCode.EMPTY_DATA, `${file}: no ratings found.`, 'Check --format, --delimiter and the column options.');
  let values: Float32Array = parsed.values;
  if (o.weighting === 'bm25') values = bm25Weight(parsed);
  else if (o.weighting === 'tfidf') values = tfidfWeight(parsed);
  else if (o.weighting === 'log') values = logScale(parsed.values);
  if (parsed.skipped > 0 && !o.json) process.stderr.write(`als-wasm: skipped ${parsed.skipped} malformed line(s), first at line ${parsed.badLines[0]!.line}.\n`);
  return { data: { users: parsed.users, items: parsed.items, values, numUsers: parsed.userMap.size, numItems: parsed.itemMap.size }, parsed };
}

function alsOptions(o: Common): AlsOptions {
  const options: AlsOptions = {
    factors: integerFlag('factors', o.factors),
    iterations: integerFlag('iterations', o.iterations),
    regularization: realFlag('regularization', o.regularization),
    regularizationScaling: o.scaling,
    feedback: o.implicit ? 'implicit' : 'explicit',
    alpha: realFlag('alpha', o.alpha),
    confidence: o.confidence,
    solver: o.solver,
    cgSteps: integerFlag('cg-steps', o.cgSteps),
    biases: o.biases,
    seed: integerFlag('seed', o.seed),
    threads: threadsFlag(o.threads),
    backend: o.backend,
  };
  for (const key of Object.keys(options) as (keyof AlsOptions)[]) if (options[key] === undefined) delete options[key];
  new ALS(options); // validate now: a bad option is a one-line user error before any loading
  return options;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Trains with per-iteration output (a bar, or one JSON line per iteration). */
async function trainVerbose(data: EvalData, options: AlsOptions, o: Common, train: TripleArrays = data) {
  const iterations: IterationInfo[] = [];
  const total = new ALS(options).options.iterations;
  const progress = bar(o, 'training', total);
  const print = out(o.json);
  const model = await new ALS({
    ...options,
    onIteration: (info) => {
      iterations.push(info);
      progress?.update(info.iteration, { unit: `iterations, loss ${info.loss.toFixed(4)}` });
      print.json({ iteration: info.iteration, seconds: info.seconds, loss: info.loss });
      if (!progress) print.line(`iteration ${String(info.iteration).padStart(3)}  loss ${info.loss.toFixed(5)}  ${(info.seconds * 1000).toFixed(1)} ms`);
    },
  }).fit(ratingsOf(train, data.numUsers, data.numItems));
  progress?.stop();
  const summary = {
    iterations: iterations.length,
    secondsPerIteration: median(iterations.map((i) => i.seconds)),
    loss: iterations.at(-1)?.loss ?? NaN,
    threads: model.options.threads,
    backend: model.options.backend,
  };
  return { model, summary };
}

function formatScores(scores: Record<string, number | undefined>): string {
  return Object.entries(scores)
    .map(([k, v]) => `${k} ${v === undefined ? '-' : v.toFixed(4)}`)
    .join('  ');
}

function makeSplit(data: EvalData, timestamps: Float64Array | null, how: string, fraction: number, k: number, seed: number): Split {
  switch (how) {
    case 'random':
      return randomSplit(data, fraction, seed);
    case 'per-user':
      return perUserSplit(data, fraction, { seed });
    case 'leave-k-out':
      return leaveKOut(data, k, { seed, timestamps: timestamps ?? undefined });
    case 'time':
      if (!timestamps) userError('--split time needs a timestamp column.', 'Pass --time-col <name or index> or a format with timestamps.');
      return timeSplit(data, timestamps!, { testFraction: fraction });
    default:
      return userError(`--split must be random, per-user, leave-k-out or time (got '${how}').`);
  }
}

function addCommon(cmd: Command, withData = true): Command {
  if (withData) {
    cmd
      .addOption(new Option('--format <preset>', 'file format preset').choices(Object.keys(PRESETS)))
      .option('--delimiter <d>', "',', 'tab', ';', '|', '::', 'whitespace' or 'auto' (default auto)")
      .option('--header', 'the first line names the columns')
      .option('--no-header', 'there is no header line')
      .option('--user-col <col>', 'user column: name or 0-based index (default 0)')
      .option('--item-col <col>', 'item column (default 1)')
      .option('--value-col <col>', "value column (default 2; 'none': every line is 1)")
      .option('--time-col <col>', 'timestamp column (default none)')
      .option('--skip-bad-lines', 'skip and count malformed lines instead of failing')
      .addOption(new Option('--weighting <w>', 're-weight implicit counts').choices(['bm25', 'tfidf', 'log']));
  }
  return cmd
    .option('--factors <k>', 'latent factors (default 64)')
    .option('--iterations <n>', 'iterations (default 15)')
    .option('--regularization <λ>', 'λ ≥ 0 (default 0.1)')
    .addOption(new Option('--scaling <s>', "regularization scaling (default 'none')").choices(['none', 'count']))
    .option('--implicit', 'implicit feedback (counts, clicks)')
    .option('--alpha <α>', 'implicit confidence α (default 1)')
    .addOption(new Option('--confidence <c>', 'implicit confidence form').choices(['one-plus-alpha', 'alpha']))
    .addOption(new Option('--solver <s>', 'solver').choices(['cholesky', 'cg']))
    .option('--cg-steps <n>', 'CG steps (default 3)')
    .option('--biases', 'explicit: learn μ, b_u, b_i')
    .option('--seed <n>', 'seed (default 0)')
    .option('--threads <n>', "worker threads or 'auto'")
    .addOption(new Option('--backend <b>', 'kernels').choices(['auto', 'wasm', 'js']))
    .option('--k <n>', 'ranking list length for implicit metrics (default 10)')
    .option('--json', 'one JSON object per line');
}

/** What a non-zero exit means; stated in the help and relied on by scripts. */
export const EXIT_CODES = { ok: 0, userError: 1, internalError: 2 } as const;

const HELP_NOTES = `
Numbers: ${NUMBER_FORMS}
Outputs: checked before anything is read or trained (the directory exists, nothing is there
  unless --overwrite), written under a temporary name beside the target and renamed into place.
  --overwrite replaces only an als-wasm .als file, an .npz file or a Spark ALSModel directory
  (metadata/, userFactors/, itemFactors/ and Hadoop side files); anything else is left alone.
Exit codes: 0 ok; 1 a usage error, or an error in the input, options or files (one line
  "als-wasm: CODE: message"); 2 an internal error, a bug (the message and a stack).`;

export function program(): Command {
  const prog = new Command('als-wasm')
    .description('Matrix factorization by Alternating Least Squares (WebAssembly SIMD): train, evaluate, tune, recommend, convert.')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText('afterAll', HELP_NOTES);

  addCommon(prog.command('train <file>').description('train a model on a ratings file'))
    .option('-o, --output <path>', 'save the model: *.als (this library), *.npz (implicit) or, with --to spark, a Spark ALSModel directory')
    .option('--to <format>', 'model format to save: als, spark or npz (default: from the file name, else als)')
    .option('--overwrite', 'replace an existing output, if it is one of ours (see Outputs below)')
    .action(async (file: string, o: Common & { output?: string; to?: string; overwrite?: boolean }) => {
      const options = alsOptions(o);
      if (o.to !== undefined && !o.output) userError('--to names the format of -o, which is not given.', 'Pass -o <path> to save the model.');
      const format = o.output ? modelFormat(o.output, o.to, true) : null;
      if (o.output) await checkModelOutput(o.output, format!, o.overwrite ?? false); // before hours of training, not after
      const { data, parsed } = await load(file, o);
      const print = out(o.json);
      print.line(`${data.values.length} ratings, ${data.numUsers} users × ${data.numItems} items.`);
      const { model, summary } = await trainVerbose(data, options, o);
      if (o.output) await saveModel(withFileIds(model, parsed), o.output, format!, o.overwrite ?? false);
      print.json({ ...summary, ratings: data.values.length, users: data.numUsers, items: data.numItems, output: o.output ?? null });
      print.line(`${summary.iterations} iterations, ${(summary.secondsPerIteration * 1000).toFixed(1)} ms/iteration (median), backend ${summary.backend}, ${summary.threads} thread(s)${o.output ? `, saved to ${o.output} (${format})` : ''}.`);
    });

  withModelInput(prog.command('recommend <model>').description("a user's top-n items from a saved model"))
    .requiredOption('--user <id>', 'the user')
    .option('-n, --n <n>', 'how many (default 10)', '10')
    .option('--include-seen', "also rank the items the user rated (the model must keep them to leave them out)")
    .action(async (path: string, o: ModelInput & { user: string; n: string; includeSeen?: boolean }) => {
      const n = countFlag('n', o.n);
      const model = await openModel(path, o);
      const user = idFor(model, 'user', o.user);
      // Spark and implicit models carry no seen items: everything is ranked (and said so).
      if (!o.includeSeen && !model.seen && !o.json) process.stderr.write('als-wasm: this model does not keep seen items; items the user rated may appear.\n');
      const { items, scores } = model.recommend(user, { n, ...(o.includeSeen && { excludeSeen: false }) });
      printRanking(o.json, { user }, items, scores);
    });

  withModelInput(prog.command('similar <model>').description('the items (or users) most similar to one, by cosine of their factors'))
    .option('--item <id>', 'the item')
    .option('--user <id>', 'or a user')
    .option('-n, --n <n>', 'how many (default 10)', '10')
    .action(async (path: string, o: ModelInput & { item?: string; user?: string; n: string }) => {
      if ((o.item === undefined) === (o.user === undefined)) userError('similar needs exactly one of --item <id> or --user <id>.');
      const n = countFlag('n', o.n);
      const model = await openModel(path, o);
      if (o.item !== undefined) {
        const item = idFor(model, 'item', o.item);
        const { items, scores } = model.similarItems(item, { n });
        printRanking(o.json, { item }, items, scores);
      } else {
        const user = idFor(model, 'user', o.user!);
        const { users, scores } = model.similarUsers(user, { n });
        printRanking(o.json, { user }, users, scores, 'users');
      }
    });

  withModelInput(prog.command('convert <input> <output>').description('convert a model between this format (.als), Spark (a directory) and implicit (.npz)'))
    .option('--to <format>', 'output format: als, spark or npz (default: from the output name)')
    .option('--overwrite', 'replace an existing output, if it is one of ours (see Outputs below)')
    .action(async (input: string, output: string, o: ModelInput & { to?: string; overwrite?: boolean }) => {
      const to = modelFormat(output, o.to, true);
      await checkModelOutput(output, to, o.overwrite ?? false);
      const model = await openModel(input, o);
      await saveModel(model, output, to, o.overwrite ?? false);
      out(o.json).json({ input, output, to, users: model.numUsers, items: model.numItems, factors: model.factors });
      out(o.json).line(`${input} → ${output} (${to}): ${model.numUsers} users × ${model.numItems} items, k = ${model.factors}.`);
    });

  addCommon(prog.command('eval <file>').description('hold out a test set, train, and score the model against the baseline'))
    .addOption(new Option('--split <how>', 'how to hold out the test set (default per-user)').choices(['random', 'per-user', 'leave-k-out', 'time']).default('per-user'))
    .option('--test-fraction <f>', 'test share (default 0.2)', '0.2')
    .option('--leave <k>', 'k of leave-k-out (default 1)', '1')
    .action(async (file: string, o: Common & { split: string; testFraction: string; leave: string }) => {
      const options = alsOptions(o);
      const testFraction = realFlag('test-fraction', o.testFraction)!;
      const leave = integerFlag('leave', o.leave)!;
      const evalOptions = { k: integerFlag('k', o.k) };
      const { data, parsed } = await load(file, o);
      const split = makeSplit(data, parsed.timestamps, o.split, testFraction, leave, options.seed ?? 0);
      const { model, summary } = await trainVerbose(data, options, o, split.train);
      const scores = evaluateModel(model, split, evalOptions);
      const baseline = evaluateBaseline(model.options.feedback, split, data.numUsers, data.numItems, evalOptions);
      out(o.json).json({ ...summary, split: o.split, train: split.train.values.length, test: split.test.values.length, metrics: scores, baseline });
      out(o.json).line(`model:    ${formatScores(scores)}\nbaseline: ${formatScores(baseline)} (${model.options.feedback === 'explicit' ? 'bias-only' : 'popularity'})`);
    });

  addCommon(prog.command('cv <file>').description('k-fold cross-validation against the baseline'))
    .option('--folds <n>', 'folds (default 5)', '5')
    .action(async (file: string, o: Common & { folds: string }) => {
      const options = alsOptions(o);
      const folds = integerFlag('folds', o.folds)!;
      const k = integerFlag('k', o.k);
      const { data } = await load(file, o);
      const progress = bar(o, 'folds', folds);
      const result = await crossValidate(data, options, {
        folds,
        seed: options.seed ?? 0,
        k,
        onFold: (fold, f) => {
          progress?.update(f + 1, { unit: 'folds' });
          out(o.json).json({ fold: f + 1, seconds: fold.seconds, metrics: fold.scores, baseline: fold.baseline });
        },
      });
      progress?.stop();
      out(o.json).json({ folds, seconds: result.seconds, metrics: result.mean, std: result.std, baseline: result.baseline });
      out(o.json).line(`${folds}-fold CV (${result.seconds.toFixed(1)} s)\nmodel:    ${formatScores(result.mean)}\nbaseline: ${formatScores(result.baseline ?? {})}`);
    });

  addCommon(prog.command('tune <file>').description('grid or random search with k-fold CV and early stopping'))
    .option('--grid-factors <list>', 'factors to try, e.g. 16,32,64')
    .option('--grid-regularization <list>', 'λ values to try, e.g. 0.01,0.1,1')
    .option('--grid-alpha <list>', 'α values to try (implicit)')
    .option('--folds <n>', 'folds (default 5)', '5')
    .addOption(new Option('--strategy <s>', 'search strategy (default grid)').choices(['grid', 'random']).default('grid'))
    .option('--trials <n>', 'random search: candidates (default 10)', '10')
    .option('--metric <m>', 'metric to optimize (default rmse / ndcg)')
    .option('--patience <n>', 'early stopping: evaluations without improvement (default 2)', '2')
    .option('--eval-every <n>', 'early stopping: evaluate every n iterations (default 1)', '1')
    .action(async (file: string, o: Common & { gridFactors?: string; gridRegularization?: string; gridAlpha?: string; folds: string; strategy: string; trials: string; metric?: string; patience: string; evalEvery: string }) => {
      const base = alsOptions(o);
      const space: SearchSpace = {};
      if (o.gridFactors !== undefined) space.factors = listFlag('grid-factors', o.gridFactors, 'integer')!;
      if (o.gridRegularization !== undefined) space.regularization = listFlag('grid-regularization', o.gridRegularization, 'real')!;
      if (o.gridAlpha !== undefined) space.alpha = listFlag('grid-alpha', o.gridAlpha, 'real')!;
      if (Object.keys(space).length === 0) userError('Nothing to search.', 'Pass --grid-factors, --grid-regularization and/or --grid-alpha as comma-separated lists.');
      const search = {
        folds: integerFlag('folds', o.folds),
        trials: integerFlag('trials', o.trials),
        k: integerFlag('k', o.k),
        earlyStopping: { patience: integerFlag('patience', o.patience), evalEvery: integerFlag('eval-every', o.evalEvery) },
      };
      const { data } = await load(file, o);
      const print = out(o.json);
      const result = await tune(data, {
        base,
        space,
        ...search,
        seed: base.seed ?? 0,
        strategy: o.strategy as 'grid' | 'random',
        metric: o.metric as MetricName | undefined,
        onTrial: (row, c, total) => {
          print.json({ trial: c + 1, of: total, options: row.options, iterations: row.iterations, seconds: row.seconds, metrics: row.scores });
          print.line(`[${c + 1}/${total}] ${JSON.stringify(row.options)} → ${formatScores(row.scores)} (${row.iterations.toFixed(1)} iterations, ${row.seconds.toFixed(1)} s)`);
        },
      });
      print.json({ metric: result.metric, best: result.best, metrics: result.bestScores, baseline: result.baseline, seconds: result.seconds });
      print.line(`best by ${result.metric}: ${JSON.stringify(result.best)}\n  ${formatScores(result.bestScores)}\nbaseline: ${formatScores(result.baseline ?? {})}\nsearch took ${result.seconds.toFixed(1)} s`);
    });

  prog
    .command('demo')
    .description('train on the built-in synthetic data set and compare with the bias-only baseline')
    .option('--threads <n>', "worker threads or 'auto'")
    .option('--json', 'one JSON object per line')
    .action(async (o: { threads?: string; json?: boolean }) => {
      const threads = threadsFlag(o.threads);
      const result = await runDemo(o.json ? () => {} : console.log, {
        threads,
        onIteration: (i) => out(o.json).json({ iteration: i.iteration, seconds: i.seconds, loss: i.loss }),
      });
      out(o.json).json({ secondsPerIteration: median(result.iterations.map((i) => i.seconds)), threads: result.threads, backend: result.backend, metrics: { rmse: result.alsRmse }, baseline: { rmse: result.baselineRmse } });
    });

  addCommon(prog.command('bench').description('seconds per iteration on the built-in synthetic data set'), false)
    .option('--users <n>', 'users (default 20000)', '20000')
    .option('--items <n>', 'items (default 10000)', '10000')
    .option('--nnz <n>', 'ratings (default 1000000)', '1000000')
    .action(async (o: Common & { users: string; items: string; nnz: string }) => {
      const options = alsOptions({ iterations: '5', factors: '32', ...o });
      const s = syntheticRatings({ numUsers: integerFlag('users', o.users), numItems: integerFlag('items', o.items), nnz: integerFlag('nnz', o.nnz), seed: 1 });
      out(o.json).line(`synthetic: ${s.numUsers} users × ${s.numItems} items, ${s.values.length} ratings`);
      const { summary } = await trainVerbose({ ...s }, options, o);
      out(o.json).json({ ...summary, ratings: s.values.length, factors: options.factors });
      out(o.json).line(`${(summary.secondsPerIteration * 1000).toFixed(1)} ms/iteration (median of ${summary.iterations}), backend ${summary.backend}, ${summary.threads} thread(s)`);
    });

  return prog;
}

interface ModelInput {
  from?: string;
  regParam?: string;
  implicitPrefs?: boolean;
  alpha?: string;
  json?: boolean;
}

/** Options of commands that read a saved model. */
function withModelInput(cmd: Command): Command {
  return cmd
    .option('--from <format>', 'model format: als, spark or npz (default: a directory is spark, *.npz is npz, else als)')
    .option('--reg-param <λ>', 'Spark models: the regParam they were trained with, for fold-in (default 0.1)')
    .option('--implicit-prefs', 'Spark models: trained with implicitPrefs')
    .option('--alpha <α>', 'Spark models: the alpha they were trained with (default 1)')
    .option('--json', 'print one JSON object');
}

async function openModel(path: string, o: ModelInput): Promise<ALSModel> {
  return loadModel(path, modelFormat(path, o.from, false), { regParam: realFlag('reg-param', o.regParam), implicitPrefs: o.implicitPrefs, alpha: realFlag('alpha', o.alpha) });
}

function printRanking(json: boolean | undefined, query: Record<string, unknown>, ids: unknown[], scores: Float32Array, what = 'items'): void {
  out(json).json({ ...query, [what]: ids, scores: Array.from(scores) });
  ids.forEach((id, r) => out(json).line(`${String(r + 1).padStart(3)}  ${String(id).padEnd(16)} ${scores[r]!.toFixed(4)}`));
  if (ids.length === 0) out(json).line(`(no ${what})`);
}

/**
 * The trained model keyed by the file's own IDs (training ran on dense indices). A file whose
 * IDs are partly numeric ('1', 'ann') keeps them all as strings: a model file holds one kind.
 */
function withFileIds(model: ALSModel, parsed: ParsedTriples): ALSModel {
  const oneKind = (map: IdMap) => {
    const ids = map.ids();
    return ids.some((id) => typeof id === 'string') && ids.some((id) => typeof id === 'number') ? IdMap.fromIds(ids.map(String)) : map;
  };
  return new ALSModel({
    users: oneKind(parsed.userMap), items: oneKind(parsed.itemMap), factors: model.factors,
    userFactors: model.userFactors, itemFactors: model.itemFactors, userBiases: model.userBiases, itemBiases: model.itemBiases,
    globalMean: model.globalMean, options: model.options, seen: model.seen,
  });
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed.
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.help' ? EXIT_CODES.ok : EXIT_CODES.userError;
    }
    if (isAlsError(error)) {
      // The message is written for the user; a stack would only bury it.
      process.stderr.write(`als-wasm: ${error.code}: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
      return EXIT_CODES.userError;
    }
    process.stderr.write(`als-wasm: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_CODES.internalError;
  }
}

/** An AlsError, also one from another copy of the package (a worker's, a second install). */
function isAlsError(error: unknown): error is AlsError {
  return error instanceof AlsError || (error instanceof Error && error.name === 'AlsError' && typeof (error as { code?: unknown }).code === 'string');
}

function invokedDirectly(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  process.exitCode = await main(process.argv.slice(2));
}

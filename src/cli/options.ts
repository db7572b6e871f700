/**
 * The options most commands share: how to read a ratings file, how to train, how to open a
 * saved model. Defaults shown in the help are read from the library (ALS's resolved options),
 * so the help cannot drift from what training does; a default commander fills in itself it
 * prints as "(default: …)", and no description repeats it.
 */
import { type Command, Option } from 'commander';
import { AlsError, ErrorCode } from '../errors.js';
import { ALS } from '../train/als.js';
import type { AlsOptions, ResolvedOptions, SolverName } from '../train/options.js';
import { PRESETS, type PresetName } from '../data/loaders/presets.js';
import type { DuplicatePolicy } from '../data/sparse.js';
import type { ALSModel } from '../model/model.js';
import { loadModel, modelFormat } from './models.js';
import { integerFlag, realFlag, threadsFlag } from './numbers.js';

export const userError = (message: string, hint?: string): never => {
  throw new AlsError(ErrorCode.INVALID_OPTION, message, hint);
};

/** Options of the commands that read a ratings file and train. */
export interface Common {
  json?: boolean;
  format?: PresetName;
  delimiter?: string;
  header?: boolean;
  userCol?: string;
  itemCol?: string;
  valueCol?: string;
  timeCol?: string;
  skipBadLines?: boolean;
  duplicates?: DuplicatePolicy;
  weighting?: 'bm25' | 'tfidf' | 'log';
  factors?: string;
  iterations?: string;
  regularization?: string;
  scaling?: 'none' | 'count';
  implicit?: boolean;
  explicit?: boolean;
  alpha?: string;
  confidence?: 'one-plus-alpha' | 'alpha';
  solver?: SolverName;
  cgSteps?: string;
  blockSize?: string;
  samples?: string;
  burnIn?: string;
  unobservedWeight?: string;
  regularizationExponent?: string;
  initStd?: string;
  biases?: boolean;
  seed?: string;
  threads?: string;
  backend?: 'auto' | 'wasm' | 'js';
  k?: string;
}

/** How to read a ratings file; `pairsOnly`: a file of (user, item) pairs, whose other columns are not read. */
export function addDataOptions(cmd: Command, pairsOnly = false): Command {
  cmd
    .addOption(new Option('--format <preset>', 'file format preset (lastfm: implicit feedback)').choices(Object.keys(PRESETS)))
    .option('--delimiter <d>', "',', 'tab', ';', '|', '::', 'whitespace' or 'auto' (default: auto)")
    .option('--header', 'the first line names the columns')
    .option('--no-header', 'there is no header line')
    .option('--user-col <col>', 'user column: name or 0-based index (default: 0)')
    .option('--item-col <col>', 'item column (default: 1)');
  if (!pairsOnly) {
    cmd
      .option('--value-col <col>', "value column (default: 2; 'none': every line is 1)")
      .option('--time-col <col>', 'timestamp column (default: none)');
  }
  return cmd.option('--skip-bad-lines', 'skip and count malformed lines instead of failing');
}

/** What a repeated (user, item) pair means, and how implicit counts are re-weighted. */
export function addRatingOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--duplicates <policy>',
        "a repeated (user, item) pair: 'sum' its values, keep the 'last', or stop with an 'error'",
      )
        .choices(['sum', 'last', 'error'])
        .default('error', 'error'),
    )
    .addOption(new Option('--weighting <w>', 're-weight implicit counts').choices(['bm25', 'tfidf', 'log']));
}

/** The defaults a command trains with where a flag is not given (bench has its own). */
export type TrainingDefaults = Partial<Pick<ResolvedOptions, 'factors' | 'iterations'>>;

/** Hyperparameters and how to train, with the defaults `defaults` overrides shown as such. */
export function addTrainingOptions(cmd: Command, defaults: TrainingDefaults = {}): Command {
  const explicit = { ...new ALS({ feedback: 'explicit' }).options, ...defaults };
  const implicit = { ...new ALS({ feedback: 'implicit' }).options, ...defaults };
  const byKind = <T>(pick: (o: ResolvedOptions) => T, show: (v: T) => string = String) =>
    pick(explicit) === pick(implicit)
      ? show(pick(explicit))
      : `${show(pick(explicit))} explicit, ${show(pick(implicit))} implicit`;
  return (
    cmd
      .option('--factors <k>', `latent factors (default: ${byKind((o) => o.factors)})`)
      .option('--iterations <n>', `iterations, ≥ 1 (default: ${byKind((o) => o.iterations)})`)
      .option('--regularization <λ>', `λ ≥ 0 (default: ${regularizationDefaults(defaults)})`)
      .addOption(
        new Option(
          '--scaling <s>',
          `regularization scaling: λ as given, or λ × the row's count (default: ${byKind((o) => o.regularizationScaling)})`,
        ).choices(['none', 'count']),
      )
      .option('--implicit', 'implicit feedback (counts, clicks, plays)')
      .option('--explicit', 'explicit ratings, also for a format preset of implicit data')
      .option('--alpha <α>', `implicit: confidence α (default: ${implicit.alpha})`)
      .addOption(
        new Option('--confidence <c>', `implicit: confidence form (default: ${implicit.confidence})`).choices([
          'one-plus-alpha',
          'alpha',
        ]),
      )
      .option(
        '--regularization-exponent <ν>',
        `ν ≥ 0: λ × (row's count + α₀ × rows of the other side)^ν (default: ${exponentDefaults()})`,
      )
      .option(
        '--unobserved-weight <α₀>',
        "implicit: train Rendle et al.'s iALS loss, α₀ > 0 weighting every unobserved pair, instead of --alpha/--confidence (default: none)",
      )
      // Not commander's .choices: the library refuses a misspelling with a "did you mean" hint.
      .option(
        '--solver <s>',
        `${SOLVERS.join(', ')}: exact, conjugate gradient, iALS++ blocks, Bayesian sampling (explicit only) (default: ${byKind((o) => o.solver)})`,
      )
      .option('--cg-steps <n>', `cg: CG steps (default: ${explicit.cgSteps})`)
      .option('--block-size <n>', `subspace: factors per block (default: ${explicit.blockSize})`)
      .option(
        '--samples <n>',
        `gibbs: posterior samples averaged; burn-in + samples iterations, not --iterations (default: ${explicit.samples})`,
      )
      .option('--burn-in <n>', `gibbs: samples drawn first and discarded (default: ${explicit.burnIn})`)
      .option(
        '--init-std <σ>',
        'σ > 0: starting factors drawn from normal(0, σ/√k) (default: unit-length rows; 0.1 with --solver subspace)',
      )
      .option('--biases', `explicit: learn μ, b_u, b_i (default: ${explicit.biases ? 'on' : 'off'})`)
      .option('--no-biases', 'explicit: no biases')
      .option('--seed <n>', `seed of the starting factors (default: ${explicit.seed})`)
      .option('--threads <n>', `worker threads or 'auto' (default: ${explicit.threads})`)
      .addOption(new Option('--backend <b>', `kernels (default: ${explicit.backend})`).choices(['auto', 'wasm', 'js']))
      .option('--k <n>', 'ranking list length for implicit metrics (default: 10)')
      .option('--json', 'one JSON object per line')
  );
}

/** The solvers --solver names, in the library's order (its resolveOptions checks the value). */
const SOLVERS: readonly SolverName[] = ['cholesky', 'cg', 'subspace', 'gibbs'];

/** ν's default follows --scaling: "0 (1 with --scaling count)". */
function exponentDefaults(): string {
  const none = new ALS({ regularizationScaling: 'none' }).options.regularizationExponent;
  const count = new ALS({ regularizationScaling: 'count' }).options.regularizationExponent;
  return `${none} (${count} with --scaling count)`;
}

/**
 * λ's default per feedback kind, and under the other scaling where that changes it (a λ meant
 * for λ × count is far smaller than one added as it is): "10 explicit (0.1 with --scaling
 * count), 0.1 implicit".
 */
function regularizationDefaults(defaults: TrainingDefaults): string {
  const text = (feedback: 'explicit' | 'implicit') => {
    const resolved = new ALS({ ...defaults, feedback }).options;
    const other = resolved.regularizationScaling === 'none' ? 'count' : 'none';
    const scaled = new ALS({ ...defaults, feedback, regularizationScaling: other }).options.regularization;
    return `${resolved.regularization}${scaled !== resolved.regularization ? ` (${scaled} with --scaling ${other})` : ''}`;
  };
  const explicit = text('explicit');
  const implicit = text('implicit');
  return explicit === implicit ? explicit : `${explicit} explicit, ${implicit} implicit`;
}

/** Explicit or implicit: --implicit / --explicit, else what the format preset's data is, else explicit. */
export function feedbackOf(o: Pick<Common, 'implicit' | 'explicit' | 'format'>): 'explicit' | 'implicit' {
  if (o.implicit && o.explicit) userError('--implicit and --explicit contradict each other.', 'Pass one of them.');
  if (o.implicit) return 'implicit';
  if (o.explicit) return 'explicit';
  return (o.format !== undefined && PRESETS[o.format]?.feedback) || 'explicit';
}

/** The ALS options of the flags, checked now: a bad option is a one-line error before any loading. */
export function alsOptions(o: Common, defaults: TrainingDefaults = {}): AlsOptions {
  const feedback = feedbackOf(o);
  const alpha = realFlag('alpha', o.alpha); // its written form is checked first, as every number's
  const iterations = integerFlag('iterations', o.iterations) ?? defaults.iterations;
  if (iterations === 0)
    userError(
      '--iterations must be at least 1 (got 0).',
      'Every iteration updates all users, then all items; 0 would leave the random starting factors.',
    );
  if (feedback === 'explicit') {
    for (const [flag, given] of [
      ['--alpha', o.alpha],
      ['--confidence', o.confidence],
    ] as const) {
      if (given !== undefined)
        userError(
          `${flag} applies to implicit feedback only; these ratings are trained as explicit.`,
          `Add --implicit to train on them as implicit feedback, or leave out ${flag}.`,
        );
    }
  } else if (o.biases) {
    const why = o.implicit ? '--implicit' : `--format ${o.format}`;
    userError(
      `--biases applies to explicit ratings only; ${why} trains implicit feedback.`,
      o.implicit ? 'Leave out --biases or --implicit.' : 'Pass --explicit to train the values as ratings, or leave out --biases.',
    );
  }
  const options: AlsOptions = {
    factors: integerFlag('factors', o.factors) ?? defaults.factors,
    iterations,
    regularization: realFlag('regularization', o.regularization),
    regularizationScaling: o.scaling,
    regularizationExponent: realFlag('regularization-exponent', o.regularizationExponent),
    feedback,
    alpha,
    confidence: o.confidence,
    unobservedWeight: realFlag('unobserved-weight', o.unobservedWeight),
    solver: o.solver,
    cgSteps: integerFlag('cg-steps', o.cgSteps),
    blockSize: integerFlag('block-size', o.blockSize),
    samples: integerFlag('samples', o.samples),
    burnIn: integerFlag('burn-in', o.burnIn),
    biases: feedback === 'explicit' ? o.biases : undefined,
    seed: integerFlag('seed', o.seed),
    initStd: realFlag('init-std', o.initStd),
    threads: threadsFlag(o.threads),
    backend: o.backend,
  };
  for (const key of Object.keys(options) as (keyof AlsOptions)[]) if (options[key] === undefined) delete options[key];
  new ALS(options); // validates now
  return options;
}

/** Options of commands that read a saved model. */
export interface ModelInput {
  from?: string;
  regParam?: string;
  implicitPrefs?: boolean;
  alpha?: string;
  json?: boolean;
}

export function withModelInput(cmd: Command, json = true): Command {
  cmd
    .option('--from <format>', 'model format: als, spark or npz (default: a directory is spark, *.npz is npz, else als)')
    .option('--reg-param <λ>', 'Spark models: the regParam they were trained with, for fold-in (default: 0.1)')
    .option('--implicit-prefs', 'Spark models: trained with implicitPrefs')
    .option('--alpha <α>', 'Spark models: the alpha they were trained with (default: 1)');
  return json ? cmd.option('--json', 'print JSON') : cmd;
}

export async function openModel(path: string, o: ModelInput): Promise<ALSModel> {
  return loadModel(path, modelFormat(path, o.from, false), {
    regParam: realFlag('reg-param', o.regParam),
    implicitPrefs: o.implicitPrefs,
    alpha: realFlag('alpha', o.alpha),
  });
}

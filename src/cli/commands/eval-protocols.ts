/**
 * `als-wasm eval --protocol ncf|strong-generalization`: the literature's evaluation protocols
 * (src/eval/protocols/), each scoring the trained model and the popularity baseline.
 */
import type { Command } from 'commander';
import { ncfMetrics, ncfSplit, type NcfMetrics } from '../../eval/protocols/ncf.js';
import {
  popularityFoldIn,
  strongGeneralizationMetrics,
  strongGeneralizationSplit,
  type StrongGeneralizationMetrics,
} from '../../eval/protocols/strong-generalization.js';
import { popularityScorer } from '../../eval/scoring.js';
import type { AlsOptions } from '../../train/options.js';
import { oneOf } from '../../validate.js';
import type { Loaded } from '../data.js';
import { integerFlag, realFlag } from '../numbers.js';
import { userError, type Common } from '../options.js';
import { formatScores, out } from '../output.js';
import { progressCallback } from '../progress.js';
import { trainVerbose } from '../training.js';

export const PROTOCOLS = ['ncf', 'strong-generalization'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];

export type ProtocolFlags = Common & { protocol?: string; negatives?: string; heldOut?: string; heldOutUsers?: string };

/** Flags that belong to one protocol, to refuse them under another. */
const OWN_FLAGS: Record<string, ProtocolName> = {
  negatives: 'ncf',
  heldOut: 'ncf',
  heldOutUsers: 'strong-generalization',
};

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * The protocol named by --protocol (undefined without it), checked with its flags before any
 * loading: an unknown name gets a "did you mean", and a flag of another protocol (or of the
 * plain split) is refused.
 */
export function protocolOf(o: ProtocolFlags, cmd: Command): ProtocolName | undefined {
  const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
  const protocol = o.protocol === undefined ? undefined : oneOf('--protocol', o.protocol, PROTOCOLS);
  for (const [key, owner] of Object.entries(OWN_FLAGS)) {
    if (given(key) && owner !== protocol)
      userError(
        `${flagName(key)} applies to --protocol ${owner} only.`,
        `Add --protocol ${owner}, or leave out ${flagName(key)}.`,
      );
  }
  if (protocol === undefined) return undefined;
  const splitFlags = ['split', 'testFraction', 'leave', 'test'].filter(given);
  if (splitFlags.length > 0)
    userError(
      `--protocol ${protocol} makes its own split, so ${splitFlags.map(flagName).join(' and ')} cannot apply.`,
      'Leave out the split options, or --protocol to hold out a split of your choice.',
    );
  if (protocol === 'strong-generalization' && given('k'))
    userError(
      '--k does not apply to --protocol strong-generalization: it reports Recall@20, Recall@50 and NDCG@100, as Liang et al.',
      'Leave out --k.',
    );
  // Numbers are checked now, before the file is read.
  if (o.negatives !== undefined && !(integerFlag('negatives', o.negatives)! >= 1))
    userError(`--negatives must be at least 1 (got ${o.negatives}).`, 'He et al. sample 99.');
  if (o.heldOutUsers !== undefined) heldOutUsersOf(o.heldOutUsers);
  return protocol;
}

function heldOutUsersOf(text: string): number {
  const n = realFlag('held-out-users', text)!;
  if (!(n > 0 && (n < 1 || Number.isInteger(n))))
    userError(
      `--held-out-users must be a whole number of users ≥ 1 or a share in (0, 1) (got ${text}).`,
      'For example 100, or 0.1 for 10% of the users in each of validation and test.',
    );
  return n;
}

/** Splits by the protocol, trains on its training part, and prints the model's and the baseline's metrics. */
export async function runProtocol(protocol: ProtocolName, loaded: Loaded, options: AlsOptions, o: ProtocolFlags): Promise<void> {
  if (protocol === 'ncf') await runNcf(loaded, options, o);
  else await runStrongGeneralization(loaded, options, o);
}

async function runNcf({ data, timestamps }: Loaded, options: AlsOptions, o: ProtocolFlags): Promise<void> {
  const k = integerFlag('k', o.k) ?? 10;
  const split = ncfSplit(data, {
    seed: options.seed ?? 0,
    negatives: integerFlag('negatives', o.negatives) ?? 99,
    // The library checks the name (with a did-you-mean).
    ...(o.heldOut !== undefined && { heldOut: o.heldOut as 'last' | 'random' }),
    numItems: data.numItems,
    ...(timestamps && { timestamps }),
  });
  if (split.test.users.length === 0) userError('No user has 2 or more interactions: the NCF protocol has nothing to hold out.');
  const { model, summary } = await trainVerbose(data, options, o, split.train);
  const metrics = ncfMetrics(model, split, { k });
  const baseline = ncfMetrics(popularityScorer(split.train, data.numItems), split, { k });
  const named = (m: NcfMetrics) => ({ [`hr@${k}`]: m.hitRate, [`ndcg@${k}`]: m.ndcg });
  out(o.json).json({
    ...summary,
    protocol: 'ncf',
    heldOutBy: split.heldOutBy,
    negatives: split.test.negativesPerUser,
    train: split.train.values.length,
    users: metrics.users,
    usersTooFew: split.usersTooFew,
    metrics: named(metrics),
    baseline: named(baseline),
  });
  out(o.json).line(
    `NCF protocol: ${metrics.users} users, ${split.heldOutBy === 'random' ? 'a random interaction' : `last interaction by ${split.heldOutBy}`} among ${split.test.negativesPerUser} sampled negatives\n` +
      `model:    ${formatScores(named(metrics))}\nbaseline: ${formatScores(named(baseline))} (popularity)`,
  );
}

async function runStrongGeneralization({ data }: Loaded, options: AlsOptions, o: ProtocolFlags): Promise<void> {
  const split = strongGeneralizationSplit(data, {
    seed: options.seed ?? 0,
    numItems: data.numItems,
    ...(o.heldOutUsers !== undefined && { heldOutUsers: heldOutUsersOf(o.heldOutUsers) }),
  });
  const { model, summary } = await trainVerbose(data, options, o, split.train);
  const baselineScorer = popularityFoldIn(split.train, data.numItems);
  const named = (m: StrongGeneralizationMetrics) => ({
    'recall@20': m.recall[20]!,
    'recall@50': m.recall[50]!,
    'ndcg@100': m.ndcg[100]!,
  });
  const test = strongGeneralizationMetrics(model, split.test, { onProgress: progressCallback(o, 'test users', 'users') });
  const validation = strongGeneralizationMetrics(model, split.validation, {
    onProgress: progressCallback(o, 'validation users', 'users'),
  });
  const baseline = strongGeneralizationMetrics(baselineScorer, split.test);
  const baselineValidation = strongGeneralizationMetrics(baselineScorer, split.validation);
  out(o.json).json({
    ...summary,
    protocol: 'strong-generalization',
    trainUsers: new Set(split.train.users).size,
    validationUsers: validation.users,
    testUsers: test.users,
    train: split.train.values.length,
    metrics: named(test),
    baseline: named(baseline),
    validation: { metrics: named(validation), baseline: named(baselineValidation) },
  });
  out(o.json).line(
    `strong generalization: ${test.users} test users, ${validation.users} validation users, 80% of each folded in\n` +
      `test        model:    ${formatScores(named(test))}\n` +
      `            baseline: ${formatScores(named(baseline))} (popularity)\n` +
      `validation  model:    ${formatScores(named(validation))}\n` +
      `            baseline: ${formatScores(named(baselineValidation))} (popularity)`,
  );
}

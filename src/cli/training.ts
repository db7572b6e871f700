/** Training from the command line: per-iteration output, and the model keyed by the file's IDs. */
import { ALS } from '../train/als.js';
import type { AlsOptions, IterationInfo } from '../train/options.js';
import { IdMap } from '../data/id-map.js';
import type { ParsedTriples } from '../data/loaders/parse.js';
import { ratingsOf, type EvalData } from '../eval/tune.js';
import type { TripleArrays } from '../eval/split.js';
import type { ALSModel } from '../model/model.js';
import type { Ratings } from '../data/ratings.js';
import { looksLikeCounts } from './data.js';
import type { Common } from './options.js';
import { out } from './output.js';
import { Progress } from './progress.js';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * Trains on `train` (dense indices within `data`'s shape) with per-iteration output (a bar, or
 * one JSON line per iteration); the model is keyed by dense indices.
 */
export async function trainVerbose(data: EvalData, options: AlsOptions, o: Common, train: TripleArrays = data) {
  return fitVerbose(ratingsOf(train, data.numUsers, data.numItems), options, o);
}

/** Fits `ratings` with per-iteration output; the summary has the median seconds per iteration. */
export async function fitVerbose(ratings: Ratings, options: AlsOptions, o: Common) {
  const iterations: IterationInfo[] = [];
  const resolved = new ALS(options).options;
  // Gibbs sampling draws burn-in and kept samples, one iteration each; it ignores iterations.
  const total = resolved.solver === 'gibbs' ? resolved.burnIn + resolved.samples : resolved.iterations;
  const progress = Progress.start(o, 'training', total, 'iterations');
  const print = out(o.json);
  let model: ALSModel;
  try {
    model = await new ALS({
      ...options,
      onIteration: (info) => {
        iterations.push(info);
        progress?.update(info.iteration, `, loss ${info.loss.toFixed(4)}`);
        print.json({ iteration: info.iteration, seconds: info.seconds, loss: info.loss });
        if (!progress)
          print.line(
            `iteration ${String(info.iteration).padStart(3)}  loss ${info.loss.toFixed(5)}  ${(info.seconds * 1000).toFixed(1)} ms`,
          );
      },
    }).fit(ratings);
  } finally {
    progress?.stop();
  }
  const summary = {
    iterations: iterations.length,
    secondsPerIteration: median(iterations.map((i) => i.seconds)),
    loss: iterations.at(-1)?.loss ?? NaN,
    threads: model.options.threads,
    backend: model.options.backend,
  };
  return { model, summary };
}

/**
 * One warning when explicit ALS is about to fit values that are counts (see looksLikeCounts):
 * it would fit the counts themselves, and a user who meant implicit feedback learns why the
 * model is poor before waiting for it.
 */
export function warnIfCounts(options: AlsOptions, values: ArrayLike<number>): void {
  if (options.feedback !== 'explicit') return;
  const max = looksLikeCounts(values);
  if (max === null) return;
  process.stderr.write(
    `als-wasm: warning: the values look like counts (whole numbers from 1 to ${max}), not ratings; explicit ALS fits them as ratings. Pass --implicit to train them as implicit feedback.\n`,
  );
}

/**
 * The file's ID maps, as a model file can hold them: a side whose IDs are partly numeric
 * ('1', 'ann') keeps them all as strings, in the same order (so the dense indices stay).
 */
export function fileIds(parsed: ParsedTriples): { users: IdMap; items: IdMap } {
  const oneKind = (map: IdMap) => {
    const ids = map.ids();
    return ids.some((id) => typeof id === 'string') && ids.some((id) => typeof id === 'number')
      ? IdMap.fromIds(ids.map(String))
      : map.clone();
  };
  return { users: oneKind(parsed.userMap), items: oneKind(parsed.itemMap) };
}

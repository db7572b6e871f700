/** `als-wasm train`: train on a ratings file, optionally save the model. */
import type { Command } from 'commander';
import { checkModelOutput, modelFormat, saveModel } from '../models.js';
import { addDataOptions, addRatingOptions, addTrainingOptions, alsOptions, userError, type Common } from '../options.js';
import { load } from '../data.js';
import { out } from '../output.js';
import { Ratings } from '../../data/ratings.js';
import type { AlsOptions } from '../../train/options.js';
import { collectDroppedArrays } from '../memory.js';
import { fileIds, fitVerbose, warnIfCounts } from '../training.js';

export function registerTrain(prog: Command): void {
  addTrainingOptions(
    addRatingOptions(addDataOptions(prog.command('train <file>').description('train a model on a ratings file'))),
  )
    .option(
      '-o, --output <path>',
      'save the model: *.als (this library), *.npz (implicit) or, with --to spark, a Spark ALSModel directory',
    )
    .option('--to <format>', 'model format to save: als, spark or npz (default: from the file name, else als)')
    .option('--overwrite', 'replace an existing output, if it is one of ours (see Outputs below)')
    .action(async (file: string, o: Common & { output?: string; to?: string; overwrite?: boolean }) => {
      const options = alsOptions(o);
      if (o.to !== undefined && !o.output)
        userError('--to names the format of -o, which is not given.', 'Pass -o <path> to save the model.');
      const format = o.output ? modelFormat(o.output, o.to, true) : null;
      if (o.output) await checkModelOutput(o.output, format!, o.overwrite ?? false); // before hours of training, not after
      const { ratings, shape } = await ratingsOfFile(file, o, options);
      // The file's triples are garbage now; return them before the fit rather than hold them through it.
      collectDroppedArrays();
      const print = out(o.json);
      print.line(`${shape.ratings} ratings, ${shape.users} users × ${shape.items} items, ${options.feedback} feedback.`);
      const { model, summary } = await fitVerbose(ratings, options, o);
      if (o.output) await saveModel(model, o.output, format!, o.overwrite ?? false);
      print.json({
        ...summary,
        ...shape,
        output: o.output ?? null,
      });
      print.line(
        `${summary.iterations} iterations, ${(summary.secondsPerIteration * 1000).toFixed(1)} ms/iteration (median), backend ${summary.backend}, ${summary.threads} thread(s)${o.output ? `, saved to ${o.output} (${format})` : ''}.`,
      );
    });
}

/**
 * The file as a Ratings keyed by the file's IDs, and its shape. The parsed triples stay inside
 * this function, so nothing holds them once it returns.
 */
async function ratingsOfFile(file: string, o: Common, options: AlsOptions) {
  const { data, parsed } = await load(file, o);
  warnIfCounts(options, parsed.values);
  const ids = fileIds(parsed);
  const ratings = Ratings.fromIndices(ids.users, ids.items, data.users, data.items, data.values, 'error');
  return { ratings, shape: { ratings: data.values.length, users: data.numUsers, items: data.numItems } };
}

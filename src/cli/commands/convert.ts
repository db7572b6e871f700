/** `als-wasm convert`: a model between this library's .als, Spark's directory and implicit's .npz. */
import type { Command } from 'commander';
import { checkModelOutput, modelFormat, saveModel } from '../models.js';
import { openModel, withModelInput, type ModelInput } from '../options.js';
import { out } from '../output.js';

export function registerConvert(prog: Command): void {
  withModelInput(
    prog
      .command('convert <input> <output>')
      .description('convert a model between this format (.als), Spark (a directory) and implicit (.npz)'),
  )
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
}

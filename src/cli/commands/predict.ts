/**
 * `als-wasm predict <model> <pairs>`: the model's prediction for every (user, item) line of a
 * file, as CSV `user,item,prediction` (LibMF's mf-predict, Spark's transform). Only the user
 * and item columns are read, so a test file with ratings (LibMF's .te, MovieLens u1.test)
 * works as it is. Pairs the model cannot score follow --cold-start: NaN (Spark's default),
 * the bias part (μ + the known biases), or left out.
 */
import { Option, type Command } from 'commander';
import type { Id } from '../../data/id-map.js';
import type { ALSModel } from '../../model/model.js';
import { addDataOptions, openModel, withModelInput, type Common, type ModelInput } from '../options.js';
import { parseFile, parseOptions } from '../data.js';
import { csvField, formatScore } from '../output.js';
import { checkTextOutput, writeTextOutput } from '../text-output.js';

type ColdStartFlag = 'nan' | 'bias' | 'drop';
type PredictFlags = Common & ModelInput & { coldStart: ColdStartFlag; output?: string; overwrite?: boolean };

export function registerPredict(prog: Command): void {
  addDataOptions(
    withModelInput(
      prog
        .command('predict <model> <pairs>')
        .description('predict every (user, item) line of a file, as CSV user,item,prediction'),
      false,
    ),
    true,
  )
    .addOption(
      new Option(
        '--cold-start <how>',
        "a pair whose user or item the model does not have: 'nan', 'bias' (μ + the known biases) or 'drop' (left out)",
      )
        .choices(['nan', 'bias', 'drop'])
        .default('nan'),
    )
    .option('-o, --output <path>', 'write the CSV to this file (default: stdout)')
    .option('--overwrite', 'replace an existing output of predict or recommend --all')
    .action(async (path: string, pairsFile: string, o: PredictFlags) => {
      if (o.output !== undefined) await checkTextOutput(o.output, o.overwrite ?? false); // before anything is read
      const model = await openModel(path, o);
      const pairs = await parseFile(pairsFile, o, parseOptions(o, true));
      const userOf = modelIds(model, 'user', pairs.userMap.ids());
      const itemOf = modelIds(model, 'item', pairs.itemMap.ids());
      // Without a header flag or preset, a first line whose user and item are both unknown
      // words (user,item / userId,movieId) is the header the parser could not tell apart.
      const skipFirst =
        o.header === undefined &&
        o.format === undefined &&
        pairs.users.length > 0 &&
        isHeaderLike(pairs.userMap.id(pairs.users[0]!), userOf[pairs.users[0]!]!) &&
        isHeaderLike(pairs.itemMap.id(pairs.items[0]!), itemOf[pairs.items[0]!]!);
      const coldStart = o.coldStart === 'bias' ? 'bias' : 'nan';
      let written = 0;
      let cold = 0;
      await writeTextOutput(o.output, o.overwrite ?? false, async (write) => {
        await write('user,item,prediction\n');
        for (let e = skipFirst ? 1 : 0; e < pairs.users.length; e++) {
          const user = userOf[pairs.users[e]!]!;
          const item = itemOf[pairs.items[e]!]!;
          const known = user.known && item.known;
          if (!known) {
            cold++;
            if (o.coldStart === 'drop') continue;
          }
          const prediction = model.predict(user.id, item.id, { coldStart });
          await write(
            `${csvField(pairs.userMap.id(pairs.users[e]!))},${csvField(pairs.itemMap.id(pairs.items[e]!))},${formatScore(prediction)}\n`,
          );
          written++;
        }
      });
      if (cold > 0) {
        const what =
          o.coldStart === 'drop' ? 'left out' : o.coldStart === 'bias' ? 'predicted from the biases' : 'predicted as NaN';
        process.stderr.write(`als-wasm: ${cold} pair(s) name a user or item the model does not have: ${what} (--cold-start).\n`);
      }
      if (o.output !== undefined) process.stdout.write(`${written} predictions written to ${o.output}.\n`);
    });
}

interface ModelId {
  /** The ID as the model knows it (or as the file has it, when the model does not). */
  id: Id;
  known: boolean;
}

/**
 * The model's own ID for each ID of the file: the same value, or the same digits as the other
 * kind (a model converted from Spark holds numbers, one trained on mixed IDs holds strings).
 */
function modelIds(model: ALSModel, side: 'user' | 'item', ids: readonly Id[]): ModelId[] {
  const index = (id: Id) => (side === 'user' ? model.userIndex(id) : model.itemIndex(id));
  return ids.map((id) => {
    if (index(id) >= 0) return { id, known: true };
    const other = typeof id === 'number' ? String(id) : /^(?:0|[1-9][0-9]{0,14})$/.test(id) ? Number(id) : null;
    if (other !== null && index(other) >= 0) return { id: other, known: true };
    return { id, known: false };
  });
}

function isHeaderLike(id: Id, mapped: ModelId): boolean {
  return typeof id === 'string' && !mapped.known && /^[A-Za-z_][\w ]*$/.test(id);
}

/** `als-wasm recommend` (one user, or --all users to a file) and `similar`, with names from --titles. */
import { Option, type Command } from 'commander';
import type { Id } from '../../data/id-map.js';
import type { ALSModel } from '../../model/model.js';
import { recommendAllThreaded } from '../../model/recommend-all.js';
import { idFor } from '../models.js';
import { countFlag, threadsFlag } from '../numbers.js';
import { openModel, userError, withModelInput, type ModelInput } from '../options.js';
import { csvField, formatScore, printRanking } from '../output.js';
import { checkTextOutput, writeTextOutput } from '../text-output.js';
import { TITLES_FORMATS, readTitles, titleOf, type Titles, type TitlesFormat } from '../titles.js';

interface TitleFlags {
  titles?: string;
  titlesFormat?: TitlesFormat;
}

function addTitleOptions(cmd: Command): Command {
  return cmd
    .option(
      '--titles <file>',
      'names of the items, printed beside their IDs: MovieLens movies.csv or u.item, Last.fm artists.dat, or any file of ID and name per line',
    )
    .addOption(
      new Option('--titles-format <f>', 'how the names file separates ID and name (default: told by its first line)').choices([
        ...TITLES_FORMATS,
      ]),
    );
}

async function titlesOf(o: TitleFlags): Promise<Titles | null> {
  if (o.titlesFormat !== undefined && o.titles === undefined)
    userError('--titles-format describes the --titles file, which is not given.', 'Pass --titles <file>.');
  return o.titles === undefined ? null : readTitles(o.titles, o.titlesFormat);
}

type RecommendFlags = ModelInput &
  TitleFlags & {
    user?: string;
    all?: boolean;
    n: string;
    includeSeen?: boolean;
    minRatings?: string;
    output?: string;
    overwrite?: boolean;
    threads?: string;
  };

export function registerRecommend(prog: Command): void {
  addTitleOptions(
    withModelInput(
      prog.command('recommend <model>').description("a user's top-n items from a saved model, or every user's (--all)"),
    ),
  )
    .option('--user <id>', 'the user')
    .option(
      '--all',
      "every user's top n, as CSV (user,rank,item,score) or, for -o *.jsonl or with --json, one JSON object per user",
    )
    .addOption(new Option('-n, --n <n>', 'how many').default('10', '10'))
    .option('--include-seen', 'also rank the items the user rated (the model must keep them to leave them out)')
    .option('--min-ratings <n>', 'only items with at least n ratings in the training data (default: every item)')
    .option('-o, --output <path>', 'with --all: write to this file, *.csv or *.jsonl (default: stdout)')
    .option('--overwrite', 'with --all: replace an existing output of recommend --all or predict')
    .option('--threads <n>', "with --all: worker threads or 'auto' (default: auto)")
    .action(async (path: string, o: RecommendFlags) => {
      if ((o.user === undefined) === !o.all) userError('recommend needs exactly one of --user <id> or --all.');
      const n = countFlag('n', o.n);
      const minRatings = o.minRatings === undefined ? undefined : countFlag('min-ratings', o.minRatings);
      // minItemRatings is the serving option of the same meaning; a library without it refuses it by name.
      const filter = minRatings === undefined ? {} : { minItemRatings: minRatings };
      if (!o.all) {
        for (const [flag, given] of [
          ['-o', o.output],
          ['--overwrite', o.overwrite],
          ['--threads', o.threads],
        ] as const) {
          if (given !== undefined) userError(`${flag} applies to recommend --all only.`);
        }
      }
      if (o.all) return recommendEveryone(path, o, n, filter);
      const titles = await titlesOf(o);
      const model = await openModel(path, o);
      const user = idFor(model, 'user', o.user!);
      warnUnseen(model, o);
      const { items, scores } = model.recommend(user, { n, ...(o.includeSeen && { excludeSeen: false }), ...filter });
      printRanking(o.json, { user }, items, scores, 'items', titles);
    });

  addTitleOptions(
    withModelInput(
      prog.command('similar <model>').description('the items (or users) most similar to one, by cosine of their factors'),
    ),
  )
    .option('--item <id>', 'the item')
    .option('--user <id>', 'or a user')
    .addOption(new Option('-n, --n <n>', 'how many').default('10', '10'))
    .action(async (path: string, o: ModelInput & TitleFlags & { item?: string; user?: string; n: string }) => {
      if ((o.item === undefined) === (o.user === undefined))
        userError('similar needs exactly one of --item <id> or --user <id>.');
      const n = countFlag('n', o.n);
      const titles = await titlesOf(o);
      const model = await openModel(path, o);
      if (o.item !== undefined) {
        const item = idFor(model, 'item', o.item);
        const { items, scores } = model.similarItems(item, { n });
        printRanking(o.json, { item, ...(titles && { title: titleOf(titles, item) ?? null }) }, items, scores, 'items', titles);
      } else {
        const user = idFor(model, 'user', o.user!);
        const { users, scores } = model.similarUsers(user, { n });
        printRanking(o.json, { user }, users, scores, 'users');
      }
    });
}

function warnUnseen(model: ALSModel, o: RecommendFlags): void {
  // Spark and implicit models carry no seen items: everything is ranked (and said so).
  if (!o.includeSeen && !model.seen && !o.json)
    process.stderr.write('als-wasm: this model does not keep seen items; items the user rated may appear.\n');
}

/** Every user's top n through recommendAllThreaded, streamed to a file or stdout. */
async function recommendEveryone(path: string, o: RecommendFlags, n: number, filter: object): Promise<void> {
  const jsonl = o.output !== undefined ? outputKind(o.output) === 'jsonl' : o.json === true;
  const threads = threadsFlag(o.threads);
  if (o.output !== undefined) await checkTextOutput(o.output, o.overwrite ?? false); // before the model is read
  const titles = await titlesOf(o);
  const model = await openModel(path, o);
  warnUnseen(model, o);
  const all = await recommendAllThreaded(model, {
    n,
    ...(o.includeSeen && { excludeSeen: false }),
    ...(threads !== undefined && { threads }),
    ...filter,
  });
  await writeTextOutput(o.output, o.overwrite ?? false, async (write) => {
    if (!jsonl) await write(`user,rank,item,score${titles ? ',title' : ''}\n`);
    const userIds = model.userIds;
    const itemIds = model.itemIds;
    for (let u = 0; u < model.numUsers; u++) {
      const user = userIds[u]!;
      const base = u * all.n;
      let count = 0;
      while (count < all.n && all.indices[base + count]! >= 0) count++; // short rows are padded with -1
      const items: Id[] = [];
      for (let r = 0; r < count; r++) items.push(itemIds[all.indices[base + r]!]!);
      if (jsonl) {
        const scores = Array.from(all.scores.subarray(base, base + count));
        await write(
          `${JSON.stringify({ user, items, scores, ...(titles && { titles: items.map((id) => titleOf(titles, id) ?? null) }) })}\n`,
        );
      } else {
        for (let r = 0; r < count; r++) {
          const title = titles ? `,${csvField(titleOf(titles, items[r]!) ?? '')}` : '';
          await write(`${csvField(user)},${r + 1},${csvField(items[r]!)},${formatScore(all.scores[base + r]!)}${title}\n`);
        }
      }
    }
  });
  if (o.output !== undefined && !o.json)
    process.stdout.write(`top ${all.n} of ${model.numUsers} users written to ${o.output}.\n`);
}

function outputKind(path: string): 'csv' | 'jsonl' {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  return userError(
    `recommend --all writes *.csv or *.jsonl (got -o ${path}).`,
    'Name the output recs.csv (user,rank,item,score per line) or recs.jsonl (one JSON object per user).',
  );
}

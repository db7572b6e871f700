/**
 * The jobs people bring to the command line (issue 12): repeated pairs (--duplicates), a given
 * test file (eval --test), predictions for a file of pairs (predict), everyone's top n
 * (recommend --all) and names beside IDs (--titles).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ALS, ALSModel, Ratings } from '../src/index.js';
import { loadRatingsFile } from '../src/data/loaders/file.node.js';
import { recommendAllThreaded } from '../src/model/recommend-all.js';
import { parseTitles, readTitles } from '../src/cli/titles.js';
import { asWritten, jsonLines, run } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'als-cli-jobs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const libmf = fileURLToPath(new URL('../../shared/data/libmf-demo/', import.meta.url));
const haveLibmf = existsSync(join(libmf, 'real_matrix.tr.txt'));
if (!haveLibmf)
  console.warn(`Skipping the LibMF demo tests: ${libmf} is absent (it is read from ../shared/data next to the repo).`);
const mlSmall = fileURLToPath(new URL('../../shared/data/ml-latest-small/', import.meta.url));
const lastfm = fileURLToPath(new URL('../../shared/data/lastfm-2k/', import.meta.url));

// Two groups of users who like opposite halves of the items; explicit, 1–5.
const lines = ['u,i,r'];
for (let u = 0; u < 30; u++)
  for (let i = 0; i < 20; i++) if ((u * 7 + i * 3) % 4 !== 0) lines.push(`${u},${i},${(u < 15) === (i < 10) ? 5 : 1}`);
const ratings = file('ratings.csv', `${lines.join('\n')}\n`);
const TRAIN = ['--factors', '3', '--iterations', '4', '--regularization', '0.1', '--biases', '--threads', '1', '--seed', '2'];
const trainOptions = { factors: 3, iterations: 4, regularization: 0.1, biases: true, threads: 1, seed: 2 } as const;

describe('--duplicates', () => {
  const dup = file('dup.csv', 'user,item,plays\na,x,2\nb,x,1\na,x,3\nb,y,4\na,y,1\n');

  it('a repeated pair stops training with a message that names --duplicates, not the JavaScript option', async () => {
    const r = await run('train', dup, '--iterations', '1');
    expect([r.code, r.stderr]).toEqual([
      1,
      `als-wasm: DUPLICATE_RATING: ${dup}: user a rated item x more than once (ratings 1 and 3 in file order). Pass --duplicates sum to add repeated values (counts, plays) or --duplicates last to keep the latest (re-ratings).\n`,
    ]);
  });

  it.each(['sum', 'last'] as const)('--duplicates %s trains the model the library trains with duplicates: %s', async (policy) => {
    const out = join(dir, `dup-${policy}.als`);
    const r = await run('train', dup, '--duplicates', policy, ...TRAIN, '-o', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ ratings: 4, users: 2, items: 2 });
    const expected = await new ALS(trainOptions).fit(
      Ratings.fromTriples(
        { users: ['a', 'b', 'a', 'b', 'a'], items: ['x', 'x', 'x', 'y', 'y'], values: [2, 1, 3, 4, 1] },
        { duplicates: policy },
      ),
    );
    const saved = await ALSModel.load(out);
    expect(saved.userFactors).toEqual(expected.userFactors);
    expect(saved.itemFactors).toEqual(expected.itemFactors);
    expect(saved.globalMean).toBe(expected.globalMean);
  });
});

describe('eval --test', () => {
  // The test file: pairs of the training file (with other values), one unknown user, one unknown item.
  const testFile = file('test.csv', 'u,i,r\n0,0,4\n16,3,2\n3,15,1\n99,1,5\n2,77,3\n');

  it('scores the given test file on the pairs both files know, and says how many it left out', async () => {
    const r = await run('eval', ratings, '--test', testFile, ...TRAIN, '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = jsonLines(r.stdout).at(-1)! as {
      metrics: { rmse: number };
      test: number;
      testDropped: number;
      train: number;
    };
    expect(summary).toMatchObject({ test: 3, testDropped: 2, train: lines.length - 1 });
    const { ratings: all } = await loadRatingsFile(ratings);
    const model = await new ALS(trainOptions).fit(all);
    const known: [number, number, number][] = [
      [0, 0, 4],
      [16, 3, 2],
      [3, 15, 1],
    ];
    const expected = Math.sqrt(
      known.reduce((s, [u, i, v]) => s + (model.score(all.users.index(u), all.items.index(i)) - v) ** 2, 0) / known.length,
    );
    expect(summary.metrics.rmse).toBeCloseTo(expected, 7);
  });

  it('refuses --split with --test (the test set is given)', async () => {
    const r = await run('eval', ratings, '--test', testFile, '--split', 'random');
    expect(r.stderr).toBe(
      'als-wasm: INVALID_OPTION: --test gives the test set, so --split cannot apply. Leave out --test to hold out a split of <file>, or the split options to score the test file.\n',
    );
  });

  it.skipIf(!haveLibmf)("scores LibMF's demo: train on real_matrix.tr, score real_matrix.te as the library does", async () => {
    const tr = join(libmf, 'real_matrix.tr.txt');
    const te = join(libmf, 'real_matrix.te.txt');
    const r = await run('eval', tr, '--format', 'libmf', '--test', te, ...TRAIN, '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = jsonLines(r.stdout).at(-1)! as { metrics: { rmse: number }; test: number; testDropped: number };
    const { ratings: train } = await loadRatingsFile(tr, { format: 'libmf' });
    const model = await new ALS(trainOptions).fit(train);
    const pairs = readFileSync(te, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number) as [number, number, number]);
    const known = pairs.filter(([u, i]) => train.users.index(u) >= 0 && train.items.index(i) >= 0);
    const expected = Math.sqrt(
      known.reduce((s, [u, i, v]) => s + (model.score(train.users.index(u), train.items.index(i)) - v) ** 2, 0) / known.length,
    );
    expect(summary.test).toBe(known.length);
    expect(summary.testDropped).toBe(pairs.length - known.length);
    expect(summary.metrics.rmse).toBeCloseTo(expected, 7);
  });
});

describe('predict', () => {
  // μ = 3, user biases, item biases, two factors.
  const model = ALSModel.fromFactors({
    userIds: [1, 2],
    itemIds: [10, 20],
    userFactors: [1, 0, 0, 1],
    itemFactors: [0.5, 0.25, -0.5, 1],
    userBiases: [0.1, -0.2],
    itemBiases: [0.3, -0.4],
    globalMean: 3,
  });
  const modelPath = join(dir, 'predict.als');
  const pairs = file('pairs.tsv', '1\t10\t4.5\n2\t20\t1\n3\t10\t2\n1\t30\t5\n');

  it('writes user,item,prediction for every pair, as model.predict, with --cold-start nan, bias or drop', async () => {
    await model.save(modelPath);
    const known = [`1,10,${asWritten(model.predict(1, 10))}`, `2,20,${asWritten(model.predict(2, 20))}`];
    const cold = (mode: 'nan' | 'bias') => [
      `3,10,${asWritten(model.predict(3, 10, { coldStart: mode }))}`,
      `1,30,${asWritten(model.predict(1, 30, { coldStart: mode }))}`,
    ];
    const nan = await run('predict', modelPath, pairs);
    expect(nan.code, nan.stderr).toBe(0);
    expect(nan.stdout).toBe(['user,item,prediction', ...known, '3,10,NaN', '1,30,NaN', ''].join('\n'));
    expect(nan.stderr).toBe(
      'als-wasm: 2 pair(s) name a user or item the model does not have: predicted as NaN (--cold-start).\n',
    );
    expect((await run('predict', modelPath, pairs, '--cold-start', 'bias')).stdout).toBe(
      ['user,item,prediction', ...known, ...cold('bias'), ''].join('\n'),
    );
    expect(cold('bias')).toEqual([`3,10,${asWritten(3 + 0.3)}`, `1,30,${asWritten(3 + 0.1)}`]); // μ + the known bias
    expect((await run('predict', modelPath, pairs, '--cold-start', 'drop')).stdout).toBe(
      ['user,item,prediction', ...known, ''].join('\n'),
    );
  });

  it('a CSV of pairs with a header line: the header is not a pair', async () => {
    const withHeader = file('pairs-header.csv', 'userId,movieId\n1,10\n2,20\n');
    const r = await run('predict', modelPath, withHeader);
    expect(r.stdout).toBe(
      `user,item,prediction\n1,10,${asWritten(model.predict(1, 10))}\n2,20,${asWritten(model.predict(2, 20))}\n`,
    );
  });

  it('-o writes the file atomically, refuses to replace a file that is not one of its outputs, and replaces its own with --overwrite', async () => {
    const output = join(dir, 'predictions.csv');
    const first = await run('predict', modelPath, pairs, '-o', output, '--cold-start', 'drop');
    expect([first.code, first.stdout]).toEqual([0, `2 predictions written to ${output}.\n`]);
    expect(readFileSync(output, 'utf8').split('\n')[0]).toBe('user,item,prediction');
    expect((await run('predict', modelPath, pairs, '-o', output)).stderr).toBe(
      `als-wasm: FILE_ERROR: ${output} already exists. Pass --overwrite to replace it, or choose another path.\n`,
    );
    expect((await run('predict', modelPath, pairs, '-o', output, '--overwrite')).code).toBe(0);
    expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(5);
    // The pairs file itself is never an output: --overwrite does not make it one.
    const before = readFileSync(pairs, 'utf8');
    const refused = await run('predict', modelPath, pairs, '-o', pairs, '--overwrite');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `FILE_ERROR: Will not replace ${pairs}: it is not an output of als-wasm predict or recommend --all.`,
    );
    expect(readFileSync(pairs, 'utf8')).toBe(before);
  });

  it('a model trained on a file of mixed IDs (kept as strings) is found by the numbers of a pairs file', async () => {
    const mixed = file('mixed.csv', '1,x,3\nann,2,4\n2,x,5\n');
    const saved = join(dir, 'mixed.als');
    expect((await run('train', mixed, '--factors', '2', '--iterations', '2', '--threads', '1', '-o', saved)).code).toBe(0);
    const m = await ALSModel.load(saved);
    expect(m.userIds).toEqual(['1', 'ann', '2']);
    const r = await run('predict', saved, mixed);
    expect(r.stdout).toBe(
      [
        'user,item,prediction',
        `1,x,${asWritten(m.predict('1', 'x'))}`,
        `ann,2,${asWritten(m.predict('ann', '2'))}`,
        `2,x,${asWritten(m.predict('2', 'x'))}`,
        '',
      ].join('\n'),
    );
  });

  it.skipIf(!haveLibmf)(
    "LibMF's demo: predict real_matrix.te.txt from a model trained on real_matrix.tr.txt, as mf-predict does",
    async () => {
      const tr = join(libmf, 'real_matrix.tr.txt');
      const te = join(libmf, 'real_matrix.te.txt');
      const saved = join(dir, 'libmf.als');
      expect((await run('train', tr, '--format', 'libmf', ...TRAIN, '-o', saved)).code).toBe(0);
      const r = await run('predict', saved, te, '--format', 'libmf');
      expect(r.code, r.stderr).toBe(0);
      const lm = await ALSModel.load(saved);
      const expected = readFileSync(te, 'utf8')
        .trim()
        .split('\n')
        .map((l) => {
          const [u, i] = l.trim().split(/\s+/).map(Number) as [number, number];
          return `${u},${i},${asWritten(lm.predict(u, i))}`;
        });
      expect(r.stdout).toBe(['user,item,prediction', ...expected, ''].join('\n'));
    },
  );
});

describe('recommend --all', () => {
  // Three items; user 1 has seen two of them, so with -n 2 its row is short (padded, then left out).
  const model = ALSModel.fromFactors({
    userIds: [1, 2],
    itemIds: ['a', 'b,c', 'd'],
    userFactors: [1, 0, 0, 1],
    itemFactors: [0.9, 0.1, 0.2, 0.8, 0.5, 0.5],
    seen: new Map([[1, ['a', 'd']]]),
  });
  const modelPath = join(dir, 'all.als');

  it("writes every user's top n as CSV (user,rank,item,score) through recommendAll, leaving out the padding of short rows", async () => {
    await model.save(modelPath);
    const output = join(dir, 'recs.csv');
    const r = await run('recommend', modelPath, '--all', '-n', '2', '-o', output, '--threads', '1');
    expect(r.code, r.stderr).toBe(0);
    const all = await recommendAllThreaded(model, { n: 2, threads: 1 });
    expect(Array.from(all.indices)).toEqual([1, -1, 1, 2]); // user 1's second slot is padding
    expect(readFileSync(output, 'utf8')).toBe(
      [
        'user,rank,item,score',
        `1,1,"b,c",${asWritten(all.scores[0]!)}`,
        `2,1,"b,c",${asWritten(all.scores[2]!)}`,
        `2,2,d,${asWritten(all.scores[3]!)}`,
        '',
      ].join('\n'),
    );
  });

  it('-o *.jsonl writes one object per user; another extension is refused before anything is read', async () => {
    const output = join(dir, 'recs.jsonl');
    expect((await run('recommend', modelPath, '--all', '-n', '2', '-o', output, '--threads', '1')).code).toBe(0);
    const all = await recommendAllThreaded(model, { n: 2, threads: 1 });
    expect(jsonLines(readFileSync(output, 'utf8'))).toEqual([
      { user: 1, items: ['b,c'], scores: [all.scores[0]] },
      { user: 2, items: ['b,c', 'd'], scores: [all.scores[2], all.scores[3]] },
    ]);
    const bad = await run('recommend', join(dir, 'missing.als'), '--all', '-o', join(dir, 'recs.txt'));
    expect(bad.stderr).toBe(
      `als-wasm: INVALID_OPTION: recommend --all writes *.csv or *.jsonl (got -o ${join(dir, 'recs.txt')}). Name the output recs.csv (user,rank,item,score per line) or recs.jsonl (one JSON object per user).\n`,
    );
  });

  it('needs exactly one of --user and --all', async () => {
    expect((await run('recommend', modelPath)).stderr).toBe(
      'als-wasm: INVALID_OPTION: recommend needs exactly one of --user <id> or --all.\n',
    );
    expect((await run('recommend', modelPath, '--user', '1', '--all')).code).toBe(1);
    expect((await run('recommend', modelPath, '--user', '1', '-o', join(dir, 'x.csv'))).stderr).toBe(
      'als-wasm: INVALID_OPTION: -o applies to recommend --all only.\n',
    );
  });
});

describe('--min-ratings', () => {
  it('is parsed as a count and passed to the library as minItemRatings', async () => {
    const modelPath = join(dir, 'min.als');
    expect((await run('train', ratings, ...TRAIN, '-o', modelPath)).code).toBe(0);
    expect((await run('recommend', modelPath, '--user', '1', '--min-ratings', '0x2')).stderr).toContain(
      'INVALID_OPTION: --min-ratings must be a whole number in decimal digits',
    );
    const model = await ALSModel.load(modelPath);
    let supported = true;
    try {
      model.recommend(1, { minItemRatings: 1 } as never);
    } catch {
      supported = false; // the serving option lands with the serving work of issue 12
    }
    const r = await run('recommend', modelPath, '--user', '1', '--min-ratings', '1', '--json');
    if (supported) {
      expect(r.code, r.stderr).toBe(0);
      const direct = model.recommend(1, { n: 10, minItemRatings: 1 } as never);
      expect(JSON.parse(r.stdout)).toMatchObject({ items: direct.items });
    } else {
      expect(r.stderr).toContain('--min-ratings');
    }
  });
});

describe('--titles', () => {
  it('reads MovieLens movies.csv (quoted titles with commas), u.item (latin-1, |) and Last.fm artists.dat (tab)', async () => {
    const movies = parseTitles(
      'movieId,title,genres\n1,Toy Story (1995),Animation\n11,"American President, The (1995)",Comedy|Drama\n12,"Say ""Hi"" (1999)",Comedy\n',
    );
    expect([...movies]).toEqual([
      ['1', 'Toy Story (1995)'],
      ['11', 'American President, The (1995)'],
      ['12', 'Say "Hi" (1999)'],
    ]);
    // u.item is latin-1: "Café" is 0xE9, not UTF-8.
    const uItem = file(
      'u.item',
      Uint8Array.from([
        ...Buffer.from('1|Toy Story (1995)|01-Jan-1995||http://x|0|0\n2|Caf'),
        0xe9,
        ...Buffer.from(' Society (1994)|01-Jan-1994||http://y|0|1\n'),
      ]),
    );
    expect([...(await readTitles(uItem))]).toEqual([
      ['1', 'Toy Story (1995)'],
      ['2', 'Café Society (1994)'],
    ]);
    const artists = parseTitles(
      'id\tname\turl\tpictureURL\r\n1\tMALICE MIZER\thttp://a\thttp://b\r\n18\tThe Crüxshadows\thttp://c\thttp://d\r\n',
    );
    expect([...artists]).toEqual([
      ['1', 'MALICE MIZER'],
      ['18', 'The Crüxshadows'],
    ]);
    // --titles-format overrides the detection: a pipe-separated file whose first line has a comma.
    expect([...parseTitles('1|Crouching Tiger, Hidden Dragon (2000)|x\n', 'pipe')]).toEqual([
      ['1', 'Crouching Tiger, Hidden Dragon (2000)'],
    ]);
  });

  it('recommend and similar print the names beside the IDs (JSON: titles beside items)', async () => {
    const modelPath = join(dir, 'titled.als');
    await ALSModel.fromFactors({ userIds: [7], itemIds: [1, 11, 12], userFactors: [1], itemFactors: [3, 2, 1] }).save(modelPath);
    const titles = file(
      'movies.csv',
      'movieId,title,genres\n1,Toy Story (1995),Animation\n11,"American President, The (1995)",Comedy\n12,"Bad\u001b[31m Title",Drama\n',
    );
    const human = await run('recommend', modelPath, '--user', '7', '-n', '3', '--titles', titles);
    expect(human.stdout).toBe(
      [
        '  1  1                3.0000  Toy Story (1995)',
        '  2  11               2.0000  American President, The (1995)',
        '  3  12               1.0000  Bad\\x1b[31m Title',
        '',
      ].join('\n'),
    );
    const json = JSON.parse(
      (await run('similar', modelPath, '--item', '1', '-n', '2', '--titles', titles, '--json')).stdout,
    ) as Record<string, unknown>;
    // Every cosine is 1 here (one factor), so the ties go by index: the item itself, then 11.
    expect(json).toMatchObject({
      item: 1,
      title: 'Toy Story (1995)',
      items: [1, 11],
      titles: ['Toy Story (1995)', 'American President, The (1995)'],
    });
    expect((await run('recommend', modelPath, '--user', '7', '--titles-format', 'csv')).stderr).toBe(
      'als-wasm: INVALID_OPTION: --titles-format describes the --titles file, which is not given. Pass --titles <file>.\n',
    );
  });

  it.skipIf(!existsSync(join(mlSmall, 'movies.csv')) || !existsSync(join(lastfm, 'artists.dat')))(
    'reads the real movies.csv and artists.dat',
    async () => {
      const movies = await readTitles(join(mlSmall, 'movies.csv'));
      expect(movies.size).toBe(9742);
      expect(movies.get('11')).toBe('American President, The (1995)');
      const artists = await readTitles(join(lastfm, 'artists.dat'));
      expect(artists.size).toBe(17632);
      expect(artists.get('64')).toBe('Röyksopp');
    },
  );
});

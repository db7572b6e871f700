import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { jsonLines, run } from './cli-helpers.js';
import { AlsError, ErrorCode } from '../src/errors.js';
import { ALSModel } from '../src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'als-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A small explicit data set with structure: users in two groups that like opposite halves.
const lines = ['userId,movieId,rating,timestamp'];
for (let u = 0; u < 60; u++)
  for (let i = 0; i < 40; i++)
    if ((u * 13 + i * 7) % 3 !== 0) lines.push(`${u},${i},${(u < 30) === (i < 20) ? 5 : 1},${u * 100 + i}`);
const csv = join(dir, 'ratings.csv');
writeFileSync(csv, `${lines.join('\n')}\n`);

// A .gz that is not gzip: the loader refuses it with CORRUPT_INPUT (issue 11, item 9).
const fakeGz = join(dir, 'ratings.csv.gz');
writeFileSync(fakeGz, '1,2,3\n4,5,6\n');

describe('als-wasm', () => {
  it('train --json: one object per iteration, then a summary with secondsPerIteration, threads, backend', async () => {
    const { code, stdout } = await run(
      'train',
      csv,
      '--format',
      'movielens-csv',
      '--factors',
      '4',
      '--iterations',
      '3',
      '--threads',
      '1',
      '--json',
    );
    expect(code).toBe(0);
    const objects = jsonLines(stdout);
    expect(objects).toHaveLength(4);
    expect(Object.keys(objects[0]!)).toEqual(['iteration', 'seconds', 'loss']);
    const summary = objects[3]!;
    expect(summary.iterations).toBe(3);
    expect(typeof summary.secondsPerIteration).toBe('number');
    expect(summary.threads).toBe(1);
    expect(['wasm', 'js']).toContain(summary.backend);
  });

  it('eval and cv report the model and the baseline', async () => {
    const ev = await run('eval', csv, '--factors', '4', '--iterations', '5', '--biases', '--threads', '1', '--json');
    expect(ev.code).toBe(0);
    const last = jsonLines(ev.stdout).at(-1)!;
    expect((last.metrics as { rmse: number }).rmse).toBeLessThan((last.baseline as { rmse: number }).rmse);
    const cv = await run('cv', csv, '--folds', '3', '--factors', '4', '--iterations', '5', '--biases');
    expect(cv.code).toBe(0);
    expect(cv.stdout).toMatch(/3-fold CV[\s\S]*model: +rmse [\d.]+ +mae [\d.]+\nbaseline: +rmse/);
  });

  it('tune prints each candidate and the best options', async () => {
    const { code, stdout } = await run(
      'tune',
      csv,
      '--grid-factors',
      '2,4',
      '--grid-regularization',
      '0.1',
      '--folds',
      '2',
      '--iterations',
      '4',
      '--biases',
      '--json',
    );
    expect(code).toBe(0);
    const objects = jsonLines(stdout);
    expect(objects.filter((o) => 'trial' in o)).toHaveLength(2);
    expect(objects.at(-1)!.best).toMatchObject({ regularization: 0.1, biases: true });
  });

  it('user errors exit 1 with one line; usage errors exit 1', async () => {
    const missing = await run('train', join(dir, 'nope.csv'));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('FILE_ERROR: ');
    const bad = await run('train', csv, '--factors', '0');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('INVALID_OPTION: ');
    writeFileSync(join(dir, 'bad.csv'), '1,2,3\n1,x\n');
    const malformed = await run('train', join(dir, 'bad.csv'));
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('bad.csv:2:');
    expect((await run('nonsense')).code).toBe(1);
    expect(
      (await run('train', join(dir, 'bad.csv'), '--skip-bad-lines', '--iterations', '1', '--factors', '2', '--threads', '1'))
        .code,
    ).toBe(0);
    expect((await run('--help')).code).toBe(0);
  });

  it("train -o saves a model with the file's IDs; recommend and similar answer from it", async () => {
    const model = join(dir, 'model.als');
    expect(
      (
        await run(
          'train',
          csv,
          '--format',
          'movielens-csv',
          '--factors',
          '4',
          '--iterations',
          '8',
          '--threads',
          '1',
          '--seed',
          '3',
          '-o',
          model,
          '--json',
        )
      ).code,
    ).toBe(0);
    const saved = await ALSModel.load(model);
    expect(saved.numUsers).toBe(60);
    const rec = await run('recommend', model, '--user', '3', '-n', '5', '--json');
    expect(rec.code, rec.stderr).toBe(0);
    const answer = JSON.parse(rec.stdout) as { user: unknown; items: number[]; scores: number[] };
    // The same answer as the library's, and user 3 (first group) gets first-half movies it has not rated.
    const direct = saved.recommend(3, { n: 5 });
    expect(answer).toEqual({ user: 3, items: direct.items, scores: Array.from(direct.scores) });
    expect(answer.items.every((i) => i < 20)).toBe(true);
    const sim = JSON.parse((await run('similar', model, '--item', '7', '-n', '3', '--json')).stdout) as {
      items: number[];
      scores: number[];
    };
    // Items of one half are near-identical here (cosine ≈ 1), so only the half is asserted.
    expect(sim.scores[0]).toBeCloseTo(1, 3);
    expect(sim.items.every((i) => i < 20)).toBe(true);
    const human = await run('recommend', model, '--user', '3', '-n', '2');
    expect(human.stdout.trim().split('\n')).toHaveLength(2);
    expect((await run('recommend', model, '--user', 'nobody')).code).toBe(1);
    expect((await run('similar', model)).code).toBe(1);
    expect(
      (await run('train', csv, '--format', 'movielens-csv', '--iterations', '1', '--factors', '2', '--threads', '1', '-o', model))
        .code,
    ).toBe(1); // exists
  });

  it('convert: .als → Spark directory → .npz → .als keeps IDs and factors', async () => {
    const model = join(dir, 'conv.als');
    await run(
      'train',
      csv,
      '--format',
      'movielens-csv',
      '--factors',
      '3',
      '--iterations',
      '2',
      '--threads',
      '1',
      '--implicit',
      '-o',
      model,
    );
    const original = await ALSModel.load(model);
    expect((await run('convert', model, join(dir, 'spark'), '--to', 'spark')).code).toBe(0);
    expect((await run('convert', join(dir, 'spark'), join(dir, 'conv.npz'))).code).toBe(0);
    const r = await run('convert', join(dir, 'conv.npz'), join(dir, 'back.als'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ to: 'als', users: 60, items: 40, factors: 3 });
    const back = await ALSModel.load(join(dir, 'back.als'));
    expect(back.userIds).toEqual(original.userIds);
    expect(back.itemIds).toEqual(original.itemIds);
    expect(back.userFactors).toEqual(original.userFactors);
    expect(back.itemFactors).toEqual(original.itemFactors);
    expect((await run('convert', model, join(dir, 'x.bin'), '--to', 'parquet')).code).toBe(1);
  });

  it('runs as a program (shebang entry), exit code 0 and 1', () => {
    const ok = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'src/cli/main.ts'),
        'bench',
        '--users',
        '500',
        '--items',
        '300',
        '--nnz',
        '10000',
        '--iterations',
        '2',
        '--factors',
        '8',
        '--threads',
        '1',
        '--json',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(ok.status, ok.stderr).toBe(0);
    const summary = jsonLines(ok.stdout).at(-1)!;
    expect(summary).toMatchObject({ iterations: 2, threads: 1, ratings: expect.any(Number) });
    const fail = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'cv', join(dir, 'missing.csv')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(fail.status).toBe(1);
  });

  it('--factors 0x10 is refused, as are 1e3, an empty value and 12abc, with a message naming the flag', async () => {
    const refused: [string, string, string][] = [
      [
        '--factors',
        '0x10',
        'INVALID_OPTION: --factors must be a whole number in decimal digits (got "0x10"). Write it in decimal digits: 16.',
      ],
      ['--factors', '1e3', 'INVALID_OPTION: --factors must be a whole number in decimal digits (got "1e3"). Write it out: 1000.'],
      ['--factors', '', 'INVALID_OPTION: --factors must be a whole number in decimal digits (got "").'],
      ['--factors', '12abc', 'INVALID_OPTION: --factors must be a whole number in decimal digits (got "12abc").'],
      ['--factors', '2.5', 'INVALID_OPTION: --factors must be a whole number in decimal digits (got "2.5").'],
      ['--iterations', ' 3', 'INVALID_OPTION: --iterations must be a whole number in decimal digits (got " 3").'],
      ['--seed', '99999999999999999999', 'INVALID_OPTION: --seed is out of range (got "99999999999999999999").'],
      [
        '--threads',
        '0b11',
        'INVALID_OPTION: --threads must be a whole number in decimal digits (got "0b11"). Write it in decimal digits: 3.',
      ],
      ['--regularization', '0x1', 'INVALID_OPTION: --regularization must be a decimal number such as 0.1 or 1e-3 (got "0x1").'],
      [
        '--regularization',
        'Infinity',
        'INVALID_OPTION: --regularization must be a decimal number such as 0.1 or 1e-3 (got "Infinity").',
      ],
      ['--alpha', '1e999', 'INVALID_OPTION: --alpha must be a decimal number such as 0.1 or 1e-3 (got "1e999").'],
      ['--alpha', '', 'INVALID_OPTION: --alpha must be a decimal number such as 0.1 or 1e-3 (got "").'],
    ];
    for (const [flag, value, message] of refused) {
      // The ratings file does not exist: options are refused before anything is read.
      const r = await run('train', join(dir, 'missing.csv'), flag, value);
      expect([r.code, r.stderr], `${flag} ${value}`).toEqual([1, `als-wasm: ${message}\n`]);
    }
    const list = await run('tune', csv, '--grid-factors', '2,0x4', '--folds', '2');
    expect(list.stderr).toBe(
      'als-wasm: INVALID_OPTION: --grid-factors must be a whole number in decimal digits (got "0x4"). Write it in decimal digits: 4.\n',
    );
    expect((await run('tune', csv, '--grid-factors', '2,,4')).stderr).toContain('--grid-factors has an empty entry');
    expect((await run('recommend', join(dir, 'missing.als'), '--user', '1', '-n', '1e1')).stderr).toContain(
      'INVALID_OPTION: --n must be a whole number',
    );
    expect((await run('eval', join(dir, 'missing.csv'), '--test-fraction', '.2x')).stderr).toContain(
      'INVALID_OPTION: --test-fraction must be a decimal number',
    );
    // The accepted forms: digits for whole numbers, decimals with an exponent for reals.
    // (--alpha is implicit's: with explicit ratings it is refused, see cli-jobs.test.ts.)
    const ok = await run(
      'train',
      csv,
      '--format',
      'movielens-csv',
      '--factors',
      '2',
      '--iterations',
      '1',
      '--regularization',
      '1e-1',
      '--implicit',
      '--alpha',
      '.5',
      '--threads',
      '1',
      '--json',
    );
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('unknown flags and stray arguments are refused', async () => {
    const typo = await run('train', csv, '--factor', '4');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe("error: unknown option '--factor'\n(Did you mean --factors?)\n");
    const stray = await run('train', csv, 'extra.csv');
    expect(stray.code).toBe(1);
    expect(stray.stderr).toBe("error: too many arguments for 'train'. Expected 1 argument but got 2.\n");
    expect((await run('train', csv, '--split', 'random')).stderr).toBe("error: unknown option '--split'\n");
    expect((await run('eval', csv, '--split', 'randm')).stderr).toContain(
      "error: option '--split <how>' argument 'randm' is invalid. Allowed choices are random, per-user, leave-k-out, time.",
    );
    expect((await run('train', csv, '--to', 'spark')).stderr).toBe(
      'als-wasm: INVALID_OPTION: --to names the format of -o, which is not given. Pass -o <path> to save the model.\n',
    );
  });

  it('an AlsError of any code prints one line "code: message" without a stack and exits 1; a bug prints a stack and exits 2', async () => {
    const model = join(dir, 'for-errors.als');
    await ALSModel.fromFactors({ userIds: [1], itemIds: [1], userFactors: [1], itemFactors: [1] }).save(model);
    const load = vi.spyOn(ALSModel, 'load');
    try {
      for (const code of Object.values(ErrorCode)) {
        load.mockRejectedValueOnce(new AlsError(code, `Something about ${code}.`, 'What to do.', { cause: new Error('deep') }));
        const r = await run('recommend', model, '--user', '1');
        expect([r.code, r.stderr]).toEqual([1, `als-wasm: ${code}: Something about ${code}. What to do.\n`]);
      }
      load.mockRejectedValueOnce(new TypeError('x is not a function'));
      const bug = await run('recommend', model, '--user', '1');
      expect(bug.code).toBe(2);
      expect(bug.stderr).toMatch(/^als-wasm: internal error \(please report it\): TypeError: x is not a function\n\s+at /);
    } finally {
      load.mockRestore();
    }
  });

  it('a .gz that is not gzip prints CORRUPT_INPUT on one line, without a stack', async () => {
    const r = await run('train', fakeGz);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^als-wasm: CORRUPT_INPUT: .*ratings\.csv\.gz.*\n$/);
  });

  it('the help states the accepted number forms, what --overwrite replaces and the exit codes', async () => {
    const help = await run('train', '--help');
    expect(help.code).toBe(0);
    const text = help.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('Hex (0x10), an exponent for a whole number (1e3), an empty value');
    expect(text).toContain('--overwrite replaces only an als-wasm .als file, an .npz file or a Spark ALSModel directory');
    expect(text).toContain('Exit codes: 0 ok; 1 a usage error');
  });
});

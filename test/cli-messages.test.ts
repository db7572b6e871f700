/**
 * The CLI speaks CLI (issue 12): the library's hints rewritten to flags from one table, bytes
 * of a binary file escaped and cut in messages, and progress bars with an ETA on a terminal
 * for every long step (never off a terminal, never with --json).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPTION_FLAGS, QUOTED_MAX, cliMessage, escapeForTerminal, quote } from '../src/cli/messages.js';
import { formatSeconds, progressCallback } from '../src/cli/progress.js';
import { run, runOnTerminal } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'als-cli-messages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const lines = ['userId,movieId,rating'];
for (let u = 0; u < 20; u++)
  for (let i = 0; i < 12; i++) if ((u + 2 * i) % 3 !== 0) lines.push(`${u},${i},${(u < 10) === (i < 6) ? 5 : 1}`);
const ratings = file('ratings.csv', `${lines.join('\n')}\n`);
const FAST = ['--factors', '2', '--iterations', '2', '--threads', '1'];

describe("messages in the CLI's terms", () => {
  it("a missing column's hint says --user-col, not columns: { user: … }", async () => {
    const r = await run('train', ratings, '--user-col', 'uid');
    expect(r.stderr).toBe(
      `als-wasm: MISSING_COLUMN: ${ratings}: the header has no column 'uid' for the user (it has 'userId', 'movieId', 'rating'). Pass --user-col <name or 0-based index>.\n`,
    );
  });

  it('converting a model with biases to Spark says to keep the .als file, not model.toBytes()', async () => {
    const model = join(dir, 'biased.als');
    expect((await run('train', ratings, '--biases', ...FAST, '-o', model)).code).toBe(0);
    const r = await run('convert', model, join(dir, 'spark'), '--to', 'spark');
    expect(r.stderr).toBe(
      "als-wasm: UNSUPPORTED_FORMAT: Spark ALS models have no biases; this model has them. Keep it in this library's own format (a .als file), or train without --biases.\n",
    );
    const notModel = await run('recommend', ratings, '--user', '1');
    expect(notModel.stderr).toBe(
      'als-wasm: CORRUPT_MODEL: This is not an als-wasm model file (no ALSWASM magic). Pass a model file written by als-wasm train -o or als-wasm convert.\n',
    );
    expect(notModel.stderr).not.toContain('toBytes');
  });

  it("the library's option names become flags, from one table", () => {
    const cases: [string, string][] = [
      ['factors must be an integer in [1, 4096] (got 0).', '--factors must be an integer in [1, 4096] (got 0).'],
      [
        "User 1 rated item 2 more than once (rows 0 and 1). Pass duplicates: 'sum' or 'last' to combine repeated pairs.",
        'User 1 rated item 2 more than once (rows 0 and 1). Pass --duplicates sum or --duplicates last to combine repeated pairs.',
      ],
      [
        'alpha must be > 0 for implicit feedback. Use alpha: 1 (the default) or larger.',
        '--alpha must be > 0 for implicit feedback. Use --alpha 1 (the default) or larger.',
      ],
      [
        "biases apply to explicit feedback only. Drop biases, or use feedback: 'explicit'.",
        '--biases apply to explicit feedback only. Drop --biases, or use --explicit.',
      ],
      [
        "Item 9 is not in the model. Pass coldStart: 'nan' or 'bias' to get a value instead.",
        'Item 9 is not in the model. Pass --cold-start nan or --cold-start bias to get a value instead.',
      ],
      [
        'Columns are given by name but header is false. Pass header: true, or give the columns as 0-based indices.',
        'Columns are given by name but header is false. Pass --header, or give the columns as 0-based indices.',
      ],
      [
        "x.csv:2: bad. Fix the line, or pass onBadLine: 'skip' (CLI: --skip-bad-lines) to skip and count malformed lines.",
        'x.csv:2: bad. Fix the line, or pass --skip-bad-lines to skip and count malformed lines.',
      ],
      [
        'The values may be out of range. Rescale the ratings toward 1, or increase regularization.',
        'The values may be out of range. Rescale the ratings toward 1, or increase --regularization.',
      ],
      ['Pass excludeSeen: false, or seenItems.', 'Pass --include-seen, or seenItems.'],
      [
        "recommend options have no option 'minItemRatings'. Known options: n, excludeSeen.",
        "recommend options have no option 'minItemRatings' (--min-ratings). Known options: n, excludeSeen.",
      ],
      ['Something about FILE_ERROR. What to do.', 'Something about FILE_ERROR. What to do.'],
    ];
    for (const [library, cli] of cases) expect(cliMessage(library)).toBe(cli);
  });

  it('every flag of the option → flag table is a flag of the CLI', async () => {
    const help = (
      await Promise.all(
        ['train', 'eval', 'tune', 'recommend', 'predict', 'convert'].map(async (c) => (await run(c, '--help')).stdout),
      )
    ).join('\n');
    for (const flag of new Set(Object.values(OPTION_FLAGS)))
      expect(help, flag).toMatch(new RegExp(`(^|[\\s,])${flag}[\\s,]`, 'm'));
  });

  it('bytes of a binary file are escaped and cut to 80 characters in the message', async () => {
    const bytes = new Uint8Array(600);
    for (let b = 0; b < bytes.length; b++) bytes[b] = (b * 37 + 11) % 256 === 10 ? 0 : (b * 37 + 11) % 256;
    bytes[300] = 10;
    // Not UTF-8 (CORRUPT_INPUT), and ASCII control bytes in a line of two fields (MALFORMED_LINE).
    const binary = file('model.bin', bytes);
    const controls = file('controls.bin', `1,2,3\n${'\u0000\u0001\u001b[2J\u0007'.repeat(40)},x\n`);
    for (const [path, code] of [
      [binary, 'CORRUPT_INPUT'],
      [controls, 'MALFORMED_LINE'],
    ]) {
      const r = await run('train', path!);
      expect(r.code).toBe(1);
      expect(r.stderr.startsWith(`als-wasm: ${code}: ${path}:${code === 'CORRUPT_INPUT' ? 1 : 2}: `), r.stderr).toBe(true);
      const body = r.stderr.slice(0, -1);
      expect(body).not.toMatch(/[\u0000-\u001f\u007f-\u009f\ufffd]/u); // nothing that drives the terminal, no U+FFFD
      const quoted = body.match(/"(?:[^"\\]|\\.)*"/g)!;
      expect(quoted.length).toBeGreaterThan(0);
      for (const q of quoted) expect(q.length).toBeLessThanOrEqual(QUOTED_MAX);
    }
  });

  it('quote() escapes control and format characters and cuts at 80 characters without splitting an escape', () => {
    expect(quote('a\u0000b\u001b[31m\u202e\ufffdé')).toBe('"a\\x00b\\x1b[31m\\u202e\\ufffdé"');
    const long = quote('\u0001'.repeat(100));
    expect(long.length).toBeLessThanOrEqual(QUOTED_MAX);
    expect(long).toMatch(/^"(\\x01)+…"$/);
    expect(escapeForTerminal('line "x\\u0007y" and a raw \u0007 bell')).toBe('line "x\\x07y" and a raw \\x07 bell');
  });
});

describe('progress on a terminal', () => {
  it('cv draws a bar of folds with an ETA on a terminal; nothing off a terminal or with --json', async () => {
    const tty = await runOnTerminal('cv', ratings, '--folds', '2', ...FAST, '--biases');
    expect(tty.code, tty.stderr).toBe(0);
    expect(tty.stderr).toMatch(/cross-validation \[[^\]]*\] \d\/2 folds .* elapsed, ETA /);
    expect((await runOnTerminal('cv', ratings, '--folds', '2', ...FAST, '--json')).stderr).toBe('');
    expect((await run('cv', ratings, '--folds', '2', ...FAST)).stderr).toBe('');
  });

  it('tune draws a bar of trials with an ETA, and prints each trial above it', async () => {
    const tty = await runOnTerminal(
      'tune',
      ratings,
      '--grid-factors',
      '2,3',
      '--folds',
      '2',
      '--iterations',
      '2',
      '--threads',
      '1',
    );
    expect(tty.code, tty.stderr).toBe(0);
    expect(tty.stderr).toMatch(/search \[[^\]]*\] \d\/2 trials .* elapsed, ETA /);
    expect(tty.stdout).toMatch(/^\[1\/2\] \{"factors":2\} → rmse/m);
    expect(tty.stdout).toMatch(/^\[2\/2\] \{"factors":3\} → rmse/m);
  });

  it('training draws a bar of iterations on a terminal', async () => {
    const tty = await runOnTerminal('train', ratings, ...FAST);
    expect(tty.stderr).toMatch(/training \[[^\]]*\] \d\/2 iterations/);
  });

  it('the hook for ranking evaluation exists and is silent off a terminal', () => {
    expect(progressCallback({ json: false }, 'evaluating', 'users')).toBeUndefined(); // stderr is not a terminal under the test runner
    expect(formatSeconds(42)).toBe('42s');
    expect(formatSeconds(185)).toBe('3m 05s');
    expect(formatSeconds(7620)).toBe('2h 07m');
  });
});

/**
 * The first hour on the command line (issue 12): --version, help that states each default once
 * (and bench's own), flags that make no sense refused with the flag that does, and the
 * feedback kind of a format preset (lastfm → implicit) with a warning for counts fit as ratings.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALSModel, PRESETS, loadRatings } from '../src/index.js';
import { ALS } from '../src/train/als.js';
import { looksLikeCounts } from '../src/cli/data.js';
import { jsonLines, run } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'als-cli-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ratings = file(
  'ratings.csv',
  `${Array.from({ length: 40 }, (_, e) => `${e % 8},${(e * 3) % 10},${1 + (e % 5)}`).join('\n')}\n`,
);
// Last.fm's layout: a tab-separated header, play counts.
const plays = file(
  'user_artists.dat',
  `userID\tartistID\tweight\r\n${Array.from({ length: 30 }, (_, e) => `${e % 6}\t${(e * 7) % 15}\t${1 + ((e * 37) % 900)}`).join('\r\n')}\r\n`,
);
const FAST = ['--factors', '2', '--iterations', '2', '--threads', '1'];

/** The help of a command, one block per option (a description may wrap onto more lines). */
async function optionBlocks(...command: string[]): Promise<string[]> {
  const help = (await run(...command, '--help')).stdout;
  const options = help.slice(help.indexOf('Options:'), help.indexOf('\nNumbers:'));
  return options.split(/\n(?=\s{2}-)/).map((b) => b.replace(/\s+/g, ' ').trim());
}

describe('--version and the help', () => {
  it('--version prints the version of package.json', async () => {
    const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
    expect(await run('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('every option of every command states its default at most once', async () => {
    for (const command of ['train', 'eval', 'cv', 'tune', 'recommend', 'similar', 'predict', 'convert', 'bench', 'demo']) {
      for (const block of await optionBlocks(command))
        expect(block.match(/default/g)?.length ?? 0, `${command}: ${block}`).toBeLessThanOrEqual(1);
    }
    // the ones that printed it twice before: "how many (default 10) (default: "10")"
    expect(await optionBlocks('recommend')).toContain('-n, --n <n> how many (default: 10)');
    expect(await optionBlocks('eval')).toContain('--test-fraction <f> test share (default: 0.2)');
  });

  it('the defaults in the help are the ones training uses', async () => {
    const explicit = new ALS({ feedback: 'explicit' }).options;
    const blocks = await optionBlocks('train');
    expect(blocks).toContain(`--factors <k> latent factors (default: ${explicit.factors})`);
    expect(blocks).toContain(`--iterations <n> iterations, ≥ 1 (default: ${explicit.iterations})`);
  });

  it('bench --help states the defaults bench really uses (5 iterations, 32 factors), and bench uses them', async () => {
    const blocks = await optionBlocks('bench');
    expect(blocks).toContain('--factors <k> latent factors (default: 32)');
    expect(blocks).toContain('--iterations <n> iterations, ≥ 1 (default: 5)');
    const r = await run('bench', '--users', '300', '--items', '200', '--nnz', '3000', '--threads', '1', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ iterations: 5, factors: 32 });
  });
});

describe('flags refused with the flag that does it', () => {
  it('--iterations 0 is refused (it printed "NaN ms/iteration")', async () => {
    const message =
      'als-wasm: INVALID_OPTION: --iterations must be at least 1 (got 0). Every iteration updates all users, then all items; 0 would leave the random starting factors.\n';
    expect(await run('train', ratings, '--iterations', '0')).toEqual({ code: 1, stdout: '', stderr: message });
    expect((await run('bench', '--iterations', '0')).stderr).toBe(message);
  });

  it('--alpha, --confidence and --grid-alpha with explicit ratings are refused, naming --implicit', async () => {
    expect((await run('train', ratings, '--alpha', '40')).stderr).toBe(
      'als-wasm: INVALID_OPTION: --alpha applies to implicit feedback only; these ratings are trained as explicit. Add --implicit to train on them as implicit feedback, or leave out --alpha.\n',
    );
    expect((await run('cv', ratings, '--confidence', 'alpha')).stderr).toContain(
      'INVALID_OPTION: --confidence applies to implicit feedback only; these ratings are trained as explicit. Add --implicit',
    );
    expect((await run('tune', ratings, '--grid-alpha', '1,10')).stderr).toContain(
      'INVALID_OPTION: --grid-alpha applies to implicit feedback only; these ratings are trained as explicit. Add --implicit',
    );
    expect((await run('train', ratings, '--implicit', '--alpha', '40', ...FAST)).code).toBe(0);
  });

  it('--biases with implicit feedback and --implicit with --explicit are refused', async () => {
    expect((await run('train', ratings, '--implicit', '--biases')).stderr).toBe(
      'als-wasm: INVALID_OPTION: --biases applies to explicit ratings only; --implicit trains implicit feedback. Leave out --biases or --implicit.\n',
    );
    expect((await run('train', plays, '--format', 'lastfm', '--biases')).stderr).toBe(
      'als-wasm: INVALID_OPTION: --biases applies to explicit ratings only; --format lastfm trains implicit feedback. Pass --explicit to train the values as ratings, or leave out --biases.\n',
    );
    expect((await run('train', ratings, '--implicit', '--explicit')).stderr).toBe(
      'als-wasm: INVALID_OPTION: --implicit and --explicit contradict each other. Pass one of them.\n',
    );
  });
});

describe('the lastfm preset carries its feedback kind', () => {
  it('PRESETS.lastfm says implicit; the loaders still return its counts as they are', async () => {
    expect(PRESETS.lastfm.feedback).toBe('implicit');
    expect(PRESETS['movielens-csv'].feedback).toBeUndefined();
    const { ratings: loaded } = await loadRatings('userID\tartistID\tweight\n2\t51\t13883\n', { format: 'lastfm' });
    expect(Array.from(loaded.byUser.values)).toEqual([13883]);
  });

  it('--format lastfm trains implicit without --implicit; --explicit overrides it', async () => {
    const implicitModel = join(dir, 'lastfm-implicit.als');
    const r = await run('train', plays, '--format', 'lastfm', ...FAST, '-o', implicitModel);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('30 ratings, 6 users × 15 items, implicit feedback.');
    expect(r.stderr).toBe(''); // no counts warning: they are trained as counts
    expect((await ALSModel.load(implicitModel)).options.feedback).toBe('implicit');
    const explicitModel = join(dir, 'lastfm-explicit.als');
    const e = await run(
      'train',
      plays,
      '--format',
      'lastfm',
      '--explicit',
      '--regularization',
      '1',
      ...FAST,
      '-o',
      explicitModel,
    );
    expect(e.code, e.stderr).toBe(0);
    expect((await ALSModel.load(explicitModel)).options.feedback).toBe('explicit');
  });

  it('an explicit fit of values that are counts warns once, naming --implicit; ratings do not', async () => {
    const counts = file('counts.csv', `${Array.from({ length: 30 }, (_, e) => `${e % 5},${e % 7},${1 + e * 17}`).join('\n')}\n`);
    const r = await run('train', counts, '--regularization', '1', ...FAST);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(
      'als-wasm: warning: the values look like counts (whole numbers from 1 to 494), not ratings; explicit ALS fits them as ratings. Pass --implicit to train them as implicit feedback.\n',
    );
    expect((await run('train', ratings, ...FAST)).stderr).toBe('');
    expect((await run('train', counts, '--implicit', ...FAST)).stderr).toBe('');
  });

  it('counts are whole numbers ≥ 1 with the largest above 100 (rating scales stop at 5, 10 or 100)', () => {
    expect(looksLikeCounts([1, 2, 352698])).toBe(352698);
    expect(looksLikeCounts([1, 101])).toBe(101);
    expect(looksLikeCounts([1, 2, 3, 4, 5])).toBeNull();
    expect(looksLikeCounts([1, 50, 100])).toBeNull(); // a 100-point scale
    expect(looksLikeCounts([0.5, 200])).toBeNull();
    expect(looksLikeCounts([0, 200])).toBeNull();
    expect(looksLikeCounts([-1, 200])).toBeNull();
  });
});

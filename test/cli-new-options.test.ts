/**
 * The training options the library gained (iALS++ subspace blocks, Gibbs sampling, Rendle et
 * al.'s unobserved weight and frequency-scaled regularization, normal starting factors) as
 * CLI flags: each reaches the model, and a bad value is the library's coded error, printed
 * as one line in the CLI's terms.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, run } from './cli-helpers.js';
import { ALSModel } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'als-cli-new-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Explicit ratings: two groups of users that like opposite halves of the items.
const explicitLines = ['userId,movieId,rating'];
// Implicit counts: each group plays only its own half.
const implicitLines: string[] = [];
for (let u = 0; u < 60; u++)
  for (let i = 0; i < 40; i++) {
    if ((u * 13 + i * 7) % 3 === 0) continue;
    const likes = u < 30 === i < 20;
    explicitLines.push(`${u},${i},${likes ? 5 : 1}`);
    if (likes) implicitLines.push(`${u},${i},${1 + ((u + i) % 3)}`);
  }
const explicitCsv = join(dir, 'ratings.csv');
writeFileSync(explicitCsv, `${explicitLines.join('\n')}\n`);
const implicitCsv = join(dir, 'plays.csv');
writeFileSync(implicitCsv, `${implicitLines.join('\n')}\n`);

const small = ['--factors', '4', '--iterations', '2', '--threads', '1'];

/** Trains with `flags`, saves the model and reads it back. */
async function trainAndLoad(name: string, file: string, ...flags: string[]): Promise<ALSModel> {
  const output = join(dir, `${name}.als`);
  const { code, stderr } = await run('train', file, ...small, ...flags, '-o', output);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return ALSModel.load(output);
}

describe('als-wasm training flags for the new library options', () => {
  it('--solver subspace --block-size 16 reaches the model', async () => {
    const model = await trainAndLoad('subspace', explicitCsv, '--header', '--solver', 'subspace', '--block-size', '16');
    expect(model.options.solver).toBe('subspace');
    expect(model.options.blockSize).toBe(16);
  });

  it('--unobserved-weight 0.5 with implicit feedback reaches the model', async () => {
    const model = await trainAndLoad('unobserved', implicitCsv, '--implicit', '--unobserved-weight', '0.5');
    expect(model.options.feedback).toBe('implicit');
    expect(model.options.unobservedWeight).toBe(0.5);
  });

  it('--regularization-exponent 0.5 reaches the model (with the count scaling it implies)', async () => {
    const model = await trainAndLoad('exponent', implicitCsv, '--implicit', '--regularization-exponent', '0.5');
    expect(model.options.regularizationExponent).toBe(0.5);
    expect(model.options.regularizationScaling).toBe('count');
  });

  it('--init-std 0.01 reaches the model', async () => {
    const model = await trainAndLoad('init-std', explicitCsv, '--header', '--init-std', '0.01');
    expect(model.options.initStd).toBe(0.01);
  });

  it('--solver gibbs --samples 3 --burn-in 1 trains on a small explicit file: burn-in + samples iterations', async () => {
    const output = join(dir, 'gibbs.als');
    const { code, stdout, stderr } = await run(
      'train',
      explicitCsv,
      '--header',
      ...small,
      '--solver',
      'gibbs',
      '--samples',
      '3',
      '--burn-in',
      '1',
      '--json',
      '-o',
      output,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines.filter((l) => 'iteration' in l).map((l) => l.iteration)).toEqual([1, 2, 3, 4]);
    const model = await ALSModel.load(output);
    expect(model.options.solver).toBe('gibbs');
    expect(model.options.samples).toBe(3);
    expect(model.options.burnIn).toBe(1);
  });

  it('eval --solver gibbs trains and scores without a validation set', async () => {
    const { code, stdout, stderr } = await run(
      'eval',
      explicitCsv,
      '--header',
      ...small,
      '--solver',
      'gibbs',
      '--samples',
      '3',
      '--burn-in',
      '1',
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = jsonLines(stdout).at(-1)!;
    const metrics = summary.metrics as { rmse: number };
    const baseline = summary.baseline as { rmse: number };
    expect(metrics.rmse).toBeLessThan(baseline.rmse);
  });

  it('cv passes the new flags to the library: --block-size 0 is its INVALID_OPTION', async () => {
    const { code, stdout, stderr } = await run('cv', explicitCsv, '--header', '--solver', 'subspace', '--block-size', '0');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('als-wasm: INVALID_OPTION: --block-size must be an integer in [1, 4096] (got 0).\n');
  });

  it('tune passes the new flags to the library: --samples 0 is its INVALID_OPTION', async () => {
    const { code, stderr } = await run('tune', explicitCsv, '--header', '--solver', 'gibbs', '--samples', '0');
    expect(code).toBe(1);
    expect(stderr).toBe('als-wasm: INVALID_OPTION: --samples must be an integer in [1, 1000000] (got 0).\n');
  });

  it('a misspelled --solver is refused with the library’s "did you mean"', async () => {
    const { code, stdout, stderr } = await run('train', explicitCsv, '--header', '--solver', 'subspac');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      "als-wasm: INVALID_OPTION: --solver must be 'cholesky' or 'cg' or 'subspace' or 'gibbs' (got \"subspac\"). Did you mean 'subspace'?\n",
    );
  });

  it('--unobserved-weight with --alpha is refused with the library’s INVALID_OPTION', async () => {
    const { code, stdout, stderr } = await run('train', implicitCsv, '--implicit', '--unobserved-weight', '0.5', '--alpha', '2');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'als-wasm: INVALID_OPTION: --alpha and --unobserved-weight are two forms of the same weighting: set one. Drop --alpha (unobservedWeight α₀ equals confidence c = 1 + 1/α₀ with preference 1/(1 + α₀) and λ/α₀), or drop --unobserved-weight.\n',
    );
  });

  it('--unobserved-weight on explicit ratings, --solver gibbs on implicit feedback: the library’s errors as flags', async () => {
    const unobserved = await run('train', explicitCsv, '--header', '--unobserved-weight', '0.5');
    expect(unobserved.code).toBe(1);
    expect(unobserved.stderr).toBe(
      'als-wasm: INVALID_OPTION: --unobserved-weight applies to implicit feedback only. Use --implicit, or drop --unobserved-weight.\n',
    );
    const gibbs = await run('train', implicitCsv, '--implicit', '--solver', 'gibbs');
    expect(gibbs.code).toBe(1);
    expect(gibbs.stderr).toBe(
      'als-wasm: INVALID_OPTION: --solver gibbs samples explicit ratings only. Use --explicit, or --solver cholesky.\n',
    );
  });

  it('--scaling that contradicts --regularization-exponent, and a bad --init-std, are the library’s errors', async () => {
    const contradiction = await run('train', implicitCsv, '--implicit', '--scaling', 'count', '--regularization-exponent', '0');
    expect(contradiction.code).toBe(1);
    expect(contradiction.stderr).toMatch(
      /^als-wasm: INVALID_OPTION: --scaling count contradicts --regularization-exponent 0\. Drop --scaling /,
    );
    const initStd = await run('train', explicitCsv, '--header', '--init-std', '0');
    expect(initStd.code).toBe(1);
    expect(initStd.stderr).toBe('als-wasm: INVALID_OPTION: --init-std must be a finite number > 0 (got 0).\n');
  });

  it('the help of every training command lists the new flags', async () => {
    for (const command of ['train', 'eval', 'cv', 'tune', 'bench']) {
      const { code, stdout } = await run(command, '--help');
      expect(code).toBe(0);
      for (const flag of [
        '--solver <s>',
        'subspace, gibbs',
        '--block-size <n>',
        '--samples <n>',
        '--burn-in <n>',
        '--unobserved-weight <α₀>',
        '--regularization-exponent <ν>',
        '--init-std <σ>',
      ])
        expect(stdout, `${command} --help`).toContain(flag);
    }
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { ALSModel } from '../src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'als-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A small explicit data set with structure: users in two groups that like opposite halves.
const lines = ['userId,movieId,rating,timestamp'];
for (let u = 0; u < 60; u++) for (let i = 0; i < 40; i++) if ((u * 13 + i * 7) % 3 !== 0) lines.push(`${u},${i},${(u < 30) === (i < 20) ? 5 : 1},${u * 100 + i}`);
const csv = join(dir, 'ratings.csv');
writeFileSync(csv, lines.join('\n') + '\n');

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
const jsonLines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('als-wasm', () => {
  it('train --json: one object per iteration, then a summary with secondsPerIteration, threads, backend', async () => {
    const { code, stdout } = await run('train', csv, '--format', 'movielens-csv', '--factors', '4', '--iterations', '3', '--threads', '1', '--json');
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
    const { code, stdout } = await run('tune', csv, '--grid-factors', '2,4', '--grid-regularization', '0.1', '--folds', '2', '--iterations', '4', '--biases', '--json');
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
    expect((await run('train', join(dir, 'bad.csv'), '--skip-bad-lines', '--iterations', '1', '--factors', '2', '--threads', '1')).code).toBe(0);
    expect((await run('--help')).code).toBe(0);
  });

  it('train -o saves a model with the file\'s IDs; recommend and similar answer from it', async () => {
    const model = join(dir, 'model.als');
    expect((await run('train', csv, '--format', 'movielens-csv', '--factors', '4', '--iterations', '8', '--threads', '1', '--seed', '3', '-o', model, '--json')).code).toBe(0);
    const saved = await ALSModel.load(model);
    expect(saved.numUsers).toBe(60);
    const rec = await run('recommend', model, '--user', '3', '-n', '5', '--json');
    expect(rec.code, rec.stderr).toBe(0);
    const answer = JSON.parse(rec.stdout) as { user: unknown; items: number[]; scores: number[] };
    // The same answer as the library's, and user 3 (first group) gets first-half movies it has not rated.
    const direct = saved.recommend(3, { n: 5 });
    expect(answer).toEqual({ user: 3, items: direct.items, scores: Array.from(direct.scores) });
    expect(answer.items.every((i) => i < 20)).toBe(true);
    const sim = JSON.parse((await run('similar', model, '--item', '7', '-n', '3', '--json')).stdout) as { items: number[]; scores: number[] };
    // Items of one half are near-identical here (cosine ≈ 1), so only the half is asserted.
    expect(sim.scores[0]).toBeCloseTo(1, 3);
    expect(sim.items.every((i) => i < 20)).toBe(true);
    const human = await run('recommend', model, '--user', '3', '-n', '2');
    expect(human.stdout.trim().split('\n')).toHaveLength(2);
    expect((await run('recommend', model, '--user', 'nobody')).code).toBe(1);
    expect((await run('similar', model)).code).toBe(1);
    expect((await run('train', csv, '--format', 'movielens-csv', '--iterations', '1', '--factors', '2', '--threads', '1', '-o', model)).code).toBe(1); // exists
  });

  it('convert: .als → Spark directory → .npz → .als keeps IDs and factors', async () => {
    const model = join(dir, 'conv.als');
    await run('train', csv, '--format', 'movielens-csv', '--factors', '3', '--iterations', '2', '--threads', '1', '--implicit', '-o', model);
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
    const ok = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'bench', '--users', '500', '--items', '300', '--nnz', '10000', '--iterations', '2', '--factors', '8', '--threads', '1', '--json'], { cwd: root, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    const summary = jsonLines(ok.stdout).at(-1)!;
    expect(summary).toMatchObject({ iterations: 2, threads: 1, ratings: expect.any(Number) });
    const fail = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'cv', join(dir, 'missing.csv')], { cwd: root, encoding: 'utf8' });
    expect(fail.status).toBe(1);
  });
});

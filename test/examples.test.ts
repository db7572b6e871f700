import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = (file: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'examples', file)], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('examples run', () => {
  it('textbook: loss per epoch, then predictions that follow the taste groups', () => {
    const r = run('textbook.ts');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/^epoch/gm)).toHaveLength(10);
    const [a, d, a4] = [/u2 would rate A: ([\d.-]+)/, /u4 would rate D: ([\d.-]+)/, /u4 would rate A: ([\d.-]+)/].map((re) =>
      Number(r.stdout.match(re)![1]),
    );
    expect(a!).toBeGreaterThan(3);
    expect(d!).toBeGreaterThan(a4!);
  });

  it('all cores: both thread settings train', () => {
    const r = run('all-cores.ts');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/held-out RMSE/g)).toHaveLength(2);
  });

  it('implicit: ALS beats popularity on the built-in log and prints recommendations', () => {
    const r = run('implicit.ts');
    expect(r.status, r.stderr).toBe(0);
    const ndcg = [...r.stdout.matchAll(/NDCG@10 ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(ndcg[0]!).toBeGreaterThan(ndcg[1]!);
    expect(r.stdout).toMatch(/user 0: artist/);
  });

  it('saved model: the loaded model recommends as the trained one did; similar items and a folded-in user stay in their taste group', () => {
    const r = run('saved-model.ts');
    expect(r.status, r.stderr).toBe(0);
    const list = (re: RegExp) => r.stdout.match(re)![1]!.split(', ');
    const group = (artist: string) => Math.floor(Number(artist.split('-')[1]) / 25);
    expect(list(/after loading: +listener-0 → (.*)/)).toEqual(list(/before saving: listener-0 → (.*)/));
    expect(list(/after loading: +listener-0 → (.*)/).map(group)).toEqual([0, 0, 0, 0, 0]);
    const similar = list(/similar to artist-30: (.*)/);
    expect(similar[0]).toBe('artist-30');
    expect(similar.map(group)).toEqual([1, 1, 1, 1, 1]);
    const fresh = list(/new listener → (.*)/);
    expect(fresh.map(group)).toEqual([2, 2, 2, 2, 2]);
    expect(fresh).not.toContain('artist-50');
  });
});

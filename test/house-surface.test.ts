import { describe, expect, it } from 'vitest';
import { ALSModel, recommendAll, recommendAllThreaded } from '../src/index.js';

const model = ALSModel.fromFactors({
  userIds: ['ann', 'bob'],
  itemIds: ['x', 'y', 'z'],
  userFactors: [1, 0, 0, 1],
  itemFactors: [3, 0, 0, 2, 1, 1],
});

describe('the threaded recommendAll has a name of its own', () => {
  it('recommendAllThreaded gives the lists of the synchronous model.recommendAll', async () => {
    const threaded = await recommendAllThreaded(model, { n: 2, threads: 1 });
    const serial = model.recommendAll({ n: 2 });
    expect(Array.from(threaded.indices)).toEqual([0, 2, 1, 2]);
    expect(threaded.indices).toEqual(serial.indices);
    expect(threaded.scores).toEqual(serial.scores);
  });

  it('the deprecated recommendAll alias answers as recommendAllThreaded', async () => {
    const old = await recommendAll(model, { n: 2, threads: 1, of: 'items' });
    const renamed = await recommendAllThreaded(model, { n: 2, threads: 1, of: 'items' });
    expect(old).toEqual(renamed);
  });
});

describe('ALSModel delegates ranking to model/serving.ts', () => {
  it('itemRatingCounts and minItemRatings follow a partialFit that adds an item under the same seen table', () => {
    const m = ALSModel.fromFactors({
      userIds: ['ann', 'bob'],
      itemIds: ['x', 'y'],
      userFactors: [1, 0, 0, 1],
      itemFactors: [1, 0, 0, 1],
      seen: new Map([
        ['ann', ['x']],
        ['bob', ['x', 'y']],
      ]),
    });
    expect(Array.from(m.itemRatingCounts!)).toEqual([2, 1]);
    expect(m.recommend('ann', { minItemRatings: 2, excludeSeen: false }).items).toEqual(['x']);
    m.partialFit({ items: { users: ['ann'], items: ['z'], values: [1] } });
    // Items grew, the seen table did not change: the counts are taken again, one per item.
    expect(Array.from(m.itemRatingCounts!)).toEqual([2, 1, 0]);
    expect(m.recommend('bob', { minItemRatings: 1, excludeSeen: false }).items).toEqual(['y', 'x']);
  });
});

describe('the public surface: als-wasm/eval and als-wasm/node', () => {
  it('every deprecated name of the main entry is the same function as in als-wasm/eval or als-wasm/node', async () => {
    const main = (await import('../src/index.js')) as Record<string, unknown>;
    const evaluation = (await import('../src/eval/index.js')) as Record<string, unknown>;
    const node = (await import('../src/node.js')) as Record<string, unknown>;
    // Added after the split, so never in the main entry: the literature's protocols.
    const evalOnly = [
      'foldInScorer',
      'ncfMetrics',
      'ncfSplit',
      'popularityFoldIn',
      'strongGeneralizationMetrics',
      'strongGeneralizationSplit',
    ];
    expect(
      Object.keys(evaluation)
        .filter((name) => !(name in main))
        .sort(),
    ).toEqual(evalOnly);
    expect(Object.keys(evaluation).length).toBe(30 + evalOnly.length);
    for (const [name, value] of [...Object.entries(evaluation), ...Object.entries(node)])
      if (!evalOnly.includes(name)) expect(main[name], name).toBe(value);
    expect(Object.keys(node).sort()).toEqual(['loadRatingsFile', 'parseTriplesFile']);
  });

  it('the deprecated loadWasmModule of the main entry resolves with the module init loads', async () => {
    const { loadWasmModule } = await import('../src/index.js');
    const { loadWasmModule: internal } = await import('../src/wasm/load.js');
    expect(await loadWasmModule()).toBe(await internal());
  });

  it('als-wasm/eval bundles for the browser with no static Node import', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [new URL('../src/eval/index.ts', import.meta.url).pathname],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      conditions: ['browser'],
      // Not tsconfig.json's paths (Node's #spawn for type-checking): package.json imports, as a user's bundler sees them.
      tsconfigRaw: {},
    });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*["']node:/);
  });
});

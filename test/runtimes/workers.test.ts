/**
 * Cloudflare Workers, in workerd through miniflare (offline; wrangler ≥ 4.87 refuses Node 20,
 * so miniflare is used directly, pinned to the last release that runs on Node 20). Two Workers
 * bundled from the packed package as wrangler would: one loads a saved model file (a Data
 * module) and answers recommendations over fetch, the other trains a small model on one
 * thread. The .wasm is a CompiledWasm module: workerd refuses to compile bytes.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALS, ALSModel, Ratings, syntheticRatings, type AlsOptions, type SyntheticOptions } from '../../src/index.js';
import { loadWasmModule } from '../../src/wasm/load.js';
import { bundleWorker } from './bundle.js';
import { packed, report, root } from './pack.js';

const DATA: SyntheticOptions = { numUsers: 500, numItems: 250, nnz: 10_000, seed: 21 };
const OPTIONS: AlsOptions = { factors: 8, iterations: 3, seed: 4, biases: true, regularization: 0.05, regularizationScaling: 'count', backend: 'wasm' };
const COMPATIBILITY_DATE = '2026-04-01';

function b64(array: Float32Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

async function miniflare(dir: string, extra: { type: 'CompiledWasm' | 'Data'; path: string }[]): Promise<Miniflare> {
  const mf = new Miniflare({
    modulesRoot: dir,
    modules: [{ type: 'ESModule', path: join(dir, 'worker.js') }, ...extra.map((m) => ({ ...m, path: join(dir, m.path) }))],
    compatibilityDate: COMPATIBILITY_DATE,
  });
  await mf.ready;
  return mf;
}

describe('Cloudflare Workers (workerd via miniflare, packed package)', () => {
  let dir = '';
  let model: ALSModel;
  let ratings: Ratings;
  const started = performance.now();

  beforeAll(async () => {
    const { app } = packed();
    dir = join(app, `workers-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const data = syntheticRatings(DATA);
    ratings = Ratings.fromTriples(data, { denseIds: true, numUsers: data.numUsers, numItems: data.numItems });
    await loadWasmModule();
    model = await new ALS({ ...OPTIONS, threads: 1 }).fit(ratings);
    // The saved model, generated here (never copied from a data set).
    writeFileSync(join(dir, 'model.als'), model.toBytes());
    for (const name of ['worker-serve.js', 'worker-train.js']) writeFileSync(join(dir, name), readFileSync(join(root, 'test', 'runtimes', 'fixtures', name)));
  }, 240_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a Worker loads a saved model file and answers recommendations over fetch', async () => {
    const out = join(dir, 'serve-out');
    const t0 = performance.now();
    await bundleWorker(dir, './worker-serve.js', out);
    const mf = await miniflare(out, [{ type: 'CompiledWasm', path: 'als.wasm' }, { type: 'Data', path: 'model.als' }]);
    try {
      for (const user of [0, 7, 123]) {
        const response = await mf.dispatchFetch(`http://worker.test/?user=${user}&n=10`);
        expect(response.status).toBe(200);
        const body = (await response.json()) as { items: number[]; scores: number[]; info: { build: string; threads: boolean } };
        expect(body.info.build).toBe('simd');
        expect(body.info.threads).toBe(false);
        const expected = model.recommend(user, { n: 10 });
        expect(body.items).toEqual(expected.items);
        expect(body.scores).toEqual([...expected.scores]);
      }
    } finally {
      await mf.dispose();
    }
    // What a Worker ships, gzipped (Cloudflare's limit counts the compressed upload).
    const js = readFileSync(join(out, 'worker.js'));
    const wasm = readFileSync(join(out, 'als.wasm'));
    const gzip = gzipSync(js, { level: 9 }).length + gzipSync(wasm, { level: 9 }).length;
    report({ test: 'runtime', runtime: 'workerd (miniflare 4.20260426.0): serve', build: 'simd', threads: 1, wallMs: Math.round(performance.now() - t0), workerJsBytes: js.length, wasmBytes: wasm.length, gzipBytes: gzip });
    expect(gzip).toBeLessThan(100_000);
  }, 90_000);

  it('a Worker trains a small model single-threaded, bit-identical to Node', async () => {
    const out = join(dir, 'train-out');
    const t0 = performance.now();
    // node:* external: see bundleWorker (a literal node:fs import in the file loaders).
    await bundleWorker(dir, './worker-train.js', out);
    const mf = await miniflare(out, [{ type: 'CompiledWasm', path: 'als.wasm' }]);
    try {
      const response = await mf.dispatchFetch('http://worker.test/', { method: 'POST', body: JSON.stringify({ data: DATA, options: { ...OPTIONS, threads: 'auto' } }) });
      const text = await response.text();
      expect(response.status, text).toBe(200);
      const body = JSON.parse(text) as { threads: number; backend: string; userFactors: string; itemFactors: string; items: number[]; info: { build: string } };
      expect(body.threads).toBe(1);
      expect(body.backend).toBe('wasm');
      expect(body.info.build).toBe('simd');
      expect(body.userFactors).toBe(b64(model.userFactors));
      expect(body.itemFactors).toBe(b64(model.itemFactors));
      expect(body.items).toEqual(model.recommend(0, { n: 5 }).items);
    } finally {
      await mf.dispose();
    }
    const js = readFileSync(join(out, 'worker.js'));
    const gzip = gzipSync(js, { level: 9 }).length + gzipSync(readFileSync(join(out, 'als.wasm')), { level: 9 }).length;
    report({ test: 'runtime', runtime: 'workerd (miniflare 4.20260426.0): train', build: 'simd', threads: 1, wallMs: Math.round(performance.now() - t0), totalMs: Math.round(performance.now() - started), workerJsBytes: js.length, gzipBytes: gzip });
  }, 90_000);
});

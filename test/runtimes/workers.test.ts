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
import { ALS, type ALSModel, Ratings, syntheticRatings, type AlsOptions, type SyntheticOptions } from '../../src/index.js';
import { loadWasmModule } from '../../src/wasm/load.js';
import { bundleWorker } from './bundle.js';
import { packed, report, root } from './pack.js';

const DATA: SyntheticOptions = { numUsers: 500, numItems: 250, nnz: 10_000, seed: 21 };
const OPTIONS: AlsOptions = {
  factors: 8,
  iterations: 3,
  seed: 4,
  biases: true,
  regularization: 0.05,
  regularizationScaling: 'count',
  backend: 'wasm',
};
const COMPATIBILITY_DATE = '2026-04-01';
/** The builds a Worker ships as CompiledWasm modules: plain and relaxed SIMD. */
const WASM_MODULES: { type: 'CompiledWasm'; path: string }[] = [
  { type: 'CompiledWasm', path: 'als.wasm' },
  { type: 'CompiledWasm', path: 'als-relaxed.wasm' },
];

function b64(array: Float32Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

async function miniflare(dir: string, extra: readonly { type: 'CompiledWasm' | 'Data'; path: string }[]): Promise<Miniflare> {
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
    for (const name of ['worker-serve.js', 'worker-train.js'])
      writeFileSync(join(dir, name), readFileSync(join(root, 'test', 'runtimes', 'fixtures', name)));
  }, 240_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a Worker loads a saved model file and answers recommendations over fetch', async () => {
    const out = join(dir, 'serve-out');
    const t0 = performance.now();
    await bundleWorker(dir, './worker-serve.js', out);
    const mf = await miniflare(out, [...WASM_MODULES, { type: 'Data', path: 'model.als' }]);
    let build = '';
    try {
      for (const user of [0, 7, 123]) {
        const response = await mf.dispatchFetch(`http://worker.test/?user=${user}&n=10`);
        expect(response.status).toBe(200);
        const body = (await response.json()) as {
          items: number[];
          scores: number[];
          info: { build: string; relaxedSimd: boolean; threads: boolean };
        };
        // The default 'auto' takes relaxed SIMD where workerd validates it (both builds ship).
        expect(body.info.build).toBe(body.info.relaxedSimd ? 'relaxed-simd' : 'simd');
        expect(body.info.threads).toBe(false);
        build = body.info.build;
        const expected = model.recommend(user, { n: 10 });
        expect(body.items).toEqual(expected.items);
        // Fused multiply-add may round the last bit differently from Node's plain SIMD.
        body.scores.forEach((score, r) =>
          expect(Math.abs(score - expected.scores[r]!)).toBeLessThan(1e-5 * (1 + Math.abs(score))),
        );
      }
    } finally {
      await mf.dispose();
    }
    // What a Worker ships, gzipped (Cloudflare's limit counts the compressed upload).
    const js = readFileSync(join(out, 'worker.js'));
    const wasm = WASM_MODULES.map((m) => readFileSync(join(out, m.path)));
    const gzip = gzipSync(js, { level: 9 }).length + wasm.reduce((sum, w) => sum + gzipSync(w, { level: 9 }).length, 0);
    report({
      test: 'runtime',
      runtime: 'workerd (miniflare 4.20260426.0): serve',
      build,
      threads: 1,
      wallMs: Math.round(performance.now() - t0),
      workerJsBytes: js.length,
      wasmBytes: wasm.reduce((sum, w) => sum + w.length, 0),
      gzipBytes: gzip,
    });
    expect(gzip).toBeLessThan(100_000);
  }, 90_000);

  it('a Worker trains a small model single-threaded, bit-identical to Node', async () => {
    const out = join(dir, 'train-out');
    const t0 = performance.now();
    await bundleWorker(dir, './worker-train.js', out);
    const mf = await miniflare(out, WASM_MODULES);
    try {
      const response = await mf.dispatchFetch('http://worker.test/', {
        method: 'POST',
        body: JSON.stringify({ data: DATA, options: { ...OPTIONS, threads: 'auto' } }),
      });
      const text = await response.text();
      expect(response.status, text).toBe(200);
      const body = JSON.parse(text) as {
        threads: number;
        backend: string;
        userFactors: string;
        itemFactors: string;
        items: number[];
        info: { build: string };
      };
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
    const gzip =
      gzipSync(js, { level: 9 }).length +
      WASM_MODULES.reduce((sum, m) => sum + gzipSync(readFileSync(join(out, m.path)), { level: 9 }).length, 0);
    report({
      test: 'runtime',
      runtime: 'workerd (miniflare 4.20260426.0): train',
      build: 'simd',
      threads: 1,
      wallMs: Math.round(performance.now() - t0),
      totalMs: Math.round(performance.now() - started),
      workerJsBytes: js.length,
      gzipBytes: gzip,
    });
  }, 90_000);
});

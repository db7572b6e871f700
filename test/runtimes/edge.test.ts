/**
 * Vercel Edge, in the `edge-runtime` package (Vercel's own VM; a script, not a module; no fs,
 * process, Buffer or Worker). Code generation from bytes is switched off as on Vercel
 * (codeGeneration.wasm = false), so the handler gets the WebAssembly.Module the way Vercel
 * binds `import … from '….wasm?module'`: compiled by the host, in another realm, where
 * `instanceof WebAssembly.Module` fails. It loads a saved model and answers over fetch.
 */
import { readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EdgeRuntime } from 'edge-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALS, type ALSModel, Ratings, syntheticRatings } from '../../src/index.js';
import { loadWasmModule } from '../../src/wasm/load.js';
import { bundleEdge } from './bundle.js';
import { packed, report, root } from './pack.js';

describe('Vercel Edge (edge-runtime, packed package)', () => {
  let dir = '';
  let app = '';
  let model: ALSModel;

  beforeAll(async () => {
    app = packed().app;
    dir = join(app, `edge-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const data = syntheticRatings({ numUsers: 300, numItems: 200, nnz: 6000, seed: 9 });
    await loadWasmModule();
    model = await new ALS({ factors: 8, iterations: 3, seed: 2, feedback: 'implicit', alpha: 2, threads: 1 }).fit(
      Ratings.fromTriples(data, { denseIds: true, numUsers: data.numUsers, numItems: data.numItems }),
    );
    writeFileSync(join(dir, 'model.als'), model.toBytes());
    for (const name of ['edge-handler.js', 'edge-default.js'])
      writeFileSync(join(dir, name), readFileSync(join(root, 'test', 'runtimes', 'fixtures', name)));
  }, 240_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a handler loads a model (the wasm passed as a Module from another realm) and answers', async () => {
    const t0 = performance.now();
    const code = await bundleEdge(dir, './edge-handler.js', join(dir, 'handler.js'));
    const wasm = new WebAssembly.Module(readFileSync(join(app, 'node_modules', 'als-wasm', 'dist', 'wasm', 'als.wasm')));
    const runtime = new EdgeRuntime({
      codeGeneration: { strings: false, wasm: false },
      extend: (context) => Object.assign(context, { ALS_WASM_MODULE: wasm, wasm_als_wasm: wasm }),
    });
    // As on Vercel: compiling bytes is refused in here.
    expect(() => runtime.evaluate('new WebAssembly.Module(new Uint8Array([0,97,115,109,1,0,0,0]))')).toThrow();
    runtime.evaluate(code);
    for (const user of [0, 42, 299]) {
      const response = await runtime.dispatchFetch(`https://edge.test/api/recommend?user=${user}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        items: number[];
        scores: number[];
        info: { build: string; threads: boolean };
        crossRealm: boolean;
      };
      expect(body.crossRealm).toBe(true);
      expect(body.info.build).toBe('custom');
      expect(body.info.threads).toBe(false);
      const expected = model.recommend(user, { n: 10 });
      expect(body.items).toEqual(expected.items);
      expect(body.scores).toEqual([...expected.scores]);
    }
    report({
      test: 'runtime',
      runtime: 'edge-runtime 4.0.1 (Vercel Edge)',
      build: 'simd (a Module passed in)',
      threads: 1,
      wallMs: Math.round(performance.now() - t0),
      bundleBytes: code.length,
    });
  }, 90_000);

  it("without init(): the edge-light condition's `als.wasm?module` import supplies the Module", async () => {
    const code = await bundleEdge(dir, './edge-default.js', join(dir, 'default.js'));
    const wasm = new WebAssembly.Module(readFileSync(join(app, 'node_modules', 'als-wasm', 'dist', 'wasm', 'als.wasm')));
    // The name the bundler plugin gives the binding of dist/wasm/als.wasm (see bundle.ts).
    const runtime = new EdgeRuntime({
      codeGeneration: { strings: false, wasm: false },
      extend: (context) => Object.assign(context, { wasm_als_wasm: wasm }),
    });
    runtime.evaluate(code);
    // A request never arrives in the same tick as the script's evaluation; the package finds
    // its default source a microtask later (a dynamic import, so unbundled pages still load).
    await new Promise((resolve) => setTimeout(resolve, 0));
    const response = await runtime.dispatchFetch('https://edge.test/?user=5');
    const body = (await response.json()) as { items: number[]; scores: number[]; info: { build: string } };
    expect(body.info.build).toBe('simd');
    expect(body.items).toEqual(model.recommend(5, { n: 10 }).items);
  }, 90_000);
});

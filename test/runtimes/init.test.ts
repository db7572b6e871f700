/**
 * init(source): every kind of source (a Module from this realm and from another, bytes, a
 * Response, a URL, a promise), the choice of build, and the coded errors. Each test gets
 * fresh modules (vi.resetModules), since init() is allowed once, before first use.
 */
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const url = new URL('../../build/als.wasm', import.meta.url);
const bytes = () => new Uint8Array(readFileSync(url));

type Api = typeof import('../../src/index.js');
async function fresh(): Promise<Api> {
  vi.resetModules();
  return import('../../src/index.js');
}

async function trainAndRecommend(api: Api): Promise<{ backend: string; items: unknown[] }> {
  const data = api.syntheticRatings({ numUsers: 60, numItems: 40, nnz: 600, seed: 1 });
  const model = await new api.ALS({ factors: 4, iterations: 2, threads: 1 }).fit(
    api.Ratings.fromTriples(data, { denseIds: true, numUsers: 60, numItems: 40 }),
  );
  return { backend: model.options.backend, items: model.recommend(0, { n: 3 }).items };
}

describe('init(source)', () => {
  beforeEach(() => {
    vi.restoreAllMocks();
  });

  const sources: [string, () => unknown][] = [
    ['a WebAssembly.Module', () => new WebAssembly.Module(bytes())],
    ['a Module from another realm (instanceof fails)', () => runInNewContext('new WebAssembly.Module(b)', { b: bytes() })],
    ['bytes (Uint8Array)', () => bytes()],
    ['bytes (ArrayBuffer)', () => bytes().buffer],
    ['a Response', () => new Response(bytes(), { headers: { 'content-type': 'application/wasm' } })],
    ['a file: URL', () => url],
    ['a URL string', () => url.href],
    ['a promise of bytes', () => Promise.resolve(bytes())],
  ];
  for (const [name, make] of sources) {
    it(`accepts ${name}, then trains and serves on it`, async () => {
      const api = await fresh();
      const source = make();
      if (name.includes('another realm')) expect(source instanceof WebAssembly.Module).toBe(false);
      const info = await api.init(source as Parameters<Api['init']>[0]);
      expect(info.build).toBe('custom');
      const result = await trainAndRecommend(api);
      expect(result.backend).toBe('wasm');
      expect(result.items).toHaveLength(3);
      expect(api.wasmInfo().build).toBe('custom');
    });
  }

  it('without a source: the default place and the plain SIMD build (Node 20 has no relaxed SIMD without a flag)', async () => {
    const api = await fresh();
    const info = await api.init();
    expect(info.build).toBe('simd');
    expect(info.simdChoice).toBe('auto'); // the default; Node 20 cannot validate relaxed SIMD, so plain SIMD loads
    expect(info.threads).toBe(true);
    // A second init() without arguments returns the first result.
    await expect(api.init()).resolves.toEqual(info);
  });

  it("simd: 'auto' takes relaxed SIMD exactly where it validates; 'relaxed' refuses where it does not", async () => {
    let api = await fresh();
    const info = await api.init({ simd: 'auto' });
    expect(info.build).toBe(info.relaxedSimd ? 'relaxed-simd' : 'simd');
    api = await fresh();
    if (!api.wasmInfo().relaxedSimd) {
      await expect(api.init({ simd: 'relaxed' })).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    }
    api = await fresh();
    await expect(api.init({ simd: 'fast' as never })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('after first use: INIT_AFTER_USE with a hint', async () => {
    const api = await fresh();
    await trainAndRecommend(api);
    const error = await api.init(bytes()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(api.AlsError);
    expect(error).toMatchObject({ code: 'INIT_AFTER_USE' });
    expect((error as Error).message).toContain('before training');
  });

  it('a second init with a source: INIT_AFTER_USE', async () => {
    const api = await fresh();
    await api.init(bytes());
    await expect(api.init(bytes())).rejects.toMatchObject({ code: 'INIT_AFTER_USE' });
  });

  it('bad sources: INVALID_WASM_SOURCE, and init may then be retried', async () => {
    const api = await fresh();
    await expect(api.init(new Uint8Array([1, 2, 3, 4]))).rejects.toMatchObject({ code: 'INVALID_WASM_SOURCE' });
    await expect(api.init(new Response('nope', { status: 404 }))).rejects.toMatchObject({ code: 'INVALID_WASM_SOURCE' });
    await expect(api.init(new URL('../../build/missing.wasm', import.meta.url))).rejects.toMatchObject({
      code: 'INVALID_WASM_SOURCE',
    });
    await expect(api.init(42 as never)).rejects.toMatchObject({ code: 'INVALID_WASM_SOURCE' });
    const info = await api.init(bytes());
    expect(info.build).toBe('custom');
  });

  it('the threads build can be given too (threadsWasm)', async () => {
    const api = await fresh();
    await api.init({ wasm: bytes(), threadsWasm: readFileSync(new URL('../../build/als-threads.wasm', import.meta.url)) });
    const data = api.syntheticRatings({ numUsers: 200, numItems: 100, nnz: 4000, seed: 2 });
    const model = await new api.ALS({ factors: 4, iterations: 2, threads: 2 }).fit(
      api.Ratings.fromTriples(data, { denseIds: true, numUsers: 200, numItems: 100 }),
    );
    expect(model.options.threads).toBe(2);
    expect(api.wasmInfo().threadsBuild).toBe('custom');
  });
});

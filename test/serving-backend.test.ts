/**
 * Serving never silently falls back to the JavaScript kernels (issue 14 §5). Before, the
 * serving engine used WASM only when the single-threaded build had already been compiled in
 * the realm: after a multi-threaded fit (only the threads build compiled), after
 * ALSModel.load / fromBytes / fromFactors and the Spark and implicit loaders, it ran on the
 * JS twin, 5× slower. Each case here starts from a fresh module state (vi.resetModules: the
 * compiled-module cache of src/wasm/load.ts is new), and one from a fresh process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type Api = typeof import('../src/index.js');
type Interop = typeof import('../src/interop/index.js');
type Model = InstanceType<Api['ALSModel']>;

/** The library as a process that has just imported it sees it. */
async function fresh(): Promise<{ api: Api; interop: Interop }> {
  vi.resetModules();
  return { api: await import('../src/index.js'), interop: await import('../src/interop/index.js') };
}

/** Which kernels the model's serving runs on, after one recommendation. */
function served(api: Api, model: Model) {
  const first = model.recommend(model.userIds[0]!, { n: 3 });
  const engine = model.engine();
  expect(model.servingBackend).toBe(engine.kernels.backend);
  return {
    backend: model.servingBackend,
    shared: typeof SharedArrayBuffer === 'function' && engine.f32.buffer instanceof SharedArrayBuffer,
    reported: api.wasmInfo().serving,
    items: first.items.length,
  };
}

const triples = () => {
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < 40; u++) for (let i = 0; i < 30; i++) if ((u * 7 + i * 3) % 5 < 2) users.push(u), items.push(i);
  return { users, items, values: users.map((u, e) => 1 + ((u + items[e]!) % 5)) };
};

const dir = mkdtempSync(join(tmpdir(), 'serving-backend-'));
const files = { als: join(dir, 'm.als'), spark: join(dir, 'spark'), npz: join(dir, 'm.npz') };
let bytes: Uint8Array;
let factors: { userIds: number[]; itemIds: number[]; userFactors: Float32Array; itemFactors: Float32Array };

beforeAll(async () => {
  const { api, interop } = await fresh();
  const model = await new api.ALS({ factors: 6, iterations: 3, threads: 1, biases: false }).fit(
    api.Ratings.fromTriples(triples()),
  );
  bytes = model.toBytes();
  await model.save(files.als);
  await interop.saveSparkModel(model, files.spark);
  await interop.saveImplicitModel(model, files.npz);
  factors = {
    userIds: model.userIds as number[],
    itemIds: model.itemIds as number[],
    userFactors: model.userFactors,
    itemFactors: model.itemFactors,
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serving runs on WASM however the model came to be', () => {
  it('after a fit with 1 thread: the single-threaded build', async () => {
    const { api } = await fresh();
    const model = await new api.ALS({ factors: 6, iterations: 2, threads: 1 }).fit(api.Ratings.fromTriples(triples()));
    expect(served(api, model)).toEqual({ backend: 'wasm', shared: false, reported: 'wasm', items: 3 });
  });

  it('after a fit with 2 threads (only the threads build compiled): serves from the threads build', async () => {
    const { api } = await fresh();
    const model = await new api.ALS({ factors: 6, iterations: 2, threads: 2 }).fit(api.Ratings.fromTriples(triples()));
    // Served on a shared memory of its own: no second build was read or compiled.
    expect(served(api, model)).toEqual({ backend: 'wasm', shared: true, reported: 'wasm', items: 3 });
    expect(api.wasmInfo().build).toBe(null);
  });

  it('after ALSModel.load without init(): the build is compiled synchronously', async () => {
    const { api } = await fresh();
    const model = await api.ALSModel.load(files.als);
    expect(api.wasmInfo().build).toBe(null);
    expect(served(api, model)).toEqual({ backend: 'wasm', shared: false, reported: 'wasm', items: 3 });
    expect(api.wasmInfo().build).toMatch(/^(simd|relaxed-simd)$/);
  });

  it('after ALSModel.fromBytes, in the same tick as the import', async () => {
    const { api } = await fresh();
    expect(served(api, api.ALSModel.fromBytes(bytes))).toEqual({ backend: 'wasm', shared: false, reported: 'wasm', items: 3 });
  });

  it('after ALSModel.fromFactors', async () => {
    const { api } = await fresh();
    expect(served(api, api.ALSModel.fromFactors(factors))).toEqual({
      backend: 'wasm',
      shared: false,
      reported: 'wasm',
      items: 3,
    });
  });

  it('after loadSparkModel', async () => {
    const { api, interop } = await fresh();
    const model = await interop.loadSparkModel(files.spark);
    expect(served(api, model)).toEqual({ backend: 'wasm', shared: false, reported: 'wasm', items: 3 });
  });

  it('after loadImplicitModel (npz)', async () => {
    const { api, interop } = await fresh();
    const model = await interop.loadImplicitModel(files.npz);
    expect(served(api, model)).toEqual({ backend: 'wasm', shared: false, reported: 'wasm', items: 3 });
  });

  it('init({ backend: "js" }) is respected: serving and fits run on the JavaScript kernels', async () => {
    const { api } = await fresh();
    const info = await api.init({ backend: 'js' } as Parameters<Api['init']>[0]);
    expect([info.backend, info.build]).toEqual(['js', 'js']);
    const model = await new api.ALS({ factors: 6, iterations: 2, threads: 1 }).fit(api.Ratings.fromTriples(triples()));
    expect(model.options.backend).toBe('js');
    expect(served(api, model)).toEqual({ backend: 'js', shared: false, reported: 'js', items: 3 });
  });

  it('init({ backend }) refuses a name it does not know', async () => {
    const { api } = await fresh();
    await expect(api.init({ backend: 'gpu' } as unknown as Parameters<Api['init']>[0])).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });

  it('wasmInfo().serving is null before any model serves', async () => {
    const { api } = await fresh();
    expect(api.wasmInfo().serving).toBe(null);
  });
});

const DIST = new URL('../dist/index.js', import.meta.url);

describe('in a fresh process', () => {
  it.skipIf(!existsSync(DIST))('a model loaded from a file serves on WASM (dist/, no init)', () => {
    const script = join(dir, 'serve.mjs');
    writeFileSync(
      script,
      `import { ALSModel, wasmInfo } from ${JSON.stringify(DIST.href)};
const model = await ALSModel.load(${JSON.stringify(files.als)});
model.recommend(model.userIds[0], { n: 3 });
console.log(JSON.stringify({ backend: model.engine().kernels.backend, serving: wasmInfo().serving }));`,
    );
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ backend: 'wasm', serving: 'wasm' });
  });
});

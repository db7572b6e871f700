/**
 * als-wasm/interop's byte-level readers and writers need nothing from Node: bundled for the
 * browser with esbuild and run in a bare V8 context (no require, process, Buffer or fs),
 * they read an implicit .npz and round-trip a Spark model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('als-wasm/interop in a browser-like context', () => {
  it('bundles for the browser and reads and writes models without Node APIs', async () => {
    const result = await build({
      stdin: {
        contents: `
          import { readImplicitModel, readSparkModel, writeSparkModel } from './src/interop/index.ts';
          globalThis.check = async (npz) => {
            const model = readImplicitModel(npz);
            const back = await readSparkModel(writeSparkModel(model, { timestamp: 0 }));
            return { users: back.numUsers, items: back.numItems, k: back.factors, same: back.itemFactors.every((v, i) => v === model.itemFactors[i]) };
          };`,
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const context = createContext({ TextEncoder, TextDecoder, Uint8Array, console });
    runInContext(result.outputFiles[0]!.text, context);
    const npz = new Uint8Array(readFileSync(join(root, 'test', 'fixtures', 'npy', 'implicit_f64.npz')));
    const summary = await (context as { check: (b: Uint8Array) => Promise<unknown> }).check(npz);
    expect(JSON.parse(JSON.stringify(summary))).toEqual({ users: 4, items: 5, k: 3, same: true });
  });
});

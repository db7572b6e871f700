/**
 * The packed package itself: what `npm pack` ships (what users need and nothing else), the
 * exports conditions, and two linters on the tarball: publint (strict) and
 * @arethetypeswrong/cli (ESM-only profile: this package has no CommonJS build).
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { bin, packed, report, root, type Packed } from './pack.js';

const run = promisify(execFile);
const WASM = ['als.wasm', 'als-threads.wasm', 'als-relaxed.wasm', 'als-relaxed-threads.wasm'];

describe('the packed package', () => {
  let pack: Packed;

  beforeAll(() => {
    pack = packed();
  }, 240_000);

  it('ships dist/ (JS, declarations, the four .wasm builds), package.json and README.md, and nothing else', () => {
    const paths = pack.pack.files.map((f) => f.path).sort();
    for (const path of paths) expect(path).toMatch(/^(package\.json|README\.md|dist\/.+\.(js|d\.ts|wasm))$/);
    for (const file of WASM) expect(paths).toContain(`dist/wasm/${file}`);
    for (const file of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/serve.js',
      'dist/serve.d.ts',
      'dist/wasm/init.js',
      'dist/wasm/source.js',
      'dist/wasm/source.browser.js',
      'dist/wasm/source.workerd.js',
      'dist/wasm/source.edge.js',
      'dist/parallel/worker.browser.js',
      'dist/parallel/worker.node.js',
      'dist/node.js',
      'dist/node.d.ts',
      'dist/eval/index.js',
      'dist/eval/index.d.ts',
    ]) {
      expect(paths).toContain(file);
    }
    expect(
      paths.filter((p) => p.endsWith('.map') || p.startsWith('src/') || p.startsWith('build/') || p.startsWith('test/')),
    ).toEqual([]);
    const size = statSync(pack.tarball).size;
    report({ test: 'package', tarballBytes: size, unpackedBytes: pack.pack.unpackedSize, files: paths.length });
    // A budget against accidents, not a target: raised from 300 kB when the subspace and Gibbs
    // solvers, the multi-query scoring kernel and the evaluation protocols came in (312 kB), and
    // to 380 kB with CG's four-row lockstep, the blocked Cholesky, the two-row scoring tiles
    // (each in four .wasm builds, 25 → 35 kB apiece) and the in-place memory path (358 kB),
    // and to 400 kB with the int16 screening kernels, the Gibbs normals drawn in the kernel
    // (35 → 42 kB a build) and the ALSCOO01 loader (383 kB).
    expect(size).toBeLessThan(400_000);
  });

  it('exports: workerd, edge-light, browser, node, default (after types) for als-wasm and als-wasm/serve; sideEffects false', () => {
    const manifest = JSON.parse(readFileSync(join(pack.app, 'node_modules', 'als-wasm', 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      imports: Record<string, Record<string, string>>;
      sideEffects: boolean;
    };
    for (const entry of ['.', './serve']) {
      expect(Object.keys(manifest.exports[entry] as object)).toEqual([
        'types',
        'workerd',
        'edge-light',
        'browser',
        'node',
        'default',
      ]);
    }
    for (const file of WASM) expect(manifest.exports[`./${file}`]).toBe(`./dist/wasm/${file}`);
    // The subpaths of the public surface: types first, like ./interop.
    expect(manifest.exports['./node']).toEqual({ types: './dist/node.d.ts', node: './dist/node.js', default: './dist/node.js' });
    expect(manifest.exports['./eval']).toEqual({ types: './dist/eval/index.d.ts', default: './dist/eval/index.js' });
    expect(Object.keys(manifest.imports['#wasm-source']!)).toEqual(['types', 'workerd', 'edge-light', 'browser', 'default']);
    expect(manifest.sideEffects).toBe(false);
  });

  it('publint (strict) passes on the tarball', async () => {
    const { stdout } = await run(bin('publint'), ['run', pack.tarball, '--strict'], { cwd: root, timeout: 60_000 }).catch(
      (error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`publint failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      },
    );
    expect(stdout).toContain('All good');
  }, 60_000);

  it('@arethetypeswrong/cli passes on the tarball (ESM-only profile; the .wasm subpaths are files, not modules)', async () => {
    await run(bin('attw'), [pack.tarball, '--profile', 'esm-only', '--exclude-entrypoints', ...WASM, '--format', 'ascii'], {
      cwd: root,
      timeout: 60_000,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`attw failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    });
  }, 60_000);
});

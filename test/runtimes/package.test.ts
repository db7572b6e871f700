/**
 * The packed package itself: what `npm pack` ships (what users need and nothing else), the
 * exports conditions, and two linters on the tarball: publint (strict) and
 * @arethetypeswrong/cli (ESM-only profile: this package has no CommonJS build).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
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

  it('ships dist/ (bundles, declarations, the four .wasm builds), package.json and README.md, and nothing else', () => {
    const paths = pack.pack.files.map((f) => f.path).sort();
    for (const path of paths) expect(path).toMatch(/^(package\.json|README\.md|dist\/.+\.(js|d\.ts|wasm))$/);
    for (const file of WASM) expect(paths).toContain(`dist/wasm/${file}`);
    for (const file of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/serve.js',
      'dist/serve.d.ts',
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
      'dist/interop/index.js',
      'dist/cli/main.js',
      'dist/cli/demo.js',
      'dist/parallel/spawn.node.js',
      'dist/parallel/spawn.browser.js',
      'dist/io/model-file.js',
    ]) {
      expect(paths).toContain(file);
    }
    // No source maps: the bundles' maps hold their sources (sourcesContent, 649 kB packed against
    // 310 without), and a map whose sources are missing makes Vite and webpack warn on every file.
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

  it('ships bundles, not the module files tsc writes beside them: every relative import of a shipped file is shipped', () => {
    const paths = new Set(pack.pack.files.map((f) => f.path));
    // tsc's module files stay in dist/ for the repository's tests; the package has their code in chunks.
    for (const module of ['dist/train/als.js', 'dist/wasm/load.js', 'dist/wasm/init.js', 'dist/parallel/worker-core.js']) {
      expect(paths.has(module), module).toBe(false);
    }
    const chunks = [...paths].filter((p) => p.startsWith('dist/chunks/') && p.endsWith('.js'));
    expect(chunks.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const path of [...paths].filter((p) => p.endsWith('.js'))) {
      const text = readFileSync(join(pack.app, 'node_modules', 'als-wasm', path), 'utf8');
      // Static and dynamic imports, the model file's import by a variable, new URL('./…', import.meta.url).
      // (Vercel's `?module` suffix is the host's, on a file that is shipped.)
      const specifiers = text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|MODEL_FILE\d* = |new URL\()"(\.\.?\/[^"]+)"/g);
      for (const [, specifier] of specifiers) {
        if (specifier!.includes('/dist/')) continue; // spawn.node.js's path from the TypeScript source
        const target = posix.normalize(posix.join(posix.dirname(path), specifier!.replace(/\?module$/, '')));
        if (!paths.has(target)) missing.push(`${path} → ${specifier}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('from the installed package in Node: a 2-thread fit, save and load of a model file, and the CLI', async () => {
    const app = pack.app;
    const script = join(app, 'save-load.mjs');
    writeFileSync(
      script,
      `import { ALS, ALSModel, Ratings, syntheticRatings } from 'als-wasm';
import { rmSync } from 'node:fs';
const t = syntheticRatings({ numUsers: 200, numItems: 100, nnz: 3000, seed: 1 });
const ratings = Ratings.fromTriples(t, { denseIds: true, numUsers: 200, numItems: 100 });
const model = await new ALS({ factors: 8, iterations: 2, threads: 2, seed: 1 }).fit(ratings);
const file = new URL('./save-load.als', import.meta.url);
await model.save(file.pathname, { overwrite: true });
const loaded = await ALSModel.load(file.pathname);
rmSync(file);
console.log(JSON.stringify({ threads: model.options.threads, same: loaded.itemFactors.every((v, i) => v === model.itemFactors[i]) }));
`,
    );
    const { stdout } = await run(process.execPath, [script], { cwd: app, timeout: 60_000 });
    expect(JSON.parse(stdout.trim())).toEqual({ threads: 2, same: true });
    const version = await run(join(app, 'node_modules', '.bin', 'als-wasm'), ['--version'], { cwd: app, timeout: 30_000 });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    expect(existsSync(join(dirname(script), 'save-load.als'))).toBe(false);
  }, 60_000);

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

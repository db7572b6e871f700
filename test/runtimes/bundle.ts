/**
 * esbuild the way each platform's own tooling does it, from the packed package installed in
 * packed().app (never from src/):
 * - Workers: wrangler's settings (platform neutral, conditions workerd/worker/browser, ESM),
 *   with *.wasm and model files left as separate modules (wrangler's CompiledWasm and Data
 *   rules), copied next to the bundle.
 * - Vercel Edge: a script (edge-runtime runs scripts, not modules), conditions
 *   edge-light/worker/browser; `import m from './x.wasm?module'` becomes the global that the
 *   host binds to a WebAssembly.Module, as Next.js does.
 * - Browsers: a page and the worker entry, platform browser.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

/** Leaves `*.wasm` and `*.als` imports as modules next to the bundle (wrangler's rules). */
function separateModules(outDir: string): Plugin {
  return {
    name: 'separate-modules',
    setup(b) {
      b.onResolve({ filter: /\.(wasm|als)$/ }, (args) => {
        const from = resolve(args.resolveDir, args.path);
        copyFileSync(from, join(outDir, basename(from)));
        return { path: `./${basename(from)}`, external: true };
      });
    },
  };
}

/** `import m from './als.wasm?module'` → the global the host binds (Next.js / Vercel). */
function vercelWasmModules(): Plugin {
  return {
    name: 'vercel-wasm-modules',
    setup(b) {
      b.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({
        path: basename(args.path.replace(/\?module$/, '')),
        namespace: 'vercel-wasm',
      }));
      b.onLoad({ filter: /.*/, namespace: 'vercel-wasm' }, (args) => ({
        contents: `export default globalThis[${JSON.stringify(`wasm_${args.path.replace(/\W/g, '_')}`)}];`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Node built-ins are imported by variable specifiers throughout the package, so these bundles
 * need no node: externals or shims.
 */
export async function bundleWorker(app: string, entry: string, outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'worker.js');
  await build({
    absWorkingDir: app,
    entryPoints: [entry],
    bundle: true,
    outfile,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    minify: true,
    logLevel: 'error',
    plugins: [separateModules(outDir)],
  });
  return outfile;
}

export async function bundleEdge(app: string, entry: string, outfile: string): Promise<string> {
  const result = await build({
    absWorkingDir: app,
    entryPoints: [entry],
    bundle: true,
    write: false,
    outfile,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    conditions: ['edge-light', 'worker', 'browser'],
    loader: { '.als': 'binary' },
    minify: true,
    logLevel: 'error',
    plugins: [vercelWasmModules()],
  });
  return result.outputFiles[0]!.text;
}

export async function bundleBrowser(app: string, entries: Record<string, string>, outDir: string): Promise<void> {
  await build({
    absWorkingDir: app,
    entryPoints: entries,
    bundle: true,
    outdir: outDir,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'error',
  });
}

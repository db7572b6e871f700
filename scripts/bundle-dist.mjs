// The package's JavaScript as esbuild bundles (issue 14 §4, docs/memory.md "Shipping bundles"):
// every entry a user or a runtime loads is one file, plus shared chunks in dist/chunks/. Loading
// 84 small modules grows V8's young generation and keeps it grown through a fit; the same code as
// a few bundles peaks ~5 MiB lower. Runs after tsc, whose module files and declarations stay in
// dist/ for the tests and benchmarks that import internals; package.json "files" ships only the
// JavaScript this script writes (the entries below and their chunks), the declarations and the
// .wasm builds.
//
// Each bundle gets a source map with its sources inside (sourcesContent), for debugging in the
// repository. The package does not ship them: with their sources they would take the tarball
// from 310 to 649 kB, and a map without its sources makes Vite and webpack warn on every file.
//
// Kept external, so that a user's bundler or runtime still chooses:
// - "#spawn" and "#wasm-source": package.json "imports" picks the node / browser / workerd /
//   edge-light variant, and each variant is an entry here, written where "imports" points;
// - node:* built-ins and the npm dependencies;
// - the .wasm imports of the workerd and edge variants (wrangler's and Vercel's own rules).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** Every entry the package ships, as src/ paths: dist/ mirrors them (outbase src). */
const ENTRIES = [
  // package.json "exports", "bin" and `npm run demo`
  'index.ts',
  'serve.ts',
  'node.ts',
  'eval/index.ts',
  'interop/index.ts',
  'cli/main.ts',
  'cli/demo.ts',
  // the scripts a pool's workers start (new URL('./worker.*.js', import.meta.url) in spawn.*.ts)
  'parallel/worker.node.ts',
  'parallel/worker.browser.ts',
  // the conditional variants of package.json "imports"
  'parallel/spawn.node.ts',
  'parallel/spawn.browser.ts',
  'wasm/source.ts',
  'wasm/source.browser.ts',
  'wasm/source.workerd.ts',
  'wasm/source.edge.ts',
  // SEPARATE below
  'io/model-file.ts',
];

/**
 * Modules that must stay in a file of their own, each an entry above: every import of one from
 * other code becomes an import of its output file, with the path rewritten from wherever that
 * code lands (an entry or a chunk).
 * - io/model-file.ts is imported through a specifier held in a variable (model/model-files.ts),
 *   so that bundlers (ours and users') leave file saving out of code that never calls it;
 *   esbuild keeps such an import as written, which would be relative to the wrong file.
 */
const SEPARATE = [
  { module: 'io/model-file.ts', variable: { importer: 'model/model-files.ts', specifier: '../io/model-file.js' } },
];
const PLACEHOLDER = (i) => `__als_wasm_separate_${i}__`;
const srcPath = (module) => join(root, 'src', module);

/** Imports of a SEPARATE module, static or by variable, swapped for placeholders. */
const separateModules = {
  name: 'separate-modules',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      const i = SEPARATE.findIndex((s) => srcPath(s.module) === target);
      return i < 0 ? undefined : { path: PLACEHOLDER(i), external: true };
    });
    for (const [i, { variable }] of SEPARATE.entries()) {
      if (!variable) continue;
      const file = srcPath(variable.importer);
      b.onLoad({ filter: new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`) }, async () => {
        const source = await readFile(file, 'utf8');
        // The constant, not the `typeof import(…)` types beside it.
        const constant = `= '${variable.specifier}';`;
        if (source.split(constant).length !== 2) {
          throw new Error(`${variable.importer} should hold "${constant}" once (scripts/bundle-dist.mjs SEPARATE)`);
        }
        return { contents: source.replace(constant, `= '${PLACEHOLDER(i)}';`), loader: 'ts' };
      });
    }
  },
};

/**
 * Code that resolves a URL against its own import.meta.url must stay in its entry, except these
 * modules, whose chunk sits one folder below dist/ as their module did (dist/chunks/ for
 * dist/wasm/load.js), so their '../' paths name the same files.
 */
const CHUNK_MAY_USE_OWN_URL = ['src/wasm/load.ts'];

/** `import x from './als.wasm'` (workerd) and `'./als.wasm?module'` (Vercel) stay as written. */
const wasmImports = {
  name: 'wasm-imports',
  setup(b) {
    b.onResolve({ filter: /\.wasm(\?module)?$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * Fails the build when code that resolves paths against its own import.meta.url landed in
 * another file than its own entry (or, for CHUNK_MAY_USE_OWN_URL, in a chunk of dist/chunks/).
 */
async function checkOwnUrls(metafile) {
  for (const [output, { inputs, entryPoint }] of Object.entries(metafile.outputs)) {
    if (!output.endsWith('.js')) continue;
    const inChunk = !entryPoint && dirname(output) === 'dist/chunks';
    for (const input of Object.keys(inputs)) {
      if (input === entryPoint || !input.startsWith('src/')) continue;
      if (inChunk && CHUNK_MAY_USE_OWN_URL.includes(input)) continue;
      if ((await readFile(join(root, input), 'utf8')).includes('import.meta.url')) {
        throw new Error(`${input} uses import.meta.url but landed in ${output}: see SEPARATE in scripts/bundle-dist.mjs`);
      }
    }
  }
}

async function main() {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ENTRIES.map((entry) => join('src', entry)),
    outbase: 'src',
    outdir: 'dist',
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    tsconfig: 'tsconfig.json',
    packages: 'external',
    external: ['#spawn', '#wasm-source', 'node:*'],
    sourcemap: 'linked',
    sourcesContent: true,
    legalComments: 'none',
    write: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [separateModules, wasmImports],
  });

  await checkOwnUrls(result.metafile);
  await rm(join(dist, 'chunks'), { recursive: true, force: true });
  const rewritten = new Set();
  for (const output of result.outputFiles) {
    let text = output.text;
    for (const [i, separate] of SEPARATE.entries()) {
      if (!text.includes(PLACEHOLDER(i))) continue;
      if (output.path.endsWith('.map')) {
        // sourcesContent: give the importer back its own text.
        if (!separate.variable) throw new Error(`${PLACEHOLDER(i)} in ${output.path}`);
        text = text.split(PLACEHOLDER(i)).join(separate.variable.specifier);
        continue;
      }
      let path = relative(dirname(output.path), join(dist, separate.module.replace(/\.ts$/, '.js')))
        .split('\\')
        .join('/');
      if (!path.startsWith('.')) path = `./${path}`;
      text = text.split(PLACEHOLDER(i)).join(path);
      rewritten.add(i);
    }
    await mkdir(dirname(output.path), { recursive: true });
    await writeFile(output.path, text);
  }
  if (rewritten.size < SEPARATE.length) throw new Error('an import of a SEPARATE module was not found in the bundles');

  const chunks = result.outputFiles.filter((o) => o.path.startsWith(join(dist, 'chunks')) && o.path.endsWith('.js'));
  const bytes = result.outputFiles.filter((o) => o.path.endsWith('.js')).reduce((sum, o) => sum + o.contents.length, 0);
  console.log(
    `bundled ${ENTRIES.length} entries and ${chunks.length} shared chunks into dist/ (${(bytes / 1024).toFixed(1)} KiB)`,
  );
}

await main();

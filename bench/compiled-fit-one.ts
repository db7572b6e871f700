/**
 * bench/fit-one.ts compiled to plain JavaScript beside itself (so its '../dist/index.js' import
 * still resolves), for benchmarks that measure a fit's peak RSS: under `tsx`, the loader thread
 * alone adds ~45 MiB, more than the ratings' CSR. Remove the file with `dispose()`.
 *
 * `root`: another checkout (or a folder holding a package.json and a built dist/) to run it
 * against instead, e.g. a copy of an earlier dist/ for a before/after comparison.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

export function compileFitOne(root = fileURLToPath(new URL('..', import.meta.url))): { path: string; dispose(): void } {
  const here = fileURLToPath(new URL('..', import.meta.url));
  const path = join(root, 'bench', `.fit-one.${process.pid}.mjs`);
  const code = buildSync({ entryPoints: [join(here, 'bench/fit-one.ts')], write: false, format: 'esm', platform: 'node' });
  mkdirSync(join(root, 'bench'), { recursive: true });
  writeFileSync(path, code.outputFiles[0]!.text);
  return { path, dispose: () => rmSync(path, { force: true }) };
}

/**
 * bench/fit-one.ts compiled to plain JavaScript beside itself (so its '../dist/index.js' import
 * still resolves), for benchmarks that measure a fit's peak RSS: under `tsx`, the loader thread
 * alone adds ~45 MiB, more than the ratings' CSR. Remove the file with `dispose()`.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

export function compileFitOne(): { path: string; dispose(): void } {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const path = join(root, 'bench', `.fit-one.${process.pid}.mjs`);
  const code = buildSync({ entryPoints: [join(root, 'bench/fit-one.ts')], write: false, format: 'esm', platform: 'node' });
  writeFileSync(path, code.outputFiles[0]!.text);
  return { path, dispose: () => rmSync(path, { force: true }) };
}

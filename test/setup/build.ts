/**
 * vitest globalSetup: builds the package once before the tests, and only when a source is
 * newer than what was built. `npm install` already builds (the prepare script), so `npm
 * install && npm test` builds once, and threaded tests (which run the worker from dist/) and
 * the packed-package tests never run stale code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SOURCES = ['src', 'assembly', 'scripts', 'package.json', 'tsconfig.json', 'asconfig.json'];
const OUTPUTS = [
  'dist/index.js',
  'dist/cli/main.js',
  'dist/parallel/worker.node.js',
  'dist/wasm/als.wasm',
  'dist/wasm/als-threads.wasm',
  'dist/wasm/als-relaxed.wasm',
  'dist/wasm/als-relaxed-threads.wasm',
];

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

export function stale(): boolean {
  const outputs = OUTPUTS.map((p) => join(root, p));
  if (!outputs.every(existsSync)) return true;
  const built = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  return SOURCES.some((p) => existsSync(join(root, p)) && newest(join(root, p)) > built);
}

export default function setup(): void {
  if (!stale()) return;
  console.log('als-wasm: sources changed since the last build: npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}

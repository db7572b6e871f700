// Copies the four kernel builds from build/ into dist/wasm/, where the package ships them:
// next to the "#wasm-source" modules (dist/wasm/source*.js), so `new URL('./als.wasm',
// import.meta.url)` finds them unbundled, `import './als.wasm'` resolves for Workers and
// Vercel Edge, and bundlers see them as assets. The bench-only peak*.wasm stays out.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILDS = ['als.wasm', 'als-threads.wasm', 'als-relaxed.wasm', 'als-relaxed-threads.wasm'];
await mkdir(resolve(root, 'dist', 'wasm'), { recursive: true });
for (const file of BUILDS) {
  await copyFile(resolve(root, 'build', file), resolve(root, 'dist', 'wasm', file));
  // Builds before the move sat in dist/ itself: never leave a stale copy beside the new one.
  await rm(resolve(root, 'dist', file), { force: true });
}
console.log('copied 4 kernel builds into dist/wasm/');

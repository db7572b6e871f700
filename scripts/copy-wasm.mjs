// Copies the four kernel builds from build/ into dist/, where the package ships them (next to
// the entry modules, so `new URL('./als.wasm', import.meta.url)` finds them unbundled and
// bundlers see them as assets). The bench-only peak*.wasm stays out.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
await mkdir(resolve(root, 'dist'), { recursive: true });
for (const file of ['als.wasm', 'als-threads.wasm', 'als-relaxed.wasm', 'als-relaxed-threads.wasm']) {
  await copyFile(resolve(root, 'build', file), resolve(root, 'dist', file));
}
console.log('copied 4 kernel builds into dist/');

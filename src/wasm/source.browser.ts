/**
 * "#wasm-source" for browsers: each build next to this module. Literal `new URL(…,
 * import.meta.url)` so bundlers see the files: Vite and webpack emit them as assets and
 * rewrite the URL; with esbuild (which leaves the expression alone) copy
 * node_modules/als-wasm/dist/wasm/*.wasm next to your bundle.
 */
import type { WasmFile, WasmSource } from './load.js';

export function wasmSource(file: WasmFile): WasmSource | PromiseLike<WasmSource> | null | undefined {
  switch (file) {
    case 'als.wasm':
      return new URL('./als.wasm', import.meta.url);
    case 'als-threads.wasm':
      return new URL('./als-threads.wasm', import.meta.url);
    case 'als-relaxed.wasm':
      return new URL('./als-relaxed.wasm', import.meta.url);
    case 'als-relaxed-threads.wasm':
      return new URL('./als-relaxed-threads.wasm', import.meta.url);
  }
  return null;
}

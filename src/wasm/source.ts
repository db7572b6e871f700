/**
 * "#wasm-source" for Node, Deno, Bun and anything without a more specific condition: each
 * build next to this module in dist/wasm/ (read with node:fs in Node, else fetched). From the
 * TypeScript source (vitest, tsx) null, so src/wasm/load.ts takes the fresh build in build/.
 * The other conditions: source.browser.ts, source.workerd.ts, source.edge.ts.
 */
import type { WasmFile, WasmSource } from './load.js';

/** null: the default place; undefined: this build is not shipped for this runtime. */
export function wasmSource(file: WasmFile): WasmSource | PromiseLike<WasmSource> | null | undefined {
  return import.meta.url.endsWith('.ts') ? null : new URL(`./${file}`, import.meta.url);
}

/**
 * "#wasm-source" for Node, Deno, Bun and anything without a more specific condition: each
 * build next to this module in dist/wasm/ (read with node:fs in Node, else fetched). The
 * TypeScript source (vitest, tsx) reaches dist/wasm/source.js here too, through package.json's
 * imports; src/wasm/load.ts then takes the fresh build in build/ without asking.
 * The other conditions: source.browser.ts, source.workerd.ts, source.edge.ts.
 */
import type { WasmFile, WasmSource } from './load.js';

/** null: the default place; undefined: this build is not shipped for this runtime. */
export function wasmSource(file: WasmFile): WasmSource | PromiseLike<WasmSource> | null | undefined {
  return import.meta.url.endsWith('.ts') ? null : new URL(`./${file}`, import.meta.url);
}

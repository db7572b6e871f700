/**
 * "#wasm-source" for Node, Deno, Bun and anything without a more specific condition: null,
 * so src/wasm/load.ts reads each build from dist/ next to itself (node:fs in Node, else fetch).
 * The other conditions: wasm-source.browser.ts, wasm-source.workerd.ts, wasm-source.edge.ts.
 */
import type { WasmFile, WasmSource } from './wasm/load.js';

/** null: the default place; undefined: this build is not shipped for this runtime. */
export function wasmSource(_file: WasmFile): WasmSource | PromiseLike<WasmSource> | null | undefined {
  return null;
}

/**
 * "#wasm-source" for Vercel Edge (the edge-light condition): compiling bytes is refused there,
 * so the single-threaded SIMD build comes precompiled through Vercel's `?module` import. No
 * threads at the edge; the relaxed-SIMD build can be passed to init() explicitly.
 */
// @ts-ignore -- a .wasm?module import: a WebAssembly.Module on Vercel Edge.
import als from './als.wasm?module';
import type { WasmFile, WasmSource } from './wasm/load.js';

export function wasmSource(file: WasmFile): WasmSource | PromiseLike<WasmSource> | null | undefined {
  return file === 'als.wasm' ? (als as WebAssembly.Module) : undefined;
}

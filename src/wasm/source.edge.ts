/**
 * "#wasm-source" for Vercel Edge (the edge-light condition): compiling bytes is refused there,
 * so the single-threaded builds come precompiled through Vercel's `?module` import: plain SIMD
 * and relaxed SIMD (taken by init's default 'auto' where the runtime validates it). No threads
 * at the edge, so no shared-memory build.
 */
// @ts-ignore -- .wasm?module imports: WebAssembly.Modules on Vercel Edge.
import als from './als.wasm?module';
// @ts-ignore -- as above
import alsRelaxed from './als-relaxed.wasm?module';
import type { WasmFile, WasmSource } from './load.js';

export function wasmSource(file: WasmFile): WasmSource | PromiseLike<WasmSource> | null | undefined {
  if (file === 'als.wasm') return als as WebAssembly.Module;
  if (file === 'als-relaxed.wasm') return alsRelaxed as WebAssembly.Module;
  return undefined;
}

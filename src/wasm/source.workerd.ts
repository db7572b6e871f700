/**
 * "#wasm-source" for Cloudflare Workers (workerd): compiling bytes is refused there, so the
 * single-threaded builds come precompiled by import (wrangler's CompiledWasm rule for *.wasm):
 * plain SIMD and relaxed SIMD (taken by init's default 'auto' where workerd validates it;
 * about 4.7 KB more, gzipped). Workers have no threads, so no shared-memory build.
 */
// @ts-ignore -- .wasm imports: WebAssembly.Modules in workerd, resolved by the Worker's bundler.
import als from './als.wasm';
// @ts-ignore -- as above
import alsRelaxed from './als-relaxed.wasm';
import type { WasmFile, WasmSource } from './load.js';

export function wasmSource(file: WasmFile): WasmSource | PromiseLike<WasmSource> | null | undefined {
  if (file === 'als.wasm') return als as WebAssembly.Module;
  if (file === 'als-relaxed.wasm') return alsRelaxed as WebAssembly.Module;
  return undefined;
}

/**
 * "#wasm-source" for Cloudflare Workers (workerd): compiling bytes is refused there, so the
 * single-threaded SIMD build comes precompiled by import (wrangler's CompiledWasm rule for
 * *.wasm). Workers have no threads, and the relaxed-SIMD build is left out to keep the Worker
 * small: import 'als-wasm/als-relaxed.wasm' yourself and pass it to init() to use it.
 */
// @ts-ignore -- a .wasm import: a WebAssembly.Module in workerd, resolved by the Worker's bundler.
import als from './als.wasm';
import type { WasmFile, WasmSource } from './wasm/load.js';

export function wasmSource(file: WasmFile): WasmSource | PromiseLike<WasmSource> | null | undefined {
  return file === 'als.wasm' ? (als as WebAssembly.Module) : undefined;
}

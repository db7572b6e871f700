import { AlsError, ErrorCode } from '../errors.js';
import { loadWasmModule, simdSupported } from '../wasm/load.js';
import { createMemory } from '../wasm/memory.js';
import { createJsKernels } from './js.js';
import type { Kernels } from './types.js';
import { createWasmKernels } from './wasm.js';

/** Kernels bound to a fresh memory of `bytes`, and that memory's buffer for the TS views. */
export interface Backend {
  kernels: Kernels;
  buffer: ArrayBufferLike;
}

let warnedNoWasm = false;

/**
 * 'wasm' needs WebAssembly with SIMD (refused with a coded error otherwise); 'js' always
 * works; 'auto' takes WASM where it validates and falls back to JS with one warning.
 */
export async function createBackend(name: 'auto' | 'wasm' | 'js', bytes: number): Promise<Backend> {
  const wasm = name !== 'js' && simdSupported();
  if (name === 'wasm' && !wasm) {
    throw new AlsError(
      ErrorCode.BACKEND_UNAVAILABLE,
      'This runtime has no WebAssembly SIMD.',
      "Use backend: 'auto' or 'js' (slower), or a runtime with WASM SIMD (Node ≥ 16.4, current browsers).",
    );
  }
  if (!wasm) {
    if (name === 'auto' && !warnedNoWasm) {
      warnedNoWasm = true;
      console.warn('als-wasm: WebAssembly SIMD is unavailable here; using the (slower) JavaScript kernels.');
    }
    const buffer = new ArrayBuffer(bytes);
    return { kernels: createJsKernels(buffer), buffer };
  }
  const module = await loadWasmModule({ threads: false });
  let memory: WebAssembly.Memory;
  try {
    memory = createMemory(bytes, false);
  } catch (cause) {
    throw new AlsError(ErrorCode.TOO_LARGE, `Could not allocate ${bytes} bytes of WebAssembly memory.`, 'Reduce factors or the data set, or free memory.', { cause });
  }
  return { kernels: createWasmKernels(module, memory), buffer: memory.buffer };
}

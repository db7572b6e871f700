import { AlsError, ErrorCode } from '../errors.js';
import { backendChoice, loadWasmModule, simdSupported } from '../wasm/load.js';
import { createMemory } from '../wasm/memory.js';
import { createJsKernels } from './js/index.js';
import type { Kernels } from './types.js';
import { createWasmKernels } from './wasm.js';

/** Kernels bound to a fresh memory, with what workers need to join it. */
export interface Backend {
  kernels: Kernels;
  buffer: ArrayBufferLike;
  memory: WebAssembly.Memory | null;
  /** The compiled module (null for the JS backend), posted to workers as it is. */
  module: WebAssembly.Module | null;
}

let warnedNoWasm = false;

/**
 * 'wasm' needs WebAssembly with SIMD (refused with a coded error otherwise); 'js' always
 * works; 'auto' is what init({ backend }) chose, by default WASM where it validates with a
 * fall back to JS and one warning.
 * `shared`: the memory is a SharedArrayBuffer for worker threads (and the WASM build whose
 * memory import is shared).
 */
export async function createBackend(asked: 'auto' | 'wasm' | 'js', bytes: number, shared: boolean): Promise<Backend> {
  // 'auto' defers to init({ backend }), the user's choice for everything not told otherwise.
  const name = asked === 'auto' ? backendChoice() : asked;
  const wasm = name !== 'js' && simdSupported();
  if (name === 'wasm' && !wasm) {
    throw new AlsError(
      ErrorCode.BACKEND_UNAVAILABLE,
      'This runtime has no WebAssembly SIMD.',
      "Use backend: 'auto' or 'js' (slower), or a runtime with WASM SIMD (Node ≥ 16.4, current browsers).",
    );
  }
  if (!wasm && name === 'auto' && !warnedNoWasm) {
    warnedNoWasm = true;
    console.warn('als-wasm: WebAssembly SIMD is unavailable here; using the (slower) JavaScript kernels.');
  }
  if (!wasm && !shared && typeof WebAssembly !== 'object') {
    const buffer = new ArrayBuffer(bytes);
    return { kernels: createJsKernels(buffer), buffer, memory: null, module: null };
  }
  let memory: WebAssembly.Memory;
  try {
    memory = createMemory(bytes, shared);
  } catch (cause) {
    throw new AlsError(
      ErrorCode.TOO_LARGE,
      `Could not allocate ${bytes} bytes of WebAssembly memory.`,
      'Reduce factors or the data set, or free memory.',
      { cause },
    );
  }
  if (!wasm) return { kernels: createJsKernels(memory.buffer), buffer: memory.buffer, memory, module: null };
  const module = await loadWasmModule({ threads: shared });
  return { kernels: createWasmKernels(module, memory), buffer: memory.buffer, memory, module };
}

/**
 * Test helpers: a seeded PRNG, a bump allocator over one memory, and the list of kernel
 * backends the conformance suite runs over.
 */
import { existsSync } from 'node:fs';
import { createJsKernels } from '../src/kernels/js/index.js';
import type { Kernels } from '../src/kernels/types.js';
import { Prng } from '../src/train/prng.js';

/** A seeded uniform PRNG in [0, 1): the library's own mulberry32 (src/train/prng.ts). */
export function rng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}

/** Uniform in [lo, hi), rounded to f32 so the f64 reference sees exactly what the kernel sees. */
export function uniform(rand: () => number, lo: number, hi: number): number {
  return Math.fround(lo + (hi - lo) * rand());
}

export interface F32Block {
  ptr: number;
  view: Float32Array;
}
export interface I32Block {
  ptr: number;
  view: Int32Array;
}

/**
 * A bump allocator over a memory's buffer: every block starts 16-byte aligned (v128 loads) and
 * is zero-filled. Offset 0 is never handed out, since a zero pointer means "none".
 */
export class Arena {
  private offset = 64;
  constructor(readonly buffer: ArrayBufferLike) {}

  reset(): void {
    this.offset = 64;
  }

  private take(count: number): number {
    const ptr = this.offset;
    const bytes = Math.max(count, 1) * 4;
    this.offset = Math.ceil((ptr + bytes) / 16) * 16;
    if (this.offset > this.buffer.byteLength) throw new Error(`test arena out of memory (${this.offset} bytes)`);
    new Uint8Array(this.buffer, ptr, bytes).fill(0);
    return ptr;
  }

  f32(countOrData: number | ArrayLike<number>): F32Block {
    const n = typeof countOrData === 'number' ? countOrData : countOrData.length;
    const ptr = this.take(n);
    const view = new Float32Array(this.buffer, ptr, n);
    if (typeof countOrData !== 'number') view.set(countOrData);
    return { ptr, view };
  }

  i32(countOrData: number | ArrayLike<number>): I32Block {
    const n = typeof countOrData === 'number' ? countOrData : countOrData.length;
    const ptr = this.take(n);
    const view = new Int32Array(this.buffer, ptr, n);
    if (typeof countOrData !== 'number') view.set(countOrData);
    return { ptr, view };
  }
}

/** Bytes of memory each backend gets in the tests (a few MiB is plenty at k ≤ 128). */
export const TEST_MEMORY_BYTES = 16 << 20;

export interface BackendUnderTest {
  kernels: Kernels;
  buffer: ArrayBufferLike;
}

export type BackendFactory = () => Promise<BackendUnderTest>;

function newMemory(): WebAssembly.Memory {
  const pages = TEST_MEMORY_BYTES / 65536;
  return new WebAssembly.Memory({ initial: pages, maximum: pages });
}

export interface BackendEntry {
  /** 'js', 'wasm', 'wasm-threads' (the shared-memory build) or 'wasm-relaxed' (FMA). */
  name: string;
  make: BackendFactory | null;
  skipReason?: string;
}

/**
 * Every backend the suite runs over, with the reason when one is unavailable. The WASM modules
 * are imported lazily so the JS backend is tested even before they exist.
 */
export async function listBackends(): Promise<BackendEntry[]> {
  const js: BackendFactory = async () => {
    const memory = newMemory();
    return { kernels: createJsKernels(memory.buffer), buffer: memory.buffer };
  };
  const entries: BackendEntry[] = [{ name: 'js', make: js }];
  const built = (file: string) => existsSync(new URL(`../build/${file}`, import.meta.url));
  if (!built('als.wasm')) {
    entries.push({ name: 'wasm', make: null, skipReason: 'build/als.wasm does not exist: run `npm run build:wasm` first' });
    return entries;
  }
  const load = await import('../src/wasm/load.js');
  const { createMemory } = await import('../src/wasm/memory.js');
  const { createWasmKernels } = await import('../src/kernels/wasm.js');
  const wasm =
    (options: { threads?: boolean; relaxed?: boolean }): BackendFactory =>
    async () => {
      const module = await load.loadWasmModule(options);
      const memory = createMemory(TEST_MEMORY_BYTES, options.threads === true);
      return { kernels: createWasmKernels(module, memory), buffer: memory.buffer };
    };
  entries.push({ name: 'wasm', make: wasm({}) });
  entries.push(
    !built('als-threads.wasm')
      ? { name: 'wasm-threads', make: null, skipReason: 'build/als-threads.wasm does not exist' }
      : !load.sharedMemorySupported()
        ? { name: 'wasm-threads', make: null, skipReason: 'no shared WebAssembly memory in this runtime' }
        : { name: 'wasm-threads', make: wasm({ threads: true }) },
  );
  entries.push(
    !built('als-relaxed.wasm')
      ? { name: 'wasm-relaxed', make: null, skipReason: 'build/als-relaxed.wasm does not exist' }
      : !load.relaxedSimdSupported()
        ? {
            name: 'wasm-relaxed',
            make: null,
            skipReason: 'no relaxed SIMD here (Node 20 needs --experimental-wasm-relaxed-simd)',
          }
        : { name: 'wasm-relaxed', make: wasm({ relaxed: true }) },
  );
  return entries;
}

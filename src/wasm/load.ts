/**
 * Locating, compiling and caching the kernel module, and feature probes.
 *
 * The .wasm ships as a file next to the package (build/*.wasm). In Node it is read with
 * node:fs/promises (imported dynamically, so this file bundles for browsers too, where it is
 * fetched relative to this module instead). Each variant is compiled once and cached; the
 * WebAssembly.Module is then instantiated per memory / per worker.
 */

export interface LoadOptions {
  /** The build whose memory import is shared (for worker threads). */
  threads?: boolean;
  /** The relaxed-SIMD build (f32x4.relaxed_madd); check relaxedSimdSupported() first. */
  relaxed?: boolean;
}

const cache = new Map<string, Promise<WebAssembly.Module>>();
const NODE_FS = 'node:fs/promises';

function fileName(options: LoadOptions): string {
  return `als${options.relaxed ? '-relaxed' : ''}${options.threads ? '-threads' : ''}.wasm`;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function readBytes(url: URL): Promise<BufferSource> {
  if (isNode() && url.protocol === 'file:') {
    // Node 20's fetch cannot read file: URLs.
    // A specifier in a variable: bundlers for the browser leave this Node-only import alone.
    const fs = (await import(NODE_FS)) as typeof import('node:fs/promises');
    return new Uint8Array(await fs.readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not fetch ${url.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

const compiled = new Map<string, WebAssembly.Module>();

/** The module if an earlier loadWasmModule has finished compiling it, else null (never waits). */
export function loadedWasmModule(options: LoadOptions = {}): WebAssembly.Module | null {
  return compiled.get(fileName(options)) ?? null;
}

/** The compiled kernel module (cached per variant). */
export function loadWasmModule(options: LoadOptions = {}): Promise<WebAssembly.Module> {
  const name = fileName(options);
  let pending = cache.get(name);
  if (!pending) {
    pending = (async () => {
      const url = new URL(`../../build/${name}`, import.meta.url);
      const module = await WebAssembly.compile(await readBytes(url));
      compiled.set(name, module);
      return module;
    })();
    // A failed load is not cached, so a later call can retry.
    pending.catch(() => cache.delete(name));
    cache.set(name, pending);
  }
  return pending;
}

function validates(bytes: number[]): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
// (func (result v128) …): type section with one func type () → v128, one function of it.
const V128_FUNC = [0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00];

/** WebAssembly is present and validates the empty module. */
export function wasmSupported(): boolean {
  return validates(HEADER);
}

/** Fixed-width SIMD: i32.const 0; i8x16.splat; i8x16.popcnt. */
export function simdSupported(): boolean {
  return validates([...HEADER, ...V128_FUNC, 0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x62, 0x0b]);
}

/** Relaxed SIMD: i8x16.relaxed_swizzle of two splats (off by default on Node 20). */
export function relaxedSimdSupported(): boolean {
  return validates([
    ...HEADER, ...V128_FUNC,
    0x0a, 0x0f, 0x01, 0x0d, 0x00, 0x41, 0x01, 0xfd, 0x0f, 0x41, 0x02, 0xfd, 0x0f, 0xfd, 0x80, 0x02, 0x0b,
  ]);
}

/** Shared memories (the threads build) can be created here. */
export function sharedMemorySupported(): boolean {
  try {
    return typeof SharedArrayBuffer === 'function' &&
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

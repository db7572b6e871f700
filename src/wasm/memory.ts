/** Bytes per WebAssembly page. */
export const WASM_PAGE_BYTES = 65536;
/** wasm32 addresses at most 65,536 pages (4 GiB). */
export const MAX_WASM_PAGES = 65536;

/**
 * A memory of ceil(bytes / 64 KiB) pages, initial = maximum (layouts are planned up front and
 * never grow; views stay valid). `shared` makes it a SharedArrayBuffer-backed memory for the
 * threads build. Throws a plain Error past 4 GiB; the TS layer wraps it in an AlsError.
 */
export function createMemory(bytes: number, shared: boolean): WebAssembly.Memory {
  if (!Number.isFinite(bytes) || bytes < 0) throw new Error(`Invalid memory size: ${bytes} bytes.`);
  const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE_BYTES));
  if (pages > MAX_WASM_PAGES) {
    throw new Error(`${bytes} bytes need ${pages} pages of 64 KiB; one wasm32 memory holds at most ${MAX_WASM_PAGES} (4 GiB).`);
  }
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared } as WebAssembly.MemoryDescriptor);
}

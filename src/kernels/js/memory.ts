/**
 * The typed-array views every JS kernel reads and writes: one Float32Array and one Int32Array
 * over the same buffer as the WASM memory. A pointer is a byte offset, so the element index is
 * `ptr >> 2` (every pointer is 16-byte aligned).
 */
export interface JsMemory {
  /** The buffer as f32 elements. */
  readonly F: Float32Array;
  /** The same bytes as i32 elements. */
  readonly I: Int32Array;
}

export function viewMemory(buffer: ArrayBufferLike): JsMemory {
  return { F: new Float32Array(buffer), I: new Int32Array(buffer) };
}

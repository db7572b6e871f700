/**
 * The typed-array views every JS kernel reads and writes: a Float32Array, an Int32Array and a
 * Float64Array over the same buffer as the WASM memory. A pointer is a byte offset, so the element index is
 * `ptr >> 2` (every pointer is 16-byte aligned).
 */
export interface JsMemory {
  /** The buffer as f32 elements. */
  readonly F: Float32Array;
  /** The same bytes as i32 elements. */
  readonly I: Int32Array;
  /** The same bytes as f64 elements (index `ptr >> 3` for an 8-byte aligned pointer). */
  readonly D: Float64Array;
  /** The same bytes as u16 elements (index `ptr >> 1`): column indices stored in 2 bytes. */
  readonly U16: Uint16Array;
}

export function viewMemory(buffer: ArrayBufferLike): JsMemory {
  // D tracks a growable buffer's length as F and I do; a buffer whose length is not a multiple
  // of 8 (test arenas) gets a fixed view of its whole 8-byte words.
  const D = buffer.byteLength % 8 === 0 ? new Float64Array(buffer) : new Float64Array(buffer, 0, buffer.byteLength >> 3);
  return { F: new Float32Array(buffer), I: new Int32Array(buffer), D, U16: new Uint16Array(buffer) };
}

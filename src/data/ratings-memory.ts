/**
 * Where a large Ratings keeps its CSR: at the start of a growable, shared WebAssembly.Memory
 * that its first multi-threaded fit grows (once, to the exact size of its plan) and trains in,
 * instead of copying the ratings into a memory of its own. The ratings then exist once in the
 * process, not twice (issue 14 §4, docs/memory.md "Where the bytes are").
 *
 * The CSR's three regions are taken from a MemoryPlan in the same order and sizes as the
 * training layout takes the users' ratings first (train/layout.ts), so both land at the same
 * offsets. A shared memory is used because growing it never detaches its buffer: views taken
 * before a grow (Ratings.byUser) stay valid after it.
 */
import { MemoryPlan } from '../wasm/memory-plan.js';
import { MAX_WASM_PAGES, WASM_PAGE_BYTES } from '../wasm/memory.js';
import type { SparseRows } from './sparse.js';

/**
 * From this many ratings on, a Ratings is built in its own memory (when shared memory exists).
 * Below it the JS-heap arrays cost little and the ordinary fit copies them.
 */
let inMemoryMinRatings = 1 << 20;

/** @internal Tests lower the threshold to run the in-memory path on small data; returns the old value. */
export function setInMemoryMinRatings(n: number): number {
  const old = inMemoryMinRatings;
  inMemoryMinRatings = n;
  return old;
}

/**
 * @internal Whether the kernels' memory stores a CSR's column indices in 2 bytes when they
 * fit (tests turn it off to compare a fit with 4-byte indices, bit for bit).
 */
export const narrowColumnIndices = { enabled: true };

/**
 * Bytes per column index of a CSR with `numColumns` columns in the kernels' memory: 2 (u16)
 * when every index fits, else 4 (i32). The kernels widen one row's indices at a time into
 * their scratch (assembly/columns.ts).
 *
 * The region stays planned at 4 bytes a rating, and 2-byte indices fill its first half. The
 * other half is never written, so its pages are never touched: the process holds 2 bytes a
 * rating less, while every region after it keeps the offset it always had. Packing the regions
 * instead moved everything after them, and that alone made two-thread CG on synth_5m 5–7%
 * slower at k = 64 (the reading of 2-byte indices was not: padded, it ran as fast or faster).
 * So the saving is in resident memory, not in the 4 GiB address space.
 */
export function columnIndexBytes(numColumns: number): 2 | 4 {
  return narrowColumnIndices.enabled && numColumns <= 0x10000 ? 2 : 4;
}

/**
 * Blocks of 65,536 columns that training splits a side's 2-byte indices into, or 1 for none:
 * for a side of `rows` rows and `nnz` entries into more than 65,536 columns, each index keeps
 * its column's low 16 bits and each row the entry where each next block begins (blocks − 1
 * i32 a row; a row's columns ascend, so each block is one run: assembly/columns.ts). Only
 * where those splits cost at most a quarter of the 2 bytes a rating they save. Only training's
 * CSC of the items takes them: its indices are the kernels' alone, where a Ratings' CSR by
 * user is also read as columns.
 */
export function splitIndexBlocks(numColumns: number, rows: number, nnz: number): number {
  const blocks = Math.ceil(numColumns / 0x10000);
  const pays = blocks > 1 && rows * (blocks - 1) * 4 <= (nnz * 2) / 4;
  return narrowColumnIndices.enabled && pays ? blocks : 1;
}

/** The users' CSR regions: byte offsets in the order the training layout takes them. */
export interface CsrRegions {
  indptr: number;
  indices: number;
  values: number;
  /** Entries reserved (the input count; combining repeats may store fewer). */
  capacity: number;
  /** Bytes per column index (columnIndexBytes). */
  indexBytes: 2 | 4;
}

/**
 * The byte offsets of a CSR of `rows` rows and `capacity` entries whose column indices take
 * `indexBytes` each (in a region planned for 4), planned from offset 64.
 */
export function planCsrRegions(plan: MemoryPlan, rows: number, capacity: number, indexBytes: 2 | 4): CsrRegions {
  return {
    indptr: plan.take((rows + 1) * 4, 'rows'),
    // 4 bytes a rating whatever the width: see columnIndexBytes.
    indices: plan.take(capacity * 4, 'ratings'),
    values: plan.take(capacity * 4, 'ratings'),
    capacity,
    indexBytes,
  };
}

/** Views of column indices in a memory: Uint16Array for 2-byte indices, else Int32Array. */
export function columnIndexView(
  buffer: ArrayBufferLike,
  at: number,
  length: number,
  indexBytes: 2 | 4,
): Int32Array | Uint16Array {
  return indexBytes === 2 ? new Uint16Array(buffer, at, length) : new Int32Array(buffer, at, length);
}

/** A Ratings' own memory and where its CSR lies in it. */
export class RatingsMemory {
  readonly memory: WebAssembly.Memory;
  readonly rows: number;
  readonly regions: CsrRegions;
  /**
   * Set when a fit has grown this memory and trained in it: its factors (the model's views)
   * and the items' CSC now live here too, so no later fit may write into it.
   */
  claimed = false;

  private constructor(memory: WebAssembly.Memory, rows: number, regions: CsrRegions) {
    this.memory = memory;
    this.rows = rows;
    this.regions = regions;
  }

  /**
   * A memory for the CSR of `rows` rows, `columns` columns and `capacity` entries, or null
   * when shared WebAssembly memory is unavailable here (no SharedArrayBuffer: a browser page
   * without cross-origin isolation) or the data is small; the caller then builds on the JS heap.
   */
  static create(rows: number, columns: number, capacity: number): RatingsMemory | null {
    if (capacity < inMemoryMinRatings) return null;
    if (typeof SharedArrayBuffer !== 'function' || typeof WebAssembly !== 'object') return null;
    const plan = new MemoryPlan();
    const regions = planCsrRegions(plan, rows, capacity, columnIndexBytes(columns));
    const pages = Math.max(1, Math.ceil(plan.totalBytes / WASM_PAGE_BYTES));
    try {
      // Maximum 4 GiB reserves address space only; pages are committed as they are touched.
      const memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_WASM_PAGES, shared: true });
      return new RatingsMemory(memory, rows, regions);
    } catch {
      return null; // e.g. address space refused: the JS heap still works
    }
  }

  /** Views of the CSR with `nnz` stored entries (the buffer's current length covers them). */
  views(nnz: number): SparseRows {
    const buffer = this.memory.buffer;
    return {
      indptr: new Int32Array(buffer, this.regions.indptr, this.rows + 1),
      indices: columnIndexView(buffer, this.regions.indices, nnz, this.regions.indexBytes),
      values: new Float32Array(buffer, this.regions.values, nnz),
    };
  }

  /**
   * Grows the memory to `bytes` in one step (planned before, so never over-reserving), for
   * a fit that trains in it. Returns false when the memory cannot grow (address space).
   */
  growTo(bytes: number): boolean {
    const pages = Math.ceil(bytes / WASM_PAGE_BYTES);
    const have = this.memory.buffer.byteLength / WASM_PAGE_BYTES;
    if (pages <= have) return true;
    try {
      this.memory.grow(pages - have);
      return true;
    } catch {
      return false;
    }
  }
}

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

/** The users' CSR regions: byte offsets in the order the training layout takes them. */
export interface CsrRegions {
  indptr: number;
  indices: number;
  values: number;
  /** Entries reserved (the input count; combining repeats may store fewer). */
  capacity: number;
}

/** The byte offsets of a CSR of `rows` rows and `capacity` entries, planned from offset 64. */
export function planCsrRegions(plan: MemoryPlan, rows: number, capacity: number): CsrRegions {
  return {
    indptr: plan.take((rows + 1) * 4, 'rows'),
    indices: plan.take(capacity * 4, 'ratings'),
    values: plan.take(capacity * 4, 'ratings'),
    capacity,
  };
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
   * A memory for the CSR of `rows` rows and `capacity` entries, or null when shared
   * WebAssembly memory is unavailable here (no SharedArrayBuffer: a browser page without
   * cross-origin isolation) or the data is small; the caller then builds on the JS heap.
   */
  static create(rows: number, capacity: number): RatingsMemory | null {
    if (capacity < inMemoryMinRatings) return null;
    if (typeof SharedArrayBuffer !== 'function' || typeof WebAssembly !== 'object') return null;
    const plan = new MemoryPlan();
    const regions = planCsrRegions(plan, rows, capacity);
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
      indices: new Int32Array(buffer, this.regions.indices, nnz),
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

import { createJsKernels } from '../kernels/js/index.js';
import type { Kernels } from '../kernels/types.js';
import { createWasmKernels } from '../kernels/wasm.js';
import { loadedWasmModule } from '../wasm/load.js';
import { ErrorCode, fail } from '../errors.js';
import { createMemory } from '../wasm/memory.js';
import { planServing } from '../wasm/layout.js';

/**
 * What serving needs in one kernel memory: both factor matrices padded to `stride`, their
 * row-normalized copies (cosine = dot of unit rows; a zero row stays zero, never NaN), item
 * biases, YᵀY of the items, and room for one query (vector, exclusions, candidates, results,
 * fold-in scratch). Built once per model, on first use.
 *
 * It uses the WASM kernels when the module has already been compiled in this realm (any fit
 * does that, or `await loadWasmModule()`), so serving stays synchronous; else the JS twin.
 */
export class ServingEngine {
  readonly kernels: Kernels;
  readonly stride: number;
  readonly k: number;
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  readonly users: number;
  readonly items: number;
  readonly userNormed: number;
  readonly itemNormed: number;
  readonly itemBias: number;
  readonly userBias: number;
  readonly itemGram: number;
  /** Query area: x (stride), candidates and exclusions (maxList i32 each), results (maxList). */
  readonly x: number;
  readonly cands: number;
  readonly excl: number;
  readonly outIdx: number;
  readonly outScore: number;
  readonly maxList: number;
  /** Fold-in scratch: A (stride²), b, w, t, cols, values (maxList each), gather (32·stride·2). */
  readonly A: number;
  readonly b: number;
  readonly w: number;
  readonly t: number;
  readonly cols: number;
  readonly values: number;
  readonly gather: number;

  constructor(
    k: number,
    userFactors: Float32Array,
    itemFactors: Float32Array,
    userBiases: Float32Array | null,
    itemBiases: Float32Array | null,
  ) {
    const numUsers = userFactors.length / k;
    const numItems = itemFactors.length / k;
    // Planned before anything is allocated: past 4 GiB this refuses with TOO_LARGE at once.
    const layout = planServing(numUsers, numItems, k);
    const { stride, maxList } = layout;
    ({
      users: this.users,
      items: this.items,
      userNormed: this.userNormed,
      itemNormed: this.itemNormed,
      itemBias: this.itemBias,
      userBias: this.userBias,
      itemGram: this.itemGram,
      x: this.x,
      cands: this.cands,
      excl: this.excl,
      outIdx: this.outIdx,
      outScore: this.outScore,
      A: this.A,
      b: this.b,
      w: this.w,
      t: this.t,
      cols: this.cols,
      values: this.values,
      gather: this.gather,
    } = layout);
    const offset = layout.totalBytes;
    const module = loadedWasmModule();
    let memory: WebAssembly.Memory | null = null;
    let buffer: ArrayBufferLike;
    try {
      memory = typeof WebAssembly === 'object' ? createMemory(offset, false) : null;
      buffer = memory ? memory.buffer : new ArrayBuffer(offset);
    } catch (cause) {
      // Within 4 GiB by the plan, so this is the runtime (or the machine) refusing the memory.
      fail(
        ErrorCode.TOO_LARGE,
        `Could not allocate ${offset} bytes to serve a model of ${numUsers} users × ${numItems} items × ${k} factors.`,
        'Free memory, or serve a smaller model.',
        cause,
      );
    }
    this.kernels = module && memory ? createWasmKernels(module, memory) : createJsKernels(buffer);
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.stride = stride;
    this.k = k;
    this.maxList = maxList;
    this.fill(this.users, this.userNormed, userFactors);
    this.fill(this.items, this.itemNormed, itemFactors);
    if (userBiases) this.f32.set(userBiases, this.userBias >>> 2);
    if (itemBiases) {
      this.f32.set(itemBiases, this.itemBias >>> 2);
      for (let i = 0; i < numItems; i++) this.f32[(this.items >>> 2) + i * stride + k] = 1;
    }
    this.kernels.gramBlock(this.items, stride, k, 0, numItems, this.itemGram, 0);
  }

  /** Rows of k into rows of stride, and the unit-length copy. */
  private fill(at: number, normedAt: number, factors: Float32Array): void {
    const k = this.k;
    const rows = factors.length / k;
    for (let r = 0; r < rows; r++) {
      const row = factors.subarray(r * k, (r + 1) * k);
      this.f32.set(row, (at >>> 2) + r * this.stride);
      let norm = 0;
      for (let c = 0; c < k; c++) norm += row[c]! * row[c]!;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let c = 0; c < k; c++) this.f32[(normedAt >>> 2) + r * this.stride + c] = row[c]! * scale;
    }
  }
}

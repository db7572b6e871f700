import { createJsKernels } from '../kernels/js.js';
import { roundUp, type Kernels } from '../kernels/types.js';
import { createWasmKernels } from '../kernels/wasm.js';
import { loadedWasmModule } from '../wasm/load.js';
import { createMemory } from '../wasm/memory.js';

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

  constructor(k: number, userFactors: Float32Array, itemFactors: Float32Array, itemBiases: Float32Array | null, userBiases: Float32Array | null = null) {
    // With biases, item rows carry a 1 in column k: the design row [y_i, 1] of a biased fold-in
    // (scoring reads only the first k columns).
    // One extra column for the bias unknown of a biased fold-in ([y_i, 1] design rows).
    const stride = roundUp(k + 1, 8);
    const numUsers = userFactors.length / k;
    const numItems = itemFactors.length / k;
    const maxList = Math.max(numUsers, numItems) + 8;
    let offset = 64;
    const take = (floats: number) => {
      const at = offset;
      offset = roundUp(offset + floats * 4, 64);
      return at;
    };
    this.users = take(numUsers * stride);
    this.items = take(numItems * stride);
    this.userNormed = take(numUsers * stride);
    this.itemNormed = take(numItems * stride);
    this.itemBias = take(numItems);
    this.userBias = take(numUsers);
    this.itemGram = take(stride * stride);
    this.x = take(stride);
    this.cands = take(maxList);
    this.excl = take(maxList);
    this.outIdx = take(maxList);
    this.outScore = take(maxList);
    this.A = take(stride * stride);
    this.b = take(stride);
    this.w = take(maxList);
    this.t = take(maxList);
    this.cols = take(maxList);
    this.values = take(maxList);
    this.gather = take(2 * 32 * stride);
    const module = loadedWasmModule();
    const memory = typeof WebAssembly === 'object' ? createMemory(offset, false) : null;
    const buffer = memory ? memory.buffer : new ArrayBuffer(offset);
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

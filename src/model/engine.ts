import { createJsKernels } from '../kernels/js/index.js';
import { type Kernels, screenBytes, screenScratchBytes } from '../kernels/types.js';
import { createWasmKernels } from '../kernels/wasm.js';
import { backendChoice, noteServingBackend, servingWasmModule } from '../wasm/load.js';
import { ErrorCode, fail } from '../errors.js';
import { createMemory } from '../wasm/memory.js';
import { MAX_MEMORY_BYTES, planServing } from '../wasm/memory-plan.js';

/** Queries scored per pass of the batch kernel over the rows (a multiple of its 4-query tile). */
export const BATCH_QUERIES = 32;

/**
 * Item rows below which ranking scores every row exactly instead of screening them
 * (ServingEngine.screenFor). Measured (bench/serving-screen.ab.ts, k = 32–128): screening is
 * 1.1–1.3× faster for one query and 1.2–1.6× for 32 already at 500 rows; the screen's build
 * (~1.4 µs per row of 64 floats on its first, baseline-compiled call, ~0.25 µs optimised) is
 * repaid within a few queries. Below a few hundred rows there is nothing worth saving.
 */
export const SCREEN_MIN_ROWS = 256;

const alignUp = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** One query of {@link ServingEngine.topNEach}. */
export interface EachQuery {
  /** k floats. */
  vector: ArrayLike<number>;
  /** Dense row indices never returned (any order, duplicates allowed). */
  exclude: ArrayLike<number>;
}

/**
 * What serving needs in one kernel memory: both factor matrices padded to `stride`, their
 * row-normalized copies (cosine = dot of unit rows; a zero row stays zero, never NaN), item
 * biases, YᵀY of the items, and room for one query (vector, exclusions, candidates, results,
 * fold-in scratch). Built once per model, on first use.
 *
 * Serving is synchronous, so the kernels are whatever module can be had without waiting
 * (src/wasm/load.ts `servingWasmModule`): the single-threaded build if compiled; else the
 * threads build if that is the one compiled (after a multi-threaded fit), on a shared memory
 * of its own; else, in Node, Deno and Bun, the single-threaded build read and compiled here.
 * Only where none of these exists (a browser before `await init()`, no WebAssembly SIMD, or
 * `init({ backend: 'js' })`) does it run on the JS twin. `kernels.backend` says which, and
 * `wasmInfo().serving` reports the latest engine's.
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
  /**
   * Batch area for {@link topNEach}: BATCH_QUERIES query vectors (stride floats each), their
   * exclusion offsets (CSR into `excl`) and kept counts; the heaps go to outIdx / outScore.
   */
  readonly batchX: number;
  readonly batchIndptr: number;
  readonly batchKept: number;
  /**
   * The items' screen block (screenBytes(items, k), after the batch area; 0 when the memory
   * could not hold it) and the screening kernels' query scratch (screenScratchBytes(BATCH_QUERIES, k)).
   */
  readonly itemScreen: number;
  readonly screenScratch: number;
  readonly numItems: number;
  /** Whether itemScreen holds the screen of the item rows (built on the first ranking). */
  private itemScreenBuilt = false;
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
    /** 'js': the JS twin whatever is loaded (a fit told `backend: 'js'`, benchmarks). */
    backend: 'auto' | 'js' = 'auto',
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
    // The batch area (query vectors, exclusion offsets, kept counts) follows the planned layout.
    this.batchX = alignUp(layout.totalBytes);
    this.batchIndptr = this.batchX + BATCH_QUERIES * stride * 4;
    this.batchKept = alignUp(this.batchIndptr + (BATCH_QUERIES + 1) * 4);
    this.screenScratch = alignUp(this.batchKept + BATCH_QUERIES * 4);
    // The items' screen last, where it still fits in one memory (else: no screening).
    const screenAt = alignUp(this.screenScratch + screenScratchBytes(BATCH_QUERIES, k));
    const withScreen = alignUp(screenAt + screenBytes(numItems, k));
    this.itemScreen = withScreen <= MAX_MEMORY_BYTES ? screenAt : 0;
    const offset = this.itemScreen ? withScreen : screenAt;
    const serving = backend === 'js' ? null : servingWasmModule();
    if (!serving && backend !== 'js' && backendChoice() === 'wasm') {
      fail(
        ErrorCode.BACKEND_UNAVAILABLE,
        'No WebAssembly build is loaded to serve this model on, and this runtime cannot load one synchronously.',
        'await init() (or a fit) before serving, or use init({ backend: "auto" }).',
      );
    }
    const module = serving?.module ?? null;
    let memory: WebAssembly.Memory | null = null;
    let buffer: ArrayBufferLike;
    try {
      memory = typeof WebAssembly === 'object' ? createMemory(offset, serving?.shared === true) : null;
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
    noteServingBackend(this.kernels.backend);
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.stride = stride;
    this.k = k;
    this.maxList = maxList;
    this.numItems = numItems;
    this.fill(this.users, this.userNormed, userFactors);
    this.fill(this.items, this.itemNormed, itemFactors);
    if (userBiases) this.f32.set(userBiases, this.userBias >>> 2);
    if (itemBiases) {
      this.f32.set(itemBiases, this.itemBias >>> 2);
      for (let i = 0; i < numItems; i++) this.f32[(this.items >>> 2) + i * stride + k] = 1;
    }
    this.kernels.gramBlock(this.items, stride, k, 0, numItems, this.itemGram, 0);
  }

  /**
   * The top n of `numRows` rows at `rows` (plus the row biases at `bias`; 0: none) for each of
   * `count` queries, through the multi-query kernel scoreTopKBatch: up to BATCH_QUERIES queries
   * per call, as many as the engine's lists hold (n results each in outIdx / outScore, their
   * exclusions together in excl), so the rows are read once per batch instead of once per
   * query, and the item rows are screened (screenFor, screenTopKBatch). The same lists as
   * `topN` (recommend.ts) query by query; `deliver(q, indices,
   * scores)` receives each best first, ties by the lower index.
   */
  topNEach(
    rows: number,
    numRows: number,
    bias: number,
    n: number,
    count: number,
    query: (q: number) => EachQuery,
    deliver: (q: number, indices: Int32Array, scores: Float32Array) => void,
    /** false: score every row exactly (tests, benchmarks). */
    screened = true,
  ): void {
    const { f32, i32, stride, k, maxList } = this;
    const ip = this.batchIndptr >>> 2;
    const excl = this.excl >>> 2;
    let next: { vector: ArrayLike<number>; exclude: Int32Array } | null = null;
    for (let first = 0; first < count; ) {
      let m = 0;
      let nnz = 0;
      i32[ip] = 0;
      while (first + m < count && m < BATCH_QUERIES && (m + 1) * n <= maxList) {
        if (!next) {
          const { vector, exclude } = query(first + m);
          next = { vector, exclude: distinctRows(exclude, numRows) };
        }
        // A first query always fits: its distinct rows are fewer than maxList.
        if (nnz + next.exclude.length > maxList) break;
        const x = (this.batchX >>> 2) + m * stride;
        f32.fill(0, x, x + stride);
        for (let c = 0; c < k; c++) f32[x + c] = next.vector[c]!;
        i32.set(next.exclude, excl + nnz);
        nnz += next.exclude.length;
        i32[ip + ++m] = nnz;
        next = null;
      }
      const screen = screened ? this.screenFor(rows, numRows) : 0;
      // The screened kernel takes the same arguments between its screen and its scratch.
      const batch = [
        rows,
        stride,
        k,
        0,
        numRows,
        bias,
        this.batchX,
        m,
        this.batchIndptr,
        this.excl,
        n,
        this.outIdx,
        this.outScore,
        this.batchKept,
      ] as const;
      if (screen) this.kernels.screenTopKBatch(screen, ...batch, this.screenScratch);
      else this.kernels.scoreTopKBatch(...batch);
      for (let j = 0; j < m; j++) {
        const kept = i32[(this.batchKept >>> 2) + j]!;
        const at = j * n;
        const idx = i32.subarray((this.outIdx >>> 2) + at, (this.outIdx >>> 2) + at + kept);
        const score = f32.subarray((this.outScore >>> 2) + at, (this.outScore >>> 2) + at + kept);
        const order = Array.from({ length: kept }, (_, e) => e);
        order.sort((a, b) => score[b]! - score[a]! || idx[a]! - idx[b]!);
        deliver(
          first + j,
          Int32Array.from(order, (e) => idx[e]!),
          Float32Array.from(order, (e) => score[e]!),
        );
      }
      first += m;
    }
  }

  /**
   * The screen block for ranking `numRows` rows at `rows` (0: score every row exactly): the
   * items' int16 copy, built here on the first ranking of the items — the engine's rows never
   * change (partialFit and every other change to a model build a new engine), so it is never
   * stale. Other rows (users, the unit copies), and fewer than SCREEN_MIN_ROWS items, are not
   * screened.
   */
  screenFor(rows: number, numRows: number): number {
    if (!this.itemScreen || rows !== this.items || numRows !== this.numItems || numRows < SCREEN_MIN_ROWS) return 0;
    if (!this.itemScreenBuilt) {
      this.kernels.screenRows(this.items, this.stride, this.k, this.numItems, this.itemScreen);
      this.itemScreenBuilt = true;
    }
    return this.itemScreen;
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

/** The distinct row indices in [0, numRows), ascending: what the kernel's merge walk reads. */
function distinctRows(list: ArrayLike<number>, numRows: number): Int32Array {
  const sorted = Int32Array.from(list).sort();
  let kept = 0;
  for (let e = 0; e < sorted.length; e++) {
    const v = sorted[e]!;
    if (v >= 0 && v < numRows && (kept === 0 || sorted[kept - 1]! !== v)) sorted[kept++] = v;
  }
  return sorted.subarray(0, kept);
}

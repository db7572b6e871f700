import { ErrorCode, fail } from '../errors.js';
/**
 * The one memory planner: the bump allocator, its 4 GiB check (TOO_LARGE naming the largest
 * part), and the plans of serving (model/engine.ts), recommendAll on threads and a model's own
 * arrays. Training's plan is train/layout.ts; ranking evaluation's is eval/ranking-job.ts; both
 * take their regions from MemoryPlan here.
 */
import { GATHER_ROWS, roundUp, screenBytes, screenScratchBytes } from '../kernels/types.js';
import { CTRL_BYTES, QUERY_BLOCK } from '../parallel/tasks.js';

/** wasm32 addresses one memory of at most 65,536 pages of 64 KiB. */
export const MAX_MEMORY_BYTES = 65536 * 65536;

const GiB = 2 ** 30;
/** A byte count in GiB with two decimals, for TOO_LARGE messages. */
export const gib = (bytes: number) => `${(bytes / GiB).toFixed(2)} GiB`;

/** What a part of a plan is called in a TOO_LARGE message, and what to do when it is the largest. */
export interface PartInfo {
  label: string;
  hint: string;
}

/**
 * The one bump allocator behind every memory this library sizes (training, serving,
 * recommendAll): regions are taken in order, each 64-byte aligned (a cache line; v128 loads
 * need 16), offset 0 kept free because a zero pointer means "none" to the kernels. Nothing is
 * allocated here: the plan is arithmetic, so a size past wasm32's 4 GiB is refused in
 * microseconds, before any memory exists. Each region is counted under a part name so the
 * refusal can say which part is too large.
 */
export class MemoryPlan {
  private offset = 64;
  private readonly parts = new Map<string, number>();

  /** Reserves `bytes` and returns the region's byte offset. */
  take(bytes: number, part: string): number {
    const at = this.offset;
    this.offset = roundUp(this.offset + bytes, 64);
    this.parts.set(part, (this.parts.get(part) ?? 0) + bytes);
    return at;
  }

  get totalBytes(): number {
    return this.offset;
  }

  /** Bytes counted under `part`. */
  bytesOf(part: string): number {
    return this.parts.get(part) ?? 0;
  }

  /**
   * TOO_LARGE when the plan passes one wasm32 memory: the message gives the total and every
   * part largest first (so the real cause is named first), the hint is the largest part's.
   */
  refuseBeyondMemory(
    what: string,
    info: Readonly<Record<string, PartInfo>>,
    place = "in one WebAssembly memory, more than wasm32's 4 GiB",
  ): void {
    if (this.offset <= MAX_MEMORY_BYTES) return;
    // Largest first, leaving out parts under 1% of the total (they are not the cause).
    const parts = [...this.parts].sort((a, b) => b[1] - a[1]).filter(([, bytes], j) => j === 0 || bytes >= this.offset / 100);
    const named = parts.map(([part, bytes]) => `${info[part]?.label ?? part} ${gib(bytes)}`);
    fail(
      ErrorCode.TOO_LARGE,
      `${what} needs ${this.offset} bytes (${gib(this.offset)}) ${place}: ${named.join(', ')}.`,
      info[parts[0]![0]]?.hint,
    );
  }
}

/**
 * Byte offsets of what serving keeps in one memory (model/engine.ts): both factor matrices
 * padded to `stride` (one extra column for the bias unknown of a biased fold-in), their
 * unit-length copies (cosine), biases, the items' YᵀY, and one query's scratch: lists of up
 * to `maxList` entries (candidates, exclusions, results, fold-in weights) and a fold-in system.
 * The engine appends its batch area and, where the memory still fits in 4 GiB, the items'
 * screen block (kernels/types.ts screenBytes: an int16 copy of the item rows, +2 bytes per
 * factor and +4 per item), reserved at once but only written — and so only resident — once
 * the engine first ranks the items (ServingEngine.screenFor). It is not part of this plan: a
 * model too large to hold it is still served, without screening.
 */
export interface ServingLayout {
  stride: number;
  maxList: number;
  users: number;
  items: number;
  userNormed: number;
  itemNormed: number;
  itemBias: number;
  userBias: number;
  itemGram: number;
  x: number;
  cands: number;
  excl: number;
  outIdx: number;
  outScore: number;
  A: number;
  b: number;
  w: number;
  t: number;
  cols: number;
  values: number;
  gather: number;
  totalBytes: number;
}

/** The serving memory of a numUsers × numItems model with k factors; TOO_LARGE past 4 GiB. */
export function planServing(numUsers: number, numItems: number, k: number): ServingLayout {
  const stride = roundUp(k + 1, 8);
  const maxList = Math.max(numUsers, numItems) + 8;
  const plan = new MemoryPlan();
  const layout: Omit<ServingLayout, 'totalBytes'> = {
    stride,
    maxList,
    users: plan.take(numUsers * stride * 4, 'factors'),
    items: plan.take(numItems * stride * 4, 'factors'),
    userNormed: plan.take(numUsers * stride * 4, 'normed'),
    itemNormed: plan.take(numItems * stride * 4, 'normed'),
    itemBias: plan.take(numItems * 4, 'biases'),
    userBias: plan.take(numUsers * 4, 'biases'),
    itemGram: plan.take(stride * stride * 4, 'query'),
    x: plan.take(stride * 4, 'query'),
    cands: plan.take(maxList * 4, 'lists'),
    excl: plan.take(maxList * 4, 'lists'),
    outIdx: plan.take(maxList * 4, 'lists'),
    outScore: plan.take(maxList * 4, 'lists'),
    A: plan.take(stride * stride * 4, 'query'),
    b: plan.take(stride * 4, 'query'),
    w: plan.take(maxList * 4, 'lists'),
    t: plan.take(maxList * 4, 'lists'),
    cols: plan.take(maxList * 4, 'lists'),
    values: plan.take(maxList * 4, 'lists'),
    gather: plan.take(2 * GATHER_ROWS * stride * 4, 'query'),
  };
  const smaller = 'Serve a model with fewer factors, or fewer users or items (drop the rarely active ones before training).';
  plan.refuseBeyondMemory(`Serving a model of ${numUsers} users × ${numItems} items × ${k} factors`, {
    factors: { label: `factors (${numUsers + numItems} rows of ${stride} floats)`, hint: smaller },
    normed: { label: 'their unit-length copies (for similarItems / similarUsers)', hint: smaller },
    biases: { label: 'biases', hint: smaller },
    lists: { label: `one query's lists (8 × ${maxList} entries)`, hint: smaller },
    query: { label: 'fold-in scratch', hint: 'Lower factors.' },
  });
  return { ...layout, totalBytes: plan.totalBytes };
}

/** What recommendAll on threads keeps in its one memory (model/recommend-all.ts). */
export interface TopNLayout {
  /** Floats per padded factor row. */
  stride: number;
  ctrl: number;
  queries: number;
  rows: number;
  /** 0: no row biases. */
  bias: number;
  /** Excluded rows per query, CSR; 0: none. */
  indptr: number;
  indices: number;
  /** numQueries × n results, then one kept-count per query. */
  outIdx: number;
  outScore: number;
  /** The rows' screen block (kernels/types.ts screenBytes); 0: none. */
  screen: number;
  /** One screenTopKBatch scratch per thread (`screenScratchBytes` apart); 0: none. */
  screenScratch: number;
  screenScratchBytes: number;
  totalBytes: number;
}

export interface TopNInput {
  k: number;
  numQueries: number;
  numRows: number;
  /** Results per query (already clamped to numRows). */
  n: number;
  rowBias: boolean;
  /** Stored exclusions (seen items), or null for none. */
  excludedNnz: number | null;
  /** Threads that screen (a screen block and one scratch each, plus one spare); 0: no screening. */
  screenThreads?: number;
}

/** The memory of recommendAll on threads; TOO_LARGE past 4 GiB, naming the lists when n is the cause. */
export function planTopN(input: TopNInput): TopNLayout {
  const { k, numQueries, numRows, n } = input;
  const stride = roundUp(k, 8);
  const plan = new MemoryPlan();
  const layout: Omit<TopNLayout, 'totalBytes'> = {
    stride,
    ctrl: plan.take(CTRL_BYTES, 'factors'),
    queries: plan.take(numQueries * stride * 4, 'factors'),
    rows: plan.take(numRows * stride * 4, 'factors'),
    bias: input.rowBias ? plan.take(numRows * 4, 'factors') : 0,
    indptr: input.excludedNnz !== null ? plan.take((numQueries + 1) * 4, 'excluded') : 0,
    indices: plan.take((input.excludedNnz ?? 0) * 4, 'excluded'),
    outIdx: plan.take((numQueries * n + numQueries) * 4, 'lists'),
    outScore: plan.take(numQueries * n * 4, 'lists'),
    screen: 0,
    screenScratch: 0,
    screenScratchBytes: 0,
  };
  plan.refuseBeyondMemory('recommendAll', {
    lists: { label: `the lists (${numQueries} × n = ${n})`, hint: 'Lower n.' },
    factors: {
      label: `factors (${numQueries + numRows} rows of ${stride} floats)`,
      hint: 'The model is too large for one memory: serve it with fewer factors, or fewer users or items.',
    },
    excluded: {
      label: `seen items (${input.excludedNnz ?? 0})`,
      hint: 'Pass excludeSeen: false, or save and load the model with seen: false.',
    },
  });
  // The screen (an int16 copy of the rows, and one query scratch per thread: QUERY_BLOCK
  // queries per task, plus a spare slot for a calling thread that takes a share of the job)
  // only where it still fits: without it every row is scored exactly, with the same lists.
  const screenThreads = input.screenThreads ?? 0;
  const scratchBytes = roundUp(screenScratchBytes(QUERY_BLOCK, k), 64);
  const extra = roundUp(screenBytes(numRows, k), 64) + (screenThreads + 1) * scratchBytes;
  if (screenThreads > 0 && plan.totalBytes + extra <= MAX_MEMORY_BYTES) {
    layout.screen = plan.take(screenBytes(numRows, k), 'screen');
    layout.screenScratchBytes = scratchBytes;
    layout.screenScratch = plan.take((screenThreads + 1) * scratchBytes, 'screen');
  }
  return { ...layout, totalBytes: plan.totalBytes };
}

/**
 * model.recommendAll on the calling thread writes its lists to the JS heap: held to the same
 * 4 GiB as the lists of recommendAll on threads, so the two refuse alike.
 */
export function checkListBytes(what: string, numQueries: number, n: number): void {
  const plan = new MemoryPlan();
  plan.take(numQueries * n * 4, 'lists');
  plan.take(numQueries * n * 4, 'lists');
  plan.refuseBeyondMemory(
    what,
    { lists: { label: `the lists (${numQueries} × n = ${n}, indices and scores)`, hint: 'Lower n.' } },
    'for its lists, more than the 4 GiB allowed (as on threads, where they share one WebAssembly memory)',
  );
}

/**
 * A model's own arrays (factors of both sides, biases): what fromFactors copies. Past one
 * wasm32 memory no kernel could ever hold the model, so it is refused before the copy.
 */
export function planModel(numUsers: number, numItems: number, k: number, biases: boolean): number {
  const plan = new MemoryPlan();
  plan.take(numUsers * k * 4, 'factors');
  plan.take(numItems * k * 4, 'factors');
  if (biases) plan.take((numUsers + numItems) * 4, 'biases');
  const smaller = 'Use fewer factors, or fewer users or items.';
  plan.refuseBeyondMemory(`A model of ${numUsers} users × ${numItems} items × ${k} factors`, {
    factors: { label: `factors (${numUsers + numItems} rows of ${k} floats)`, hint: smaller },
    biases: { label: 'biases', hint: smaller },
  });
  return plan.totalBytes;
}

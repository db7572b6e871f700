import { ErrorCode, fail } from '../errors.js';
import { PARAM_BYTES, roundUp, solveScratchFloats } from '../kernels/types.js';
import { BLOCK_ROWS, CTRL_BYTES } from '../parallel/tasks.js';

/** wasm32 addresses one memory of at most 65,536 pages of 64 KiB. */
export const MAX_MEMORY_BYTES = 65536 * 65536;

/** Sizes the plan is computed from. */
export interface LayoutInput {
  numUsers: number;
  numItems: number;
  nnz: number;
  /** Floats per factor row (multiple of 8). */
  stride: number;
  maxUserNnz: number;
  maxItemNnz: number;
  threads: number;
  /** Tasks a half-step of each side is cut into (see schedule.ts). */
  userChunks: number;
  itemChunks: number;
}

/** One side's arrays (users or items). */
export interface SideLayout {
  rows: number;
  /** The side's factors, rows × stride f32. */
  factors: number;
  /** Its bias per row (f32). */
  bias: number;
  /** λ weight per row (f32). */
  regWeights: number;
  /** Its ratings as sparse rows: indptr (rows + 1 i32), indices (nnz i32), values (nnz f32). */
  indptr: number;
  indices: number;
  values: number;
  /** Parameter block for the half-step that solves this side. */
  params: number;
  /** Its half-step's tasks: row bounds (chunks + 1 i32) and a status per task (i32). */
  chunks: number;
  bounds: number;
  status: number;
}

/**
 * Byte offsets of everything training keeps in the one memory, computed before anything is
 * allocated. Every region starts 64-byte aligned (a cache line; v128 loads need 16).
 */
export interface Layout {
  users: SideLayout;
  items: SideLayout;
  /** Control words of the current job (parallel/tasks.ts). */
  ctrl: number;
  /** YᵀY of the fixed side, stride × stride f32. */
  gram: number;
  /** One stride × stride f32 partial YᵀY per block of BLOCK_ROWS rows. */
  gramPartials: number;
  /** One f64 partial sum per block of BLOCK_ROWS rows (loss and penalty). */
  sumPartials: number;
  /** Per-thread scratch for solveRows; thread t's starts at scratch + t·scratchBytes. */
  scratch: number;
  scratchBytes: number;
  totalBytes: number;
}

export function planLayout(input: LayoutInput): Layout {
  let offset = 64; // keep 0 free: a zero pointer means "none" in the kernel interface
  const take = (bytes: number): number => {
    const at = offset;
    offset = roundUp(offset + bytes, 64);
    return at;
  };
  const ctrl = take(CTRL_BYTES);
  const side = (rows: number, chunks: number): SideLayout => ({
    rows,
    chunks,
    bounds: take((chunks + 1) * 4),
    status: take(chunks * 4),
    params: take(PARAM_BYTES),
    factors: take(rows * input.stride * 4),
    bias: take(rows * 4),
    regWeights: take(rows * 4),
    indptr: take((rows + 1) * 4),
    indices: take(input.nnz * 4),
    values: take(input.nnz * 4),
  });
  const users = side(input.numUsers, input.userChunks);
  const items = side(input.numItems, input.itemChunks);
  const gram = take(input.stride * input.stride * 4);
  const blocks = Math.ceil(Math.max(input.numUsers, input.numItems, 1) / BLOCK_ROWS);
  const gramPartials = take(blocks * input.stride * input.stride * 4);
  const sumPartials = take(blocks * 8);
  const maxRowNnz = Math.max(input.maxUserNnz, input.maxItemNnz);
  const scratchBytes = roundUp(solveScratchFloats(input.stride, maxRowNnz) * 4, 64);
  const scratch = take(scratchBytes * input.threads);
  const totalBytes = offset;
  if (totalBytes > MAX_MEMORY_BYTES) {
    const gib = (b: number) => (b / 2 ** 30).toFixed(2);
    fail(
      ErrorCode.TOO_LARGE,
      `Training needs ${totalBytes} bytes (${gib(totalBytes)} GiB) in one WebAssembly memory, more than wasm32's 4 GiB: ` +
        `ratings ${gib(input.nnz * 16)} GiB (by user and by item), factors ${gib((input.numUsers + input.numItems) * input.stride * 4)} GiB.`,
      'Reduce factors, drop users or items with few ratings, or train on Spark MLlib and serve the model here.',
    );
  }
  return { users, items, ctrl, gram, gramPartials, sumPartials, scratch, scratchBytes, totalBytes };
}

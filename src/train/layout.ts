/**
 * Training's memory: where everything one fit keeps lives in the one kernel memory, planned
 * with the shared MemoryPlan (wasm/memory-plan.ts) before anything is allocated.
 */
import type { Ratings } from '../data/ratings.js';
import { maxColumnLength, maxRowLength } from '../data/sparse.js';
import { PARAM_BYTES, roundUp, solveScratchFloats } from '../kernels/types.js';
import { BLOCK_ROWS, CTRL_BYTES } from '../parallel/tasks.js';
import { chunkCount } from './schedule.js';
import { gib, MemoryPlan } from '../wasm/memory-plan.js';
import { columnIndexBytes, planCsrRegions, splitIndexBlocks } from '../data/ratings-memory.js';

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
  /**
   * Training in a Ratings' own memory (data/ratings-memory.ts): the users' ratings come first,
   * where that memory holds them, with room for `capacity` entries (the count before repeats
   * were combined) of column indices `indexBytes` wide, as that memory was built. Unset: they
   * are placed with the rest of the users' arrays.
   */
  usersRatingsFirst?: { capacity: number; indexBytes: 2 | 4 };
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
  /**
   * Its ratings as sparse rows: indptr (rows + 1 i32), indices (nnz of `indexBytes` each: u16
   * where the other side has at most 65,536 rows, else i32, in a region of nnz i32 either way:
   * data/ratings-memory.ts columnIndexBytes), values (nnz f32).
   */
  indptr: number;
  indices: number;
  values: number;
  indexBytes: 2 | 4;
  /**
   * Where 2-byte indices hold only their columns' low 16 bits: per row, indexBlocks − 1 i32, the
   * entry where each next block of 65,536 columns begins (ratings-memory.ts splitIndexBlocks);
   * 0 for none.
   */
  indexSplits: number;
  /** Blocks of 65,536 columns the indices span: 1 without indexSplits. */
  indexBlocks: number;
  /** Parameter block for the half-step that solves this side. */
  params: number;
  /** Its half-step's tasks: row bounds (chunks + 1 i32) and a status per task (i32). */
  chunks: number;
  bounds: number;
  status: number;
}

/**
 * Byte offsets of everything training keeps in the one memory, computed before anything is
 * allocated.
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
  const plan = new MemoryPlan();
  // Each side's column indices index the other side's rows. The items' may be split into
  // blocks (splitIndexBlocks): their CSC is training's own.
  const inPlace = input.usersRatingsFirst;
  const usersIndexBytes = inPlace ? inPlace.indexBytes : columnIndexBytes(input.numItems);
  const itemBlocks = splitIndexBlocks(input.numUsers, input.numItems, input.nnz);
  const itemsIndexBytes = itemBlocks > 1 ? 2 : columnIndexBytes(input.numUsers);
  const first = inPlace ? planCsrRegions(plan, input.numUsers, inPlace.capacity, usersIndexBytes) : null;
  const ctrl = plan.take(CTRL_BYTES, 'bookkeeping');
  const side = (
    rows: number,
    chunks: number,
    indexBytes: 2 | 4,
    ratings: { indptr: number; indices: number; values: number } | null,
  ) => {
    const bookkeeping = {
      rows,
      chunks,
      bounds: plan.take((chunks + 1) * 4, 'bookkeeping'),
      status: plan.take(chunks * 4, 'bookkeeping'),
      params: plan.take(PARAM_BYTES, 'bookkeeping'),
      factors: plan.take(rows * input.stride * 4, 'factors'),
      bias: plan.take(rows * 4, 'rows'),
      regWeights: plan.take(rows * 4, 'rows'),
    };
    return {
      ...bookkeeping,
      indexBytes,
      indexSplits: 0,
      indexBlocks: 1,
      ...(ratings
        ? { indptr: ratings.indptr, indices: ratings.indices, values: ratings.values }
        : {
            indptr: plan.take((rows + 1) * 4, 'rows'),
            // 4 bytes a rating whatever the width: see ratings-memory.ts columnIndexBytes.
            indices: plan.take(input.nnz * 4, 'ratings'),
            values: plan.take(input.nnz * 4, 'ratings'),
          }),
    } satisfies SideLayout;
  };
  const users = side(input.numUsers, input.userChunks, usersIndexBytes, first);
  const items = side(input.numItems, input.itemChunks, itemsIndexBytes, null);
  const gram = plan.take(input.stride * input.stride * 4, 'gram');
  const blocks = Math.ceil(Math.max(input.numUsers, input.numItems, 1) / BLOCK_ROWS);
  const gramPartials = plan.take(blocks * input.stride * input.stride * 4, 'gram');
  const sumPartials = plan.take(blocks * 8, 'bookkeeping');
  const maxRowNnz = Math.max(input.maxUserNnz, input.maxItemNnz);
  const scratchBytes = roundUp(solveScratchFloats(input.stride, maxRowNnz) * 4, 64);
  const scratch = plan.take(scratchBytes * input.threads, 'scratch');
  // Last, so that no other region moves (see ratings-memory.ts columnIndexBytes).
  if (itemBlocks > 1) {
    items.indexBlocks = itemBlocks;
    items.indexSplits = plan.take(input.numItems * (itemBlocks - 1) * 4, 'ratings');
  }
  plan.refuseBeyondMemory('Training', {
    ratings: {
      label: `ratings (${input.nnz} stored by user and by item)`,
      hint: 'Drop users or items with few ratings, or train on Spark MLlib and serve the model here.',
    },
    factors: {
      label: `factors (${input.numUsers + input.numItems} rows of ${input.stride} floats)`,
      hint: 'Reduce factors, drop users or items with few ratings, or train on Spark MLlib and serve the model here.',
    },
    scratch: {
      label: `per-thread scratch (${input.threads} thread${input.threads === 1 ? '' : 's'} × ${gib(scratchBytes)}, sized for the longest row of ${maxRowNnz} ratings)`,
      hint: 'Use fewer threads (each needs its own scratch), or lower factors.',
    },
    gram: {
      label: `YᵀY partial sums (one ${input.stride}² block per ${BLOCK_ROWS} rows)`,
      hint: 'Reduce factors.',
    },
    rows: { label: 'per-row biases, λ weights and row pointers', hint: 'Drop users or items with few ratings.' },
    bookkeeping: { label: 'task bookkeeping', hint: 'Use fewer threads.' },
  });
  return { users, items, ctrl, gram, gramPartials, sumPartials, scratch, scratchBytes, totalBytes: plan.totalBytes };
}

/**
 * Training's layout for these ratings, rows padded to `stride` floats and cut into tasks for
 * `chunkThreads` threads (the threads that run them by default); `inPlace`: inside the
 * Ratings' own memory, its CSR where it already lies. A lower bound comes first,
 * in O(1) with the longest rows taken as empty, so a problem too large on its factors or
 * ratings alone is refused before the O(rows) scan for the longest row.
 */
export function planTraining(ratings: Ratings, stride: number, threads: number, chunkThreads = threads, inPlace = false): Layout {
  const home = inPlace ? ratings.home?.regions : undefined;
  const sizes = {
    ...(home ? { usersRatingsFirst: { capacity: home.capacity, indexBytes: home.indexBytes } } : {}),
    numUsers: ratings.numUsers,
    numItems: ratings.numItems,
    nnz: ratings.nnz,
    stride,
    threads,
    userChunks: chunkCount(ratings.numUsers, chunkThreads),
    itemChunks: chunkCount(ratings.numItems, chunkThreads),
  };
  planLayout({ ...sizes, maxUserNnz: 0, maxItemNnz: 0 });
  return planLayout({
    ...sizes,
    maxUserNnz: maxRowLength(ratings.byUser.indptr),
    maxItemNnz: maxColumnLength(ratings.byUser, ratings.numItems),
  });
}

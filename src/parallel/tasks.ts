import { RankParam, type Kernels } from '../kernels/types.js';

/**
 * A job is a list of independent tasks over one shared memory, described by control words
 * that the main thread writes before starting it. Every thread (workers, or the main thread
 * alone) claims task indices from an atomic counter until none are left, so scheduling is
 * dynamic; results never depend on which thread ran which task, so factors are bit-identical
 * for any thread count.
 */
export const Job = {
  /** Task c: status[c] = solveRows(params, bounds[c], bounds[c + 1], scratch of the thread). */
  Solve: 1,
  /** Task c: partial c (stride² f32) = YᵀY over rows [c·B, min(rows, (c + 1)·B)). */
  Gram: 2,
  /** Task c: out[c] (f64) = dataLoss(params, rows of block c). */
  DataLoss: 3,
  /** Task c: out[c] (f64) = penalty(X, stride, cols, regWeights, rows of block c). */
  Penalty: 4,
  /** Task c: top-n rows for each query of block c (recommendAll; see model/recommend-all.ts). */
  TopN: 5,
  /**
   * Task c: top-n rows and the ranks of each query's positives for the queries of block c
   * of a range (ranking evaluation; see eval/ranking-job.ts). A0 points to a RankParam block.
   */
  TopNRanks: 6,
} as const;
export type Job = (typeof Job)[keyof typeof Job];

/** Slots (i32) of the control block. */
export const Ctrl = {
  Job: 0,
  /** Next task to claim (Atomics.add). */
  Counter: 1,
  /** Non-zero: stop claiming tasks (abort, or a failure elsewhere). */
  Stop: 2,
  Tasks: 3,
  /** Job arguments A0 … A11. */
  A0: 4,
} as const;

export const CTRL_BYTES = 64;

/** Rows per block of the Gram and loss jobs: fixed, so sums never depend on thread count. */
export const BLOCK_ROWS = 4096;

/** Queries per task of the TopN job. */
export const QUERY_BLOCK = 256;

/** Queries per task of the TopNRanks job: smaller, as each run covers a slice of the users. */
export const RANK_QUERY_BLOCK = 32;

/** Bytes of item rows the TopNRanks job's queries share while they are in cache. */
export const RANK_ROW_BLOCK_BYTES = 128 * 1024;

/** Where a thread finds its scratch. */
export interface ThreadContext {
  kernels: Kernels;
  i32: Int32Array;
  ctrl: number;
  scratch: number;
}

/**
 * Claims and runs tasks of the current job until none are left or Stop is set (returns false),
 * or until `deadline` (performance.now() ms) has passed (returns true: tasks may remain).
 */
export function runTasks(t: ThreadContext, deadline = Infinity): boolean {
  const { kernels, i32 } = t;
  const c0 = t.ctrl >>> 2;
  const job = i32[c0 + Ctrl.Job]!;
  const tasks = i32[c0 + Ctrl.Tasks]!;
  const a = (n: number) => i32[c0 + Ctrl.A0 + n]!;
  const f64 = new Float64Array(i32.buffer);
  for (;;) {
    if (Atomics.load(i32, c0 + Ctrl.Stop) !== 0) return false;
    if (deadline !== Infinity && performance.now() > deadline) return true;
    const c = Atomics.add(i32, c0 + Ctrl.Counter, 1);
    if (c >= tasks) return false;
    switch (job) {
      case Job.Solve: {
        // A0 params, A1 bounds (i32[tasks + 1]), A2 status (i32[tasks])
        const bounds = a(1) >>> 2;
        i32[(a(2) >>> 2) + c] = kernels.solveRows(a(0), i32[bounds + c]!, i32[bounds + c + 1]!, t.scratch);
        break;
      }
      case Job.Gram: {
        // A0 factors, A1 stride, A2 dim, A3 rows, A4 partials
        const stride = a(1);
        const start = c * BLOCK_ROWS;
        kernels.gramBlock(a(0), stride, a(2), start, Math.min(a(3), start + BLOCK_ROWS), a(4) + c * stride * stride * 4, 0);
        break;
      }
      case Job.DataLoss: {
        // A0 params, A1 rows, A2 out (f64)
        const start = c * BLOCK_ROWS;
        f64[(a(2) >>> 3) + c] = kernels.dataLoss(a(0), start, Math.min(a(1), start + BLOCK_ROWS));
        break;
      }
      case Job.Penalty: {
        // A0 factors, A1 stride, A2 cols, A3 regWeights, A4 rows, A5 out (f64)
        const start = c * BLOCK_ROWS;
        f64[(a(5) >>> 3) + c] = kernels.penalty(a(0), a(1), a(2), a(3), start, Math.min(a(4), start + BLOCK_ROWS));
        break;
      }
      case Job.TopN: {
        // A0 queries, A1 stride, A2 dim, A3 numQueries, A4 rows, A5 numRows, A6 bias,
        // A7 excluded-row CSR indptr (0: none), A8 its indices, A9 n, A10 outIdx, A11 outScore;
        // the count kept for query q goes to i32 at A10 + (numQueries·n + q)·4.
        const stride = a(1),
          numQueries = a(3),
          n = a(9),
          indptr = a(7);
        const end = Math.min(numQueries, (c + 1) * QUERY_BLOCK);
        for (let q = c * QUERY_BLOCK; q < end; q++) {
          const lo = indptr ? i32[(indptr >>> 2) + q]! : 0;
          const hi = indptr ? i32[(indptr >>> 2) + q + 1]! : 0;
          i32[(a(10) >>> 2) + numQueries * n + q] = kernels.scoreTopK(
            a(4),
            stride,
            a(2),
            0,
            a(5),
            0,
            0,
            a(0) + q * stride * 4,
            a(6),
            a(8) + lo * 4,
            hi - lo,
            n,
            a(10) + q * n * 4,
            a(11) + q * n * 4,
          );
        }
        break;
      }
      case Job.TopNRanks: {
        // A0 the RankParam block; this run's queries are [First, End) of it.
        const params = a(0);
        const g = (slot: number) => i32[(params >>> 2) + slot]!;
        const first = g(RankParam.First) + c * RANK_QUERY_BLOCK;
        const rowBlock = Math.max(64, Math.floor(RANK_ROW_BLOCK_BYTES / (g(RankParam.Stride) * 4)));
        kernels.rankQueries(params, first, Math.min(g(RankParam.End), first + RANK_QUERY_BLOCK), rowBlock);
        break;
      }
      default:
        throw new Error(`unknown job ${job}`);
    }
  }
}

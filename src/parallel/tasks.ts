import { CONTROL, Job, type JobArgs, readJobArgs, readRankParams, slotsOf } from '../kernels/abi.js';
import type { Kernels } from '../kernels/types.js';

/**
 * A job is a list of independent tasks over one shared memory, described by control words
 * that the main thread writes before starting it (kernels/abi.ts: CONTROL, then the job's
 * argument record from JOBS, written by writeJob). Every thread (the calling thread, alone or
 * with n − 1 workers) claims task indices from an atomic counter until none are left, so scheduling is
 * dynamic; results never depend on which thread ran which task, so factors are bit-identical
 * for any thread count. The jobs and their arguments are described in kernels/abi.ts JOBS.
 */
export { Job };

/** Slot (i32 index) of each control word, for the atomics: Ctrl.Counter, Ctrl.Stop. */
export const Ctrl = slotsOf(CONTROL);

/** Bytes of the control block: the header and room for the largest argument record. */
export const CTRL_BYTES = CONTROL.bytes;

/** Rows per block of the Gram and loss jobs: fixed, so sums never depend on thread count. */
export const BLOCK_ROWS = 4096;

/** Rows per task of the Whiten job (k²/2 flops a row: a few hundred µs a task at k = 128). */
export const WHITEN_ROWS = 512;

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
  const f64 = new Float64Array(i32.buffer);
  // The arguments stay as written for the whole job: read once per call (null: no such job).
  const args = readArgs(i32, t.ctrl, job);
  for (;;) {
    if (Atomics.load(i32, c0 + Ctrl.Stop) !== 0) return false;
    if (deadline !== Infinity && performance.now() > deadline) return true;
    const c = Atomics.add(i32, c0 + Ctrl.Counter, 1);
    if (c >= tasks) return false;
    if (args === null) throw new Error(`unknown job ${job}`);
    switch (args.job) {
      case Job.Solve: {
        const { params, bounds, status } = args.of;
        const b = bounds >>> 2;
        i32[(status >>> 2) + c] = kernels.solveRows(params, i32[b + c]!, i32[b + c + 1]!, t.scratch);
        break;
      }
      case Job.Gram: {
        const { factors, stride, dim, rows, partials } = args.of;
        const start = c * BLOCK_ROWS;
        kernels.gramBlock(factors, stride, dim, start, Math.min(rows, start + BLOCK_ROWS), partials + c * stride * stride * 4, 0);
        break;
      }
      case Job.DataLoss: {
        const { params, rows, out } = args.of;
        const start = c * BLOCK_ROWS;
        f64[(out >>> 3) + c] = kernels.dataLoss(params, start, Math.min(rows, start + BLOCK_ROWS));
        break;
      }
      case Job.Penalty: {
        const { factors, stride, cols, regWeights, rows, out } = args.of;
        const start = c * BLOCK_ROWS;
        f64[(out >>> 3) + c] = kernels.penalty(factors, stride, cols, regWeights, start, Math.min(rows, start + BLOCK_ROWS));
        break;
      }
      case Job.TopN: {
        // Queries [first, end) in one multi-query pass; the count kept for query q goes after
        // the numQueries × n indices. Exclusion offsets stay absolute into exclIndices.
        // With a screen block, screened (the same lists) in the thread's scratch.
        const { queries, stride, dim, numQueries, rows, numRows, bias, exclIndptr, exclIndices, n, outIdx, outScore, screen } =
          args.of;
        const first = c * QUERY_BLOCK;
        const end = Math.min(numQueries, first + QUERY_BLOCK);
        const batch = [
          rows,
          stride,
          dim,
          0,
          numRows,
          bias,
          queries + first * stride * 4,
          end - first,
          exclIndptr ? exclIndptr + first * 4 : 0,
          exclIndices,
          n,
          outIdx + first * n * 4,
          outScore + first * n * 4,
          outIdx + (numQueries * n + first) * 4,
        ] as const;
        if (screen) kernels.screenTopKBatch(screen, ...batch, t.scratch);
        else kernels.scoreTopKBatch(...batch);
        break;
      }
      case Job.TopNRanks: {
        // This run's queries are [first, end) of the rankQueries block.
        const { params } = args.of;
        const rank = readRankParams(i32, params);
        const first = rank.first + c * RANK_QUERY_BLOCK;
        const rowBlock = Math.max(64, Math.floor(RANK_ROW_BLOCK_BYTES / (rank.stride * 4)));
        kernels.rankQueries(params, first, Math.min(rank.end, first + RANK_QUERY_BLOCK), rowBlock);
        break;
      }
      case Job.Whiten: {
        const { factor, factors, stride, dim, rows, rowsPerTask } = args.of;
        const start = c * rowsPerTask;
        kernels.whitenRows(factor, stride, dim, factors, start, Math.min(rows, start + rowsPerTask));
        break;
      }
      case Job.Unwhiten: {
        const { factor, factors, stride, dim, rows, rowsPerTask } = args.of;
        const start = c * rowsPerTask;
        kernels.unwhitenRows(factor, stride, dim, factors, start, Math.min(rows, start + rowsPerTask));
        break;
      }
      case Job.Sample: {
        const { params, prior, noiseScale, streamKey, bounds, status } = args.of;
        const start = i32[(bounds >>> 2) + c]!;
        const end = i32[(bounds >>> 2) + c + 1]!;
        i32[(status >>> 2) + c] = kernels.sampleRows(params, prior, noiseScale, streamKey, start, end, t.scratch);
        break;
      }
      default:
        throw new Error(`unknown job ${job}`);
    }
  }
}

/** A job's arguments, tagged by its id so each case of runTasks sees its own record. */
type AnyJobArgs = { [N in keyof typeof Job]: { job: (typeof Job)[N]; of: JobArgs[N] } }[keyof typeof Job];

function readArgs(i32: Int32Array, ctrl: number, job: number): AnyJobArgs | null {
  const name = (Object.keys(Job) as (keyof typeof Job)[]).find((n) => Job[n] === job);
  if (name === undefined) return null;
  return { job: Job[name], of: readJobArgs(i32, ctrl, name) } as AnyJobArgs;
}

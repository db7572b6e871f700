/**
 * The JS twin of assembly/score-batch.ts: many query vectors scored against the same rows,
 * each keeping its own best n in a binary min-heap, exactly as scoreTopK (./score.ts) does
 * query by query. The WASM kernel's point is reading each row once for four queries; here the
 * loops are plain, and only the results must agree.
 */
import type { Kernels } from '../types.js';
import type { JsMemory } from './memory.js';
import { createHeapSteps } from './score.js';
import { createScreenSteps } from './score-screen.js';

export type ScoreBatchKernels = Pick<Kernels, 'scoreTopKBatch' | 'screenTopKBatch'>;

/** Rows per block: every query scores one block before the next (as the WASM kernel walks them). */
const BLOCK_ROWS = 512;

export function createScoreBatchKernels(memory: JsMemory): ScoreBatchKernels {
  const { I } = memory;
  const { score, offer } = createHeapSteps(memory);
  const screenSteps = createScreenSteps(memory);
  const { F } = memory;

  /**
   * For each query q < numQueries (x_q at X + q·stride floats), the top-n of
   * s_i = x_q·y_i + bias[i] over the rows [start, end), skipping the rows
   * exclIndices[exclIndptr[q] … exclIndptr[q + 1]) (exclIndptr = 0: none). Query q's heap is
   * outIdx / outScore + q·n entries, as scoreTopK keeps it; outKept[q] is how many it holds.
   */
  function scoreTopKBatch(
    Y: number,
    stride: number,
    dim: number,
    start: number,
    end: number,
    bias: number,
    X: number,
    numQueries: number,
    exclIndptr: number,
    exclIndices: number,
    n: number,
    outIdx: number,
    outScore: number,
    outKept: number,
  ): void {
    const excluded: Set<number>[] = [];
    for (let q = 0; q < numQueries; q++) {
      const set = new Set<number>();
      if (exclIndptr) {
        for (let e = I[(exclIndptr >>> 2) + q]!; e < I[(exclIndptr >>> 2) + q + 1]!; e++) set.add(I[(exclIndices >>> 2) + e]!);
      }
      excluded.push(set);
      I[(outKept >>> 2) + q] = 0;
    }
    for (let r0 = start; r0 < end; r0 += BLOCK_ROWS) {
      const r1 = Math.min(end, r0 + BLOCK_ROWS);
      for (let q = 0; q < numQueries; q++) {
        const x = X + q * stride * 4;
        const heap = q * n * 4;
        let kept = I[(outKept >>> 2) + q]!;
        for (let i = r0; i < r1; i++) {
          if (excluded[q]!.has(i)) continue;
          kept = offer(n, outIdx + heap, outScore + heap, kept, i, score(Y, stride, dim, x, bias, i));
        }
        I[(outKept >>> 2) + q] = kept;
      }
    }
  }

  /**
   * scoreTopKBatch screened: every query quantised into `scratch` first (scales, bounds, then
   * the int16 rows, as the WASM kernel lays them out), then the same walk over the row blocks,
   * a row scored exactly for a query only when its bound can enter that query's heap. The same
   * heaps and kept counts as scoreTopKBatch; a screen that does not fit falls back to it.
   */
  function screenTopKBatch(
    screen: number,
    Y: number,
    stride: number,
    dim: number,
    start: number,
    end: number,
    bias: number,
    X: number,
    numQueries: number,
    exclIndptr: number,
    exclIndices: number,
    n: number,
    outIdx: number,
    outScore: number,
    outKept: number,
    scratch: number,
  ): void {
    if (!screenSteps.fits(screen, dim, start, end)) {
      scoreTopKBatch(Y, stride, dim, start, end, bias, X, numQueries, exclIndptr, exclIndices, n, outIdx, outScore, outKept);
      return;
    }
    const padded = ((numQueries + 3) & ~3) * 4;
    const qBytes = ((dim + 7) & ~7) * 2;
    const xq = (q: number) => scratch + 2 * padded + q * qBytes;
    const excluded: Set<number>[] = [];
    for (let q = 0; q < numQueries; q++) {
      const set = new Set<number>();
      if (exclIndptr) {
        for (let e = I[(exclIndptr >>> 2) + q]!; e < I[(exclIndptr >>> 2) + q + 1]!; e++) set.add(I[(exclIndices >>> 2) + e]!);
      }
      excluded.push(set);
      I[(outKept >>> 2) + q] = 0;
      screenSteps.prepare(screen, X + q * stride * 4, dim, xq(q), scratch + q * 4, scratch + padded + q * 4);
    }
    for (let r0 = start; r0 < end; r0 += BLOCK_ROWS) {
      const r1 = Math.min(end, r0 + BLOCK_ROWS);
      for (let q = 0; q < numQueries; q++) {
        const heap = q * n * 4;
        I[(outKept >>> 2) + q] = screenSteps.range(
          screen,
          Y,
          stride,
          dim,
          r0,
          r1,
          X + q * stride * 4,
          xq(q),
          F[(scratch >>> 2) + q]!,
          F[((scratch + padded) >>> 2) + q]!,
          bias,
          excluded[q]!,
          n,
          outIdx + heap,
          outScore + heap,
          I[(outKept >>> 2) + q]!,
        );
      }
    }
  }

  return { scoreTopKBatch, screenTopKBatch };
}

/**
 * The JS twin of assembly/score.ts: scoring one query vector against many rows, keeping the
 * best n in a binary min-heap without sorting them all.
 */
import { readRankParams } from '../abi.js';
import type { Kernels } from '../types.js';
import type { JsMemory } from './memory.js';
import { createScreenSteps } from './score-screen.js';

export type ScoreKernels = Pick<Kernels, 'scoreTopK' | 'screenRows' | 'screenTopK' | 'scoreTopKRanks' | 'rankQueries'>;

/**
 * The scoring and heap steps every scoring twin shares (./score.ts, ./score-batch.ts), as
 * assembly/score-batch.ts imports score.ts's `offer`.
 */
export function createHeapSteps({ F, I }: JsMemory) {
  /** (s, i) ranks above (t, j): higher score, or the same score and a lower index. */
  const better = (s: number, i: number, t: number, j: number) => s > t || (s === t && i < j);

  /** s_i = x·y_i + b_i, summed in f32 as the WASM kernel's lanes do only approximately. */
  const score = (Y: number, stride: number, dim: number, x: number, bias: number, i: number) => {
    const y0 = (Y >>> 2) + i * stride,
      x0 = x >>> 2;
    let s = 0;
    for (let c = 0; c < dim; c++) s += F[x0 + c]! * F[y0 + c]!;
    if (bias) s += F[(bias >>> 2) + i]!;
    return Math.fround(s);
  };

  /**
   * Offers (i, s) to the min-heap of the best n at outIdx / outScore (worst at the root)
   * holding `kept` entries; returns the new count. NaN never enters.
   */
  const offer = (n: number, outIdx: number, outScore: number, kept: number, i: number, s: number) => {
    const hi = outIdx >>> 2,
      hs = outScore >>> 2;
    if (s !== s) return kept;
    if (kept < n) {
      // sift up
      let c = kept++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!better(F[hs + p]!, I[hi + p]!, s, i)) break;
        F[hs + c] = F[hs + p]!;
        I[hi + c] = I[hi + p]!;
        c = p;
      }
      F[hs + c] = s;
      I[hi + c] = i;
    } else if (n > 0 && better(s, i, F[hs]!, I[hi]!)) {
      // replace the worst kept and sink it
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= n) break;
        const r = l + 1;
        const w = r < n && better(F[hs + l]!, I[hi + l]!, F[hs + r]!, I[hi + r]!) ? r : l;
        if (!better(s, i, F[hs + w]!, I[hi + w]!)) break;
        F[hs + c] = F[hs + w]!;
        I[hi + c] = I[hi + w]!;
        c = w;
      }
      F[hs + c] = s;
      I[hi + c] = i;
    }
    return kept;
  };

  return { better, score, offer };
}

export function createScoreKernels(memory: JsMemory): ScoreKernels {
  const { F, I } = memory;
  const { score, offer } = createHeapSteps(memory);
  const screenSteps = createScreenSteps(memory);

  /**
   * Top-n of s_i = x·y_i + bias[i] over the rows i in [start, end) (cands = 0) or the rows
   * cands[0 … numCands) (cands ≠ 0), skipping the rows listed in excl[0 … numExcl). The best
   * n are kept in a binary min-heap (outIdx, outScore; the worst kept at the root). Ties keep
   * the lower index. Returns how many were kept (≤ n); the caller orders them. bias = 0: no bias.
   */
  function scoreTopK(
    Y: number,
    stride: number,
    dim: number,
    start: number,
    end: number,
    cands: number,
    numCands: number,
    x: number,
    bias: number,
    excl: number,
    numExcl: number,
    n: number,
    outIdx: number,
    outScore: number,
  ): number {
    const c0 = cands >>> 2,
      e0 = excl >>> 2;
    const excluded = new Set<number>();
    for (let e = 0; e < numExcl; e++) excluded.add(I[e0 + e]!);
    let kept = 0;
    const count = cands ? numCands : end - start;
    for (let q = 0; q < count; q++) {
      const i = cands ? I[c0 + q]! : start + q;
      if (excluded.has(i)) continue;
      kept = offer(n, outIdx, outScore, kept, i, score(Y, stride, dim, x, bias, i));
    }
    return kept;
  }

  /**
   * The screen block at `screen` for the rows Y[0 … numRows): each row's int16 copy at its
   * own scale and the norms of the bound (./score-screen.ts, assembly/score-screen.ts).
   */
  function screenRows(Y: number, stride: number, dim: number, numRows: number, screen: number): void {
    screenSteps.build(Y, stride, dim, numRows, screen);
  }

  /**
   * scoreTopK over the rows [start, end), screened: the query quantised into `scratch`, a row
   * scored exactly only when its bound can enter the heap. The same heap as scoreTopK; a
   * screen that does not fit, or a query that cannot be screened, falls back to scoreTopK.
   */
  function screenTopK(
    screen: number,
    Y: number,
    stride: number,
    dim: number,
    start: number,
    end: number,
    x: number,
    bias: number,
    excl: number,
    numExcl: number,
    n: number,
    outIdx: number,
    outScore: number,
    scratch: number,
  ): number {
    const xq = scratch + 32;
    if (!screenSteps.fits(screen, dim, start, end) || !screenSteps.prepare(screen, x, dim, xq, scratch, scratch + 16)) {
      return scoreTopK(Y, stride, dim, start, end, 0, 0, x, bias, excl, numExcl, n, outIdx, outScore);
    }
    const excluded = new Set<number>();
    for (let e = 0; e < numExcl; e++) excluded.add(I[(excl >>> 2) + e]!);
    const sq = F[scratch >>> 2]!;
    const E = F[(scratch + 16) >>> 2]!;
    return screenSteps.range(screen, Y, stride, dim, start, end, x, xq, sq, E, bias, excluded, n, outIdx, outScore, 0);
  }

  /**
   * scoreTopK over the rows [start, end), and in the same pass the rank of each positive row
   * pos[0 … numPos) among the rows of the range that are neither excluded nor positive:
   * outRank[p] += 2·(rows scoring below pos[p]) + (rows scoring the same), twice the ROC-AUC
   * numerator. posScore holds each positive's score (padding to a multiple of 4: NaN; outRank
   * padding: 0). kept < 0 starts afresh (posScore computed, outRank zeroed, heap empty);
   * kept ≥ 0 resumes with that many entries in the heap. Returns how many are in the heap (≤ n).
   */
  function scoreTopKRanks(
    Y: number,
    stride: number,
    dim: number,
    start: number,
    end: number,
    x: number,
    bias: number,
    excl: number,
    numExcl: number,
    pos: number,
    numPos: number,
    n: number,
    kept: number,
    outIdx: number,
    outScore: number,
    posScore: number,
    outRank: number,
  ): number {
    const e0 = excl >>> 2,
      p0 = pos >>> 2,
      ps = posScore >>> 2,
      r0 = outRank >>> 2;
    if (kept < 0) {
      const padded = Math.ceil(numPos / 4) * 4;
      for (let p = 0; p < padded; p++) {
        F[ps + p] = p < numPos ? score(Y, stride, dim, x, bias, I[p0 + p]!) : NaN;
        I[r0 + p] = 0;
      }
      kept = 0;
    }
    const excluded = new Set<number>();
    for (let e = 0; e < numExcl; e++) excluded.add(I[e0 + e]!);
    const positive = new Map<number, number>();
    for (let p = 0; p < numPos; p++) positive.set(I[p0 + p]!, p);
    for (let i = start; i < end; i++) {
      if (excluded.has(i)) continue;
      const p = positive.get(i);
      let s: number;
      if (p !== undefined) {
        s = F[ps + p]!;
      } else {
        s = score(Y, stride, dim, x, bias, i);
        // a negative: each positive above it gains 2, each one tied with it 1
        for (let q = 0; q < numPos; q++) I[r0 + q]! += s < F[ps + q]! ? 2 : s === F[ps + q]! ? 1 : 0;
      }
      kept = offer(n, outIdx, outScore, kept, i, s);
    }
    return kept;
  }

  /**
   * scoreTopKRanks for the queries [first, end) of the abi.ts RANK_PARAMS block at `params`, the rows
   * walked `rowBlock` at a time: every query of the range scores one block of rows before the
   * next block is read.
   */
  function rankQueries(params: number, first: number, end: number, rowBlock: number): void {
    const p = readRankParams(I, params);
    const { stride, n, numRows } = p;
    const exclIndptr = p.exclIndptr >>> 2,
      posIndptr = p.posIndptr >>> 2,
      kept = p.kept >>> 2;
    for (let r0 = 0; r0 < numRows; r0 += rowBlock) {
      const r1 = Math.min(numRows, r0 + rowBlock);
      for (let q = first; q < end; q++) {
        const lo = I[exclIndptr + q]!;
        const at = I[posIndptr + q]! * 4;
        I[kept + q] = scoreTopKRanks(
          p.rows,
          stride,
          p.dim,
          r0,
          r1,
          p.queries + q * stride * 4,
          p.bias,
          p.exclIndices + lo * 4,
          I[exclIndptr + q + 1]! - lo,
          p.posIndices + at,
          I[(p.posCount >>> 2) + q]!,
          n,
          r0 === 0 ? -1 : I[kept + q]!,
          p.outIdx + q * n * 4,
          p.outScore + q * n * 4,
          p.posScore + at,
          p.outRank + at,
        );
      }
    }
  }

  return { scoreTopK, screenRows, screenTopK, scoreTopKRanks, rankQueries };
}

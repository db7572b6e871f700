/**
 * The JS twin of assembly/loss.ts: the objective terms over a row range, in f64 throughout.
 */
import { readSolveParams } from '../abi.js';
import { type Kernels, WeightMode } from '../types.js';
import { storedIndex } from './columns.js';
import type { JsMemory } from './memory.js';

export type LossKernels = Pick<Kernels, 'dataLoss' | 'penalty' | 'columnSums'>;

export function createLossKernels(memory: JsMemory): LossKernels {
  const { F, I, D } = memory;
  /**
   * The data term of the objective over rows [start, end) of the solved side (types.ts):
   *   explicit: Σ (r − μ − otherBias[c] − x·y_c)²;
   *   implicit: Σ_u [x_uᵀ YᵀY x_u + Σ_obs (c (p − s)² − s²)] with s = x·y.
   */
  function dataLoss(params: number, start: number, end: number): number {
    const p = readSolveParams(I, params);
    const X = p.X >>> 2,
      Y = p.Y >>> 2;
    const { stride, dim, mode, alpha, mu, otherBias, indexBytes, indices, indexSplits, indexBlocks } = p;
    const indptr = p.indptr >>> 2,
      values = p.values >>> 2;
    const YtY = p.YtY >>> 2;
    const implicit = mode !== WeightMode.Explicit;

    let loss = 0;
    for (let row = start; row < end; row++) {
      const x = X + row * stride;
      if (implicit && YtY !== 0) {
        // x_uᵀ YᵀY x_u = Σ_i s_ui² over every item, as if all were unobserved (c = 1, p = 0)
        for (let i = 0; i < dim; i++) {
          let s = 0;
          for (let j = i + 1; j < dim; j++) s += F[YtY + i * stride + j]! * F[x + j]!;
          loss += F[x + i]! * (F[YtY + i * stride + i]! * F[x + i]! + 2 * s);
        }
      }
      // With splits (columns.ts), entries from the row's split h − 1 on are in block h.
      const hi = I[indptr + row + 1]!;
      const at = (indexSplits >>> 2) + row * (indexBlocks - 1);
      let h = 0;
      let next = indexSplits === 0 ? hi : I[at]!;
      for (let k = I[indptr + row]!; k < hi; k++) {
        while (k >= next) next = ++h < indexBlocks - 1 ? I[at + h]! : hi;
        const column = storedIndex(memory, indices, k, indexBytes) + h * 0x10000;
        const y = Y + column * stride;
        let s = 0; // s = x·y
        for (let i = 0; i < dim; i++) s += F[x + i]! * F[y + i]!;
        const r = F[values + k]!;
        if (!implicit) {
          // (r − μ − b_other − x·y)²
          const e = r - mu - (otherBias === 0 ? 0 : F[(otherBias >> 2) + column]!) - s;
          loss += e * e;
        } else {
          // observed pairs: replace the unobserved s² by c (p − s)²
          // Unobserved (α = 1/α₀): c = 1 + 1/α₀, p = 1/(1 + α₀), the confidence form of iALS
          const c =
            mode === WeightMode.Unobserved
              ? 1 + alpha
              : mode === WeightMode.ImplicitOnePlusAlpha
                ? 1 + alpha * Math.abs(r)
                : alpha * Math.abs(r);
          const p = r > 0 ? (mode === WeightMode.Unobserved ? alpha / (1 + alpha) : 1) : 0;
          loss += c * (p - s) * (p - s) - s * s;
        }
      }
    }
    return loss;
  }

  /** Σ_{r ∈ [start, end)} w_r Σ_{c < cols} X[r][c]² in f64; regWeights = 0: w_r = 1. */
  function penalty(X: number, stride: number, cols: number, regWeights: number, start: number, end: number): number {
    const x0 = X >> 2,
      rw = regWeights >> 2;
    let sum = 0;
    // Σ_r w_r ‖x_r‖²
    for (let row = start; row < end; row++) {
      const x = x0 + row * stride;
      let s = 0;
      for (let c = 0; c < cols; c++) s += F[x + c]! * F[x + c]!;
      sum += (regWeights === 0 ? 1 : F[rw + row]!) * s;
    }
    return sum;
  }

  /** out[c] = Σ_{r < rows} X[r][c] for c < cols, in f64 in row order (the kernel's bits). */
  function columnSums(X: number, stride: number, cols: number, rows: number, out: number): void {
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let r = 0, at = (X >>> 2) + c; r < rows; r++, at += stride) s += F[at]!;
      D[(out >>> 3) + c] = s;
    }
  }

  return { dataLoss, penalty, columnSums };
}

/**
 * The JS twin of assembly/weights.ts: per-rating Gram weight w and right-hand-side target t
 * from the rating values.
 */
import { type Kernels, WeightMode } from '../types.js';
import type { JsMemory } from './memory.js';

export type WeightsKernels = Pick<Kernels, 'rowWeights'>;

export function createWeightsKernels({ F, I }: JsMemory): WeightsKernels {
  const fround = Math.fround;

  /**
   * w[j], t[j] for one row's n ratings values[j] (see WeightMode):
   *   explicit: w = 1, t = r − μ − otherBias[cols[j]] (otherBias = 0: no bias term);
   *   implicit: c = 1 + α|r| (Hu–Koren–Volinsky, Spark) or α|r| (implicit), w = c − 1, t = r > 0 ? c : 0;
   *   unobserved weight (Rendle et al., α = 1/α₀): w = α, t = r > 0 ? α : 0.
   */
  function rowWeights(
    cols: number,
    values: number,
    n: number,
    mode: number,
    alpha: number,
    mu: number,
    otherBias: number,
    w: number,
    t: number,
  ): void {
    alpha = fround(alpha); // scalars cross the WASM boundary as f32: round them the same way
    mu = fround(mu);
    const c0 = cols >> 2,
      v0 = values >> 2,
      w0 = w >> 2,
      t0 = t >> 2,
      ob = otherBias >> 2;
    for (let j = 0; j < n; j++) {
      const r = F[v0 + j]!;
      if (mode === WeightMode.Explicit) {
        // w = 1, t = r − μ − b_other
        F[w0 + j] = 1;
        F[t0 + j] = r - mu - (otherBias === 0 ? 0 : F[ob + I[c0 + j]!]!);
      } else if (mode === WeightMode.Unobserved) {
        // the iALS normal equations divided by α₀: w = t = 1/α₀ on positives
        F[w0 + j] = alpha;
        F[t0 + j] = r > 0 ? alpha : 0;
      } else {
        // c = 1 + α|r| (Hu–Koren–Volinsky, Spark) or α|r| (implicit); w = c − 1, t = p·c
        const c = mode === WeightMode.ImplicitOnePlusAlpha ? 1 + alpha * Math.abs(r) : alpha * Math.abs(r);
        F[w0 + j] = c - 1;
        F[t0 + j] = r > 0 ? c : 0;
      }
    }
  }

  return { rowWeights };
}

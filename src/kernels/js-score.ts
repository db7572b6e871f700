import type { Kernels } from './types.js';

/** The JS twin of assembly/score.ts, over views of the same memory. */
export function createJsScoreKernels(buffer: ArrayBufferLike): Pick<Kernels, 'scoreTopK'> {
  const F = new Float32Array(buffer);
  const I = new Int32Array(buffer);

  /** (s, i) ranks above (t, j): higher score, or the same score and a lower index. */
  const better = (s: number, i: number, t: number, j: number) => s > t || (s === t && i < j);

  return {
    scoreTopK(Y, stride, dim, start, end, cands, numCands, x, bias, excl, numExcl, n, outIdx, outScore) {
      const y0 = Y >>> 2, x0 = x >>> 2, b0 = bias >>> 2, c0 = cands >>> 2, e0 = excl >>> 2;
      const hi = outIdx >>> 2, hs = outScore >>> 2;
      const excluded = new Set<number>();
      for (let e = 0; e < numExcl; e++) excluded.add(I[e0 + e]!);
      let kept = 0;
      const count = cands ? numCands : end - start;
      for (let q = 0; q < count; q++) {
        const i = cands ? I[c0 + q]! : start + q;
        if (excluded.has(i)) continue;
        // s_i = x·y_i + b_i, summed in f32 as the WASM kernel's lanes do only approximately
        let s = 0;
        for (let c = 0; c < dim; c++) s += F[x0 + c]! * F[y0 + i * stride + c]!;
        if (bias) s += F[b0 + i]!;
        s = Math.fround(s);
        if (s !== s) continue;
        if (kept < n) {
          // sift up into the min-heap of the best n (worst at the root)
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
      }
      return kept;
    },
  };
}

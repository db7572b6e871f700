/**
 * The JS twin of assembly/subspace.ts: iALS++ (Rendle, Krichene, Zhang, Koren, "iALS++:
 * Speeding up Matrix Factorization with Subspace Optimization", 2021). One sweep of block
 * coordinate descent on one row's system
 *   H x = r,   H = A0 + Σ_j w_j y_j y_jᵀ + λI,   r = Σ_j t_j y_j,
 * over blocks B = [s, s + bd) of blockSize unknowns (the last may be partial), warm-started
 * from x. With the other unknowns fixed, block B's optimum is x_B + Δ with
 *   H_BB Δ = r_B − (H x)_B = Σ_j e_j y_jB − (A0 x)_B − λ x_B,   e_j = t_j − w_j ŷ_j,  ŷ_j = x·y_j,
 * equivalently (A0_BB + Σ_j w_j y_jB y_jBᵀ + λI) x_B,new
 *   = Σ_j t_j y_jB − Σ_j w_j (ŷ_j − x_B·y_jB) y_jB − (A0 x)_B + A0_BB x_B.
 * e_j is kept over t and updated after each block: e_j −= w_j (Δ·y_jB). Per sweep that costs
 * n·k·b for the block Grams, k² for A0 x and k·b² for the block Choleskys, instead of
 * n·k² + k³/3. With blockSize ≥ dim the one block is the full system: the Cholesky solution.
 *
 * Precision as the other twins: f32 storage, f64 arithmetic rounded once per store.
 */
import type { Kernels } from '../types.js';
import type { JsMemory } from './memory.js';

export type SubspaceKernels = Pick<Kernels, 'subspaceSolve'>;

/** The kernels a block solve is made of (assembly/subspace.ts imports the same ones). */
export type SubspaceSteps = Pick<Kernels, 'cholesky' | 'choleskySolve'>;

export function createSubspaceKernels({ F, I }: JsMemory, steps: SubspaceSteps): Required<SubspaceKernels> {
  /**
   * One sweep over the blocks of `blockSize` unknowns, x updated in place (A0 = 0: none; y_j
   * is row cols[j] of Y). t is scratch: it holds e_j = t_j − w_j x·y_j during the sweep. `work` holds the block
   * system M (bs² floats, row stride bs = roundUp8(blockSize)), rhs and Δ (bs each); `gather`
   * is unused here (the WASM kernel copies 2·GATHER_ROWS·bs floats of rows into it). Returns
   * -1, or the first unknown of a block whose system was not positive definite.
   */
  function subspaceSolve(
    A0: number,
    Y: number,
    stride: number,
    dim: number,
    cols: number,
    w: number,
    t: number,
    n: number,
    lambda: number,
    x: number,
    blockSize: number,
    work: number,
    gather: number,
  ): number {
    void gather; // the twin reads the rows in place
    const b = Math.min(Math.max(blockSize, 1), dim);
    const bs = (b + 7) & ~7;
    const m = work >> 2,
      rhs = m + bs * bs,
      delta = rhs + bs;
    const x0 = x >> 2,
      a0 = A0 >> 2,
      y0 = Y >> 2,
      c0 = cols >> 2,
      w0 = w >> 2,
      t0 = t >> 2;
    const row = (j: number) => y0 + I[c0 + j]! * stride;
    // e_j = t_j − w_j (x·y_j)
    for (let j = 0; j < n; j++) {
      const y = row(j);
      let d = 0;
      for (let c = 0; c < dim; c++) d += F[x0 + c]! * F[y + c]!;
      F[t0 + j] = F[t0 + j]! - F[w0 + j]! * d;
    }
    for (let s = 0; s < dim; s += b) {
      const bd = Math.min(b, dim - s);
      // M = A0_BB (upper triangle) or 0;  rhs = −(A0 x)_B − λ x_B
      for (let i = 0; i < bd; i++) {
        for (let c = i; c < bd; c++) F[m + i * bs + c] = A0 === 0 ? 0 : F[a0 + (s + i) * stride + s + c]!;
      }
      for (let i = 0; i < bd; i++) {
        let g = 0;
        if (A0 !== 0) {
          const gi = s + i;
          for (let c = 0; c < dim; c++) {
            g += (c >= gi ? F[a0 + gi * stride + c]! : F[a0 + c * stride + gi]!) * F[x0 + c]!;
          }
        }
        F[rhs + i] = -g - lambda * F[x0 + s + i]!;
      }
      // M += Σ_j w_j y_jB y_jBᵀ,  rhs += Σ_j e_j y_jB
      for (let j = 0; j < n; j++) {
        const y = row(j) + s,
          wj = F[w0 + j]!,
          e = F[t0 + j]!;
        for (let i = 0; i < bd; i++) {
          const mi = m + i * bs,
            wyi = wj * F[y + i]!;
          for (let c = i; c < bd; c++) F[mi + c] = F[mi + c]! + wyi * F[y + c]!;
          F[rhs + i] = F[rhs + i]! + e * F[y + i]!;
        }
      }
      const status = steps.cholesky(work, bs, bd, lambda);
      if (status >= 0) return s + status;
      steps.choleskySolve(work, bs, bd, rhs << 2, delta << 2);
      // x_B += Δ;  e_j −= w_j (Δ·y_jB)
      for (let i = 0; i < bd; i++) F[x0 + s + i] = F[x0 + s + i]! + F[delta + i]!;
      for (let j = 0; j < n; j++) {
        const y = row(j) + s;
        let d = 0;
        for (let i = 0; i < bd; i++) d += F[delta + i]! * F[y + i]!;
        F[t0 + j] = F[t0 + j]! - F[w0 + j]! * d;
      }
    }
    return -1;
  }

  return { subspaceSolve };
}

/**
 * The JS twin of assembly/cg.ts: conjugate gradient on (A0 + Σ_j w_j y_j y_jᵀ + λI) x =
 * Σ_j t_j y_j, warm-started from x, never forming the matrix. The vectors live in the f32
 * scratch, the scalars in f64.
 */
import type { Kernels } from '../types.js';
import type { JsMemory } from './memory.js';

export type CgKernels = Pick<Kernels, 'cgSolve'>;

/** Stop CG when the squared residual is below this (the contract's threshold). */
const CG_TOLERANCE = 1e-20;

export function createCgKernels({ F, I }: JsMemory): CgKernels {
  const fround = Math.fround;

  /** The upper triangle A[i][j], j ≥ i, of a symmetric matrix stored at element offset a. */
  const sym = (a: number, stride: number, i: number, j: number): number =>
    i <= j ? F[a + i * stride + j]! : F[a + j * stride + i]!;

  /**
   * `steps` CG iterations on (A0 + Σ_j w_j y_j y_jᵀ + λI) x = Σ_j t_j y_j from the current x
   * (A0 = 0: none; y_j is row cols[j] of Y, or row j when cols = 0). `scratch` holds r, p and
   * Ap (3·stride floats). Returns the number of steps taken (0 when the start residual
   * r·r < 1e-20).
   */
  function cgSolve(
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
    steps: number,
    scratch: number,
  ): number {
    lambda = fround(lambda);
    const y = Y >> 2,
      c0 = cols >> 2,
      w0 = w >> 2,
      t0 = t >> 2,
      x0 = x >> 2;
    const r0 = scratch >> 2,
      p0 = r0 + stride,
      q0 = p0 + stride; // r, p and Ap
    const a0 = A0 >> 2;

    /** y_j: row cols[j] of Y, or row j when cols = 0 (rows already gathered). */
    const rowOf = (j: number): number => y + (cols === 0 ? j : I[c0 + j]!) * stride;
    /** out = (A0 + Σ_j w_j y_j y_jᵀ + λI) v, without forming the matrix. */
    const multiply = (v: number, out: number): void => {
      // out = A0 v + λ v
      for (let i = 0; i < dim; i++) {
        let s = lambda * F[v + i]!;
        if (A0 !== 0) for (let k = 0; k < dim; k++) s += sym(a0, stride, i, k) * F[v + k]!;
        F[out + i] = s;
      }
      // out += Σ_j w_j (y_j·v) y_j
      for (let j = 0; j < n; j++) {
        const yj = rowOf(j);
        let dot = 0;
        for (let i = 0; i < dim; i++) dot += F[yj + i]! * F[v + i]!;
        const s = F[w0 + j]! * dot;
        for (let i = 0; i < dim; i++) F[out + i] = F[out + i]! + s * F[yj + i]!;
      }
    };
    const dot = (u: number, v: number): number => {
      let s = 0;
      for (let i = 0; i < dim; i++) s += F[u + i]! * F[v + i]!;
      return s;
    };

    // r = b − A x with b = Σ_j t_j y_j; p = r
    multiply(x0, q0);
    for (let i = 0; i < dim; i++) F[r0 + i] = -F[q0 + i]!;
    for (let j = 0; j < n; j++) {
      const yj = rowOf(j);
      const tj = F[t0 + j]!;
      if (tj !== 0) for (let i = 0; i < dim; i++) F[r0 + i] = F[r0 + i]! + tj * F[yj + i]!;
    }
    F.copyWithin(p0, r0, r0 + dim);
    let rr = dot(r0, r0);
    if (rr < CG_TOLERANCE) return 0;

    for (let step = 0; step < steps; step++) {
      // α = r·r / pᵀAp;  x += α p;  r −= α Ap
      multiply(p0, q0);
      const alpha = rr / dot(p0, q0);
      for (let i = 0; i < dim; i++) {
        F[x0 + i] = F[x0 + i]! + alpha * F[p0 + i]!;
        F[r0 + i] = F[r0 + i]! - alpha * F[q0 + i]!;
      }
      const rrNew = dot(r0, r0);
      if (rrNew < CG_TOLERANCE) return step + 1;
      // p = r + (r·r new / r·r old) p
      const beta = rrNew / rr;
      for (let i = 0; i < dim; i++) F[p0 + i] = F[r0 + i]! + beta * F[p0 + i]!;
      rr = rrNew;
    }
    return steps;
  }

  return { cgSolve };
}

/**
 * The JS twin of assembly/short-rows.ts: one row exactly through the push-through (Woodbury)
 * identity, and the whitening of a fixed side. The mathematics is in the assembly file's
 * header: with V₊ the rows of weight w_j > 0 (D = diag(w_j)), b₀ = Σ_{w_j = 0} t_j v_j and
 * M = c·D⁻¹ + V₊V₊ᵀ, x = b₀/c + V₊ᵀ a with M a = D⁻¹ t₊ − V₊ b₀ / c.
 */
import type { Kernels } from '../types.js';
import { createCholeskyKernels, forwardSubstitute } from './cholesky.js';
import type { JsMemory } from './memory.js';

export type ShortRowsKernels = Pick<Kernels, 'shortRowSolve' | 'whitenRows' | 'unwhitenRows'>;

/** The largest n₊ whose work fits in `floats` floats (2·m8 + m8², m8 = roundUp8(n₊)), at most dim. */
export function shortRowCap(dim: number, floats: number): number {
  let m8 = 8;
  while (m8 + 8 <= dim + 7 && (m8 + 8) * (m8 + 10) <= floats) m8 += 8;
  return m8 * (m8 + 2) <= floats ? Math.min(m8, dim) : 0;
}

/** x = L⁻ᵀ z = Σ_j z_j C[j] with C = L⁻¹ (rows of `stride`, row j zero past column j): assembly's unwhiten. */
export function unwhiten(F: Float32Array, C: number, stride: number, dim: number, z: number, x: number): void {
  const c = C >> 2,
    z0 = z >> 2,
    x0 = x >> 2;
  for (let i = 0; i < dim; i++) {
    let s = 0;
    for (let j = i; j < dim; j++) s += F[z0 + j]! * F[c + j * stride + i]!;
    F[x0 + i] = s;
  }
}

/** Rows w_j > 0 among w[0 … n), or -1 when some w_j is < 0 or not finite (assembly's positiveCount). */
export function positiveCount(F: Float32Array, w: number, n: number): number {
  let count = 0;
  for (let j = 0; j < n; j++) {
    const v = F[(w >> 2) + j]!;
    if (v > 0 && Number.isFinite(v)) count++;
    else if (v !== 0) return -1;
  }
  return count;
}

export function createShortRowsKernels(memory: JsMemory): ShortRowsKernels {
  const { F, I } = memory;
  const { cholesky, choleskySolve } = createCholeskyKernels(memory);
  const fround = Math.fround;

  /**
   * x = (c·I + Σ_j w_j v_j v_jᵀ)⁻¹ (Σ_j t_j v_j + e), v_j = row cols[j] of V, c > 0, e read
   * from `extra` (roundUp4(dim) floats; may be x itself) or 0 when `extra` is 0. With
   * m8 = roundUp8(n₊): T holds dim·m8 floats (unused here: the dot products are read from
   * the rows), work 2·m8 + m8² (addresses, right-hand side, M). Returns -1, or ≥ 0 when the
   * row is not for this path (a w_j < 0 or not finite, or M not positive definite).
   */
  function shortRowSolve(
    V: number,
    stride: number,
    dim: number,
    cols: number,
    w: number,
    t: number,
    n: number,
    c: number,
    x: number,
    T: number,
    work: number,
    extra: number,
  ): number {
    void T;
    c = fround(c);
    const x0 = x >> 2;
    const dim4 = (dim + 3) & ~3;
    if (extra === 0) F.fill(0, x0, x0 + dim4);
    else if (extra !== x) F.copyWithin(x0, extra >> 2, (extra >> 2) + dim4);
    const positive: number[] = []; // element offsets of the rows with w_j > 0
    const weights: number[] = [];
    const targets: number[] = [];
    let anyZero = extra !== 0;
    for (let j = 0; j < n; j++) {
      const wj = F[(w >> 2) + j]!;
      const v = ((V >> 2) + I[(cols >> 2) + j]! * stride) | 0;
      if (wj > 0 && Number.isFinite(wj)) {
        positive.push(v);
        weights.push(wj);
        targets.push(F[(t >> 2) + j]!);
      } else if (wj === 0) {
        const tj = F[(t >> 2) + j]!;
        if (tj === 0) continue;
        anyZero = true;
        for (let i = 0; i < dim; i++) F[x0 + i] = F[x0 + i]! + tj * F[v + i]!; // b₀
      } else return n;
    }
    for (let i = 0; i < dim; i++) F[x0 + i] = F[x0 + i]! / c; // b₀/c
    const np = positive.length;
    if (np === 0) return -1;
    const m8 = (np + 7) & ~7;
    const r = (work >> 2) + m8;
    const M = (r + m8) * 4;
    const m = M >> 2;
    for (let i = 0; i < np; i++) {
      const vi = positive[i]!;
      for (let j = i; j < np; j++) {
        const vj = positive[j]!;
        let s = 0;
        for (let e = 0; e < dim; e++) s += F[vi + e]! * F[vj + e]!;
        F[m + i * m8 + j] = i === j ? s + fround(c / weights[i]!) : s;
      }
      let rhs = fround(targets[i]! / weights[i]!);
      if (anyZero) {
        let s = 0;
        for (let e = 0; e < dim; e++) s += F[vi + e]! * F[x0 + e]!;
        rhs -= s;
      }
      F[r + i] = rhs;
    }
    const status = cholesky(M, m8, np, 0);
    if (status >= 0) return status;
    choleskySolve(M, m8, np, r * 4, r * 4);
    for (let e = 0; e < dim; e++) {
      let s = F[x0 + e]!;
      for (let i = 0; i < np; i++) s += F[r + i]! * F[positive[i]! + e]!;
      F[x0 + e] = s;
    }
    return -1;
  }

  /** Rows [start, end) of Y in place: y ← U⁻ᵀ y (L⁻¹y with L = Uᵀ), [0, dim) of each row. */
  function whitenRows(U: number, stride: number, dim: number, Y: number, start: number, end: number): void {
    for (let row = start; row < end; row++) forwardSubstitute(F, U, stride, dim, Y + row * stride * 4);
  }

  /** Rows [start, end) of Y in place: x ← Uᵀx̃ (L x̃), upper triangle of U only, [0, dim) of each row. */
  function unwhitenRows(U: number, stride: number, dim: number, Y: number, start: number, end: number): void {
    const u0 = U >> 2;
    for (let row = start; row < end; row++) {
      const y = (Y >> 2) + row * stride;
      // x_i reads x̃_j for j ≤ i only: from the last component down, in place.
      for (let i = dim - 1; i >= 0; i--) {
        let s = 0;
        for (let j = 0; j <= i; j++) s += F[u0 + j * stride + i]! * F[y + j]!;
        F[y + i] = s;
      }
    }
  }

  return { shortRowSolve, whitenRows, unwhitenRows };
}

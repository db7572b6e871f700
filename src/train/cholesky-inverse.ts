import type { Kernels } from '../kernels/types.js';

/**
 * L⁻ᵀ = U⁻¹ into `out` (stride × stride floats: upper triangle within dim, zero below the
 * diagonal and past dim), from U = Lᵀ as `cholesky` leaves it at `upper`: the identity's rows
 * whitened (whitenRows, dim forward substitutions, dim³/6), row j = L⁻¹e_j, column j of L⁻¹.
 * The sampler maps its short rows back with it, x = L⁻ᵀz as dot products of its rows
 * (assembly/sample.ts).
 */
export function writeUpperInverse(
  kernels: Pick<Kernels, 'whitenRows'>,
  f32: Float32Array,
  upper: number,
  out: number,
  stride: number,
  dim: number,
): void {
  const at = out >>> 2;
  f32.fill(0, at, at + stride * stride);
  for (let j = 0; j < dim; j++) f32[at + j * stride + j] = 1;
  kernels.whitenRows(upper, stride, dim, out, 0, dim);
}

/**
 * L⁻¹ into `out` (lower triangle within dim, zero above the diagonal and past dim): L⁻ᵀ
 * transposed. The kernels' `unwhiten` maps a row solved against whitened rows back with it,
 * x = L⁻ᵀz = Σ_j z_j·row_j(L⁻¹).
 */
export function writeLowerInverse(
  kernels: Pick<Kernels, 'whitenRows'>,
  f32: Float32Array,
  upper: number,
  out: number,
  stride: number,
  dim: number,
): void {
  writeUpperInverse(kernels, f32, upper, out, stride, dim);
  const at = out >>> 2;
  for (let i = 0; i < dim; i++) {
    for (let j = i + 1; j < dim; j++) {
      const above = f32[at + i * stride + j]!; // (L⁻¹)ᵀ[i][j] = L⁻¹[j][i]
      f32[at + i * stride + j] = 0;
      f32[at + j * stride + i] = above;
    }
  }
}

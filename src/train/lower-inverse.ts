import type { Kernels } from '../kernels/types.js';

/**
 * L⁻¹ into `out` (stride × stride floats: lower triangle within dim, zero above the diagonal and
 * past dim), from U = Lᵀ as `cholesky` leaves it at `upper`: the identity's rows whitened
 * (whitenRows, dim forward substitutions, dim³/6) are L⁻¹'s columns, then transposed. The
 * kernels' `unwhiten` maps a row solved against whitened rows back with it, x = L⁻ᵀz.
 */
export function writeLowerInverse(
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
  for (let i = 0; i < dim; i++) {
    for (let j = i + 1; j < dim; j++) {
      const above = f32[at + i * stride + j]!; // (L⁻¹)ᵀ[i][j] = L⁻¹[j][i]
      f32[at + i * stride + j] = 0;
      f32[at + j * stride + i] = above;
    }
  }
}

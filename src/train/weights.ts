import { WeightMode } from '../kernels/types.js';
import type { ResolvedOptions } from './options.js';

/**
 * How a row's ratings weigh in its normal equations. Training's half-steps and serving's
 * fold-in both build those equations, and must agree to the bit: both read these three.
 *
 * Our kernels solve A x = b with A = YᵀY + Σ_j w_j y_j y_jᵀ + λ_u I, b = Σ_j t_j y_j.
 * Rendle et al.'s iALS (unobservedWeight α₀) solves (Σ_obs y yᵀ + α₀ YᵀY + λ(n_u + α₀N)^ν I) x
 * = Σ_obs y; divided by α₀ it is ours with w_j = t_j = 1/α₀ on positives (w = 1/α₀, t = 0 on
 * other stored values) and λ_u = λ(n_u + α₀N)^ν / α₀: the same x, to rounding.
 */

type Weighting = Pick<ResolvedOptions, 'feedback' | 'confidence' | 'unobservedWeight'>;
type Scaling = Pick<ResolvedOptions, 'feedback' | 'regularizationExponent' | 'unobservedWeight'>;

/** The kernels' weight mode: explicit ratings, implicit confidence c = α·r or 1 + α·r, or α₀. */
export function weightMode(o: Weighting): WeightMode {
  if (o.feedback === 'explicit') return WeightMode.Explicit;
  if (o.unobservedWeight !== null) return WeightMode.Unobserved;
  return o.confidence === 'alpha' ? WeightMode.ImplicitAlpha : WeightMode.ImplicitOnePlusAlpha;
}

/** The scalar of the weight mode (Param.Alpha): α, or 1/α₀ with unobservedWeight. */
export function kernelAlpha(o: Pick<ResolvedOptions, 'alpha' | 'unobservedWeight'>): number {
  return o.unobservedWeight === null ? o.alpha : 1 / o.unobservedWeight;
}

/**
 * w_u of λ_u = λ·w_u for the row whose values are values[start, end), with n_u its count of
 * ratings (of positives for implicit feedback) and `otherRows` N the other side's row count:
 * w_u = (n_u + α₀N)^ν, divided by α₀ with unobservedWeight (see above). ν = 0: 1 (plain λ);
 * ν = 1 without α₀: n_u ('count', ALS-WR, Spark).
 */
export function regularizationWeight(
  o: Scaling,
  values: ArrayLike<number>,
  start: number,
  end: number,
  otherRows: number,
): number {
  const a0 = o.unobservedWeight ?? 0;
  const nu = o.regularizationExponent;
  let weight = 1;
  if (nu !== 0) {
    const implicit = o.feedback === 'implicit';
    let count = 0;
    for (let e = start; e < end; e++) if (!implicit || values[e]! > 0) count++;
    weight = nu === 1 ? count + a0 * otherRows : (count + a0 * otherRows) ** nu;
  }
  return a0 === 0 ? weight : weight / a0;
}

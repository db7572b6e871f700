import { WeightMode } from '../kernels/types.js';
import type { ResolvedOptions } from './options.js';

/**
 * How a row's ratings weigh in its normal equations. Training's half-steps and serving's
 * fold-in both build those equations, and must agree to the bit: both read these two.
 */

type Weighting = Pick<ResolvedOptions, 'feedback' | 'confidence'>;
type Scaling = Pick<ResolvedOptions, 'feedback' | 'regularizationScaling'>;

/** The kernels' weight mode: explicit ratings, or implicit confidence c = α·r or 1 + α·r. */
export function weightMode(o: Weighting): WeightMode {
  if (o.feedback === 'explicit') return WeightMode.Explicit;
  return o.confidence === 'alpha' ? WeightMode.ImplicitAlpha : WeightMode.ImplicitOnePlusAlpha;
}

/**
 * w_u of λ_u = λ·w_u for the row whose values are values[start, end): 1, or with 'count'
 * scaling (ALS-WR, Spark) the row's count of ratings, of positives for implicit feedback.
 */
export function regularizationWeight(o: Scaling, values: ArrayLike<number>, start: number, end: number): number {
  if (o.regularizationScaling !== 'count') return 1;
  const implicit = o.feedback === 'implicit';
  let count = 0;
  for (let e = start; e < end; e++) if (!implicit || values[e]! > 0) count++;
  return count;
}

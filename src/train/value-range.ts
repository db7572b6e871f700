import { ErrorCode, fail } from '../errors.js';
import type { ResolvedOptions } from './options.js';

/** float32's largest finite value. */
export const F32_MAX = 3.4028234663852886e38;

/**
 * The largest implicit confidence float32 arithmetic keeps: past 2^24, c and c − 1 round to
 * the same float, so the unobserved pairs' YᵀY vanishes beside (c − 1)·y yᵀ and the normal
 * equations lose their definiteness (measured: 5·10⁶ trains, 5·10⁷ fails).
 */
export const MAX_CONFIDENCE = 2 ** 24;

/**
 * Ratings whose arithmetic would overflow or drown in float32, refused before any work with
 * a message about the values (not a solver failure that says "increase regularization"):
 * - explicit: Σ r² must be a finite float32 — the Gram sums Σ x xᵀ and the loss are sums of
 *   squares of the ratings' scale (measured: 4,000 ratings of 5·10¹⁷ train, of 5·10¹⁸ fail);
 * - implicit: the confidence 1 + α|r| (or α|r|) must stay within 2^24 (MAX_CONFIDENCE).
 * `what` names the data in the message ("The ratings", "The fold-in ratings").
 */
export function checkValueRange(values: ArrayLike<number>, o: Pick<ResolvedOptions, 'feedback' | 'alpha' | 'confidence'>, what: string): void {
  let max = 0;
  let sumSquares = 0;
  for (let e = 0; e < values.length; e++) {
    const v = Math.abs(values[e]!);
    if (v > max) max = v;
    sumSquares += v * v;
  }
  if (o.feedback === 'implicit') {
    const confidence = o.confidence === 'alpha' ? o.alpha * max : 1 + o.alpha * max;
    if (confidence > MAX_CONFIDENCE) {
      fail(
        ErrorCode.NON_FINITE_VALUE,
        `${what} are out of range: the largest, ${max}, gives a confidence of ${confidence.toPrecision(3)} (alpha ${o.alpha}), beyond 2^24 = ${MAX_CONFIDENCE}, where float32 can no longer tell c from c − 1.`,
        'Lower alpha, or rescale the values (logScale or bm25Weight).',
      );
    }
  } else if (!(sumSquares <= F32_MAX)) {
    fail(
      ErrorCode.NON_FINITE_VALUE,
      `${what} are out of range: the sum of their squares (${sumSquares.toPrecision(3)}, the largest value ${max}) overflows float32 (max ${F32_MAX.toPrecision(3)}), so training would produce infinities.`,
      'Rescale the values (e.g. divide them all by the largest).',
    );
  }
}

import { checkRatingValue, isRatingValue } from '../data/limits.js';
import { ErrorCode, fail } from '../errors.js';
import type { ResolvedOptions } from './options.js';

/**
 * The largest implicit confidence float32 arithmetic keeps: past 2^24, c and c − 1 round to
 * the same float, so the unobserved pairs' YᵀY vanishes beside (c − 1)·y yᵀ and the normal
 * equations lose their definiteness (measured: 5·10⁶ trains, 5·10⁷ fails).
 */
export const MAX_CONFIDENCE = 2 ** 24;

/**
 * Ratings whose arithmetic would overflow or drown in float32, refused before any work with
 * a message about the values (not a solver failure that says "increase regularization"):
 * - every value within ±MAX_ABS_RATING (2^32), as Ratings checks them (data/limits.ts), for the
 *   values that reach the model without a Ratings (foldIn, partialFit);
 * - implicit: the confidence 1 + α|r| (or α|r|) must stay within 2^24 (MAX_CONFIDENCE), which
 *   depends on α and so is checked here, where the options are known.
 * `what` names the data in the message ("The ratings", "The fold-in ratings").
 */
export function checkValueRange(
  values: ArrayLike<number>,
  o: Pick<ResolvedOptions, 'feedback' | 'alpha' | 'confidence' | 'unobservedWeight'>,
  what: string,
): void {
  let max = 0;
  for (let e = 0; e < values.length; e++) {
    if (!isRatingValue(values[e])) checkRatingValue(values[e], `${what}: value ${e}`);
    const v = Math.abs(values[e]!);
    if (v > max) max = v;
  }
  if (o.feedback === 'implicit') {
    // Under unobservedWeight α₀ only a value's sign counts: every positive has c = 1 + 1/α₀.
    if (o.unobservedWeight !== null) return;
    const confidence = o.confidence === 'alpha' ? o.alpha * max : 1 + o.alpha * max;
    if (confidence > MAX_CONFIDENCE) {
      fail(
        ErrorCode.NON_FINITE_VALUE,
        `${what} are out of range: the largest, ${max}, gives a confidence of ${confidence.toPrecision(3)} (alpha ${o.alpha}), beyond 2^24 = ${MAX_CONFIDENCE}, where float32 can no longer tell c from c − 1.`,
        'Lower alpha, or rescale the values (logScale or bm25Weight).',
      );
    }
  }
}

/**
 * The limits every ratings entry point checks before it allocates or trains: how many users,
 * items and ratings can be trained at all, and how large a rating value can be. They live in
 * one place so Ratings, its builder, the weighting helpers, synthetic data and partialFit
 * refuse the same inputs with the same codes.
 */
import { ErrorCode, fail } from '../errors.js';
import { describe } from '../validate.js';
import { MAX_MEMORY_BYTES } from '../wasm/memory-plan.js';

/**
 * The largest |rating| accepted: 2^32 ≈ 4.29e9.
 *
 * Why: training keeps factors, Gram matrices and right-hand sides in float32, whose largest
 * finite value is ≈ 3.4e38 ≈ 2^128. The largest quantity a half-step forms from the values is
 * the conjugate-gradient solver's squared norm of a row's right-hand side,
 * ‖Σ_j c_j·y_j‖² ≈ k·(n·α·|r|)² (implicit: factor entries stay O(1), c = 1 + α|r|), over the n
 * ratings of one row; the Gram sums Σ_j c_j·y_j·y_jᵀ grow only as n·α·|r|. A row holds at most
 * n ≤ 2^28 ratings, because fit places 16 bytes per rating in the one 4 GiB wasm32 memory
 * (see {@link checkTrainingSize}). With |r| ≤ 2^32, (n·|r|)² ≤ (2^28·2^32)² = 2^120, which
 * leaves 2^8 of float32's range for k·α² in the largest row that can exist, and 2^24 (e.g.
 * k = 1024 with α = 128) for a row of a million ratings, the most popular item of the largest
 * public data sets. Beyond it, training overflows to Infinity and reports a misleading
 * NOT_POSITIVE_DEFINITE or NON_FINITE_FACTORS; measured on 2,000 × 1,000 synthetic ratings,
 * implicit CG fails from ≈ 1e17 with rows of only ~300 ratings. No real rating is near 2^32:
 * values that large are usually a mistaken column (millisecond timestamps are ≈ 1.7e12).
 *
 * (Explicit feedback meets a different limit much earlier: λ is not scaled with the values,
 * so with the default λ large values leave the normal equations ill-conditioned. Rescaling
 * helps there too, but that is a property of the options, not of the data.)
 */
export const MAX_ABS_RATING = 2 ** 32;

/**
 * The bytes fit needs at the very least for this many users, items and ratings: per row of
 * either side, 8 floats of factors (the smallest stride), its bias, its λ weight and its row
 * pointer (44 bytes); per rating, its index and value by user and again by item (16 bytes).
 * These are the terms of planLayout (src/train/layout.ts) that grow with the data, at their
 * smallest; the plan of an actual fit only adds to them.
 */
export function minimumTrainingBytes(numUsers: number, numItems: number, nnz: number): number {
  return (numUsers + numItems) * MIN_ROW_BYTES + nnz * RATING_BYTES;
}

const MIN_ROW_BYTES = 8 * 4 + 4 + 4 + 4;
const RATING_BYTES = 2 * (4 + 4);

/** The most ratings any data can hold: all of the 4 GiB memory spent on ratings alone (2^28). */
export const MAX_RATINGS = Math.floor(MAX_MEMORY_BYTES / RATING_BYTES);

/**
 * Refuses (TOO_LARGE, in O(1), before anything is allocated) data that no fit could place in
 * its one wasm32 memory of at most 4 GiB, whatever the options. A Ratings is built to be
 * trained or to be scored against a model whose rows live in that same memory, so a Ratings
 * that cannot fit there is refused up front rather than after minutes of allocating: with
 * `denseIds` and `numUsers: 2**30` the user rows alone would need 44 GiB. This also keeps
 * every count below 2^31, so the Int32 row pointers and indices cannot overflow.
 * `what` names the input in the message ("Ratings", "bm25Weight").
 */
export function checkTrainingSize(what: string, numUsers: number, numItems: number, nnz: number): void {
  const need = minimumTrainingBytes(numUsers, numItems, nnz);
  if (need <= MAX_MEMORY_BYTES) return;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const parts = [
    { bytes: numUsers * MIN_ROW_BYTES, text: `${numUsers} users (${MIN_ROW_BYTES} bytes each)` },
    { bytes: numItems * MIN_ROW_BYTES, text: `${numItems} items (${MIN_ROW_BYTES} bytes each)` },
    { bytes: nnz * RATING_BYTES, text: `${nnz} ratings (${RATING_BYTES} bytes each)` },
  ].sort((a, b) => b.bytes - a.bytes);
  const byRatings = parts[0]!.bytes === nnz * RATING_BYTES;
  fail(
    ErrorCode.TOO_LARGE,
    `${what}: training needs at least ${gib(need)} in one WebAssembly memory, more than wasm32's 4 GiB; ` +
      `the largest part is ${parts[0]!.text}, ${gib(parts[0]!.bytes)}.`,
    byRatings
      ? 'Train on a sample of the ratings, or drop users and items with few ratings.'
      : 'Check numUsers / numItems and the IDs: with denseIds there is a row for every index up to the largest ID (map sparse IDs without denseIds).',
  );
}

/**
 * A rating value as training will store it, or an AlsError: NON_FINITE_VALUE when it is not a
 * number, is NaN or ±Infinity, becomes Infinity as float32 (|v| > 3.4e38), or is beyond
 * ±{@link MAX_ABS_RATING}. `where` starts the message ("Rating 3", "Rating 3 (user 7, item 2)").
 * Returns the value unchanged.
 */
export function checkRatingValue(value: unknown, where: string): number {
  if (typeof value !== 'number') {
    fail(ErrorCode.NON_FINITE_VALUE, `${where} has value ${describe(value)}, not a number.`, 'Ratings must be finite numbers.');
  }
  const stored = Math.fround(value);
  if (!Number.isFinite(stored)) {
    const why = Number.isFinite(value) ? ', beyond float32 range' : '';
    fail(ErrorCode.NON_FINITE_VALUE, `${where} has value ${value}${why}.`, 'Ratings must be finite numbers.');
  }
  if (Math.abs(stored) > MAX_ABS_RATING)
    fail(ErrorCode.NON_FINITE_VALUE, `${where} has value ${value}, ${OUT_OF_RANGE}`, RESCALE);
  return value;
}

/** Whether checkRatingValue takes the value: the test alone, for hot loops (no message built). */
export function isRatingValue(value: unknown): value is number {
  // False for NaN and ±Infinity; the type is tested too, as Math.fround('5') is 5.
  return typeof value === 'number' && Math.abs(Math.fround(value)) <= MAX_ABS_RATING;
}

/** Every value as by {@link checkRatingValue}, named "Rating <position>". */
export function checkRatingValues(values: ArrayLike<unknown>): void {
  for (let e = 0; e < values.length; e++) if (!isRatingValue(values[e])) checkRatingValue(values[e], `Rating ${e}`);
}

/** The message tail and hint for a value beyond MAX_ABS_RATING (a single one or a sum). */
export const OUT_OF_RANGE = 'out of range: |value| must be at most 2^32 (4.29e9), or float32 sums in training overflow.';
export const RESCALE = 'Rescale the values (divide them by a constant, or logScale() for counts).';

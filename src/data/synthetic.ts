import { upperBound } from './search-sorted.js';
import { ErrorCode, fail } from '../errors.js';
import { Prng } from '../train/prng.js';
import { MAX_MEMORY_BYTES } from '../wasm/memory-plan.js';
import { checkOptions, integer, nonNegative } from '../validate.js';
import { checkTrainingSize } from './limits.js';

export interface SyntheticOptions {
  /** Default 2,000. */
  numUsers?: number;
  /** Default 1,000; at least 5 (every user rates 5 or more distinct items). */
  numItems?: number;
  /** Total ratings, 5 to 30% of numItems per user. Default 100,000. */
  nnz?: number;
  /** Rank of the planted model. Default 8. */
  rank?: number;
  /** Standard deviation of the rating noise before rounding. Default 0.5. */
  noise?: number;
  /** Default 1. */
  seed?: number;
}

/** Dense-ID triples plus the planted truth they were drawn from. */
export interface SyntheticRatings {
  numUsers: number;
  numItems: number;
  /** Sorted by user, items ascending within a user, no repeated pairs. */
  users: Int32Array;
  items: Int32Array;
  /** Whole stars 1–5. */
  values: Float32Array;
}

/**
 * A deterministic MovieLens-shaped data set: user activity log-normal (σ = 1.2, at least 5,
 * at most 30% of the items), item popularity ∝ 1/(rank + 20) over shuffled item IDs, and
 * ratings round(3.5 + b_u + b_i + x_u·y_i + noise) clipped to 1–5, from a planted rank-8
 * model with b_u ~ N(0, 0.4²), b_i ~ N(0, 0.5²). The same recipe as the project's benchmark
 * files (../shared/data/synthetic), with our own PRNG, so the numbers differ but the shape
 * does not.
 */
export function syntheticRatings(options: SyntheticOptions = {}): SyntheticRatings {
  const o = checkOptions('syntheticRatings options', options, ['numUsers', 'numItems', 'nnz', 'rank', 'noise', 'seed'], {
    users: "Did you mean 'numUsers'?",
    items: "Did you mean 'numItems'?",
    factors: "Did you mean 'rank' (of the planted model)?",
  });
  const numUsers = integer('numUsers', o.numUsers ?? 2000, 1, 2 ** 31 - 1);
  // Each user rates at least 5 distinct items: with fewer items the draw would never end.
  const numItems = integer('numItems', o.numItems ?? 1000, 5, 2 ** 31 - 1);
  const nnz = integer('nnz', o.nnz ?? 100_000, 1, Number.MAX_SAFE_INTEGER);
  const rank = integer('rank', o.rank ?? 8, 1, 4096);
  const noise = nonNegative('noise', o.noise ?? 0.5);
  const seed = integer('seed', o.seed ?? 1, -(2 ** 31), 2 ** 32 - 1);
  checkTrainingSize('syntheticRatings', numUsers, numItems, nnz);
  // The planted factors are float64 on the JS heap; capped at wasm32's 4 GiB, so making a
  // data set never takes more memory than training on it could.
  if ((numUsers + numItems) * rank * 8 > MAX_MEMORY_BYTES) {
    fail(
      ErrorCode.TOO_LARGE,
      `syntheticRatings: a rank-${rank} planted model of ${numUsers} users and ${numItems} items needs more than 4 GiB.`,
      'Lower rank, numUsers or numItems.',
    );
  }
  const rng = new Prng(seed);
  const cap = Math.max(5, Math.floor(0.3 * numItems));
  if (nnz < numUsers * 5 || nnz > numUsers * cap) {
    fail(ErrorCode.INVALID_OPTION, `nnz ${nnz} does not fit ${numUsers} users with 5 to ${cap} ratings each.`);
  }
  const counts = userCounts(rng, numUsers, nnz, 5, cap);

  // Popularity rank r has weight 1/(r + 20); item perm[r] gets rank r.
  const perm = shuffle(rng, numItems);
  const cdf = new Float64Array(numItems);
  let total = 0;
  for (let r = 0; r < numItems; r++) {
    total += 1 / (r + 20);
    cdf[perm[r]!] = 1 / (r + 20);
  }
  for (let i = 0, acc = 0; i < numItems; i++) cdf[i] = acc += cdf[i]! / total;

  const bu = Float64Array.from({ length: numUsers }, () => 0.4 * rng.normal());
  const bi = Float64Array.from({ length: numItems }, () => 0.5 * rng.normal());
  const X = Float64Array.from({ length: numUsers * rank }, () => (0.9 / Math.sqrt(rank)) * rng.normal());
  const Y = Float64Array.from({ length: numItems * rank }, () => 0.9 * rng.normal());

  const users = new Int32Array(nnz);
  const items = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  const chosen = new Uint8Array(numItems);
  let e = 0;
  for (let u = 0; u < numUsers; u++) {
    const start = e;
    // Draw by popularity without replacement (rejection; a user takes at most 30% of items).
    while (e - start < counts[u]!) {
      const i = Math.min(numItems - 1, upperBound(cdf, rng.next()) /* first index whose cumulative weight exceeds x */);
      if (chosen[i]) continue;
      chosen[i] = 1;
      items[e++] = i;
    }
    const row = items.subarray(start, e).sort();
    for (let j = 0; j < row.length; j++) {
      const i = row[j]!;
      chosen[i] = 0;
      let r = 3.5 + bu[u]! + bi[i]!;
      for (let c = 0; c < rank; c++) r += X[u * rank + c]! * Y[i * rank + c]!;
      r += noise * rng.normal();
      users[start + j] = u;
      values[start + j] = Math.min(5, Math.max(1, Math.round(r)));
    }
  }
  return { numUsers, numItems, users, items, values };
}

/** Log-normal activity rescaled so the counts sum to nnz exactly, each within [min, cap]. */
function userCounts(rng: Prng, numUsers: number, nnz: number, min: number, cap: number): Int32Array {
  const raw = Float64Array.from({ length: numUsers }, () => Math.exp(1.2 * rng.normal()));
  let scale = nnz / raw.reduce((a, b) => a + b, 0);
  const counts = new Int32Array(numUsers);
  for (let round = 0; round < 100; round++) {
    let sum = 0;
    let free = 0;
    for (let u = 0; u < numUsers; u++) {
      const c = Math.min(cap, Math.max(min, raw[u]! * scale));
      sum += c;
      if (c > min && c < cap) free += raw[u]! * scale;
    }
    if (Math.abs(sum - nnz) < 0.5) break;
    scale *= 1 + (nnz - sum) / Math.max(1, free);
  }
  let sum = 0;
  for (let u = 0; u < numUsers; u++) sum += counts[u] = Math.floor(Math.min(cap, Math.max(min, raw[u]! * scale)));
  // Settle the remainder one rating at a time on random users with room.
  while (sum !== nnz) {
    const u = rng.int(numUsers);
    if (sum < nnz && counts[u]! < cap) counts[u]!++, sum++;
    else if (sum > nnz && counts[u]! > min) counts[u]!--, sum--;
  }
  return counts;
}

function shuffle(rng: Prng, n: number): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

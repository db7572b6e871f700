/**
 * Re-weighting of implicit counts before training, as the Python `implicit` library does
 * (`implicit.nearest_neighbours.bm25_weight` / `tfidf_weight`), on triples with dense indices:
 * users are the documents, items the terms. N = number of users, df_i = users with item i.
 */
import { ErrorCode, fail } from '../errors.js';
import { checkOptions, describe, finite, nonNegative, positive } from '../validate.js';
import { checkId, isArrayLike } from './id-map.js';
import { checkTrainingSize } from './limits.js';

/** Ratings as dense user and item indices (0 … n−1) with their values. */
export interface DenseTriples {
  users: ArrayLike<number>;
  items: ArrayLike<number>;
  values: ArrayLike<number>;
}

/**
 * BM25: w = r · (K1 + 1) / (K1 · ((1 − B) + B · len_u / avglen) + r) · idf_i, with
 * idf_i = ln N − ln(1 + df_i) and len_u the sum of u's values. Defaults K1 = 100, B = 0.8
 * (implicit's). Returns new values in the input order.
 */
export function bm25Weight(data: DenseTriples, options: { k1?: number; b?: number } = {}): Float32Array {
  const o = checkOptions('bm25Weight options', options, ['k1', 'b'], { K1: "Did you mean 'k1'?", B: "Did you mean 'b'?" });
  const k1 = nonNegative('k1', o.k1 ?? 100);
  const b = finite('b', o.b ?? 0.8);
  if (b < 0 || b > 1) fail(ErrorCode.INVALID_OPTION, `b must be in [0, 1] (got ${b}).`);
  checkCounts(data, 'bm25Weight');
  const { idf, numUsers } = inverseDocumentFrequency(data);
  const length = new Float64Array(numUsers);
  const n = data.values.length;
  for (let e = 0; e < n; e++) length[data.users[e]!]! += data.values[e]!;
  let total = 0;
  for (let u = 0; u < numUsers; u++) total += length[u]!;
  const average = total / numUsers;
  const out = new Float32Array(n);
  for (let e = 0; e < n; e++) {
    const r = data.values[e]!;
    // A zero count weighs nothing (0/0 when k1 = 0, or when every count is 0).
    if (r === 0) continue;
    const norm = 1 - b + (b * length[data.users[e]!]!) / average;
    out[e] = ((r * (k1 + 1)) / (k1 * norm + r)) * idf[data.items[e]!]!;
  }
  return out;
}

/** TF-IDF: w = √r · idf_i, idf_i = ln N − ln(1 + df_i). */
export function tfidfWeight(data: DenseTriples): Float32Array {
  checkCounts(data, 'tfidfWeight');
  const { idf } = inverseDocumentFrequency(data);
  const out = new Float32Array(data.values.length);
  for (let e = 0; e < out.length; e++) out[e] = Math.sqrt(data.values[e]!) * idf[data.items[e]!]!;
  return out;
}

/** Log scaling of counts, w = ln(1 + r / ε) (Hu, Koren & Volinsky's c = 1 + α ln(1 + r/ε) without the 1 + α). Default ε = 1. */
export function logScale(values: ArrayLike<number>, options: { epsilon?: number } = {}): Float32Array {
  const o = checkOptions('logScale options', options, ['epsilon'], { eps: "Did you mean 'epsilon'?" });
  const eps = positive('epsilon', o.epsilon ?? 1);
  if (!isArrayLike(values)) fail(ErrorCode.INVALID_OPTION, `logScale needs an array of counts (got ${describe(values)}).`);
  const out = new Float32Array(values.length);
  for (let e = 0; e < out.length; e++) out[e] = Math.log1p(checkCount(values[e], e, 'logScale') / eps);
  return out;
}

/**
 * The triples the weightings read: parallel arrays of equal length, dense indices as
 * Ratings checks them, counts ≥ 0; and no larger than any fit could train, checked before
 * the per-user and per-item arrays (sized by the largest index) are allocated.
 */
function checkCounts(data: DenseTriples, what: string): void {
  if (data === null || typeof data !== 'object')
    fail(ErrorCode.INVALID_OPTION, `${what} needs { users, items, values } (got ${describe(data)}).`);
  for (const key of ['users', 'items', 'values'] as const) {
    if (!isArrayLike(data[key]))
      fail(ErrorCode.INVALID_OPTION, `${what}: ${key} must be an array or typed array (got ${describe(data[key])}).`);
  }
  const { users, items, values } = data;
  if (users.length !== values.length || items.length !== values.length) {
    fail(
      ErrorCode.LENGTH_MISMATCH,
      `${what}: users, items and values must have the same length (got ${users.length}, ${items.length}, ${values.length}).`,
    );
  }
  checkTrainingSize(what, 0, 0, values.length);
  let numUsers = 0;
  let numItems = 0;
  for (let e = 0; e < values.length; e++) {
    numUsers = Math.max(numUsers, (checkId(users[e], 'dense', 'user', e) as number) + 1);
    numItems = Math.max(numItems, (checkId(items[e], 'dense', 'item', e) as number) + 1);
    checkCount(values[e], e, what);
  }
  checkTrainingSize(what, numUsers, numItems, values.length);
}

/** A count: a finite number ≥ 0 (a negative one has no logarithm or square root). */
function checkCount(value: unknown, at: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(ErrorCode.NON_FINITE_VALUE, `${what}: value ${at} is ${describe(value)}.`, 'Counts must be finite numbers ≥ 0.');
  }
  if (value < 0) fail(ErrorCode.INVALID_OPTION, `${what} needs counts ≥ 0 (value ${at} is ${value}).`);
  return value;
}

function inverseDocumentFrequency(data: DenseTriples): { idf: Float64Array; numUsers: number } {
  const n = data.values.length;
  if (n === 0) fail(ErrorCode.EMPTY_DATA, 'No ratings to weight.');
  let numUsers = 0;
  let numItems = 0;
  for (let e = 0; e < n; e++) {
    if (data.users[e]! >= numUsers) numUsers = data.users[e]! + 1;
    if (data.items[e]! >= numItems) numItems = data.items[e]! + 1;
  }
  const df = new Float64Array(numItems);
  for (let e = 0; e < n; e++) df[data.items[e]!]!++;
  const idf = new Float64Array(numItems);
  for (let i = 0; i < numItems; i++) idf[i] = Math.log(numUsers) - Math.log1p(df[i]!);
  return { idf, numUsers };
}

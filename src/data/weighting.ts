/**
 * Re-weighting of implicit counts before training, as the Python `implicit` library does
 * (`implicit.nearest_neighbours.bm25_weight` / `tfidf_weight`), on triples with dense indices:
 * users are the documents, items the terms. N = number of users, df_i = users with item i.
 */
import { ErrorCode, fail } from '../errors.js';

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
  const k1 = options.k1 ?? 100;
  const b = options.b ?? 0.8;
  if (!(k1 >= 0) || !(b >= 0 && b <= 1)) fail(ErrorCode.INVALID_OPTION, `BM25 needs k1 ≥ 0 and b in [0, 1] (got k1 = ${k1}, b = ${b}).`);
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
    const norm = 1 - b + (b * length[data.users[e]!]!) / average;
    out[e] = ((r * (k1 + 1)) / (k1 * norm + r)) * idf[data.items[e]!]!;
  }
  return out;
}

/** TF-IDF: w = √r · idf_i, idf_i = ln N − ln(1 + df_i). */
export function tfidfWeight(data: DenseTriples): Float32Array {
  const { idf } = inverseDocumentFrequency(data);
  const out = new Float32Array(data.values.length);
  for (let e = 0; e < out.length; e++) out[e] = Math.sqrt(data.values[e]!) * idf[data.items[e]!]!;
  return out;
}

/** Log scaling of counts, w = ln(1 + r / ε) (Hu, Koren & Volinsky's c = 1 + α ln(1 + r/ε) without the 1 + α). Default ε = 1. */
export function logScale(values: ArrayLike<number>, options: { epsilon?: number } = {}): Float32Array {
  const eps = options.epsilon ?? 1;
  if (!(eps > 0)) fail(ErrorCode.INVALID_OPTION, `epsilon must be > 0 (got ${eps}).`);
  const out = new Float32Array(values.length);
  for (let e = 0; e < out.length; e++) {
    const r = values[e]!;
    if (r < 0) fail(ErrorCode.INVALID_OPTION, `logScale needs counts ≥ 0 (value ${e} is ${r}).`);
    out[e] = Math.log1p(r / eps);
  }
  return out;
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

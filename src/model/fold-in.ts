import type { Id } from '../data/id-map.js';
import { AlsError, ErrorCode } from '../errors.js';
import { WeightMode } from '../kernels/types.js';
import type { ResolvedOptions } from '../train/options.js';
import { kernelAlpha, regularizationWeight, weightMode } from '../train/weights.js';
import type { ServingEngine } from './engine.js';

/** One row's ratings by dense item index. */
export interface RowRatings {
  items: Int32Array;
  values: Float32Array;
}

/**
 * Builds and factors the row's normal equations with the item factors fixed, in the engine's
 * scratch, exactly as a training half-step would (same kernels, same conventions):
 * explicit A = Σ y yᵀ + λ_u I, b = Σ (r − μ − b_i) y (with biases: design rows [y_i, 1]);
 * implicit A = YᵀY + Σ (c − 1) y yᵀ + λ_u I, b = Σ c p y; with unobservedWeight α₀ the same
 * with w = t = 1/α₀ and λ_u = λ(n_u + α₀N)^ν/α₀, N the model's items (train/weights.ts).
 * λ_u is rounded as the training kernels round it: f32(λ)·f32(w_u) in f32. Leaves the
 * Cholesky factor in A.
 */
function factorRow(engine: ServingEngine, o: ResolvedOptions, mu: number, row: RowRatings): number {
  const { kernels, i32, f32, stride } = engine;
  const n = row.items.length;
  if (n > engine.maxList - 8)
    throw new AlsError(ErrorCode.INVALID_OPTION, `A row of ${n} ratings is longer than the catalogue.`, 'Remove repeated items.');
  i32.set(row.items, engine.cols >>> 2);
  f32.set(row.values, engine.values >>> 2);
  const dim = engine.k + (o.biases ? 1 : 0);
  const m = weightMode(o);
  kernels.rowWeights(engine.cols, engine.values, n, m, kernelAlpha(o), mu, o.biases ? engine.itemBias : 0, engine.w, engine.t);
  const implicit = m !== WeightMode.Explicit;
  kernels.gramRow(
    engine.items,
    stride,
    dim,
    engine.cols,
    engine.w,
    engine.t,
    n,
    implicit ? engine.itemGram : 0,
    engine.A,
    engine.b,
    engine.gather,
  );
  const weight = regularizationWeight(o, row.values, 0, n, modelItems(engine));
  const lambda = Math.fround(Math.fround(o.regularization) * Math.fround(weight));
  const status = kernels.cholesky(engine.A, stride, dim, lambda);
  if (status >= 0) {
    throw new AlsError(
      ErrorCode.NOT_POSITIVE_DEFINITE,
      `The fold-in's normal equations are not positive definite (pivot ${status}).`,
      'Give the user more ratings, or use a model trained with regularization > 0.',
    );
  }
  return dim;
}

/**
 * The model's item count N, for λ(n_u + α₀N)^ν. planServing lays the item factors (N rows of
 * stride floats) right before the users' unit-length copies; the engine keeps no count.
 */
function modelItems(engine: ServingEngine): number {
  return (engine.userNormed - engine.items) / (engine.stride * 4);
}

/** x_u for one new or changed user, solved exactly (Cholesky); with biases also b_u. */
export function foldInRow(
  engine: ServingEngine,
  o: ResolvedOptions,
  mu: number,
  row: RowRatings,
): { factors: Float32Array; bias: number } {
  if (row.items.length === 0) return { factors: new Float32Array(engine.k), bias: 0 };
  const dim = factorRow(engine, o, mu, row);
  engine.kernels.choleskySolve(engine.A, engine.stride, dim, engine.b, engine.b);
  const b = engine.b >>> 2;
  const factors = engine.f32.slice(b, b + engine.k);
  for (let c = 0; c < engine.k; c++) {
    if (!Number.isFinite(factors[c]!))
      throw new AlsError(ErrorCode.NON_FINITE_FACTORS, 'The fold-in solution is not finite.', 'Check the rating values.');
  }
  return { factors, bias: o.biases ? engine.f32[b + engine.k]! : 0 };
}

/**
 * Where a foldIn vector keeps the items it was folded from: a non-enumerable property under a
 * registered symbol, so the vector stays a plain Float32Array to every other reader (equality,
 * printing, postMessage drop it), and a vector from another copy of the library still works.
 */
const FOLDED_FROM = Symbol.for('als-wasm.foldedFrom');

/** Marks a foldIn result with the item IDs it was folded from. */
export function rememberItems(vector: Float32Array, items: readonly Id[]): Float32Array {
  Object.defineProperty(vector, FOLDED_FROM, { value: Object.freeze(items.slice()), enumerable: false });
  return vector;
}

/** The item IDs a foldIn vector was folded from, or undefined for any other vector. */
export function foldedItems(vector: unknown): readonly Id[] | undefined {
  const items = (vector as { [FOLDED_FROM]?: unknown } | null)?.[FOLDED_FROM];
  return Array.isArray(items) ? (items as readonly Id[]) : undefined;
}

/**
 * The fold-in score of item i split into one term per rated item. With W the inverse of the
 * row's normal matrix and ỹ the design rows ([y, 1] with biases):
 * - implicit (Hu, Koren & Volinsky §5): ŝ_ui = Σ_j (ỹ_iᵀ W ỹ_j) c_uj p_uj, baseline 0;
 * - explicit: ŝ_ui = μ + b_i + Σ_j (ỹ_iᵀ W ỹ_j)(r_uj − μ − b_j): the baseline μ + b_i plus a
 *   linear combination of the residuals of the rated items.
 */
export function explainRow(
  engine: ServingEngine,
  o: ResolvedOptions,
  mu: number,
  row: RowRatings,
  item: number,
): { score: number; baseline: number; contributions: Float64Array } {
  const n = row.items.length;
  const contributions = new Float64Array(n);
  const explicit = o.feedback === 'explicit';
  const baseline = explicit ? mu + (o.biases ? engine.f32[(engine.itemBias >>> 2) + item]! : 0) : 0;
  if (n === 0) return { score: baseline, baseline, contributions };
  const dim = factorRow(engine, o, explicit ? mu : 0, row);
  const { f32, stride } = engine;
  // z = W y_i, then the j-th term is t_j (z·y_j) with t_j = c_j p_j.
  const b = engine.b >>> 2;
  f32.set(f32.subarray((engine.items >>> 2) + item * stride, (engine.items >>> 2) + item * stride + dim), b);
  engine.kernels.choleskySolve(engine.A, stride, dim, engine.b, engine.b);
  let score = baseline;
  for (let j = 0; j < n; j++) {
    const y = (engine.items >>> 2) + row.items[j]! * stride;
    let dot = 0;
    for (let c = 0; c < dim; c++) dot += f32[b + c]! * f32[y + c]!;
    contributions[j] = f32[(engine.t >>> 2) + j]! * dot;
    score += contributions[j]!;
  }
  return { score, baseline, contributions };
}

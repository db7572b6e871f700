import type { ServingEngine } from './engine.js';

/** Best-first results of a top-n query, by dense index. */
export interface TopN {
  indices: Int32Array;
  scores: Float32Array;
}

export interface TopNQuery {
  /** Query vector of k floats (a user's factors, or a unit item/user row for cosine). */
  vector: ArrayLike<number>;
  /** Rows to score: the item matrix (`items`), or the unit copies for cosine. */
  rows: number;
  numRows: number;
  /** Biases to add (rank by the full predicted rating): a bias array in the engine, or 0. */
  bias: number;
  n: number;
  /** Dense indices never returned (any order, duplicates allowed). */
  exclude?: Iterable<number>;
  /** Only these dense indices (any order); null: every row. */
  candidates?: readonly number[] | null;
  /** false: score every row exactly even where the engine screens them (tests, benchmarks). */
  screen?: boolean;
}

/**
 * Top-n through the scoreTopK kernel: the query vector, exclusions (sorted) and candidates go
 * into the engine's query area; the kernel keeps the best n in a heap; only those n are sorted.
 * Over every item row, through screenTopK and the items' int16 copy (engine.screenFor): the
 * same heap, with the exact score computed only for rows that could enter it.
 */
export function topN(engine: ServingEngine, q: TopNQuery): TopN {
  const { f32, i32, kernels, stride, k } = engine;
  const x = engine.x >>> 2;
  f32.fill(0, x, x + stride);
  for (let c = 0; c < k; c++) f32[x + c] = q.vector[c]!;
  const excl = Int32Array.from(new Set(q.exclude ?? [])).sort();
  i32.set(excl, engine.excl >>> 2);
  const cands = q.candidates ?? null;
  if (cands) i32.set(cands, engine.cands >>> 2);
  const n = Math.max(0, Math.min(q.n, cands ? cands.length : q.numRows));
  const screen = cands || q.screen === false ? 0 : engine.screenFor(q.rows, q.numRows);
  const kept = screen
    ? kernels.screenTopK(
        screen,
        q.rows,
        stride,
        k,
        0,
        q.numRows,
        engine.x,
        q.bias,
        engine.excl,
        excl.length,
        n,
        engine.outIdx,
        engine.outScore,
        engine.screenScratch,
      )
    : kernels.scoreTopK(
        q.rows,
        stride,
        k,
        0,
        q.numRows,
        cands ? engine.cands : 0,
        cands ? cands.length : 0,
        engine.x,
        q.bias,
        engine.excl,
        excl.length,
        n,
        engine.outIdx,
        engine.outScore,
      );
  const order = Array.from({ length: kept }, (_, j) => j);
  const idx = i32.subarray(engine.outIdx >>> 2, (engine.outIdx >>> 2) + kept);
  const score = f32.subarray(engine.outScore >>> 2, (engine.outScore >>> 2) + kept);
  order.sort((a, b) => score[b]! - score[a]! || idx[a]! - idx[b]!);
  return { indices: Int32Array.from(order, (j) => idx[j]!), scores: Float32Array.from(order, (j) => score[j]!) };
}

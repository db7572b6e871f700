/**
 * Scores of every item for one user, for ranking metrics. Kept apart from the metrics so the
 * factor scorer can later call the serving kernel (model.recommend / assembly/score.ts)
 * instead of this plain JS loop; the metrics only see the `Scorer` interface.
 */
export interface Scorer {
  readonly numItems: number;
  /** Writes the score of every item for `user` (dense index) into `out` (length numItems). */
  scoreAll(user: number, out: Float32Array): void;
}

/** What a factor scorer needs from a model (ALSModel has it). */
export interface FactorModel {
  factors: number;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  itemBiases?: Float32Array | null;
}

/**
 * score(u, i) = b_i + x_u·y_i. μ and b_u are the same for all of a user's items, so they are
 * left out: rankings and AUC do not change.
 */
export function factorScorer(model: FactorModel): Scorer {
  const k = model.factors;
  const X = model.userFactors;
  const Y = model.itemFactors;
  const bias = model.itemBiases ?? null;
  const numItems = Y.length / k;
  return {
    numItems,
    scoreAll(user, out) {
      const xu = X.subarray(user * k, user * k + k);
      for (let i = 0, at = 0; i < numItems; i++, at += k) {
        let s = bias ? bias[i]! : 0;
        for (let c = 0; c < k; c++) s += xu[c]! * Y[at + c]!;
        out[i] = s;
      }
    },
  };
}

/** The popularity baseline: every user gets the items ranked by their number of training ratings. */
export function popularityScorer(train: { items: ArrayLike<number> }, numItems: number): Scorer {
  const counts = new Float32Array(numItems);
  for (let e = 0; e < train.items.length; e++) counts[train.items[e]!]!++;
  return {
    numItems,
    scoreAll(_user, out) {
      out.set(counts);
    },
  };
}

/**
 * The n best items by score, best first, skipping items whose `excluded` flag is set. Ties go
 * to the lower item index, so rankings are deterministic.
 */
export function topK(scores: ArrayLike<number>, n: number, excluded?: Uint8Array): Int32Array {
  const best = new Int32Array(n).fill(-1);
  const bestScore = new Float64Array(n).fill(-Infinity);
  let size = 0;
  for (let i = 0; i < scores.length; i++) {
    if (excluded?.[i]) continue;
    const s = scores[i]!;
    if (size === n && !(s > bestScore[n - 1]!)) continue;
    // Insertion into the sorted list; strict > keeps the earlier (lower) index ahead on ties.
    let p = size < n ? size++ : n - 1;
    while (p > 0 && s > bestScore[p - 1]!) {
      best[p] = best[p - 1]!;
      bestScore[p] = bestScore[p - 1]!;
      p--;
    }
    best[p] = i;
    bestScore[p] = s;
  }
  return size < n ? best.subarray(0, size) : best;
}

import { Prng } from './prng.js';

/**
 * Seeded starting factors as Spark draws them: each row |N(0, 1)| entries scaled to unit
 * length, so every starting score x·y lies in (0, 1] whatever k is. Users are drawn first,
 * then items, from one stream. With `initStd` σ, as Rendle et al.'s iALS code draws them
 * instead: every entry normal(0, σ/√k), from the same stream in the same order.
 */
export function randomFactors(
  numUsers: number,
  numItems: number,
  k: number,
  seed: number,
  initStd: number | null = null,
): { userFactors: Float32Array; itemFactors: Float32Array } {
  const rng = new Prng(seed);
  const draw = (rows: number): Float32Array => {
    const out = new Float32Array(rows * k);
    if (initStd !== null) {
      const std = initStd / Math.sqrt(k);
      for (let e = 0; e < rows * k; e++) out[e] = rng.normal() * std;
      return out;
    }
    for (let r = 0; r < rows; r++) {
      let norm = 0;
      for (let c = 0; c < k; c++) {
        const v = Math.abs(rng.normal());
        out[r * k + c] = v;
        norm += v * v;
      }
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let c = 0; c < k; c++) out[r * k + c] = out[r * k + c]! * scale;
    }
    return out;
  };
  const userFactors = draw(numUsers);
  const itemFactors = draw(numItems);
  return { userFactors, itemFactors };
}

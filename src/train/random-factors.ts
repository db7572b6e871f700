import { Prng } from './prng.js';

/**
 * Seeded starting factors as Spark draws them: each row |N(0, 1)| entries scaled to unit
 * length, so every starting score x·y lies in (0, 1] whatever k is. Users are drawn first,
 * then items, from one stream.
 */
export function randomFactors(
  numUsers: number,
  numItems: number,
  k: number,
  seed: number,
): { userFactors: Float32Array; itemFactors: Float32Array } {
  const rng = new Prng(seed);
  const draw = (rows: number): Float32Array => {
    const out = new Float32Array(rows * k);
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

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
  const userFactors = new Float32Array(numUsers * k);
  drawRows(rng, numUsers, k, initStd, userFactors, 0, k);
  const itemFactors = new Float32Array(numItems * k);
  drawRows(rng, numItems, k, initStd, itemFactors, 0, k);
  return { userFactors, itemFactors };
}

/**
 * The next `rows` starting rows of k entries from `rng` (as randomFactors draws them), written
 * into `out` from element `at` on, rows `pitch` elements apart; entries past k are untouched.
 * Training draws straight into its memory with this (pitch = stride), so both paths start
 * from the same numbers.
 */
export function drawRows(
  rng: Prng,
  rows: number,
  k: number,
  initStd: number | null,
  out: Float32Array,
  at: number,
  pitch: number,
): void {
  for (let r = 0; r < rows; r++) {
    const row = at + r * pitch;
    if (initStd !== null) {
      const std = initStd / Math.sqrt(k);
      for (let c = 0; c < k; c++) out[row + c] = rng.normal() * std;
      continue;
    }
    let norm = 0;
    for (let c = 0; c < k; c++) {
      const v = Math.abs(rng.normal());
      out[row + c] = v;
      norm += v * v;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let c = 0; c < k; c++) out[row + c] = out[row + c]! * scale;
  }
}

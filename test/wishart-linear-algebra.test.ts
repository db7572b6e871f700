/**
 * The f64 Cholesky factor and SPD inverse behind the sampler's Normal–Wishart draws
 * (src/train/wishart.ts). They run several rows or columns side by side for speed; each entry
 * must keep the operations and order of the textbook loops restated here, so a chain's draws
 * do not move (the same bits), besides being right (a hand-computed case, L·Lᵀ = M, M·M⁻¹ = I).
 */
import { describe, expect, it } from 'vitest';
import { bpmfPrior, choleskyLower, inverseSpd, sampleNormalWishart, WishartWork } from '../src/train/wishart.js';
import { Prng } from '../src/train/prng.js';

/** Row by row, each entry M[i][j] − Σ_{p<j} L[i][p]·L[j][p] in p order. */
function textbookCholesky(m: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = m[i * d + j]!;
      for (let p = 0; p < j; p++) s -= l[i * d + p]! * l[j * d + p]!;
      l[i * d + j] = i === j ? Math.sqrt(s) : s / l[j * d + j]!;
    }
  }
  return l;
}

/** Column by column: L y = e_c from row 0, Lᵀ x = y, then the average of the two triangles. */
function textbookInverse(m: Float64Array, d: number): Float64Array {
  const l = textbookCholesky(m, d);
  const out = new Float64Array(d * d);
  const col = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < d; i++) {
      let s = i === c ? 1 : 0;
      for (let p = 0; p < i; p++) s -= l[i * d + p]! * col[p]!;
      col[i] = s / l[i * d + i]!;
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = col[i]!;
      for (let p = i + 1; p < d; p++) s -= l[p * d + i]! * col[p]!;
      col[i] = s / l[i * d + i]!;
    }
    for (let i = 0; i < d; i++) out[i * d + c] = col[i]!;
  }
  for (let i = 0; i < d; i++)
    for (let j = 0; j < i; j++) out[i * d + j] = out[j * d + i] = (out[i * d + j]! + out[j * d + i]!) / 2;
  return out;
}

/** A random SPD matrix: GᵀG/d + I, G with standard normal entries (signs of every kind in L). */
function randomSpd(d: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  const g = Float64Array.from({ length: d * d }, () => rng.normal());
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = i === j ? 1 : 0;
      for (let p = 0; p < d; p++) s += (g[p * d + i]! * g[p * d + j]!) / d;
      m[i * d + j] = s;
    }
  return m;
}

const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 33, 65];

describe('choleskyLower and inverseSpd (the Normal–Wishart draw’s f64 algebra)', () => {
  it('a hand-computed 2 × 2: M = [[4, 2], [2, 3]] gives L = [[2, 0], [1, √2]] and M⁻¹ = [[3, −2], [−2, 4]]/8', () => {
    const m = Float64Array.of(4, 2, 2, 3);
    expect([...choleskyLower(m, 2)]).toEqual([2, 0, 1, Math.SQRT2]);
    const inv = inverseSpd(m, 2);
    for (const [e, want] of [3 / 8, -2 / 8, -2 / 8, 4 / 8].entries()) expect(inv[e]).toBeCloseTo(want, 14);
  });

  for (const d of sizes) {
    it(`d = ${d}: the same bits as the textbook loops, L·Lᵀ = M and M·M⁻¹ = I`, () => {
      const m = randomSpd(d, 100 + d);
      const l = choleskyLower(m, d);
      expect(l).toEqual(textbookCholesky(m, d));
      const inv = inverseSpd(m, d);
      expect(inv).toEqual(textbookInverse(m, d));
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) {
          let llt = 0;
          let mInv = 0;
          for (let p = 0; p < d; p++) {
            llt += l[i * d + p]! * l[j * d + p]!;
            mInv += m[i * d + p]! * inv[p * d + j]!;
          }
          expect(llt).toBeCloseTo(m[i * d + j]!, 12);
          expect(mInv).toBeCloseTo(i === j ? 1 : 0, 12);
        }
    });
  }

  it('scratch reused from draw to draw (WishartWork), left dirty, changes no bit of the results', () => {
    const d = 13;
    const work = new WishartWork(d);
    const dirty = () => {
      for (const a of [
        work.factor,
        work.factorTransposed,
        work.inverse,
        work.bartlett,
        work.product,
        work.scaleInverse,
        work.scaled,
      ])
        a.fill(Number.NaN);
      for (const a of [...work.columns, work.mean, work.posteriorMean]) a.fill(-7);
    };
    for (const seed of [1, 2, 3]) {
      const m = randomSpd(d, seed);
      dirty();
      expect(choleskyLower(m, d, work.factor)).toEqual(textbookCholesky(m, d));
      dirty();
      expect(inverseSpd(m, d, work)).toEqual(textbookInverse(m, d));
      // A Normal–Wishart draw from statistics of 50 rows: with dirty scratch as with none.
      const rows = Array.from({ length: 50 }, (_, r) => randomSpd(d, 10 * seed + r).subarray(0, d));
      const sum = new Float64Array(d);
      const outer = new Float64Array(d * d);
      for (const x of rows)
        for (let i = 0; i < d; i++) {
          sum[i] = sum[i]! + x[i]!;
          for (let j = 0; j < d; j++) outer[i * d + j] = outer[i * d + j]! + x[i]! * x[j]!;
        }
      const stats = { n: rows.length, sum, outer };
      dirty();
      const reused = sampleNormalWishart(new Prng(seed), bpmfPrior(d), stats, d, work);
      const fresh = sampleNormalWishart(new Prng(seed), bpmfPrior(d), stats, d);
      expect(reused.precision).toEqual(fresh.precision);
      expect(reused.mean).toEqual(fresh.mean);
    }
  });

  it('a matrix that is not positive definite is refused at its first failing pivot, in a row block or past it', () => {
    for (const [d, bad] of [
      [9, 5],
      [9, 8],
      [6, 0],
    ] as const) {
      const m = randomSpd(d, 7);
      // Makes the Schur complement at `bad` negative: M[bad][bad] far below what the rows above take.
      m[bad * d + bad] = -1;
      expect(() => choleskyLower(m, d)).toThrow(`matrix not positive definite at pivot ${bad}`);
    }
  });
});

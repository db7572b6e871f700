/**
 * The generators of Spark MLlib's ALSSuite (genExplicitTestData / genImplicitTestData),
 * ported with our own seeded PRNG: factors uniform in [−1, 1), every (user, item) pair kept
 * for training with probability 0.6 and for test with 0.3.
 */
import { Prng } from '../src/train/prng.js';

export interface Triples {
  users: number[];
  items: number[];
  values: number[];
}

function genFactors(n: number, rank: number, rng: Prng): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: rank }, () => -1 + 2 * rng.next()));
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, c) => s + v * b[c]!, 0);

function empty(): Triples {
  return { users: [], items: [], values: [] };
}

/** Explicit: rating = x_u·y_i (+ noise on training ratings only). */
export function genExplicitTestData(numUsers: number, numItems: number, rank: number, noiseStd = 0, seed = 11) {
  const rng = new Prng(seed);
  const X = genFactors(numUsers, rank, rng);
  const Y = genFactors(numItems, rank, rng);
  const training = empty();
  const test = empty();
  for (let u = 0; u < numUsers; u++) {
    for (let i = 0; i < numItems; i++) {
      const x = rng.next();
      if (x >= 0.9) continue;
      const rating = dot(X[u]!, Y[i]!);
      const to = x < 0.6 ? training : test;
      to.users.push(u);
      to.items.push(i);
      to.values.push(x < 0.6 ? rating + noiseStd * rng.normal() : rating);
    }
  }
  return { training, test };
}

/**
 * Implicit: rating = x_u·y_i, observed with probability 0.8 when positive and 0.2 when not
 * (unobserved pairs are more likely negatives); negative ratings are dislikes.
 */
export function genImplicitTestData(numUsers: number, numItems: number, rank: number, noiseStd = 0, seed = 11) {
  const rng = new Prng(seed);
  const X = genFactors(numUsers, rank, rng);
  const Y = genFactors(numItems, rank, rng);
  const training = empty();
  const test = empty();
  for (let u = 0; u < numUsers; u++) {
    for (let i = 0; i < numItems; i++) {
      const rating = dot(X[u]!, Y[i]!);
      if (rng.next() >= (rating > 0 ? 0.8 : 0.2)) continue;
      const x = rng.next();
      if (x >= 0.9) continue;
      const to = x < 0.6 ? training : test;
      to.users.push(u);
      to.items.push(i);
      to.values.push(x < 0.6 ? rating + noiseStd * rng.normal() : rating);
    }
  }
  return { training, test };
}

/**
 * Spark's implicit evaluation: ratings and predictions clipped to [0, 1], squared errors
 * weighted by the confidence 1 + α|r|.
 */
export function weightedImplicitRmse(test: Triples, predict: (u: number, i: number) => number, alpha = 1): number {
  let total = 0;
  let sum = 0;
  for (let e = 0; e < test.values.length; e++) {
    const r = test.values[e]!;
    const c = 1 + alpha * Math.abs(r);
    const err = Math.min(1, Math.max(0, predict(test.users[e]!, test.items[e]!))) - Math.min(1, Math.max(0, r));
    total += c;
    sum += c * err * err;
  }
  return Math.sqrt(sum / total);
}

export function explicitRmse(test: Triples, predict: (u: number, i: number) => number): number {
  let sum = 0;
  for (let e = 0; e < test.values.length; e++) sum += (test.values[e]! - predict(test.users[e]!, test.items[e]!)) ** 2;
  return Math.sqrt(sum / test.values.length);
}

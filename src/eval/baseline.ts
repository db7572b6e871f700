import { checkOptions, integer, nonNegative } from '../validate.js';
/**
 * The bias-only baseline r̂ = μ + b_u + b_i, fit by alternating ridge regressions as
 * Koren (2010) and Surprise's BaselineOnly do: b_u = Σ(r − μ − b_i) / (λ_u + n_u), then
 * b_i likewise. Defaults are Surprise's: λ_u = 15, λ_i = 10, 10 rounds.
 */
export interface Baseline {
  mu: number;
  userBias: Float64Array;
  itemBias: Float64Array;
  predict(user: number, item: number): number;
}

export function fitBaseline(
  data: { users: ArrayLike<number>; items: ArrayLike<number>; values: ArrayLike<number> },
  numUsers: number,
  numItems: number,
  options: { userRegularization?: number; itemRegularization?: number; rounds?: number } = {},
): Baseline {
  checkOptions('fitBaseline options', options, ['userRegularization', 'itemRegularization', 'rounds']);
  const { users, items, values } = data;
  const n = values.length;
  const regU = nonNegative('userRegularization', options.userRegularization ?? 15);
  const regI = nonNegative('itemRegularization', options.itemRegularization ?? 10);
  if (options.rounds !== undefined) integer('rounds', options.rounds, 0, 1e6);
  let mu = 0;
  for (let e = 0; e < n; e++) mu += values[e]!;
  mu /= n;
  const userBias = new Float64Array(numUsers);
  const itemBias = new Float64Array(numItems);
  const sum = new Float64Array(Math.max(numUsers, numItems));
  const count = new Float64Array(Math.max(numUsers, numItems));
  for (let round = 0; round < (options.rounds ?? 10); round++) {
    sum.fill(0);
    count.fill(0);
    for (let e = 0; e < n; e++) {
      const u = users[e]!;
      sum[u] = sum[u]! + (values[e]! - mu - itemBias[items[e]!]!);
      count[u] = count[u]! + 1;
    }
    for (let u = 0; u < numUsers; u++) userBias[u] = sum[u]! / (regU + count[u]!);
    sum.fill(0);
    count.fill(0);
    for (let e = 0; e < n; e++) {
      const i = items[e]!;
      sum[i] = sum[i]! + (values[e]! - mu - userBias[users[e]!]!);
      count[i] = count[i]! + 1;
    }
    for (let i = 0; i < numItems; i++) itemBias[i] = sum[i]! / (regI + count[i]!);
  }
  return {
    mu,
    userBias,
    itemBias,
    predict: (u, i) => mu + (userBias[u] ?? 0) + (itemBias[i] ?? 0),
  };
}

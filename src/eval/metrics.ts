/** Root mean squared error of predict(user, item) against the values. */
export function rmse(
  data: { users: ArrayLike<number>; items: ArrayLike<number>; values: ArrayLike<number> },
  predict: (user: number, item: number) => number,
): number {
  let sum = 0;
  const n = data.values.length;
  for (let e = 0; e < n; e++) {
    const err = data.values[e]! - predict(data.users[e]!, data.items[e]!);
    sum += err * err;
  }
  return Math.sqrt(sum / n);
}

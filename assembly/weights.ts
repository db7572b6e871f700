// Per-rating Gram weight w and right-hand-side target t from the rating values.
// Modes (types.ts WeightMode): 0 explicit (w = 1, t = r − μ − otherBias[col]);
// 1 c = 1 + α|r|; 2 c = α|r|; implicit: w = c − 1, t = r > 0 ? c : 0;
// 3 unobserved weight (Rendle et al.), alpha = 1/α₀: w = alpha, t = r > 0 ? alpha : 0.

export function rowWeights(
  cols: usize, values: usize, n: i32, mode: i32, alpha: f32, mu: f32, otherBias: usize, w: usize, t: usize,
): void {
  if (mode == 0) {
    for (let j = 0; j < n; j++) {
      const k = <usize>j << 2;
      let v = load<f32>(values + k) - mu;
      if (otherBias) v -= load<f32>(otherBias + (<usize>load<i32>(cols + k) << 2));
      store<f32>(w + k, 1);
      store<f32>(t + k, v);
    }
  } else if (mode == 3) {
    for (let j = 0; j < n; j++) {
      const k = <usize>j << 2;
      store<f32>(w + k, alpha);
      store<f32>(t + k, load<f32>(values + k) > 0 ? alpha : 0);
    }
  } else {
    const one: f32 = mode == 1 ? 1 : 0;
    for (let j = 0; j < n; j++) {
      const k = <usize>j << 2;
      const r = load<f32>(values + k);
      const c = one + alpha * Mathf.abs(r);
      store<f32>(w + k, c - 1);
      store<f32>(t + k, r > 0 ? c : 0);
    }
  }
}

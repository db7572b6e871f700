// Bench-only peak probe (build/peak.wasm, not part of the kernel interface): `iters` rounds of
// 12 independent f32x4 chains a = a·m + k (a mul and an add each: 12 · 2 · 4 = 96 flops per
// round). Twelve chains cover the mul + add latency on 2 add and 2 mul pipes. Returns a lane
// sum so nothing is optimized away.
import { madd } from '../vec';

export function peak(iters: i32, seed: f32): f32 {
  const m = f32x4.splat(<f32>0.999999);
  const k = f32x4.splat(<f32>1e-7);
  let a0 = f32x4.splat(seed), a1 = f32x4.splat(seed + 1), a2 = f32x4.splat(seed + 2), a3 = f32x4.splat(seed + 3);
  let a4 = f32x4.splat(seed + 4), a5 = f32x4.splat(seed + 5), a6 = f32x4.splat(seed + 6), a7 = f32x4.splat(seed + 7);
  let a8 = f32x4.splat(seed + 8), a9 = f32x4.splat(seed + 9), a10 = f32x4.splat(seed + 10), a11 = f32x4.splat(seed + 11);
  for (let i = 0; i < iters; i++) {
    a0 = madd(a0, m, k); a1 = madd(a1, m, k); a2 = madd(a2, m, k); a3 = madd(a3, m, k);
    a4 = madd(a4, m, k); a5 = madd(a5, m, k); a6 = madd(a6, m, k); a7 = madd(a7, m, k);
    a8 = madd(a8, m, k); a9 = madd(a9, m, k); a10 = madd(a10, m, k); a11 = madd(a11, m, k);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))),
    f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)),
  );
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 3);
}

/** Flops one call performs. */
export function peakFlops(iters: i32): f64 {
  return <f64>iters * 96;
}

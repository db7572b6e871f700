// Objective terms over a row range, accumulated in f64.
import {
  SOLVE_X, SOLVE_Y, SOLVE_STRIDE, SOLVE_DIM, SOLVE_INDPTR, SOLVE_INDICES, SOLVE_VALUES, SOLVE_MODE, SOLVE_ALPHA,
  SOLVE_YTY, SOLVE_MU, SOLVE_OTHER_BIAS, SOLVE_INDEX_BYTES, SOLVE_INDEX_SPLITS, SOLVE_INDEX_BLOCKS,
} from './abi';
import { storedIndex } from './columns';

/** x·y over dim floats, products and sum in f64 (f32x4 loads promoted to f64x2). */
@inline function dot64(x: usize, y: usize, dim: i32): f64 {
  let acc = f64x2.splat(0);
  let c = 0;
  for (; c + 4 <= dim; c += 4) {
    const o = <usize>c << 2;
    const a = v128.load(x + o);
    const b = v128.load(y + o);
    acc = f64x2.add(acc, f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)));
    const ah = v128.shuffle<i32>(a, a, 2, 3, 0, 1);
    const bh = v128.shuffle<i32>(b, b, 2, 3, 0, 1);
    acc = f64x2.add(acc, f64x2.mul(f64x2.promote_low_f32x4(ah), f64x2.promote_low_f32x4(bh)));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; c < dim; c++) {
    const o = <usize>c << 2;
    s += <f64>load<f32>(x + o) * <f64>load<f32>(y + o);
  }
  return s;
}

/** xᵀ A x for symmetric A stored in its upper triangle (dim × dim), in f64. */
@inline function quad64(A: usize, rb: usize, dim: i32, x: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < dim; i++) {
    const row = A + <usize>i * rb;
    const xi = <f64>load<f32>(x + (<usize>i << 2));
    let off: f64 = 0;
    for (let j = i + 1; j < dim; j++) {
      off += <f64>load<f32>(row + (<usize>j << 2)) * <f64>load<f32>(x + (<usize>j << 2));
    }
    s += xi * (<f64>load<f32>(row + (<usize>i << 2)) * xi + 2 * off);
  }
  return s;
}

/** The data term of the objective over rows [start, end) of the solved side (see types.ts). */
export function dataLoss(params: usize, start: i32, end: i32): f64 {
  const X = <usize>load<u32>(params, SOLVE_X);
  const Y = <usize>load<u32>(params, SOLVE_Y);
  const stride = load<i32>(params, SOLVE_STRIDE);
  const dim = load<i32>(params, SOLVE_DIM);
  const indptr = <usize>load<u32>(params, SOLVE_INDPTR);
  const indices = <usize>load<u32>(params, SOLVE_INDICES);
  const values = <usize>load<u32>(params, SOLVE_VALUES);
  const mode = load<i32>(params, SOLVE_MODE);
  const alpha = <f64>load<f32>(params, SOLVE_ALPHA);
  const YtY = <usize>load<u32>(params, SOLVE_YTY);
  const mu = <f64>load<f32>(params, SOLVE_MU);
  const otherBias = <usize>load<u32>(params, SOLVE_OTHER_BIAS);
  const indexBytes = load<i32>(params, SOLVE_INDEX_BYTES);
  const splits = <usize>load<u32>(params, SOLVE_INDEX_SPLITS);
  const blocks = load<i32>(params, SOLVE_INDEX_BLOCKS);
  const rb = <usize>stride << 2;
  let total: f64 = 0;
  for (let u = start; u < end; u++) {
    const x = X + <usize>u * rb;
    const lo = load<i32>(indptr + (<usize>u << 2));
    const hi = load<i32>(indptr + (<usize>u << 2), 4);
    // With splits (columns.ts), entries from the row's split h − 1 on are in block h: h·65,536 more.
    const at = splits + ((<usize>u * <usize>(blocks - 1)) << 2);
    let h = 0;
    let next = splits ? load<i32>(at) : hi;
    if (mode == 0) {
      for (let k = lo; k < hi; k++) {
        const ko = <usize>k << 2;
        while (k >= next) next = ++h < blocks - 1 ? load<i32>(at + (<usize>h << 2)) : hi;
        const c = storedIndex(indices, k, indexBytes) + (h << 16);
        let e = <f64>load<f32>(values + ko) - mu;
        if (otherBias) e -= <f64>load<f32>(otherBias + (<usize>c << 2));
        e -= dot64(x, Y + <usize>c * rb, dim);
        total += e * e;
      }
    } else {
      if (YtY) total += quad64(YtY, rb, dim, x);
      const one: f64 = mode == 1 ? 1 : 0;
      for (let k = lo; k < hi; k++) {
        const ko = <usize>k << 2;
        while (k >= next) next = ++h < blocks - 1 ? load<i32>(at + (<usize>h << 2)) : hi;
        const c = storedIndex(indices, k, indexBytes) + (h << 16);
        const r = <f64>load<f32>(values + ko);
        // mode 3 (alpha = 1/α₀): c = 1 + 1/α₀, p = 1/(1 + α₀), the confidence form of iALS
        const conf = mode == 3 ? 1 + alpha : one + alpha * Math.abs(r);
        const pref: f64 = r > 0 ? (mode == 3 ? alpha / (1 + alpha) : 1) : 0;
        const s = dot64(x, Y + <usize>c * rb, dim);
        const d = pref - s;
        total += conf * d * d - s * s;
      }
    }
  }
  return total;
}

/** Σ_{r ∈ [start, end)} w_r Σ_{c < cols} X[r][c]² in f64; regWeights = 0: w_r = 1. */
export function penalty(X: usize, stride: i32, cols: i32, regWeights: usize, start: i32, end: i32): f64 {
  const rb = <usize>stride << 2;
  let total: f64 = 0;
  for (let r = start; r < end; r++) {
    const x = X + <usize>r * rb;
    const s = dot64(x, x, cols);
    total += regWeights ? <f64>load<f32>(regWeights + (<usize>r << 2)) * s : s;
  }
  return total;
}

/**
 * out[c] = Σ_{r < rows} X[r][c] for c < cols, each column summed in f64 in row order (the bits
 * of a scalar loop `s += x` from 0). Eight columns a pass, their sums in registers; reads
 * columns up to roundUp8(cols), which must lie within each row's stride (zero padding or not:
 * only the first cols sums are written). out: cols f64, 8-byte aligned.
 */
export function columnSums(X: usize, stride: i32, cols: i32, rows: i32, out: usize): void {
  const rb = <usize>stride << 2;
  for (let c = 0; c < cols; c += 8) {
    let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
    let at = X + (<usize>c << 2);
    for (let r = 0; r < rows; r++, at += rb) {
      const a = v128.load(at);
      const b = v128.load(at, 16);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(a));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<i32>(a, a, 2, 3, 0, 1)));
      s2 = f64x2.add(s2, f64x2.promote_low_f32x4(b));
      s3 = f64x2.add(s3, f64x2.promote_low_f32x4(v128.shuffle<i32>(b, b, 2, 3, 0, 1)));
    }
    const o = out + (<usize>c << 3);
    const left = cols - c;
    store<f64>(o, f64x2.extract_lane(s0, 0));
    if (left > 1) store<f64>(o, f64x2.extract_lane(s0, 1), 8);
    if (left > 2) store<f64>(o, f64x2.extract_lane(s1, 0), 16);
    if (left > 3) store<f64>(o, f64x2.extract_lane(s1, 1), 24);
    if (left > 4) store<f64>(o, f64x2.extract_lane(s2, 0), 32);
    if (left > 5) store<f64>(o, f64x2.extract_lane(s2, 1), 40);
    if (left > 6) store<f64>(o, f64x2.extract_lane(s3, 0), 48);
    if (left > 7) store<f64>(o, f64x2.extract_lane(s3, 1), 56);
  }
}

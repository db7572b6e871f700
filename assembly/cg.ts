// Conjugate gradient on (A0 + Σ_j w_j y_j y_jᵀ + λI) x = Σ_j t_j y_j, warm-started from x,
// never forming the matrix. Vectors are exact-length (dim) with scalar tails.
import { madd, hsum, dot, dot2, axpy, axpy2, zerof } from './vec';

/** out = A0·v (A0 symmetric, stored in its upper triangle; A0 = 0: none) + λv + Σ_j w_j (y_j·v) y_j. */
@inline function applyA(
  A0: usize, Y: usize, rb: usize, dim: i32, cols: usize, w: usize, n: i32, lambda: f32, v: usize, out: usize,
): void {
  zerof(out, dim);
  if (A0) {
    for (let i = 0; i < dim; i++) {
      const row = A0 + <usize>i * rb;
      const io = <usize>i << 2;
      const vi = load<f32>(v + io);
      let s = load<f32>(row + io) * vi;
      let j = i + 1;
      // scalar head up to a 4-aligned column
      for (; j < dim && (j & 3) != 0; j++) {
        const o = <usize>j << 2;
        const a = load<f32>(row + o);
        s += a * load<f32>(v + o);
        store<f32>(out + o, load<f32>(out + o) + a * vi);
      }
      const vvi = f32x4.splat(vi);
      let acc = f32x4.splat(0);
      for (; j + 4 <= dim; j += 4) {
        const o = <usize>j << 2;
        const a = v128.load(row + o);
        acc = madd(a, v128.load(v + o), acc);
        v128.store(out + o, madd(a, vvi, v128.load(out + o)));
      }
      s += hsum(acc);
      for (; j < dim; j++) {
        const o = <usize>j << 2;
        const a = load<f32>(row + o);
        s += a * load<f32>(v + o);
        store<f32>(out + o, load<f32>(out + o) + a * vi);
      }
      store<f32>(out + io, load<f32>(out + io) + s);
    }
  }
  axpy(lambda, v, out, dim);
  // Two rows at a time: their dot products are independent chains, and out is read and
  // written once for both; the sums are the same, in the same order, as one row at a time.
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    const y0 = rowOf(Y, rb, cols, j);
    const y1 = rowOf(Y, rb, cols, j + 1);
    const d = dot2(y0, y1, v, dim);
    const k = <usize>j << 2;
    axpy2(load<f32>(w + k) * f32x4.extract_lane(d, 0), y0, load<f32>(w + k, 4) * f32x4.extract_lane(d, 1), y1, out, dim);
  }
  if (j < n) {
    const y = rowOf(Y, rb, cols, j);
    axpy(load<f32>(w + (<usize>j << 2)) * dot(y, v, dim), y, out, dim);
  }
}

/** y_j: row cols[j] of Y, or row j when cols = 0 (already gathered). */
@inline function rowOf(Y: usize, rb: usize, cols: usize, j: i32): usize {
  return cols ? Y + <usize>load<i32>(cols + (<usize>j << 2)) * rb : Y + <usize>j * rb;
}

/** `steps` CG iterations; returns the number taken (0 when the start residual r·r < 1e-20). */
export function cgSolve(
  A0: usize, Y: usize, stride: i32, dim: i32, cols: usize, w: usize, t: usize, n: i32,
  lambda: f32, x: usize, steps: i32, scratch: usize,
): i32 {
  const rb = <usize>stride << 2;
  const r = scratch;
  const p = r + rb;
  const Ap = p + rb;
  // r = b − A x, with b = Σ_j t_j y_j
  applyA(A0, Y, rb, dim, cols, w, n, lambda, x, Ap);
  for (let c = 0; c < dim; c++) {
    const o = <usize>c << 2;
    store<f32>(r + o, -load<f32>(Ap + o));
  }
  for (let j = 0; j < n; j++) {
    const k = <usize>j << 2;
    axpy(load<f32>(t + k), rowOf(Y, rb, cols, j), r, dim);
  }
  for (let c = 0; c < dim; c++) {
    const o = <usize>c << 2;
    store<f32>(p + o, load<f32>(r + o));
  }
  let rsold = dot(r, r, dim);
  if (rsold < 1e-20) return 0;
  let it = 0;
  while (it < steps) {
    applyA(A0, Y, rb, dim, cols, w, n, lambda, p, Ap);
    const alpha = rsold / dot(p, Ap, dim);
    axpy(alpha, p, x, dim);
    axpy(-alpha, Ap, r, dim);
    const rsnew = dot(r, r, dim);
    it++;
    if (rsnew < 1e-20) break;
    const beta = rsnew / rsold;
    // p = r + beta p
    const vb = f32x4.splat(beta);
    let c = 0;
    for (; c + 4 <= dim; c += 4) {
      const o = <usize>c << 2;
      v128.store(p + o, madd(vb, v128.load(p + o), v128.load(r + o)));
    }
    for (; c < dim; c++) {
      const o = <usize>c << 2;
      store<f32>(p + o, load<f32>(r + o) + beta * load<f32>(p + o));
    }
    rsold = rsnew;
  }
  return it;
}

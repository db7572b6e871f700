// Conjugate gradient on (A0 + Σ_j w_j y_j y_jᵀ + λI) x = Σ_j t_j y_j, warm-started from x,
// never forming the matrix. Vectors are exact-length (dim) with scalar tails.
//
// A·v is two register-tiled parts instead of one dot and one axpy per y_j:
//   - dense: λv + A0·v by column chunks of up to 32 floats held in f32x4 accumulators while
//     A0's rows stream past (A0 is stored whole, so its rows are read contiguously);
//   - sparse: Σ_j w_j (y_j·v) y_j eight rows at a time: their dot products as independent
//     chains, one transposed horizontal sum per four, then the eight rows added into the
//     result while they are still in L1 (one pass over the y_j from L2 instead of two).
// Every sum's order depends only on the row's data (dim, n, the y_j in order), never on
// where the row sits in a task, so results are the same for any thread count.
import { madd, hsum, dot, axpy } from './vec';

/** y_j: row cols[j] of Y, or row j when cols = 0 (already gathered). */
@inline function rowOf(Y: usize, rb: usize, cols: usize, j: i32): usize {
  return cols ? Y + <usize>load<i32>(cols + (<usize>j << 2)) * rb : Y + <usize>j * rb;
}

/** [Σ lanes of a, Σ b, Σ c, Σ d]: four horizontal sums at once. */
@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

/** The dot products' columns past the last whole f32x4 (dim not a multiple of 4). */
@inline function tailDots(y0: usize, y1: usize, y2: usize, y3: usize, v: usize, dim4: i32, dim: i32): v128 {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  for (let c = dim4; c < dim; c++) {
    const o = <usize>c << 2;
    const vc = load<f32>(v + o);
    s0 += load<f32>(y0 + o) * vc;
    s1 += load<f32>(y1 + o) * vc;
    s2 += load<f32>(y2 + o) * vc;
    s3 += load<f32>(y3 + o) * vc;
  }
  return f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(s0), 1, s1), 2, s2), 3, s3);
}

/**
 * out[c] += Σ_{r<8} s_r y_r[c] for c < dim, where s_r is lane r % 4 of s0 (r < 4) or s1: the
 * eight rows were just read for their dot products, so this second read comes from L1.
 */
@inline function addRows8(
  out: usize, dim: i32, y0: usize, y1: usize, y2: usize, y3: usize, y4: usize, y5: usize, y6: usize, y7: usize,
  s0: v128, s1: v128,
): void {
  const k0 = v128.shuffle<f32>(s0, s0, 0, 0, 0, 0), k1 = v128.shuffle<f32>(s0, s0, 1, 1, 1, 1);
  const k2 = v128.shuffle<f32>(s0, s0, 2, 2, 2, 2), k3 = v128.shuffle<f32>(s0, s0, 3, 3, 3, 3);
  const k4 = v128.shuffle<f32>(s1, s1, 0, 0, 0, 0), k5 = v128.shuffle<f32>(s1, s1, 1, 1, 1, 1);
  const k6 = v128.shuffle<f32>(s1, s1, 2, 2, 2, 2), k7 = v128.shuffle<f32>(s1, s1, 3, 3, 3, 3);
  const dim4 = dim & ~3;
  let c = 0;
  for (; c + 8 <= dim4; c += 8) {
    const o = <usize>c << 2;
    let a0 = v128.load(out + o), a1 = v128.load(out + o, 16);
    a0 = madd(k0, v128.load(y0 + o), a0); a1 = madd(k0, v128.load(y0 + o, 16), a1);
    a0 = madd(k1, v128.load(y1 + o), a0); a1 = madd(k1, v128.load(y1 + o, 16), a1);
    a0 = madd(k2, v128.load(y2 + o), a0); a1 = madd(k2, v128.load(y2 + o, 16), a1);
    a0 = madd(k3, v128.load(y3 + o), a0); a1 = madd(k3, v128.load(y3 + o, 16), a1);
    a0 = madd(k4, v128.load(y4 + o), a0); a1 = madd(k4, v128.load(y4 + o, 16), a1);
    a0 = madd(k5, v128.load(y5 + o), a0); a1 = madd(k5, v128.load(y5 + o, 16), a1);
    a0 = madd(k6, v128.load(y6 + o), a0); a1 = madd(k6, v128.load(y6 + o, 16), a1);
    a0 = madd(k7, v128.load(y7 + o), a0); a1 = madd(k7, v128.load(y7 + o, 16), a1);
    v128.store(out + o, a0);
    v128.store(out + o, a1, 16);
  }
  for (; c < dim4; c += 4) {
    const o = <usize>c << 2;
    let a0 = v128.load(out + o);
    a0 = madd(k0, v128.load(y0 + o), a0);
    a0 = madd(k1, v128.load(y1 + o), a0);
    a0 = madd(k2, v128.load(y2 + o), a0);
    a0 = madd(k3, v128.load(y3 + o), a0);
    a0 = madd(k4, v128.load(y4 + o), a0);
    a0 = madd(k5, v128.load(y5 + o), a0);
    a0 = madd(k6, v128.load(y6 + o), a0);
    a0 = madd(k7, v128.load(y7 + o), a0);
    v128.store(out + o, a0);
  }
  for (; c < dim; c++) {
    const o = <usize>c << 2;
    let a = load<f32>(out + o);
    a += f32x4.extract_lane(s0, 0) * load<f32>(y0 + o);
    a += f32x4.extract_lane(s0, 1) * load<f32>(y1 + o);
    a += f32x4.extract_lane(s0, 2) * load<f32>(y2 + o);
    a += f32x4.extract_lane(s0, 3) * load<f32>(y3 + o);
    a += f32x4.extract_lane(s1, 0) * load<f32>(y4 + o);
    a += f32x4.extract_lane(s1, 1) * load<f32>(y5 + o);
    a += f32x4.extract_lane(s1, 2) * load<f32>(y6 + o);
    a += f32x4.extract_lane(s1, 3) * load<f32>(y7 + o);
    store<f32>(out + o, a);
  }
}

/**
 * out += Σ_j s_j y_j with s_j = w_j (y_j·v) − (residual ? t_j : 0), eight rows at a time:
 * their dot products as independent chains, then the eight rows added into out while they
 * are still in L1 (w and t hold whole f32x4 groups: roundUp(n, 4) floats).
 */
@inline function addSparse(
  Y: usize, rb: usize, dim: i32, cols: usize, w: usize, t: usize, n: i32, v: usize, residual: bool, out: usize,
): void {
  const dim4 = dim & ~3;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const y0 = rowOf(Y, rb, cols, j), y1 = rowOf(Y, rb, cols, j + 1);
    const y2 = rowOf(Y, rb, cols, j + 2), y3 = rowOf(Y, rb, cols, j + 3);
    const y4 = rowOf(Y, rb, cols, j + 4), y5 = rowOf(Y, rb, cols, j + 5);
    const y6 = rowOf(Y, rb, cols, j + 6), y7 = rowOf(Y, rb, cols, j + 7);
    let a0 = f32x4.splat(0);
    let a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (let c = 0; c < dim4; c += 4) {
      const o = <usize>c << 2;
      const vv = v128.load(v + o);
      a0 = madd(v128.load(y0 + o), vv, a0);
      a1 = madd(v128.load(y1 + o), vv, a1);
      a2 = madd(v128.load(y2 + o), vv, a2);
      a3 = madd(v128.load(y3 + o), vv, a3);
      a4 = madd(v128.load(y4 + o), vv, a4);
      a5 = madd(v128.load(y5 + o), vv, a5);
      a6 = madd(v128.load(y6 + o), vv, a6);
      a7 = madd(v128.load(y7 + o), vv, a7);
    }
    let d0 = hsum4(a0, a1, a2, a3);
    let d1 = hsum4(a4, a5, a6, a7);
    if (dim4 < dim) {
      d0 = f32x4.add(d0, tailDots(y0, y1, y2, y3, v, dim4, dim));
      d1 = f32x4.add(d1, tailDots(y4, y5, y6, y7, v, dim4, dim));
    }
    const k = <usize>j << 2;
    d0 = f32x4.mul(v128.load(w + k), d0);
    d1 = f32x4.mul(v128.load(w + k, 16), d1);
    if (residual) {
      d0 = f32x4.sub(d0, v128.load(t + k));
      d1 = f32x4.sub(d1, v128.load(t + k, 16));
    }
    addRows8(out, dim, y0, y1, y2, y3, y4, y5, y6, y7, d0, d1);
  }
  for (; j < n; j++) {
    const k = <usize>j << 2;
    const y = rowOf(Y, rb, cols, j);
    let d = load<f32>(w + k) * dot(y, v, dim);
    if (residual) d -= load<f32>(t + k);
    axpy(d, y, out, dim);
  }
}

/** out[c0, c0 + 32) = λv + A0·v there: eight accumulators while A0's rows stream past. */
@inline function denseChunk8(A0: usize, rb: usize, dim: i32, lambda: f32, v: usize, out: usize, c0: i32): void {
  const o = <usize>c0 << 2;
  const vl = f32x4.splat(lambda);
  let a0 = f32x4.mul(vl, v128.load(v + o));
  let a1 = f32x4.mul(vl, v128.load(v + o, 16));
  let a2 = f32x4.mul(vl, v128.load(v + o, 32));
  let a3 = f32x4.mul(vl, v128.load(v + o, 48));
  let a4 = f32x4.mul(vl, v128.load(v + o, 64));
  let a5 = f32x4.mul(vl, v128.load(v + o, 80));
  let a6 = f32x4.mul(vl, v128.load(v + o, 96));
  let a7 = f32x4.mul(vl, v128.load(v + o, 112));
  if (A0) {
    let q = A0 + o;
    for (let i = 0; i < dim; i++) {
      const s = v128.load32_splat(v + (<usize>i << 2));
      a0 = madd(s, v128.load(q), a0);
      a1 = madd(s, v128.load(q, 16), a1);
      a2 = madd(s, v128.load(q, 32), a2);
      a3 = madd(s, v128.load(q, 48), a3);
      a4 = madd(s, v128.load(q, 64), a4);
      a5 = madd(s, v128.load(q, 80), a5);
      a6 = madd(s, v128.load(q, 96), a6);
      a7 = madd(s, v128.load(q, 112), a7);
      q += rb;
    }
  }
  const d = out + o;
  v128.store(d, a0);
  v128.store(d, a1, 16);
  v128.store(d, a2, 32);
  v128.store(d, a3, 48);
  v128.store(d, a4, 64);
  v128.store(d, a5, 80);
  v128.store(d, a6, 96);
  v128.store(d, a7, 112);
}

/** out[c0, c0 + 8) = λv + A0·v there: two accumulators. */
@inline function denseChunk2(A0: usize, rb: usize, dim: i32, lambda: f32, v: usize, out: usize, c0: i32): void {
  const o = <usize>c0 << 2;
  const vl = f32x4.splat(lambda);
  let a0 = f32x4.mul(vl, v128.load(v + o));
  let a1 = f32x4.mul(vl, v128.load(v + o, 16));
  if (A0) {
    let q = A0 + o;
    for (let i = 0; i < dim; i++) {
      const s = v128.load32_splat(v + (<usize>i << 2));
      a0 = madd(s, v128.load(q), a0);
      a1 = madd(s, v128.load(q, 16), a1);
      q += rb;
    }
  }
  v128.store(out + o, a0);
  v128.store(out + o, a1, 16);
}

/** out[c0, c0 + 4) = λv + A0·v there: one accumulator. */
@inline function denseChunk1(A0: usize, rb: usize, dim: i32, lambda: f32, v: usize, out: usize, c0: i32): void {
  const o = <usize>c0 << 2;
  let a0 = f32x4.mul(f32x4.splat(lambda), v128.load(v + o));
  if (A0) {
    let q = A0 + o;
    for (let i = 0; i < dim; i++) {
      a0 = madd(v128.load32_splat(v + (<usize>i << 2)), v128.load(q), a0);
      q += rb;
    }
  }
  v128.store(out + o, a0);
}

/**
 * out = λv + A0·v (A0 symmetric, both triangles stored; A0 = 0: none), by chunks of
 * columns; the columns past the last whole f32x4 are summed in scalars.
 */
@inline function denseProduct(A0: usize, rb: usize, dim: i32, lambda: f32, v: usize, out: usize): void {
  const dim4 = dim & ~3;
  let c0 = 0;
  for (; c0 + 32 <= dim4; c0 += 32) denseChunk8(A0, rb, dim, lambda, v, out, c0);
  for (; c0 + 8 <= dim4; c0 += 8) denseChunk2(A0, rb, dim, lambda, v, out, c0);
  for (; c0 < dim4; c0 += 4) denseChunk1(A0, rb, dim, lambda, v, out, c0);
  for (let c = dim4; c < dim; c++) {
    const o = <usize>c << 2;
    let s = lambda * load<f32>(v + o);
    if (A0) {
      for (let i = 0; i < dim; i++) s += load<f32>(A0 + <usize>i * rb + o) * load<f32>(v + (<usize>i << 2));
    }
    store<f32>(out + o, s);
  }
}

/**
 * `steps` CG iterations; returns the number taken (0 when the start residual r·r < 1e-20).
 * scratch: r, p, Ap (stride floats each).
 */
export function cgSolve(
  A0: usize, Y: usize, stride: i32, dim: i32, cols: usize, w: usize, t: usize, n: i32,
  lambda: f32, x: usize, steps: i32, scratch: usize,
): i32 {
  const rb = <usize>stride << 2;
  const r = scratch;
  const p = r + rb;
  const Ap = p + rb;
  // A x − b = λx + A0 x + Σ_j (w_j (y_j·x) − t_j) y_j; r = p = b − A x
  denseProduct(A0, rb, dim, lambda, x, Ap);
  addSparse(Y, rb, dim, cols, w, t, n, x, true, Ap);
  let rsold: f32 = 0;
  for (let c = 0; c < dim; c++) {
    const o = <usize>c << 2;
    const rc = -load<f32>(Ap + o);
    store<f32>(r + o, rc);
    store<f32>(p + o, rc);
    rsold += rc * rc;
  }
  if (rsold < 1e-20) return 0;
  let it = 0;
  while (it < steps) {
    denseProduct(A0, rb, dim, lambda, p, Ap);
    addSparse(Y, rb, dim, cols, w, t, n, p, false, Ap);
    const alpha = rsold / dot(p, Ap, dim);
    // x += αp; r −= αAp; and r·r, in one pass
    const va = f32x4.splat(alpha);
    let acc = f32x4.splat(0);
    let c = 0;
    for (; c + 4 <= dim; c += 4) {
      const o = <usize>c << 2;
      v128.store(x + o, madd(va, v128.load(p + o), v128.load(x + o)));
      const rc = f32x4.sub(v128.load(r + o), f32x4.mul(va, v128.load(Ap + o)));
      v128.store(r + o, rc);
      acc = madd(rc, rc, acc);
    }
    let rsnew = hsum(acc);
    for (; c < dim; c++) {
      const o = <usize>c << 2;
      store<f32>(x + o, load<f32>(x + o) + alpha * load<f32>(p + o));
      const rc = load<f32>(r + o) - alpha * load<f32>(Ap + o);
      store<f32>(r + o, rc);
      rsnew += rc * rc;
    }
    it++;
    if (rsnew < 1e-20) break;
    const vb = f32x4.splat(rsnew / rsold);
    // p = r + βp
    c = 0;
    for (; c + 4 <= dim; c += 4) {
      const o = <usize>c << 2;
      v128.store(p + o, madd(vb, v128.load(p + o), v128.load(r + o)));
    }
    const beta = rsnew / rsold;
    for (; c < dim; c++) {
      const o = <usize>c << 2;
      store<f32>(p + o, load<f32>(r + o) + beta * load<f32>(p + o));
    }
    rsold = rsnew;
  }
  return it;
}

// Small SIMD vector helpers shared by the kernels. Raw pointers, f32, everything inlined.
// Lengths are exact (`n` floats): a SIMD body over whole f32x4 groups, then a scalar tail,
// so nothing past n is read or written.

/** a * b + c on f32x4: a fused multiply-add in the relaxed-SIMD build, mul + add otherwise. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** c - a * b on f32x4 (fused negative multiply-add in the relaxed-SIMD build). */
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_nmadd(a, b, c);
  } else {
    return f32x4.sub(c, f32x4.mul(a, b));
  }
}

/** Sum of the four lanes. */
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Σ_{c<n} a[c]·b[c] in f32. */
@inline export function dot(a: usize, b: usize, n: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let c = 0;
  for (; c + 8 <= n; c += 8) {
    const o = <usize>c << 2;
    acc0 = madd(v128.load(a + o), v128.load(b + o), acc0);
    acc1 = madd(v128.load(a + o, 16), v128.load(b + o, 16), acc1);
  }
  if (c + 4 <= n) {
    const o = <usize>c << 2;
    acc0 = madd(v128.load(a + o), v128.load(b + o), acc0);
    c += 4;
  }
  let s = hsum(f32x4.add(acc0, acc1));
  for (; c < n; c++) {
    const o = <usize>c << 2;
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

/**
 * Two dot products a·v and b·v in one pass, each summed exactly as `dot` sums it (so the
 * results are bit-identical to two `dot` calls); the two independent chains hide latency.
 * Returns a·v in lane 0 and b·v in lane 1 of an f32x4.
 */
@inline export function dot2(a: usize, b: usize, v: usize, n: i32): v128 {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let b0 = f32x4.splat(0);
  let b1 = f32x4.splat(0);
  let c = 0;
  for (; c + 8 <= n; c += 8) {
    const o = <usize>c << 2;
    const v0 = v128.load(v + o);
    const v1 = v128.load(v + o, 16);
    a0 = madd(v128.load(a + o), v0, a0);
    a1 = madd(v128.load(a + o, 16), v1, a1);
    b0 = madd(v128.load(b + o), v0, b0);
    b1 = madd(v128.load(b + o, 16), v1, b1);
  }
  if (c + 4 <= n) {
    const o = <usize>c << 2;
    const v0 = v128.load(v + o);
    a0 = madd(v128.load(a + o), v0, a0);
    b0 = madd(v128.load(b + o), v0, b0);
    c += 4;
  }
  let sa = hsum(f32x4.add(a0, a1));
  let sb = hsum(f32x4.add(b0, b1));
  for (; c < n; c++) {
    const o = <usize>c << 2;
    const vc = load<f32>(v + o);
    sa += load<f32>(a + o) * vc;
    sb += load<f32>(b + o) * vc;
  }
  return f32x4.replace_lane(f32x4.splat(sa), 1, sb);
}

/** y[c] = (y[c] + alpha·x[c]) + beta·z[c] for c < n: two `axpy` calls fused into one pass. */
@inline export function axpy2(alpha: f32, x: usize, beta: f32, z: usize, y: usize, n: i32): void {
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  let c = 0;
  for (; c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    v128.store(y + o, madd(vb, v128.load(z + o), madd(va, v128.load(x + o), v128.load(y + o))));
  }
  for (; c < n; c++) {
    const o = <usize>c << 2;
    store<f32>(y + o, (load<f32>(y + o) + alpha * load<f32>(x + o)) + beta * load<f32>(z + o));
  }
}

/** y[c] += alpha·x[c] for c < n. */
@inline export function axpy(alpha: f32, x: usize, y: usize, n: i32): void {
  const va = f32x4.splat(alpha);
  let c = 0;
  for (; c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    v128.store(y + o, madd(va, v128.load(x + o), v128.load(y + o)));
  }
  for (; c < n; c++) {
    const o = <usize>c << 2;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

/** dst[c] = src[c] for c < n (dst may equal src). */
@inline export function copyf(src: usize, dst: usize, n: i32): void {
  if (src == dst) return;
  let c = 0;
  for (; c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    v128.store(dst + o, v128.load(src + o));
  }
  for (; c < n; c++) {
    const o = <usize>c << 2;
    store<f32>(dst + o, load<f32>(src + o));
  }
}

/** dst[c] = 0 for c < n. */
@inline export function zerof(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= n; c += 4) v128.store(dst + (<usize>c << 2), z);
  for (; c < n; c++) store<f32>(dst + (<usize>c << 2), 0);
}

/** True when every x[c], c < n, is finite. */
@inline export function allFinite(x: usize, n: i32): bool {
  // x - x is 0 for finite x and NaN for ±Inf and NaN; NaN poisons the sum.
  let acc = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= n; c += 4) {
    const v = v128.load(x + (<usize>c << 2));
    acc = f32x4.add(acc, f32x4.sub(v, v));
  }
  let s = hsum(acc);
  for (; c < n; c++) {
    const v = load<f32>(x + (<usize>c << 2));
    s += v - v;
  }
  return s == 0;
}

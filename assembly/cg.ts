// Conjugate gradient on (A0 + Σ_j w_j y_j y_jᵀ + λI) x = Σ_j t_j y_j, warm-started from x,
// never forming the matrix. Vectors are exact-length (dim) with scalar tails.
//
// A·v is two register-tiled parts instead of one dot and one axpy per y_j:
//   - dense: λv + A0·v by column chunks of up to 16 floats held in f32x4 accumulators while
//     A0's rows stream past (A0 is stored whole, so its rows are read contiguously);
//   - sparse: Σ_j w_j (y_j·v) y_j four rows at a time: their dot products as independent
//     chains, one transposed horizontal sum, then the four rows added into the result while
//     they are still in L1 (one pass over the y_j from L2 instead of two).
// Four, not eight: V8 keeps four accumulators (and four row constants) in registers but spilled
// eight, and cgSolve went from 54% to 73–77% of the f32x4 peak at k = 64 and 128 (bench/RESULTS.md).
// Every sum's order depends only on the row's data (dim, n, the y_j in order), never on
// where the row sits in a task, so results are the same for any thread count.
import { madd, hsum, dot, axpy } from './vec';

/** y_j: row cols[j] of Y, or row j when cols = 0 (already gathered). */
@inline function rowOf(Y: usize, rb: usize, cols: usize, j: i32): usize {
  return cols ? Y + <usize>load<i32>(cols + (<usize>j << 2)) * rb : Y + <usize>j * rb;
}

// cgSolve4's per-row record: column indices (its y_j are rows cols[j] of Y), w, t (pointers),
// n, λ (f32), and the row's index (for its caller); byte offsets.
// @ts-ignore: decorator
@inline export const CG4_COLS: usize = 0;
// @ts-ignore: decorator
@inline export const CG4_W: usize = 4;
// @ts-ignore: decorator
@inline export const CG4_T: usize = 8;
// @ts-ignore: decorator
@inline export const CG4_N: usize = 12;
// @ts-ignore: decorator
@inline export const CG4_LAMBDA: usize = 16;
// @ts-ignore: decorator
@inline export const CG4_ROW: usize = 20;
// @ts-ignore: decorator
@inline export const CG4_BYTES: usize = 24;

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
 * out[c] += Σ_{r<4} s_r y_r[c] for c < dim, s_r lane r of s: the four rows were just read for
 * their dot products, so this second read comes from L1.
 */
@inline function addRows4(out: usize, dim: i32, y0: usize, y1: usize, y2: usize, y3: usize, s: v128): void {
  const k0 = v128.shuffle<f32>(s, s, 0, 0, 0, 0), k1 = v128.shuffle<f32>(s, s, 1, 1, 1, 1);
  const k2 = v128.shuffle<f32>(s, s, 2, 2, 2, 2), k3 = v128.shuffle<f32>(s, s, 3, 3, 3, 3);
  const dim4 = dim & ~3;
  let c = 0;
  for (; c + 8 <= dim4; c += 8) {
    const o = <usize>c << 2;
    let a0 = v128.load(out + o), a1 = v128.load(out + o, 16);
    a0 = madd(k0, v128.load(y0 + o), a0); a1 = madd(k0, v128.load(y0 + o, 16), a1);
    a0 = madd(k1, v128.load(y1 + o), a0); a1 = madd(k1, v128.load(y1 + o, 16), a1);
    a0 = madd(k2, v128.load(y2 + o), a0); a1 = madd(k2, v128.load(y2 + o, 16), a1);
    a0 = madd(k3, v128.load(y3 + o), a0); a1 = madd(k3, v128.load(y3 + o, 16), a1);
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
    v128.store(out + o, a0);
  }
  for (; c < dim; c++) {
    const o = <usize>c << 2;
    let a = load<f32>(out + o);
    a += f32x4.extract_lane(s, 0) * load<f32>(y0 + o);
    a += f32x4.extract_lane(s, 1) * load<f32>(y1 + o);
    a += f32x4.extract_lane(s, 2) * load<f32>(y2 + o);
    a += f32x4.extract_lane(s, 3) * load<f32>(y3 + o);
    store<f32>(out + o, a);
  }
}

/**
 * out += Σ_j s_j y_j with s_j = w_j (y_j·v) − (residual ? t_j : 0), four rows at a time:
 * their dot products as independent chains, then the four rows added into out while they
 * are still in L1 (w and t hold whole f32x4 groups: roundUp(n, 4) floats).
 */
function addSparse(
  Y: usize, rb: usize, dim: i32, cols: usize, w: usize, t: usize, n: i32, v: usize, residual: bool, out: usize,
): void {
  const dim4 = dim & ~3;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const y0 = rowOf(Y, rb, cols, j), y1 = rowOf(Y, rb, cols, j + 1);
    const y2 = rowOf(Y, rb, cols, j + 2), y3 = rowOf(Y, rb, cols, j + 3);
    let a0 = f32x4.splat(0);
    let a1 = a0, a2 = a0, a3 = a0;
    for (let c = 0; c < dim4; c += 4) {
      const o = <usize>c << 2;
      const vv = v128.load(v + o);
      a0 = madd(v128.load(y0 + o), vv, a0);
      a1 = madd(v128.load(y1 + o), vv, a1);
      a2 = madd(v128.load(y2 + o), vv, a2);
      a3 = madd(v128.load(y3 + o), vv, a3);
    }
    let d0 = hsum4(a0, a1, a2, a3);
    if (dim4 < dim) d0 = f32x4.add(d0, tailDots(y0, y1, y2, y3, v, dim4, dim));
    const k = <usize>j << 2;
    d0 = f32x4.mul(v128.load(w + k), d0);
    if (residual) d0 = f32x4.sub(d0, v128.load(t + k));
    addRows4(out, dim, y0, y1, y2, y3, d0);
  }
  for (; j < n; j++) {
    const k = <usize>j << 2;
    const y = rowOf(Y, rb, cols, j);
    let d = load<f32>(w + k) * dot(y, v, dim);
    if (residual) d -= load<f32>(t + k);
    axpy(d, y, out, dim);
  }
}

/**
 * out[c0, c0 + 16) = λv + A0·v there: four accumulators while A0's rows stream past. (Eight,
 * 32 columns a pass, made V8 spill accumulators: the dense product ran 1.3–1.7× slower.)
 */
@inline function denseChunk4(A0: usize, rb: usize, dim: i32, lambda: f32, v: usize, out: usize, c0: i32): void {
  const o = <usize>c0 << 2;
  const vl = f32x4.splat(lambda);
  let a0 = f32x4.mul(vl, v128.load(v + o));
  let a1 = f32x4.mul(vl, v128.load(v + o, 16));
  let a2 = f32x4.mul(vl, v128.load(v + o, 32));
  let a3 = f32x4.mul(vl, v128.load(v + o, 48));
  if (A0) {
    let q = A0 + o;
    for (let i = 0; i < dim; i++) {
      const s = v128.load32_splat(v + (<usize>i << 2));
      a0 = madd(s, v128.load(q), a0);
      a1 = madd(s, v128.load(q, 16), a1);
      a2 = madd(s, v128.load(q, 32), a2);
      a3 = madd(s, v128.load(q, 48), a3);
      q += rb;
    }
  }
  const d = out + o;
  v128.store(d, a0);
  v128.store(d, a1, 16);
  v128.store(d, a2, 32);
  v128.store(d, a3, 48);
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
function denseProduct(A0: usize, rb: usize, dim: i32, lambda: f32, v: usize, out: usize): void {
  const dim4 = dim & ~3;
  let c0 = 0;
  for (; c0 + 16 <= dim4; c0 += 16) denseChunk4(A0, rb, dim, lambda, v, out, c0);
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
 * out_r[c0, c0 + 8) = λv_r + A0·v_r there for the four vectors v_r = v + r·rb (out likewise):
 * one load of A0 serves four rows. Each entry is summed exactly as denseChunk4/2 sum it (λv,
 * then + v_i·A0[i][c] for i in order), so a row's result does not depend on its group.
 */
@inline function denseChunk4x2(A0: usize, rb: usize, dim: i32, lambdas: v128, v: usize, out: usize, c0: i32): void {
  const o = <usize>c0 << 2;
  const l0 = f32x4.splat(f32x4.extract_lane(lambdas, 0)), l1 = f32x4.splat(f32x4.extract_lane(lambdas, 1));
  const l2 = f32x4.splat(f32x4.extract_lane(lambdas, 2)), l3 = f32x4.splat(f32x4.extract_lane(lambdas, 3));
  const v0 = v, v1 = v + rb, v2 = v + 2 * rb, v3 = v + 3 * rb;
  let a00 = f32x4.mul(l0, v128.load(v0 + o)), a01 = f32x4.mul(l0, v128.load(v0 + o, 16));
  let a10 = f32x4.mul(l1, v128.load(v1 + o)), a11 = f32x4.mul(l1, v128.load(v1 + o, 16));
  let a20 = f32x4.mul(l2, v128.load(v2 + o)), a21 = f32x4.mul(l2, v128.load(v2 + o, 16));
  let a30 = f32x4.mul(l3, v128.load(v3 + o)), a31 = f32x4.mul(l3, v128.load(v3 + o, 16));
  let q = A0 + o;
  for (let i = 0; i < dim; i++) {
    const io = <usize>i << 2;
    const q0 = v128.load(q), q1 = v128.load(q, 16);
    const s0 = v128.load32_splat(v0 + io);
    a00 = madd(s0, q0, a00); a01 = madd(s0, q1, a01);
    const s1 = v128.load32_splat(v1 + io);
    a10 = madd(s1, q0, a10); a11 = madd(s1, q1, a11);
    const s2 = v128.load32_splat(v2 + io);
    a20 = madd(s2, q0, a20); a21 = madd(s2, q1, a21);
    const s3 = v128.load32_splat(v3 + io);
    a30 = madd(s3, q0, a30); a31 = madd(s3, q1, a31);
    q += rb;
  }
  v128.store(out + o, a00); v128.store(out + o, a01, 16);
  v128.store(out + rb + o, a10); v128.store(out + rb + o, a11, 16);
  v128.store(out + 2 * rb + o, a20); v128.store(out + 2 * rb + o, a21, 16);
  v128.store(out + 3 * rb + o, a30); v128.store(out + 3 * rb + o, a31, 16);
}

/** denseChunk4x2 for one f32x4 of columns. */
@inline function denseChunk4x1(A0: usize, rb: usize, dim: i32, lambdas: v128, v: usize, out: usize, c0: i32): void {
  const o = <usize>c0 << 2;
  const v0 = v, v1 = v + rb, v2 = v + 2 * rb, v3 = v + 3 * rb;
  let a0 = f32x4.mul(f32x4.splat(f32x4.extract_lane(lambdas, 0)), v128.load(v0 + o));
  let a1 = f32x4.mul(f32x4.splat(f32x4.extract_lane(lambdas, 1)), v128.load(v1 + o));
  let a2 = f32x4.mul(f32x4.splat(f32x4.extract_lane(lambdas, 2)), v128.load(v2 + o));
  let a3 = f32x4.mul(f32x4.splat(f32x4.extract_lane(lambdas, 3)), v128.load(v3 + o));
  let q = A0 + o;
  for (let i = 0; i < dim; i++) {
    const io = <usize>i << 2;
    const q0 = v128.load(q);
    a0 = madd(v128.load32_splat(v0 + io), q0, a0);
    a1 = madd(v128.load32_splat(v1 + io), q0, a1);
    a2 = madd(v128.load32_splat(v2 + io), q0, a2);
    a3 = madd(v128.load32_splat(v3 + io), q0, a3);
    q += rb;
  }
  v128.store(out + o, a0);
  v128.store(out + rb + o, a1);
  v128.store(out + 2 * rb + o, a2);
  v128.store(out + 3 * rb + o, a3);
}

/** Lane r (variable) of a v128 of f32. */
@inline function lambdaOf(lambdas: v128, r: i32): f32 {
  return r == 0 ? f32x4.extract_lane(lambdas, 0) : r == 1 ? f32x4.extract_lane(lambdas, 1) : r == 2 ? f32x4.extract_lane(lambdas, 2) : f32x4.extract_lane(lambdas, 3);
}

/** denseProduct for the four vectors v + r·rb into out + r·rb, λ_r in lane r of lambdas (A0 ≠ 0). */
function denseProduct4(A0: usize, rb: usize, dim: i32, lambdas: v128, v: usize, out: usize): void {
  const dim4 = dim & ~3;
  let c0 = 0;
  for (; c0 + 8 <= dim4; c0 += 8) denseChunk4x2(A0, rb, dim, lambdas, v, out, c0);
  for (; c0 < dim4; c0 += 4) denseChunk4x1(A0, rb, dim, lambdas, v, out, c0);
  for (let c = dim4; c < dim; c++) {
    const o = <usize>c << 2;
    for (let r = 0; r < 4; r++) {
      const vr = v + <usize>r * rb;
      let s = lambdaOf(lambdas, r) * load<f32>(vr + o);
      for (let i = 0; i < dim; i++) s += load<f32>(A0 + <usize>i * rb + o) * load<f32>(vr + (<usize>i << 2));
      store<f32>(out + <usize>r * rb + o, s);
    }
  }
}

/** r = p = −Ap (Ap holding A x − b); returns r·r. */
@inline function startDirection(Ap: usize, r: usize, p: usize, dim: i32): f32 {
  let rs: f32 = 0;
  for (let c = 0; c < dim; c++) {
    const o = <usize>c << 2;
    const rc = -load<f32>(Ap + o);
    store<f32>(r + o, rc);
    store<f32>(p + o, rc);
    rs += rc * rc;
  }
  return rs;
}

/** α = r·r / p·Ap; x += αp; r −= αAp; returns the new r·r (one pass). */
@inline function advance(x: usize, r: usize, p: usize, Ap: usize, dim: i32, rsold: f32): f32 {
  const alpha = rsold / dot(p, Ap, dim);
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
  return rsnew;
}

/** p = r + βp, β = rsnew / rsold. */
@inline function nextDirection(r: usize, p: usize, dim: i32, rsnew: f32, rsold: f32): void {
  const beta = rsnew / rsold;
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
  let rsold = startDirection(Ap, r, p, dim);
  if (rsold < 1e-20) return 0;
  let it = 0;
  while (it < steps) {
    denseProduct(A0, rb, dim, lambda, p, Ap);
    addSparse(Y, rb, dim, cols, w, t, n, p, false, Ap);
    const rsnew = advance(x, r, p, Ap, dim, rsold);
    it++;
    if (rsnew < 1e-20) break;
    nextDirection(r, p, dim, rsnew, rsold);
    rsold = rsnew;
  }
  return it;
}

/**
 * cgSolve for four rows in lockstep (A0 ≠ 0): their dense products share each load of A0.
 * Row r's columns, w, t, n and λ are in record r of `rows` (CG4_* slots), its x at
 * X + r·rb; R, P and AP hold four vectors each, rb apart. Each row's arithmetic is cgSolve's
 * in the same order, so a row's result does not depend on the rows it is grouped with.
 */
@inline export function cgSolve4(A0: usize, Y: usize, rb: usize, dim: i32, rows: usize, steps: i32, X: usize, R: usize, P: usize, AP: usize): void {
  let lambdas = f32x4.splat(0);
  lambdas = f32x4.replace_lane(lambdas, 0, load<f32>(rows, CG4_LAMBDA));
  lambdas = f32x4.replace_lane(lambdas, 1, load<f32>(rows + CG4_BYTES, CG4_LAMBDA));
  lambdas = f32x4.replace_lane(lambdas, 2, load<f32>(rows + 2 * CG4_BYTES, CG4_LAMBDA));
  lambdas = f32x4.replace_lane(lambdas, 3, load<f32>(rows + 3 * CG4_BYTES, CG4_LAMBDA));
  denseProduct4(A0, rb, dim, lambdas, X, AP);
  let rs0: f32 = 0, rs1: f32 = 0, rs2: f32 = 0, rs3: f32 = 0;
  for (let q = 0; q < 4; q++) {
    const rec = rows + <usize>q * CG4_BYTES;
    const o = <usize>q * rb;
    addSparse(Y, rb, dim, load<u32>(rec, CG4_COLS), load<u32>(rec, CG4_W), load<u32>(rec, CG4_T), load<i32>(rec, CG4_N), X + o, true, AP + o);
    const rs = startDirection(AP + o, R + o, P + o, dim);
    if (q == 0) rs0 = rs; else if (q == 1) rs1 = rs; else if (q == 2) rs2 = rs; else rs3 = rs;
  }
  // a row stops as cgSolve would: at a start residual < 1e-20, or once r·r < 1e-20
  let live = (rs0 >= 1e-20 ? 1 : 0) | (rs1 >= 1e-20 ? 2 : 0) | (rs2 >= 1e-20 ? 4 : 0) | (rs3 >= 1e-20 ? 8 : 0);
  for (let it = 0; it < steps && live != 0; it++) {
    denseProduct4(A0, rb, dim, lambdas, P, AP);
    for (let q = 0; q < 4; q++) {
      if ((live & (1 << q)) == 0) continue;
      const rec = rows + <usize>q * CG4_BYTES;
      const o = <usize>q * rb;
      addSparse(Y, rb, dim, load<u32>(rec, CG4_COLS), load<u32>(rec, CG4_W), load<u32>(rec, CG4_T), load<i32>(rec, CG4_N), P + o, false, AP + o);
      const rsold = q == 0 ? rs0 : q == 1 ? rs1 : q == 2 ? rs2 : rs3;
      const rsnew = advance(X + o, R + o, P + o, AP + o, dim, rsold);
      if (rsnew < 1e-20) {
        live &= ~(1 << q);
        continue;
      }
      nextDirection(R + o, P + o, dim, rsnew, rsold);
      if (q == 0) rs0 = rsnew; else if (q == 1) rs1 = rsnew; else if (q == 2) rs2 = rsnew; else rs3 = rsnew;
    }
  }
}

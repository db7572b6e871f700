// Cholesky factorization A + λI = UᵀU (U in the upper triangle, row-major), blocked
// left-looking ("up-looking") by panels of 4 rows, so every entry of U is written once:
//   1. the panel rows [p, p+4) over columns [p, dim4) take their whole update from the rows
//      above in 4×8 register tiles (A[i][c] −= Σ_{q<p} U[q][i]·U[q][c]: the Gram kernel's
//      inner loop, the accumulators never leave registers while q runs);
//   2. the 4×4 diagonal block is factored (λ added to its pivots here, no separate pass);
//   3. one sweep over columns [p+4, dim4) applies the block's inverse to the four rows at once.
// Divisions are multiplications by 1/U_ii (computed once per pivot): f32x4.div has a fraction
// of the multiply's throughput and sat on the critical path of every row.
// Every tile starts at a 4-aligned column ≥ p: the few lanes left of the diagonal land in the
// lower triangle, which is scratch, and columns [dim, roundUp4(dim)) are scratch too
// (dim ≤ roundUp4 ≤ stride). Nothing reads the lower triangle or those columns into an entry
// of U: garbage (NaN) there stays there. Rows ≥ dim are never touched.
// Per row the arithmetic depends only on (A, stride, dim, λ): no thread-count dependence.
import { madd, nmadd, hsum } from './vec';

/** Returns -1, or the index of the first pivot that is not > 0 or not finite. */
export function cholesky(A: usize, stride: i32, dim: i32, lambda: f32): i32 {
  const rb = <usize>stride << 2;
  const dim4 = (dim + 3) & ~3;
  const whole = dim & ~3; // rows in full panels
  for (let p = 0; p < whole; p += 4) {
    const r0 = A + <usize>p * rb;
    const r1 = r0 + rb;
    const r2 = r1 + rb;
    const r3 = r2 + rb;
    const pOff = <usize>p << 2;
    panelUpdate(A, rb, p, r0, dim4);
    // 2. The diagonal block (its upper triangle; scalar: 10 entries). The pivots form one
    //    chain of dependent steps per row of the matrix; it runs on the unscaled entries
    //    w_ij = U_ij·U_ii and the reciprocal pivots e_i = 1/d_i (U_ii² = d_i), so each step
    //    is a division and a multiply-add, and the square roots are taken beside it.
    const d0 = load<f32>(r0 + pOff) + lambda;
    if (!(d0 > 0 && d0 <= f32.MAX_VALUE)) return p;
    const e0: f32 = 1 / d0;
    const w01 = load<f32>(r0 + pOff, 4);
    const w02 = load<f32>(r0 + pOff, 8);
    const w03 = load<f32>(r0 + pOff, 12);
    const d1 = load<f32>(r1 + pOff, 4) + lambda - w01 * w01 * e0;
    if (!(d1 > 0 && d1 <= f32.MAX_VALUE)) return p + 1;
    const e1: f32 = 1 / d1;
    const w12 = load<f32>(r1 + pOff, 8) - w01 * w02 * e0;
    const w13 = load<f32>(r1 + pOff, 12) - w01 * w03 * e0;
    const d2 = load<f32>(r2 + pOff, 8) + lambda - w02 * w02 * e0 - w12 * w12 * e1;
    if (!(d2 > 0 && d2 <= f32.MAX_VALUE)) return p + 2;
    const e2: f32 = 1 / d2;
    const w23 = load<f32>(r2 + pOff, 12) - w02 * w03 * e0 - w12 * w13 * e1;
    const d3 = load<f32>(r3 + pOff, 12) + lambda - w03 * w03 * e0 - w13 * w13 * e1 - w23 * w23 * e2;
    if (!(d3 > 0 && d3 <= f32.MAX_VALUE)) return p + 3;
    const u00 = Mathf.sqrt(d0);
    const u11 = Mathf.sqrt(d1);
    const u22 = Mathf.sqrt(d2);
    const u33 = Mathf.sqrt(d3);
    const i0: f32 = 1 / u00;
    const i1: f32 = 1 / u11;
    const i2: f32 = 1 / u22;
    const i3: f32 = 1 / u33;
    const u01 = w01 * i0;
    const u02 = w02 * i0;
    const u03 = w03 * i0;
    const u12 = w12 * i1;
    const u13 = w13 * i1;
    const u23 = w23 * i2;
    store<f32>(r0 + pOff, u00);
    store<f32>(r0 + pOff, u01, 4);
    store<f32>(r0 + pOff, u02, 8);
    store<f32>(r0 + pOff, u03, 12);
    store<f32>(r1 + pOff, u11, 4);
    store<f32>(r1 + pOff, u12, 8);
    store<f32>(r1 + pOff, u13, 12);
    store<f32>(r2 + pOff, u22, 8);
    store<f32>(r2 + pOff, u23, 12);
    store<f32>(r3 + pOff, u33, 12);
    // 3. U[p..p+3][c] = L⁻¹ (updated A[p..p+3][c]) with L = the block's transpose, 4 columns a step.
    const vi0 = f32x4.splat(i0);
    const vi1 = f32x4.splat(i1);
    const vi2 = f32x4.splat(i2);
    const vi3 = f32x4.splat(i3);
    const v01 = f32x4.splat(u01);
    const v02 = f32x4.splat(u02);
    const v03 = f32x4.splat(u03);
    const v12 = f32x4.splat(u12);
    const v13 = f32x4.splat(u13);
    const v23 = f32x4.splat(u23);
    for (let c = p + 4; c < dim4; c += 4) {
      const o = <usize>c << 2;
      const x0 = f32x4.mul(v128.load(r0 + o), vi0);
      const x1 = f32x4.mul(nmadd(v01, x0, v128.load(r1 + o)), vi1);
      const x2 = f32x4.mul(nmadd(v12, x1, nmadd(v02, x0, v128.load(r2 + o))), vi2);
      const x3 = f32x4.mul(nmadd(v23, x2, nmadd(v13, x1, nmadd(v03, x0, v128.load(r3 + o)))), vi3);
      v128.store(r0 + o, x0);
      v128.store(r1 + o, x1);
      v128.store(r2 + o, x2);
      v128.store(r3 + o, x3);
    }
  }
  if (whole == dim) return -1;
  // The last, partial panel (1–3 rows): its update row by row, then unblocked.
  const p = whole;
  for (let i = p; i < dim; i++) {
    const rowi = A + <usize>i * rb;
    const io = <usize>i << 2;
    for (let c = p; c < dim4; c += 4) {
      const o = <usize>c << 2;
      let a = v128.load(rowi + o);
      let u = A;
      for (let q = 0; q < p; q++) {
        a = nmadd(v128.load32_splat(u + io), v128.load(u + o), a);
        u += rb;
      }
      v128.store(rowi + o, a);
    }
  }
  for (let q = p; q < dim; q++) {
    const rowq = A + <usize>q * rb;
    const d = load<f32>(rowq + (<usize>q << 2)) + lambda;
    if (!(d > 0 && d <= f32.MAX_VALUE)) return q;
    const r = Mathf.sqrt(d);
    // Divide (not × 1/r) here: one rounding, as the f64 references; at most 3 rows, so it
    // costs nothing, and a matrix of fewer than 4 rows factors exactly as before the blocking.
    const vr = f32x4.splat(r);
    for (let c = p; c < dim4; c += 4) {
      const o = <usize>c << 2;
      v128.store(rowq + o, f32x4.div(v128.load(rowq + o), vr));
    }
    store<f32>(rowq + (<usize>q << 2), r);
    for (let q2 = q + 1; q2 < dim; q2++) {
      const s = v128.load32_splat(rowq + (<usize>q2 << 2));
      const row2 = A + <usize>q2 * rb;
      for (let c = p; c < dim4; c += 4) {
        const o = <usize>c << 2;
        v128.store(row2 + o, nmadd(s, v128.load(rowq + o), v128.load(row2 + o)));
      }
    }
  }
  return -1;
}

/**
 * Rows [p, p+4) (starting at r0), columns [p, dim4): A[p+r][c] −= Σ_{q<p} U[q][p+r]·U[q][c],
 * in 4×8 tiles (a 4×4 one last when dim4 − p is not a multiple of 8). Each tile's sum runs
 * over q in order: the same arithmetic for any caller, row or thread.
 */
// @ts-ignore: decorator
@inline function panelUpdate(A: usize, rb: usize, p: i32, r0: usize, dim4: i32): void {
  if (p == 0) return;
  const pOff = <usize>p << 2;
  let c = p;
  for (; c + 8 <= dim4; c += 8) {
    const o = <usize>c << 2;
    const d = r0 + o;
    let a00 = v128.load(d);
    let a01 = v128.load(d, 16);
    let a10 = v128.load(d + rb);
    let a11 = v128.load(d + rb, 16);
    let a20 = v128.load(d + 2 * rb);
    let a21 = v128.load(d + 2 * rb, 16);
    let a30 = v128.load(d + 3 * rb);
    let a31 = v128.load(d + 3 * rb, 16);
    let s = A + pOff;
    let u = A + o;
    for (let q = 0; q < p; q++) {
      const x0 = v128.load(u);
      const x1 = v128.load(u, 16);
      const s0 = v128.load32_splat(s);
      a00 = nmadd(s0, x0, a00);
      a01 = nmadd(s0, x1, a01);
      const s1 = v128.load32_splat(s, 4);
      a10 = nmadd(s1, x0, a10);
      a11 = nmadd(s1, x1, a11);
      const s2 = v128.load32_splat(s, 8);
      a20 = nmadd(s2, x0, a20);
      a21 = nmadd(s2, x1, a21);
      const s3 = v128.load32_splat(s, 12);
      a30 = nmadd(s3, x0, a30);
      a31 = nmadd(s3, x1, a31);
      s += rb;
      u += rb;
    }
    v128.store(d, a00);
    v128.store(d, a01, 16);
    v128.store(d + rb, a10);
    v128.store(d + rb, a11, 16);
    v128.store(d + 2 * rb, a20);
    v128.store(d + 2 * rb, a21, 16);
    v128.store(d + 3 * rb, a30);
    v128.store(d + 3 * rb, a31, 16);
  }
  if (c < dim4) {
    const d = r0 + (<usize>c << 2);
    let a0 = v128.load(d);
    let a1 = v128.load(d + rb);
    let a2 = v128.load(d + 2 * rb);
    let a3 = v128.load(d + 3 * rb);
    let s = A + pOff;
    let u = A + (<usize>c << 2);
    for (let q = 0; q < p; q++) {
      const x = v128.load(u);
      a0 = nmadd(v128.load32_splat(s), x, a0);
      a1 = nmadd(v128.load32_splat(s, 4), x, a1);
      a2 = nmadd(v128.load32_splat(s, 8), x, a2);
      a3 = nmadd(v128.load32_splat(s, 12), x, a3);
      s += rb;
      u += rb;
    }
    v128.store(d, a0);
    v128.store(d + rb, a1);
    v128.store(d + 2 * rb, a2);
    v128.store(d + 3 * rb, a3);
  }
}

/**
 * Solves UᵀU x = b with U from `cholesky`; x may alias b. Reads only U's upper triangle within
 * dim × dim and writes only x[0, dim). Blocks of 4 rows; each block's four reciprocals 1/U_ii
 * are taken first (they depend on U alone), so the chain of dependent steps through x holds
 * multiplications, not divisions.
 */
export function choleskySolve(A: usize, stride: i32, dim: i32, b: usize, x: usize): void {
  if (x != b) {
    for (let i = 0; i < dim; i++) store<f32>(x + (<usize>i << 2), load<f32>(b + (<usize>i << 2)));
  }
  choleskyForward(A, stride, dim, x);
  choleskyBack(A, stride, dim, x);
}

/**
 * Forward substitution in place: x ← U⁻ᵀ x (solves Uᵀ z = x), U from `cholesky`. The first half of
 * choleskySolve (the same arithmetic); alone it whitens a row: w̃ = L⁻¹ y with L = Uᵀ
 * (assembly/short-rows.ts whitenRows).
 */
// @ts-ignore: decorator
@inline export function choleskyForward(A: usize, stride: i32, dim: i32, x: usize): void {
  const rb = <usize>stride << 2;
  const whole = dim & ~3;
  // Forward: Uᵀ z = b. Per block, the 4×4 triangle, then its contribution to the rest as one
  // rank-4 axpy (aligned: it starts at p + 4).
  for (let p = 0; p < whole; p += 4) {
    const po = <usize>p << 2;
    const u0 = A + <usize>p * rb + po;
    const u1 = u0 + rb;
    const u2 = u1 + rb;
    const u3 = u2 + rb;
    const i0: f32 = 1 / load<f32>(u0);
    const i1: f32 = 1 / load<f32>(u1, 4);
    const i2: f32 = 1 / load<f32>(u2, 8);
    const i3: f32 = 1 / load<f32>(u3, 12);
    const xp = x + po;
    const z0 = load<f32>(xp) * i0;
    const z1 = (load<f32>(xp, 4) - load<f32>(u0, 4) * z0) * i1;
    const z2 = (load<f32>(xp, 8) - load<f32>(u0, 8) * z0 - load<f32>(u1, 8) * z1) * i2;
    const z3 = (load<f32>(xp, 12) - load<f32>(u0, 12) * z0 - load<f32>(u1, 12) * z1 - load<f32>(u2, 12) * z2) * i3;
    store<f32>(xp, z0);
    store<f32>(xp, z1, 4);
    store<f32>(xp, z2, 8);
    store<f32>(xp, z3, 12);
    const v0 = f32x4.splat(z0);
    const v1 = f32x4.splat(z1);
    const v2 = f32x4.splat(z2);
    const v3 = f32x4.splat(z3);
    let j = p + 4;
    for (; j + 4 <= dim; j += 4) {
      const o = <usize>(j - p) << 2;
      const t = madd(v3, v128.load(u3 + o), madd(v2, v128.load(u2 + o), madd(v1, v128.load(u1 + o), f32x4.mul(v0, v128.load(u0 + o)))));
      v128.store(xp + o, f32x4.sub(v128.load(xp + o), t));
    }
    for (; j < dim; j++) {
      const o = <usize>(j - p) << 2;
      const t = z0 * load<f32>(u0 + o) + z1 * load<f32>(u1 + o) + z2 * load<f32>(u2 + o) + z3 * load<f32>(u3 + o);
      store<f32>(xp + o, load<f32>(xp + o) - t);
    }
  }
  // The last 1–3 rows (dim not a multiple of 4): nothing follows them.
  for (let q = whole; q < dim; q++) {
    const qo = <usize>q << 2;
    let v = load<f32>(x + qo);
    for (let q1 = whole; q1 < q; q1++) v -= load<f32>(A + <usize>q1 * rb + qo) * load<f32>(x + (<usize>q1 << 2));
    store<f32>(x + qo, v / load<f32>(A + <usize>q * rb + qo));
  }
}

/**
 * Back substitution in place: x ← U⁻¹ x (solves U x = z), U from `cholesky`. The second half of
 * choleskySolve (the same arithmetic); alone it maps a row solved against whitened rows back:
 * x = L⁻ᵀ z (assembly/solve.ts).
 */
// @ts-ignore: decorator
@inline export function choleskyBack(A: usize, stride: i32, dim: i32, x: usize): void {
  const rb = <usize>stride << 2;
  const whole = dim & ~3;
  // Back: U x = z, from the bottom: the partial rows, then per block the dot products of its
  // rows with the solved tail x[p + 4, dim) (four independent accumulators), then the triangle.
  for (let q = dim - 1; q >= whole; q--) {
    const row = A + <usize>q * rb;
    let v = load<f32>(x + (<usize>q << 2));
    for (let j = q + 1; j < dim; j++) v -= load<f32>(row + (<usize>j << 2)) * load<f32>(x + (<usize>j << 2));
    store<f32>(x + (<usize>q << 2), v / load<f32>(row + (<usize>q << 2)));
  }
  for (let p = whole - 4; p >= 0; p -= 4) {
    const po = <usize>p << 2;
    const u0 = A + <usize>p * rb + po;
    const u1 = u0 + rb;
    const u2 = u1 + rb;
    const u3 = u2 + rb;
    const i0: f32 = 1 / load<f32>(u0);
    const i1: f32 = 1 / load<f32>(u1, 4);
    const i2: f32 = 1 / load<f32>(u2, 8);
    const i3: f32 = 1 / load<f32>(u3, 12);
    const xp = x + po;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let j = p + 4;
    for (; j + 4 <= dim; j += 4) {
      const o = <usize>(j - p) << 2;
      const xv = v128.load(xp + o);
      a0 = madd(v128.load(u0 + o), xv, a0);
      a1 = madd(v128.load(u1 + o), xv, a1);
      a2 = madd(v128.load(u2 + o), xv, a2);
      a3 = madd(v128.load(u3 + o), xv, a3);
    }
    let d0 = hsum(a0), d1 = hsum(a1), d2 = hsum(a2), d3 = hsum(a3);
    for (; j < dim; j++) {
      const o = <usize>(j - p) << 2;
      const xj = load<f32>(xp + o);
      d0 += load<f32>(u0 + o) * xj;
      d1 += load<f32>(u1 + o) * xj;
      d2 += load<f32>(u2 + o) * xj;
      d3 += load<f32>(u3 + o) * xj;
    }
    const x3 = (load<f32>(xp, 12) - d3) * i3;
    const x2 = (load<f32>(xp, 8) - d2 - load<f32>(u2, 12) * x3) * i2;
    const x1 = (load<f32>(xp, 4) - d1 - load<f32>(u1, 8) * x2 - load<f32>(u1, 12) * x3) * i1;
    const x0 = (load<f32>(xp) - d0 - load<f32>(u0, 4) * x1 - load<f32>(u0, 8) * x2 - load<f32>(u0, 12) * x3) * i0;
    store<f32>(xp, x0);
    store<f32>(xp, x1, 4);
    store<f32>(xp, x2, 8);
    store<f32>(xp, x3, 12);
  }
}

// Cholesky factorization A + λI = UᵀU (U in the upper triangle, row-major), blocked
// right-looking: factor a panel of 4 rows, then one rank-4 update of the trailing upper
// triangle with f32x4 over contiguous row segments. Each trailing row is swept from its
// 4-aligned column start: the few lanes left of the diagonal land in the lower triangle,
// which is scratch. Columns [dim, roundUp4(dim)) are scratch too (dim ≤ roundUp4 ≤ stride).
import { madd, nmadd, hsum } from './vec';

/** Returns -1, or the index of the first pivot that is not > 0 or not finite. */
export function cholesky(A: usize, stride: i32, dim: i32, lambda: f32): i32 {
  const rb = <usize>stride << 2;
  const dim4 = (dim + 3) & ~3;
  for (let i = 0; i < dim; i++) {
    const d = A + <usize>i * rb + (<usize>i << 2);
    store<f32>(d, load<f32>(d) + lambda);
  }
  for (let p = 0; p < dim; p += 4) {
    const pe = min(p + 4, dim);
    const pOff = <usize>p << 2;
    // Unblocked factorization of the panel rows [p, pe), columns [p, dim4).
    for (let q = p; q < pe; q++) {
      const rowq = A + <usize>q * rb;
      const d = load<f32>(rowq + (<usize>q << 2));
      if (!(d > 0 && d <= f32.MAX_VALUE)) return q;
      const r = Mathf.sqrt(d);
      const vr = f32x4.splat(r); // divide (not × 1/r): one rounding, as the f64 references
      for (let j = p; j < dim4; j += 4) {
        const o = <usize>j << 2;
        v128.store(rowq + o, f32x4.div(v128.load(rowq + o), vr));
      }
      store<f32>(rowq + (<usize>q << 2), r);
      for (let q2 = q + 1; q2 < pe; q2++) {
        const s = v128.load32_splat(rowq + (<usize>q2 << 2));
        const row2 = A + <usize>q2 * rb;
        for (let j = p; j < dim4; j += 4) {
          const o = <usize>j << 2;
          v128.store(row2 + o, nmadd(s, v128.load(rowq + o), v128.load(row2 + o)));
        }
      }
    }
    if (pe < p + 4) break; // last (partial) panel: nothing trails it
    // Rank-4 update of the trailing rows i ≥ p + 4: A[i][j] -= Σ_q U[q][i]·U[q][j], j ≥ i.
    const u0 = A + <usize>p * rb;
    const u1 = u0 + rb;
    const u2 = u1 + rb;
    const u3 = u2 + rb;
    for (let i = p + 4; i < dim; i++) {
      const io = <usize>i << 2;
      const s0 = v128.load32_splat(u0 + io);
      const s1 = v128.load32_splat(u1 + io);
      const s2 = v128.load32_splat(u2 + io);
      const s3 = v128.load32_splat(u3 + io);
      const rowi = A + <usize>i * rb;
      for (let j = i & ~3; j < dim4; j += 4) {
        const o = <usize>j << 2;
        let a = v128.load(rowi + o);
        // Sum the four products first, then subtract once (fewer dependent ops on a).
        const t = madd(s3, v128.load(u3 + o), madd(s2, v128.load(u2 + o), madd(s1, v128.load(u1 + o), f32x4.mul(s0, v128.load(u0 + o)))));
        v128.store(rowi + o, f32x4.sub(a, t));
      }
    }
  }
  return -1;
}

/**
 * Solves UᵀU x = b with U from `cholesky`; x may alias b. Reads only U's upper triangle within
 * dim × dim and writes only x[0, dim).
 */
export function choleskySolve(A: usize, stride: i32, dim: i32, b: usize, x: usize): void {
  const rb = <usize>stride << 2;
  if (x != b) {
    for (let i = 0; i < dim; i++) store<f32>(x + (<usize>i << 2), load<f32>(b + (<usize>i << 2)));
  }
  // Forward: Uᵀ z = b, in blocks of 4 rows: solve the 4×4 diagonal block, then subtract the
  // block's contribution from the rest with one rank-4 axpy (aligned: it starts at p + 4).
  for (let p = 0; p < dim; p += 4) {
    const pe = min(p + 4, dim);
    for (let q = p; q < pe; q++) {
      const qo = <usize>q << 2;
      let v = load<f32>(x + qo);
      for (let q1 = p; q1 < q; q1++) {
        v -= load<f32>(A + <usize>q1 * rb + qo) * load<f32>(x + (<usize>q1 << 2));
      }
      store<f32>(x + qo, v / load<f32>(A + <usize>q * rb + qo));
    }
    if (pe < p + 4) break;
    const u0 = A + <usize>p * rb;
    const u1 = u0 + rb;
    const u2 = u1 + rb;
    const u3 = u2 + rb;
    const po = <usize>p << 2;
    const z0 = load<f32>(x + po);
    const z1 = load<f32>(x + po, 4);
    const z2 = load<f32>(x + po, 8);
    const z3 = load<f32>(x + po, 12);
    const v0 = f32x4.splat(z0);
    const v1 = f32x4.splat(z1);
    const v2 = f32x4.splat(z2);
    const v3 = f32x4.splat(z3);
    let j = p + 4;
    for (; j + 4 <= dim; j += 4) {
      const o = <usize>j << 2;
      const t = madd(v3, v128.load(u3 + o), madd(v2, v128.load(u2 + o), madd(v1, v128.load(u1 + o), f32x4.mul(v0, v128.load(u0 + o)))));
      v128.store(x + o, f32x4.sub(v128.load(x + o), t));
    }
    for (; j < dim; j++) {
      const o = <usize>j << 2;
      const t = z0 * load<f32>(u0 + o) + z1 * load<f32>(u1 + o) + z2 * load<f32>(u2 + o) + z3 * load<f32>(u3 + o);
      store<f32>(x + o, load<f32>(x + o) - t);
    }
  }
  // Back: U x = z, blocks of 4 rows from the bottom. For each block, the dot products of its
  // rows with the solved tail x[pe, dim) (aligned start), then the 4×4 triangle.
  const last = (dim - 1) & ~3;
  for (let p = last; p >= 0; p -= 4) {
    const pe = min(p + 4, dim);
    let d0: f32 = 0, d1: f32 = 0, d2: f32 = 0, d3: f32 = 0;
    if (pe < dim) {
      // Full block (nb == 4) whenever a tail exists.
      const u0 = A + <usize>p * rb;
      const u1 = u0 + rb;
      const u2 = u1 + rb;
      const u3 = u2 + rb;
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      let j = pe;
      for (; j + 4 <= dim; j += 4) {
        const o = <usize>j << 2;
        const xv = v128.load(x + o);
        a0 = madd(v128.load(u0 + o), xv, a0);
        a1 = madd(v128.load(u1 + o), xv, a1);
        a2 = madd(v128.load(u2 + o), xv, a2);
        a3 = madd(v128.load(u3 + o), xv, a3);
      }
      d0 = hsum(a0); d1 = hsum(a1); d2 = hsum(a2); d3 = hsum(a3);
      for (; j < dim; j++) {
        const o = <usize>j << 2;
        const xj = load<f32>(x + o);
        d0 += load<f32>(u0 + o) * xj;
        d1 += load<f32>(u1 + o) * xj;
        d2 += load<f32>(u2 + o) * xj;
        d3 += load<f32>(u3 + o) * xj;
      }
    }
    for (let q = pe - 1; q >= p; q--) {
      const row = A + <usize>q * rb;
      const qi = q - p;
      let v = load<f32>(x + (<usize>q << 2)) - (qi == 0 ? d0 : qi == 1 ? d1 : qi == 2 ? d2 : d3);
      for (let j = q + 1; j < pe; j++) {
        v -= load<f32>(row + (<usize>j << 2)) * load<f32>(x + (<usize>j << 2));
      }
      store<f32>(x + (<usize>q << 2), v / load<f32>(row + (<usize>q << 2)));
    }
  }
}

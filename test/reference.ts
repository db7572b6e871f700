/**
 * The f64 reference for every kernel's math: plain number[] arithmetic, the most obvious code
 * possible, no storage tricks (full symmetric matrices, no padding, no YᵀY shortcut). The
 * conformance suite compares each backend against these.
 */

export type Vec = number[];
export type Mat = number[][];

export const MODE_EXPLICIT = 0;
export const MODE_ONE_PLUS_ALPHA = 1;
export const MODE_ALPHA = 2;

export function zeros(n: number): Vec {
  return new Array<number>(n).fill(0);
}

export function zeroMatrix(n: number): Mat {
  return Array.from({ length: n }, () => zeros(n));
}

export function dot(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: Vec): number {
  return Math.sqrt(dot(a, a));
}

export function subtract(a: Vec, b: Vec): Vec {
  return a.map((v, i) => v - b[i]);
}

export function matVec(A: Mat, x: Vec): Vec {
  return A.map((row) => dot(row, x));
}

/** Largest absolute entry. */
export function maxAbs(A: Mat | Vec): number {
  let m = 0;
  for (const v of A.flat()) m = Math.max(m, Math.abs(v));
  return m;
}

/** ‖a − b‖ / ‖b‖ (‖a − b‖ when b = 0): a computed vector against its f64 reference. */
export function relError(a: ArrayLike<number>, b: Vec): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    s += b[i]! ** 2;
  }
  return s > 0 ? Math.sqrt(d / s) : Math.sqrt(d);
}

/** max |a − b| / max |b|: two f32 results of the same computation, e.g. two solver paths. */
export function maxRel(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

/** The Frobenius norm, an upper bound of the spectral norm. */
export function frobenius(A: Mat): number {
  return Math.sqrt(A.flat().reduce((s, v) => s + v * v, 0));
}

/** A + λI. */
export function addDiagonal(A: Mat, lambda: number): Mat {
  return A.map((row, i) => row.map((v, j) => (i === j ? v + lambda : v)));
}

/** A0 + Σ_j w_j y_j y_jᵀ (full, symmetric); A0 and w are optional (zero, ones). */
export function gram(rows: Mat, dim: number, weights?: Vec, A0?: Mat): Mat {
  const A = A0 ? A0.map((r) => r.slice()) : zeroMatrix(dim);
  rows.forEach((y, j) => {
    const w = weights ? weights[j] : 1;
    for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) A[a][b] += w * y[a] * y[b];
  });
  return A;
}

/** Σ_j t_j y_j. */
export function rhs(rows: Mat, dim: number, targets: Vec): Vec {
  const b = zeros(dim);
  rows.forEach((y, j) => {
    for (let a = 0; a < dim; a++) b[a] += targets[j] * y[a];
  });
  return b;
}

/** Confidence of a rating: 1 + α|r| or α|r|. */
export function confidence(r: number, mode: number, alpha: number): number {
  return mode === MODE_ONE_PLUS_ALPHA ? 1 + alpha * Math.abs(r) : alpha * Math.abs(r);
}

/** Preference: 1 for a positive rating, 0 for a dislike (r ≤ 0). */
export function preference(r: number): number {
  return r > 0 ? 1 : 0;
}

/** Weights and targets of one row's ratings (see WeightMode in types.ts). */
export function rowWeights(
  values: Vec,
  cols: number[],
  mode: number,
  alpha: number,
  mu: number,
  otherBias?: Vec,
): { w: Vec; t: Vec } {
  if (mode === MODE_EXPLICIT) {
    return {
      w: values.map(() => 1),
      t: values.map((r, j) => r - mu - (otherBias ? otherBias[cols[j]] : 0)),
    };
  }
  return {
    w: values.map((r) => confidence(r, mode, alpha) - 1),
    t: values.map((r) => preference(r) * confidence(r, mode, alpha)),
  };
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A any nonsingular matrix). */
export function solve(A: Mat, b: Vec): Vec {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = zeros(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}

/**
 * Cholesky of a symmetric A, A = UᵀU: returns U, or the index of the first pivot that is not
 * > 0 (or not finite).
 */
export function cholesky(A: Mat): Mat | number {
  const n = A.length;
  const U = zeroMatrix(n);
  for (let i = 0; i < n; i++) {
    let d = A[i][i];
    for (let k = 0; k < i; k++) d -= U[k][i] * U[k][i];
    if (!(d > 0) || !Number.isFinite(d)) return i;
    U[i][i] = Math.sqrt(d);
    for (let j = i + 1; j < n; j++) {
      let s = A[i][j];
      for (let k = 0; k < i; k++) s -= U[k][i] * U[k][j];
      U[i][j] = s / U[i][i];
    }
  }
  return U;
}

/** `steps` plain conjugate-gradient iterations on A x = b from x0 (the textbook algorithm). */
export function conjugateGradient(A: Mat, b: Vec, x0: Vec, steps: number): Vec {
  const x = x0.slice();
  let r = subtract(b, matVec(A, x));
  let p = r.slice();
  let rr = dot(r, r);
  for (let s = 0; s < steps && rr >= 1e-20; s++) {
    const Ap = matVec(A, p);
    const alpha = rr / dot(p, Ap);
    for (let i = 0; i < x.length; i++) x[i] += alpha * p[i];
    r = r.map((v, i) => v - alpha * Ap[i]);
    const rrNew = dot(r, r);
    p = r.map((v, i) => v + (rrNew / rr) * p[i]);
    rr = rrNew;
  }
  return x;
}

/** One row's ratings: fixed-side indices and values. */
export interface SparseRow {
  cols: number[];
  values: Vec;
}

/**
 * The implicit normal equations of one row, formed over EVERY fixed-side row i (no YᵀY
 * shortcut): A = Σ_i c_i y_i y_iᵀ + λI, b = Σ_i c_i p_i y_i, with c = 1, p = 0 where unrated.
 */
export function implicitNormalEquations(
  Y: Mat,
  dim: number,
  row: SparseRow,
  mode: number,
  alpha: number,
  lambda: number,
): { A: Mat; b: Vec } {
  const c = Y.map(() => 1);
  const p = Y.map(() => 0);
  row.cols.forEach((col, j) => {
    c[col] = confidence(row.values[j], mode, alpha);
    p[col] = preference(row.values[j]);
  });
  const A = addDiagonal(gram(Y, dim, c), lambda);
  const b = rhs(
    Y,
    dim,
    c.map((ci, i) => ci * p[i]),
  );
  return { A, b };
}

/** The explicit normal equations of one row: A = Σ_j y_j y_jᵀ + λI, b = Σ_j (r − μ − b_j) y_j. */
export function explicitNormalEquations(
  Y: Mat,
  dim: number,
  row: SparseRow,
  lambda: number,
  mu: number,
  otherBias?: Vec,
): { A: Mat; b: Vec } {
  const rows = row.cols.map((c) => Y[c]);
  const A = addDiagonal(gram(rows, dim), lambda);
  const b = rhs(
    rows,
    dim,
    row.values.map((r, j) => r - mu - (otherBias ? otherBias[row.cols[j]] : 0)),
  );
  return { A, b };
}

/** Σ over observed (u, i): (r − μ − b_i − x_u·y_i)². */
export function explicitLoss(X: Mat, Y: Mat, rows: SparseRow[], mu: number, otherBias?: Vec): number {
  let loss = 0;
  rows.forEach((row, u) =>
    row.cols.forEach((c, j) => {
      const e = row.values[j] - mu - (otherBias ? otherBias[c] : 0) - dot(X[u], Y[c]);
      loss += e * e;
    }),
  );
  return loss;
}

/** Σ over ALL pairs (u, i): c_ui (p_ui − x_u·y_i)², with c = 1, p = 0 for unobserved pairs. */
export function implicitLossAllPairs(X: Mat, Y: Mat, rows: SparseRow[], mode: number, alpha: number): number {
  let loss = 0;
  rows.forEach((row, u) => {
    for (let i = 0; i < Y.length; i++) {
      const j = row.cols.indexOf(i);
      const c = j < 0 ? 1 : confidence(row.values[j], mode, alpha);
      const p = j < 0 ? 0 : preference(row.values[j]);
      const e = p - dot(X[u], Y[i]);
      loss += c * e * e;
    }
  });
  return loss;
}

/** Σ_r w_r Σ_{c < cols} X[r][c]². */
export function penalty(X: Mat, cols: number, weights?: Vec): number {
  return X.reduce((s, x, r) => s + (weights ? weights[r] : 1) * x.slice(0, cols).reduce((a, v) => a + v * v, 0), 0);
}

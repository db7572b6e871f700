/**
 * The JS twin of assembly/score-screen.ts: the screen block (an int16 copy of the rows and the
 * norms of the bound), a query's quantisation, and the screened walk over a range of rows.
 * The block's int16 rows and scales are the WASM kernel's (same layout, same rounding; its
 * f64 norms may differ in the last bits, as they are summed in another order); the bound U is
 * summed in f64 here, which only tightens it (assembly/score-screen.ts derives it for f32). The exact
 * scores are this twin's own (./score.ts `score`), so the lists are scoreTopK's of this twin.
 */
import { screenBytes, SCREEN_HEADER_BYTES } from '../types.js';
import type { JsMemory } from './memory.js';
import { createHeapSteps } from './score.js';

/** κ: the weight of |b| in the bound (8u). */
const KAPPA = 2 ** -21;

/** The largest level L with width·L² < 2³¹, at most 32767. */
export function screenLevel(width: number): number {
  let level = Math.min(32767, Math.floor(Math.sqrt(2147483647 / Math.max(width, 1))));
  while (width * level * level > 2147483647) level--;
  return level;
}

/** wasm's f32.nearest: to the nearest integer, ties to even. */
function nearest(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** The smallest f32 ≥ x (x ≥ 0). */
function f32Up(x: number): number {
  const r = Math.fround(x);
  if (r >= x) return r;
  const bits = new Float32Array([r]);
  const u = new Uint32Array(bits.buffer);
  u[0]! += 1;
  return bits[0]!;
}

export function createScreenSteps(memory: JsMemory) {
  const { F, I } = memory;
  const H = new Int16Array(F.buffer);
  const D = new Float64Array(F.buffer, 0, F.buffer.byteLength >>> 3);
  const { score, offer } = createHeapSteps(memory);

  /** Where the int16 rows of a screen block of numRows rows start (in int16 elements). */
  const rowsAt = (screen: number, numRows: number) => (screen + screenBytes(numRows, 0)) >>> 1;

  /** max |v_c| over c < dim (f32 index v), or NaN when some v_c is not finite. */
  const maxAbs = (v: number, dim: number) => {
    let m = 0;
    for (let c = 0; c < dim; c++) {
      const a = Math.abs(F[v + c]!);
      if (!(a <= 3.4028234663852886e38)) return NaN;
      m = Math.max(m, a);
    }
    return m;
  };

  /** The int16 row at h (int16 index) of v (f32 index) at scale s; returns [Σ δ², Σ (s·h)², Σ v²]. */
  const quantise = (v: number, dim: number, width: number, s: number, level: number, h: number) => {
    let r2 = 0,
      w2 = 0,
      y2 = 0;
    for (let c = 0; c < width; c++) {
      let q = 0;
      if (c < dim) {
        const x = F[v + c]!;
        // As the SIMD kernel: x·(1/s); at s = 0 that is ±∞ (clamped) or NaN (stored as 0).
        const scaled = nearest(Math.min(level, Math.max(-level, Math.fround(x * Math.fround(1 / s)))));
        q = Number.isNaN(scaled) ? 0 : scaled;
        const back = s * q;
        r2 += (x - back) ** 2;
        w2 += back * back;
        y2 += x * x;
      }
      H[h + c] = q;
    }
    return [r2, w2, y2] as const;
  };

  /** assembly/score.ts screenRows. */
  const build = (Y: number, stride: number, dim: number, numRows: number, screen: number) => {
    const width = (dim + 7) & ~7;
    const level = screenLevel(width);
    const s0 = screen >>> 2;
    I[s0] = numRows;
    I[s0 + 1] = dim;
    I[s0 + 2] = width;
    I[s0 + 3] = level;
    const at = rowsAt(screen, numRows);
    let R = 0,
      W = 0,
      Ymax = 0;
    for (let i = 0; i < numRows; i++) {
      const y = (Y >>> 2) + i * stride;
      const m = maxAbs(y, dim);
      const s = Number.isNaN(m) ? 0 : Math.fround(m / level);
      const [r2, w2, y2] = quantise(y, dim, width, s, level, at + i * width);
      F[((screen + SCREEN_HEADER_BYTES) >>> 2) + i] = Number.isNaN(m) ? NaN : s;
      if (Number.isNaN(m)) continue;
      R = Math.max(R, Math.sqrt(r2));
      W = Math.max(W, Math.sqrt(w2));
      Ymax = Math.max(Ymax, Math.sqrt(y2));
    }
    D[(screen + 16) >>> 3] = R;
    D[(screen + 24) >>> 3] = W;
    D[(screen + 32) >>> 3] = Ymax;
  };

  /** assembly/score-screen.ts prepareQuery: xq (byte offset), σ_q at sqAt, E at eAt; returns ok. */
  const prepare = (screen: number, x: number, dim: number, xq: number, sqAt: number, eAt: number) => {
    const s0 = screen >>> 2;
    const width = I[s0 + 2]!;
    const level = I[s0 + 3]!;
    const R = D[(screen + 16) >>> 3]!;
    const W = D[(screen + 24) >>> 3]!;
    const Ymax = D[(screen + 32) >>> 3]!;
    const m = maxAbs(x >>> 2, dim);
    const fits = dim === I[s0 + 1] && !Number.isNaN(m);
    const sq = fits ? Math.fround(m / level) : 0;
    const [r2, , y2] = quantise(x >>> 2, dim, width, sq, level, xq >>> 1);
    const dq = Math.sqrt(r2);
    const nq = Math.sqrt(y2);
    const ok = fits && nq * Ymax <= 2 ** 100;
    const u = 2 ** -24;
    const K = dim + 4;
    const E = (1 + 2 ** -20) * (nq * R + W * dq + 2 * (K + 2) * u * nq * Ymax + 8 * u * (nq + dq) * W) + 2 ** -100;
    F[sqAt >>> 2] = ok ? sq : 0;
    F[eAt >>> 2] = ok ? f32Up(E) : Infinity;
    return ok;
  };

  /** Whether `screen` was built for rows of dim columns covering [start, end). */
  const fits = (screen: number, dim: number, start: number, end: number) =>
    screen !== 0 && I[(screen >>> 2) + 1] === dim && start >= 0 && end <= I[screen >>> 2]!;

  /**
   * assembly/score-screen.ts screenRange: the heap carried over rows [r0, r1) for one prepared
   * query; a row is scored exactly only when its bound U exceeds the heap's threshold.
   * `excluded` holds the rows never offered. Returns how many the heap holds.
   */
  const range = (
    screen: number,
    Y: number,
    stride: number,
    dim: number,
    r0: number,
    r1: number,
    x: number,
    xq: number,
    sq: number,
    E: number,
    bias: number,
    excluded: Set<number>,
    n: number,
    outIdx: number,
    outScore: number,
    kept: number,
  ) => {
    const width = I[(screen >>> 2) + 2]!;
    const at = rowsAt(screen, I[screen >>> 2]!);
    const q0 = xq >>> 1;
    const scales = (screen + SCREEN_HEADER_BYTES) >>> 2;
    for (let i = r0; i < r1; i++) {
      const h = at + i * width;
      let P = 0;
      for (let c = 0; c < width; c++) P += H[q0 + c]! * H[h + c]!;
      const b = bias ? F[(bias >>> 2) + i]! : 0;
      const U = P * F[scales + i]! * sq + b + E + KAPPA * Math.abs(b);
      const thr = n === 0 ? Infinity : kept < n ? NaN : F[outScore >>> 2]!;
      if (U <= thr || excluded.has(i)) continue;
      kept = offer(n, outIdx, outScore, kept, i, score(Y, stride, dim, x, bias, i));
    }
    return kept;
  };

  return { build, prepare, fits, range };
}

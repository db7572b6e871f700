/**
 * The JS twin of assembly/sample.ts: one Gibbs half-step slice, rows [start, end) of the solved
 * side drawn from their Gaussian conditionals. With the prior block P = Λ_prior/τ (stride ×
 * stride) and h = Λ_prior·μ_prior/τ (stride floats) after it:
 *   A = P + Σ_j y_j y_jᵀ = UᵀU,   m = A⁻¹(h + Σ_j t_j y_j),   x = m + U⁻¹z·noiseScale
 *   = A⁻¹(h + Σ_j t_j y_j + Uᵀz·noiseScale)  (one solve),
 * noiseScale = 1/√τ, z the row's standard normals, drawn here from the row's own stream
 * (seed mix(streamKey ^ u)) by the kernel's generator restated operation for operation, so
 * both backends draw the same z to the bit.
 */
import { readSolveParams } from '../abi.js';
import { SOLVE_OK, roundUp, type Kernels } from '../types.js';
import type { JsMemory } from './memory.js';

export type SampleKernels = Pick<Kernels, 'sampleRows'>;

/** The kernels one row's draw is made of (assembly/sample.ts imports the same ones). */
export type SampleSteps = Pick<Kernels, 'rowWeights' | 'gramRow' | 'cholesky' | 'choleskySolve'>;

export function createSampleKernels({ F, I }: JsMemory, steps: SampleSteps): SampleKernels {
  /**
   * For each row u in [start, end): weights → Gram from P → Cholesky → z → b + Uᵀz·noiseScale →
   * solve → X's row u. A row without ratings is drawn from the prior. Returns SOLVE_OK (-1); r ≥ 0
   * when row r's precision was not positive definite; -2 − r when its draw was not finite.
   */
  function sampleRows(
    params: number,
    prior: number,
    noiseScale: number,
    streamKey: number,
    start: number,
    end: number,
    scratch: number,
  ): number {
    const p = readSolveParams(I, params);
    const { X, Y, stride, dim, indices, values, mu, otherBias } = p;
    const indptr = p.indptr >> 2;
    const scale = Math.fround(noiseScale);
    const h = (prior >> 2) + stride * stride;

    // Scratch in solveRows' layout: A, b, the CG part (z here), w, t, gather.
    const sA = scratch;
    const sB = sA + roundUp(stride * stride, 4) * 4;
    const sZ = sB + roundUp(stride, 4) * 4;
    const sW = sZ + roundUp(3 * stride, 4) * 4;
    const a = sA >> 2,
      b = sB >> 2,
      z = sZ >> 2;

    for (let row = start; row < end; row++) {
      const lo = I[indptr + row]!,
        n = I[indptr + row + 1]! - lo;
      const cols = indices + lo * 4;
      const sT = sW + roundUp(n, 4) * 4,
        sGather = sT + roundUp(n, 4) * 4;
      if (n > 0) steps.rowWeights(cols, values + lo * 4, n, 0, 0, mu, otherBias, sW, sT);
      // A = P + Σ_j y_j y_jᵀ, b = Σ_j t_j y_j; then b += h
      steps.gramRow(Y, stride, dim, cols, sW, sT, n, prior, sA, sB, sGather);
      for (let i = 0; i < dim; i++) F[b + i] = F[b + i]! + F[h + i]!;
      if (steps.cholesky(sA, stride, dim, 0) >= 0) return row;
      // b += scale·Uᵀz, row by row of U as the kernel (one f32 rounding per update); then the
      // one solve gives x = m + U⁻¹z·scale.
      standardNormals(F, z, dim, mix((streamKey ^ row) >>> 0));
      for (let i = 0; i < dim; i++) {
        const ui = a + i * stride;
        const zi = Math.fround(scale * F[z + i]!);
        for (let j = i; j < dim; j++) F[b + j] = F[b + j]! + zi * F[ui + j]!;
      }
      steps.choleskySolve(sA, stride, dim, sB, sB);
      const x = (X >> 2) + row * stride;
      for (let i = 0; i < dim; i++) if (!Number.isFinite(F[b + i]!)) return -2 - row;
      for (let i = 0; i < dim; i++) F[x + i] = F[b + i]!;
    }
    return SOLVE_OK;
  }

  return { sampleRows };
}

/** A splitmix32 finalizer step: the row seeds of a stream (train/prng.ts streamKey). */
export function mix(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * `count` standard normals into out[at, at + count) from one mulberry32 stream (train/prng.ts's
 * generator, written out): Marsaglia's polar method, a pair per accepted point of the unit
 * disc, both values used, each rounded to f32 once by the store.
 */
export function standardNormals(out: Float32Array, at: number, count: number, seed: number): void {
  let state = seed >>> 0;
  for (let c = 0; c < count; c += 2) {
    let x: number;
    let y: number;
    let q: number;
    do {
      let t = (state = (state + 0x6d2b79f5) >>> 0);
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      x = ((t ^ (t >>> 14)) >>> 0) * (2 / 4294967296) - 1;
      t = state = (state + 0x6d2b79f5) >>> 0;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      y = ((t ^ (t >>> 14)) >>> 0) * (2 / 4294967296) - 1;
      q = x * x + y * y;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * logUnit(q)) / q);
    out[at + c] = x * f;
    if (c + 1 < count) out[at + c + 1] = y * f;
  }
}

// The bits of one f64, for logUnit's exponent and mantissa words (little-endian: word 1 is high).
const bits = new Float64Array(1);
const words = new Int32Array(bits.buffer);

/**
 * ln q for 2⁻⁶² ≤ q < 1, as fdlibm's __ieee754_log computes it, the kernel's logUnit line for
 * line. V8's Math.log is that same code; other engines' need not be, and a last-bit difference
 * would change a draw.
 */
export function logUnit(q: number): number {
  bits[0] = q;
  let hx = words[1]!;
  let k = (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  // x (or x/2) in [√2/2, √2): the high word's exponent set to 0 (or -1)
  words[1] = hx | (i0 ^ 0x3ff00000);
  const x = bits[0];
  k += i0 >> 20;
  const f = x - 1.0;
  const dk = k;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2⁻²⁰
    if (f === 0) return k === 0 ? 0 : dk * LN2_HI + dk * LN2_LO;
    const r = f * f * (0.5 - 0.3333333333333333 * f);
    return k === 0 ? f - r : dk * LN2_HI - (r - dk * LN2_LO - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  let i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  i |= j;
  const r = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + r)) : dk * LN2_HI - (hfsq - (s * (hfsq + r) + dk * LN2_LO) - f);
  }
  return k === 0 ? f - s * (f - r) : dk * LN2_HI - (s * (f - r) - dk * LN2_LO - f);
}

// fdlibm e_log.c's constants (the same doubles, in their shortest decimal form): ln 2 split in
// two, and the minimax polynomial of ln((1 + s)/(1 − s)) on |s| ≤ 0.1716.
const LN2_HI = 0.6931471803691238; // 3fe62e42 fee00000
const LN2_LO = 1.9082149292705877e-10; // 3dea39ef 35793c76
const LG1 = 0.6666666666666735;
const LG2 = 0.3999999999940942;
const LG3 = 0.2857142874366239;
const LG4 = 0.22222198432149784;
const LG5 = 0.1818357216161805;
const LG6 = 0.15313837699209373;
const LG7 = 0.14798198605116586;

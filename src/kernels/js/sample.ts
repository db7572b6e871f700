/**
 * The JS twin of assembly/sample.ts: one Gibbs half-step slice, rows [start, end) of the solved
 * side drawn from their Gaussian conditionals. With the prior block's (abi.ts PRIOR_PARAMS)
 * P = Λ_prior/τ (stride × stride) and h = Λ_prior·μ_prior/τ:
 *   A = P + Σ_j y_j y_jᵀ = UᵀU,   m = A⁻¹(h + Σ_j t_j y_j),   x = m + U⁻¹z·noiseScale
 *   = A⁻¹(h + Σ_j t_j y_j + Uᵀz·noiseScale)  (one solve),
 * noiseScale = 1/√τ, z the row's standard normals, drawn here from the row's own stream
 * (seed mix(streamKey ^ u)) by the kernel's generator restated operation for operation (f32
 * Box–Muller), so both backends draw the same z to the bit. Rows with at most shortMax ratings
 * are drawn by perturb and MAP against the whitened rows, as the kernel's header explains.
 */
import { readPriorParams, readSolveParams } from '../abi.js';
import { GATHER_ROWS, SOLVE_OK, roundUp, type Kernels } from '../types.js';
import { rowColumns } from './columns.js';
import type { JsMemory } from './memory.js';
import { shortRowCap } from './short-rows.js';

export type SampleKernels = Pick<Kernels, 'sampleRows'>;

/** The kernels one row's draw is made of (assembly/sample.ts imports the same ones). */
export type SampleSteps = Pick<Kernels, 'rowWeights' | 'gramRow' | 'cholesky' | 'choleskySolve' | 'shortRowSolve'>;

export function createSampleKernels(memory: JsMemory, steps: SampleSteps): SampleKernels {
  const { F, I, D } = memory;
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
    const { X, Y, stride, dim, indices, values, mu, otherBias, indexBytes, indexSplits, indexBlocks } = p;
    const indptr = p.indptr >> 2;
    const scale = Math.fround(noiseScale);
    const q = readPriorParams(I, prior);
    const h = q.mean >> 2;
    const hw = q.whiteMean >> 2;
    const shortMax = Math.min(q.shortMax, shortRowCap(dim, 2 * GATHER_ROWS * stride));
    const keepScale = 1 / Math.sqrt(q.keepSamples);
    /** The kernel's keepRow: x (the float index of the drawn row) scaled in f64 into the kept row, its bias summed. */
    const keepRow = (x: number, row: number): void => {
      const k = q.keepFactors;
      const to = (q.keep >>> 2) + row * k * q.keepSamples + q.keepIndex * k;
      for (let c = 0; c < k; c++) F[to + c] = F[x + c]! * keepScale;
      if (q.keepBias) D[(q.keepBias >>> 3) + row] = D[(q.keepBias >>> 3) + row]! + F[x + k]!;
    };

    // Scratch in solveRows' layout: A, b, the CG part (z here: ⌈dim/8⌉·8 ≤ stride floats), w, t,
    // the widened columns, gather.
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
      const sT = sW + roundUp(n, 4) * 4,
        sC = sT + roundUp(n, 4) * 4,
        sGather = sC + roundUp(n, 4) * 4;
      const cols = rowColumns(memory, indices, lo, n, indexBytes, sC, indexSplits, indexBlocks, row);
      if (n > 0) steps.rowWeights(cols, values + lo * 4, n, 0, 0, mu, otherBias, sW, sT);
      const seed = mix((streamKey ^ row) >>> 0);
      const x = (X >> 2) + row * stride;
      if (shortMax > 0 && n <= shortMax) {
        // Perturb and MAP against the whitened rows (assembly/sample.ts): b = L⁻¹h + s·η,
        // t_j += s·ε_j, (I + Σ ỹỹᵀ)z = b + Σ t_j ỹ_j, x = L⁻ᵀz.
        standardNormals(F, z, dim + n, seed);
        const dim4 = (dim + 3) & ~3;
        for (let i = 0; i < dim4; i++) F[b + i] = i < dim ? F[hw + i]! + Math.fround(scale * F[z + i]!) : 0;
        const t = sT >> 2;
        for (let j = 0; j < n; j++) F[t + j] = F[t + j]! + Math.fround(scale * F[z + dim + j]!);
        if (steps.shortRowSolve(q.whiteRows, stride, dim, cols, sW, sT, n, 1, sB, sA, sGather, sB) < 0) {
          if (q.rowLoss) {
            // the solve's a_j = t_j + s·ε_j − y_j·x follows its n row addresses (short-rows.ts)
            const a = (sGather >> 2) + ((n + 7) & ~7);
            let squares = 0;
            for (let j = 0; j < n; j++) squares += (F[a + j]! - Math.fround(scale * F[z + dim + j]!)) ** 2;
            D[(q.rowLoss >> 3) + row] = squares;
          }
          // x = L⁻ᵀz: row i of L⁻ᵀ (upper triangle) times z, as the kernel's upperTimes
          const r0 = q.whiteFactor >> 2;
          for (let i = 0; i < dim; i++) {
            let s = 0;
            for (let j = i; j < dim; j++) s += F[r0 + i * stride + j]! * F[b + j]!;
            F[z + i] = s;
          }
          for (let i = 0; i < dim; i++) if (!Number.isFinite(F[z + i]!)) return -2 - row;
          for (let i = 0; i < dim; i++) F[x + i] = F[z + i]!;
          if (q.mirror) F.copyWithin((q.mirror >>> 2) + row * stride, x, x + dim);
          if (q.keep) keepRow(x, row);
          continue;
        }
        // M not positive definite in f32 (rare): the standard draw, from unperturbed targets.
        steps.rowWeights(cols, values + lo * 4, n, 0, 0, mu, otherBias, sW, sT);
      }
      // A = P + Σ_j y_j y_jᵀ, b = Σ_j t_j y_j; then b += h
      steps.gramRow(Y, stride, dim, cols, sW, sT, n, q.precision, sA, sB, sGather);
      for (let i = 0; i < dim; i++) F[b + i] = F[b + i]! + F[h + i]!;
      if (steps.cholesky(sA, stride, dim, 0) >= 0) return row;
      // b += scale·Uᵀz, row by row of U as the kernel (one f32 rounding per update); then the
      // one solve gives x = m + U⁻¹z·scale.
      standardNormals(F, z, dim, seed);
      for (let i = 0; i < dim; i++) {
        const ui = a + i * stride;
        const zi = Math.fround(scale * F[z + i]!);
        for (let j = i; j < dim; j++) F[b + j] = F[b + j]! + zi * F[ui + j]!;
      }
      steps.choleskySolve(sA, stride, dim, sB, sB);
      for (let i = 0; i < dim; i++) if (!Number.isFinite(F[b + i]!)) return -2 - row;
      for (let i = 0; i < dim; i++) F[x + i] = F[b + i]!;
      if (q.mirror) F.copyWithin((q.mirror >>> 2) + row * stride, x, x + dim);
      if (q.keep) keepRow(x, row);
      if (q.rowLoss) {
        let squares = 0;
        for (let j = 0; j < n; j++) {
          const y = (Y >> 2) + I[(cols >> 2) + j]! * stride;
          let dot = 0;
          for (let i = 0; i < dim; i++) dot += F[b + i]! * F[y + i]!;
          squares += (F[(sT >> 2) + j]! - dot) ** 2;
        }
        D[(q.rowLoss >> 3) + row] = squares;
      }
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
 * Standard normals into out[at, at + ⌈count/8⌉·8) from one mulberry32 stream, as the kernel
 * draws them eight at a time in f32x4 (see assembly/sample.ts): Box–Muller on the stream's
 * draws 8b+1 … 8b+8 (radii from the first four, angles from the last four), every f32
 * operation of the kernel's restated and rounded by Math.fround (exact for +, −, ×, ÷ and √ of
 * f32 operands), so both backends draw the same bits.
 */
export function standardNormals(out: Float32Array, at: number, count: number, seed: number): void {
  for (let c = 0; c < count; c += 8) {
    for (let l = 0; l < 4; l++) {
      const w1 = mulberry32((seed + Math.imul(c + l + 1, WEYL)) >>> 0);
      const w2 = mulberry32((seed + Math.imul(c + l + 5, WEYL)) >>> 0);
      const u1 = ((w1 >>> 8) + 1) * TWO_M24; // (0, 1], exact in f32
      const r = fr(Math.sqrt(-2 * logf(u1)));
      const a = w2 >>> 8;
      const q = a >>> 22;
      const psi = fr(((a & 0x3fffff) * TWO_M22 - 0.5) * HALF_PI);
      const p = fr(psi * psi);
      const sinPoly = fr(S1 + fr(p * fr(S2 + fr(p * fr(S3 + fr(p * S4))))));
      const sin = fr(psi + fr(fr(psi * p) * sinPoly));
      const cosPoly = fr(C1 + fr(p * fr(C2 + fr(p * fr(C3 + fr(p * C4))))));
      const cos = fr(1 + fr(p * cosPoly));
      // (cos, sin) of qπ/2 + ψ: odd quadrants swap them; cos negated in quadrants 1 and 2, sin in 2 and 3.
      const x = q & 1 ? sin : cos;
      const y = q & 1 ? cos : sin;
      out[at + c + l] = q === 1 || q === 2 ? -(r * x) : r * x;
      out[at + c + 4 + l] = q >= 2 ? -(r * y) : r * y;
    }
  }
}

const fr = Math.fround;

/** mulberry32's output for a state (the stream's n-th state is seed + n·WEYL). */
function mulberry32(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

// The bits of one f32, for logf's exponent and mantissa.
const bits = new Float32Array(1);
const word = new Int32Array(bits.buffer);

/** ln x for 2⁻²⁴ ≤ x ≤ 1 in f32, musl's logf as the kernel's log4 computes it per lane. */
export function logf(x: number): number {
  bits[0] = x;
  let ix = (word[0]! + (0x3f800000 - 0x3f3504f3)) | 0;
  const k = (ix >> 23) - 0x7f;
  ix = ((ix & 0x007fffff) + 0x3f3504f3) | 0;
  word[0] = ix;
  const f = fr(bits[0]! - 1);
  const s = fr(f / fr(2 + f));
  const z = fr(s * s);
  const w = fr(z * z);
  const t1 = fr(w * fr(LG2 + fr(w * LG4)));
  const t2 = fr(z * fr(LG1 + fr(w * LG3)));
  const r = fr(t2 + t1);
  const hfsq = fr(fr(0.5 * f) * f);
  const sum = fr(fr(s * fr(hfsq + r)) + fr(k * LN2_LO));
  return fr(fr(fr(sum - hfsq) + f) + fr(k * LN2_HI));
}

/** mulberry32's state increment. */
const WEYL = 0x6d2b79f5;
const TWO_M24 = 2 ** -24;
const TWO_M22 = 2 ** -22;
const HALF_PI = fr(Math.PI / 2);
// Taylor's coefficients of sin and cos rounded to f32 (the kernel's S1 … C4).
const S1 = fr(-1 / 6);
const S2 = fr(1 / 120);
const S3 = fr(-1 / 5040);
const S4 = fr(1 / 362880);
const C1 = -0.5;
const C2 = fr(1 / 24);
const C3 = fr(-1 / 720);
const C4 = fr(1 / 40320);
// musl logf's: ln 2 split in two (0x3f317180, 0x3717f7d1), and the polynomial R.
const LN2_HI = fr(6.9313812256e-1);
const LN2_LO = fr(9.0580006145e-6);
const LG1 = 0xaaaaaa * 2 ** -24;
const LG2 = 0xccce13 * 2 ** -25;
const LG3 = 0x91e9ee * 2 ** -25;
const LG4 = 0xf89e26 * 2 ** -26;

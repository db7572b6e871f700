/**
 * The Gibbs sampler's standard normals, drawn inside sampleRows (f32x4 Box–Muller in the WASM
 * kernel, restated in the JS twin): the same bits on every backend, keyed by row, and standard
 * normal in distribution; the f32 log both carry against Math.log.
 */
import { describe, expect, it } from 'vitest';
import { PRIOR_PARAMS, writePriorParams } from '../src/kernels/abi.js';
import { logf } from '../src/kernels/js/sample.js';
import { Param, SOLVE_OK, solveScratchFloats } from '../src/kernels/types.js';
import { Prng, streamKey, streamSeed } from '../src/train/prng.js';
import { kernelNormals } from './gibbs-reference.js';
import { Arena, listBackends } from './helpers.js';

/**
 * sampleRows on `rows` rows without ratings, P = I, h = 0, noiseScale 1: A = I = UᵀU with
 * U = I exactly, so each row's draw x = A⁻¹(0 + Uᵀz) is its normals z, bit for bit.
 */
function drawNormals(
  kernels: { sampleRows: (...a: number[]) => number },
  buffer: ArrayBufferLike,
  dim: number,
  rows: number,
  key: number,
) {
  const arena = new Arena(buffer);
  const stride = Math.ceil(dim / 8) * 8;
  const Y = arena.f32(stride);
  const indptr = arena.i32(rows + 1); // all zero: no ratings
  const indices = arena.i32(1);
  const values = arena.f32(1);
  const X = arena.f32(rows * stride);
  const precision = arena.f32(stride * stride);
  for (let i = 0; i < dim; i++) precision.view[i * stride + i] = 1;
  const prior = arena.i32(PRIOR_PARAMS.bytes / 4); // the standard draw for every row (shortMax 0)
  writePriorParams(new Int32Array(buffer), prior.ptr, {
    precision: precision.ptr,
    mean: arena.f32(stride).ptr,
    shortMax: 0,
    whiteRows: 0,
    whiteFactor: 0,
    whiteMean: 0,
    rowLoss: 0,
    keep: 0,
    keepFactors: 0,
    keepSamples: 0,
    keepIndex: 0,
    keepBias: 0,
    mirror: 0,
  });
  const params = arena.i32(32);
  const I = params.view;
  I[Param.X] = X.ptr;
  I[Param.Y] = Y.ptr;
  I[Param.Stride] = stride;
  I[Param.Dim] = dim;
  I[Param.Indptr] = indptr.ptr;
  I[Param.Indices] = indices.ptr;
  I[Param.Values] = values.ptr;
  const scratch = arena.f32(solveScratchFloats(stride, 1)).view.fill(Number.NaN);
  expect(kernels.sampleRows(params.ptr, prior.ptr, 1, key, 0, rows, scratch.byteOffset)).toBe(SOLVE_OK);
  return Array.from({ length: rows }, (_, r) => Array.from(X.view.subarray(r * stride, r * stride + dim)));
}

describe('the normals of the Gibbs sampling kernel', () => {
  it('logf (musl’s, in f32) is within 2 f32 ulps of ln x on 10⁶ arguments in [2⁻²⁴, 1]', () => {
    const rand = new Prng(7);
    let worst = 0;
    for (let t = 0; t < 1_000_000; t++) {
      const x = ((Math.floor(rand.next() * 2 ** 24) >>> [0, 0, 8, 16][t % 4]!) + 1) * 2 ** -24;
      const exact = Math.log(x);
      const ulp = 2 ** (Math.floor(Math.log2(Math.abs(exact) || 1)) - 23);
      worst = Math.max(worst, Math.abs(logf(x) - exact) / ulp);
    }
    expect(worst).toBeLessThanOrEqual(2);
    expect(logf(1)).toBe(0);
  });

  it('streamSeed(seed, sample, side, row) is mix(streamKey(seed, sample, side) ^ row), the seed the kernel takes', async () => {
    // The kernel seeds row r with mix(key ^ r): its z for row r are kernelNormals(streamSeed(…, r)).
    const backends = await listBackends();
    const { kernels, buffer } = await backends[0]!.make!();
    const z = drawNormals(kernels, buffer, 5, 40, streamKey(3, 9, 1));
    for (let r = 0; r < 40; r++) expect(z[r]).toEqual(kernelNormals(streamSeed(3, 9, 1, r), 5));
  });
});

for (const backend of await listBackends()) {
  const suite = backend.make ? describe : describe.skip;
  suite(`sampleRows draws its normals [${backend.name}]`, () => {
    for (const dim of [1, 2, 7, 16, 33]) {
      it(`the JS twin's bits, row by row, dim ${dim}`, async () => {
        const { kernels, buffer } = await backend.make!();
        const key = streamKey(20261130, 4, dim);
        const z = drawNormals(kernels, buffer, dim, 300, key);
        for (let r = 0; r < 300; r++) expect(z[r]).toEqual(kernelNormals(streamSeed(20261130, 4, dim, r), dim));
      });
    }

    it('standard normal: moments, tail and bin frequencies within 4 standard errors (400,000 draws)', async () => {
      const { kernels, buffer } = await backend.make!();
      const z = drawNormals(kernels, buffer, 40, 10_000, streamKey(1, 1, 0)).flat();
      const n = z.length;
      const mean = z.reduce((s, v) => s + v, 0) / n;
      const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
      const kurtosis = z.reduce((s, v) => s + (v - mean) ** 4, 0) / n / variance ** 2;
      expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(n));
      expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
      expect(Math.abs(kurtosis - 3)).toBeLessThan(4 * Math.sqrt(24 / n));
      // P(z ≤ t) for t = −3, −2, …, 3 (Φ), and P(|z| > 3.5) = 4.65·10⁻⁴: binomial counts.
      const phi = [0.0013499, 0.0227501, 0.1586553, 0.5, 0.8413447, 0.9772499, 0.9986501];
      phi.forEach((p, i) => {
        const below = z.filter((v) => v <= i - 3).length / n;
        expect(Math.abs(below - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
      });
      const far = z.filter((v) => Math.abs(v) > 3.5).length / n;
      expect(Math.abs(far - 4.6525e-4)).toBeLessThan(4 * Math.sqrt(4.6525e-4 / n));
      // Consecutive draws uncorrelated (the pairs of one angle, and across blocks).
      for (const lag of [1, 4, 8]) {
        let c = 0;
        for (let e = lag; e < n; e++) c += (z[e]! - mean) * (z[e - lag]! - mean);
        expect(Math.abs(c / (n - lag) / variance)).toBeLessThan(4 / Math.sqrt(n));
      }
    });
  });
}

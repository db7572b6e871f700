/**
 * The Gibbs sampler's standard normals, drawn inside sampleRows since the normals moved out of
 * TypeScript: the same bits on every backend and as the TypeScript generator drew them before
 * (so no draw of a fit changed), and the fdlibm log both kernels carry for that.
 */
import { describe, expect, it } from 'vitest';
import { logUnit } from '../src/kernels/js/sample.js';
import { Param, SOLVE_OK, solveScratchFloats } from '../src/kernels/types.js';
import { Prng, streamKey, streamSeed } from '../src/train/prng.js';
import { polarNormals } from './gibbs-reference.js';
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
  const prior = arena.f32(stride * stride + stride);
  for (let i = 0; i < dim; i++) prior.view[i * stride + i] = 1;
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
  it('logUnit is fdlibm’s log: equal to Math.log (V8’s fdlibm port) on 10⁶ arguments in [2⁻⁶², 1)', () => {
    const rand = new Prng(7);
    let differing = 0;
    for (let t = 0; t < 1_000_000; t++) {
      // Uniform, near 1 (the |f| < 2⁻²⁰ branch), near powers of two, and tiny ones.
      const u = rand.next();
      const q = [u, 1 - u * 2 ** -22, 2 ** -(1 + (t % 61)) * (1 + (u - 0.5) * 2 ** -21), u ** 12][t % 4]!;
      if (q <= 0 || q >= 1) continue;
      if (logUnit(q) !== Math.log(q)) differing++;
    }
    expect(differing).toBe(0);
    for (const q of [0.5, 0.25, 2 ** -62, 1 - 2 ** -53, Math.SQRT1_2, 1e-10]) expect(logUnit(q)).toBe(Math.log(q));
  });

  it('streamSeed(seed, sample, side, row) is mix(streamKey(seed, sample, side) ^ row), the seed the kernel takes', async () => {
    // The kernel seeds row r with mix(key ^ r): its z for row r are polarNormals(streamSeed(…, r)).
    const backends = await listBackends();
    const { kernels, buffer } = await backends[0]!.make!();
    const z = drawNormals(kernels, buffer, 5, 40, streamKey(3, 9, 1));
    for (let r = 0; r < 40; r++) expect(z[r]).toEqual(polarNormals(streamSeed(3, 9, 1, r), 5));
  });
});

for (const backend of await listBackends()) {
  const suite = backend.make ? describe : describe.skip;
  suite(`sampleRows draws its normals [${backend.name}]`, () => {
    for (const dim of [1, 2, 7, 16, 33]) {
      it(`the TypeScript generator's bits before the move, row by row, dim ${dim}`, async () => {
        const { kernels, buffer } = await backend.make!();
        const key = streamKey(20261130, 4, dim);
        const z = drawNormals(kernels, buffer, dim, 300, key);
        for (let r = 0; r < 300; r++) expect(z[r]).toEqual(polarNormals(streamSeed(20261130, 4, dim, r), dim));
      });
    }

    it('standard normal: mean 0, variance 1, tails within 4 standard errors (60,000 draws)', async () => {
      const { kernels, buffer } = await backend.make!();
      const z = drawNormals(kernels, buffer, 60, 1000, streamKey(1, 1, 0)).flat();
      const n = z.length;
      const mean = z.reduce((s, v) => s + v, 0) / n;
      const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
      expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(n));
      expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
      // P(|z| > 2) = 0.0455: a binomial count.
      const beyond = z.filter((v) => Math.abs(v) > 2).length / n;
      expect(Math.abs(beyond - 0.0455)).toBeLessThan(4 * Math.sqrt((0.0455 * 0.9545) / n));
    });
  });
}

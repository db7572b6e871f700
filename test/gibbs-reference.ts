/** References the Gibbs sampler's tests share (gibbs.test.ts, gibbs-normals.test.ts). */
import { standardNormals } from '../src/kernels/js/sample.js';

/** The `count` standard normals the sampling kernel draws from the stream seeded `seed` (the JS twin's generator). */
export function kernelNormals(seed: number, count: number): number[] {
  const out = new Float32Array(Math.ceil(count / 8) * 8);
  standardNormals(out, 0, count, seed);
  return Array.from(out.subarray(0, count));
}

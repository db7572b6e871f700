/** References the Gibbs sampler's tests share (gibbs.test.ts, gibbs-normals.test.ts). */

/**
 * The standard normals of one stream as the TypeScript sampler drew them before the kernel did
 * (mulberry32 pairs, Marsaglia's polar method with Math.log, both values used, rounded to f32):
 * the kernel must draw these bits.
 */
export function polarNormals(seed: number, count: number): number[] {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  const next = () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) * (2 / 4294967296) - 1;
  };
  for (let c = 0; c < count; c += 2) {
    let x: number;
    let y: number;
    let q: number;
    do {
      x = next();
      y = next();
      q = x * x + y * y;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    out[c] = x * f;
    if (c + 1 < count) out[c + 1] = y * f;
  }
  return Array.from(out);
}

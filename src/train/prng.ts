/**
 * A small seeded PRNG of our own (mulberry32: 32-bit state, passes the usual smoke tests,
 * period 2³²), so factors are reproducible across runtimes without a dependency.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller; the second value is discarded for simplicity). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log stays finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/**
 * A stream seed from (seed, sample, side, row): each draw has its own stream, so no draw
 * depends on the order (or the thread) in which the others were made. splitmix32 finalizers
 * chained over the words: mix(streamKey(seed, sample, side) ^ row).
 */
export function streamSeed(seed: number, sample: number, side: number, row: number): number {
  return mix((streamKey(seed, sample, side) ^ row) >>> 0);
}

/**
 * The first three links of streamSeed's chain: the key of one (seed, sample, side). The
 * sampling kernel takes it and seeds row u's normals with mix(key ^ u) itself
 * (assembly/sample.ts), the same seed as streamSeed(seed, sample, side, u).
 */
export function streamKey(seed: number, sample: number, side: number): number {
  let h = mix(seed >>> 0);
  h = mix((h ^ sample) >>> 0);
  return mix((h ^ side) >>> 0);
}

function mix(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * cholesky + choleskySolve of two kernel builds, interleaved in one process (issue 14, item 2):
 * the build under test (build/als.wasm) against a baseline build, on the same SPD systems
 * bench/kernels.bench.ts uses (the Gram of 100 random rows with weights in [1, 5), λ = 0.1),
 * plus gramRow (n = 100, "full" flops 2·n·k²) of the build under test for the rate the
 * end-to-end target is relative to.
 *
 *   cp build/als.wasm /tmp/base.wasm       (before the change: the baseline)
 *   npm run build:wasm
 *   npx tsx bench/cholesky.bench.ts /tmp/base.wasm
 *   env: BENCH_K (default 32,64,128), BENCH_ROUNDS (alternations, default 401),
 *        BENCH_SAMPLE_MS (time per sample, default 0.5: short samples, so a time slice lost to
 *        another process spoils one sample, which the median drops)
 *
 * Each round times one sample of A, then one of B, then B, then A (ABBA: a drift in the
 * host's speed hits both alike); a sample is a batch of calls, each call restoring A from the
 * Gram first (the restore alone is timed the same way and subtracted). Prints medians per call,
 * GFLOP/s (k³/3 + 2k²), the ratio, and the largest relative difference of the two solutions.
 */
import type { Kernels } from '../src/kernels/types.js';
import { createMemory } from '../src/wasm/memory.js';
import { Prng } from '../src/train/prng.js';
import { median } from '../src/cli/training.js';
import { bumpAllocator, twoBuilds } from './two-builds.js';

const basePath = process.argv[2];
if (!basePath) throw new Error('usage: npx tsx bench/cholesky.bench.ts <baseline als.wasm>');
const K_VALUES = (process.env.BENCH_K ?? '32,64,128').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 401);
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 0.5);
const NUM_Y_ROWS = 4096;
const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

const memory = createMemory(64 << 20, false);
const f32 = new Float32Array(memory.buffer);
const i32 = new Int32Array(memory.buffer);
const variants = twoBuilds(memory, basePath);

const alloc = bumpAllocator();

/** ms per call of fn, from one sample of `calls` calls. */
function sample(fn: () => void, calls: number): number {
  const t0 = performance.now();
  for (let r = 0; r < calls; r++) fn();
  return (performance.now() - t0) / calls;
}

const out: Record<string, unknown>[] = [];
for (const k of K_VALUES) {
  const stride = roundUp(k, 8);
  const p = new Prng(1234 + k);
  const Y = alloc(NUM_Y_ROWS * stride);
  for (let r = 0; r < NUM_Y_ROWS; r++) for (let c = 0; c < k; c++) f32[(Y >> 2) + r * stride + c] = p.next() * 2 - 1;
  const n = 100;
  const cols = alloc(n);
  const w = alloc(n);
  const t = alloc(n);
  for (let j = 0; j < n; j++) {
    i32[(cols >> 2) + j] = Math.floor(p.next() * NUM_Y_ROWS);
    f32[(w >> 2) + j] = 1 + 4 * p.next();
    f32[(t >> 2) + j] = 1 + f32[(w >> 2) + j]!;
  }
  const G = alloc(stride * stride);
  const A = alloc(stride * stride);
  const b = alloc(stride);
  const x = alloc(stride);
  const scratch = alloc(2 * 32 * stride + 3 * stride);
  variants[0]!.K.gramRow(Y, stride, k, cols, w, t, n, 0, G, b, scratch);
  const gOff = G >> 2;
  const aOff = A >> 2;
  const len = stride * stride;
  const restore = () => f32.copyWithin(aOff, gOff, gOff + len);
  const solveWith = (K: Kernels) => () => {
    restore();
    const s = K.cholesky(A, stride, k, 0.1);
    if (s !== -1) throw new Error(`cholesky failed at ${s}`);
    K.choleskySolve(A, stride, k, b, x);
  };
  // Solutions of the two builds, compared.
  const solutions = variants.map(({ K }) => {
    solveWith(K)();
    return Float64Array.from(f32.subarray(x >> 2, (x >> 2) + k));
  });
  let diff = 0;
  let norm = 0;
  for (let c = 0; c < k; c++) {
    diff = Math.max(diff, Math.abs(solutions[0]![c]! - solutions[1]![c]!));
    norm = Math.max(norm, Math.abs(solutions[1]![c]!));
  }
  const flops = k ** 3 / 3 + 2 * k * k;
  // Calls per sample from a first estimate.
  const est = sample(solveWith(variants[1]!.K), 50);
  const calls = Math.max(5, Math.round(SAMPLE_MS / est));
  const gram = () => variants[0]!.K.gramRow(Y, stride, k, cols, w, t, n, 0, A, b, scratch);
  const gramCalls = Math.max(5, Math.round(SAMPLE_MS / sample(gram, 20)));
  for (let r = 0; r < 5; r++) for (const v of variants) sample(solveWith(v.K), calls); // warm-up
  const times: number[][] = [[], []];
  const restoreTimes: number[] = [];
  const gramTimes: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const i of [0, 1, 1, 0]) times[i]!.push(sample(solveWith(variants[i]!.K), calls));
    restoreTimes.push(sample(restore, calls));
    gramTimes.push(sample(gram, gramCalls));
  }
  const rest = median(restoreTimes);
  const [msNew, msBase] = times.map((ts) => median(ts) - rest) as [number, number];
  const gramMs = median(gramTimes);
  const row = {
    k,
    newUs: +(msNew * 1e3).toFixed(3),
    baseUs: +(msBase * 1e3).toFixed(3),
    newGflops: +(flops / (msNew * 1e6)).toFixed(1),
    baseGflops: +(flops / (msBase * 1e6)).toFixed(1),
    speedup: +(msBase / msNew).toFixed(2),
    gramRowFullGflops: +((2 * n * k * k) / (gramMs * 1e6)).toFixed(1),
    maxRelDiff: +(diff / norm).toExponential(2),
  };
  out.push(row);
  console.error(JSON.stringify(row));
}
console.log(JSON.stringify({ rounds: ROUNDS, sampleMs: SAMPLE_MS, rows: out }));

/**
 * gramRow gathering its rows from a factor array far larger than the cache, as the items'
 * half-step of synth_5m does (issue 14, item 2: each item's ~250 ratings pick user rows
 * scattered over 100,000 × stride floats, 25.6 MB at k = 64), for two kernel builds
 * interleaved in one process: the build under test (build/als.wasm) and a baseline.
 *
 *   cp build/als.wasm /tmp/base.wasm       (before the change: the baseline)
 *   npm run build:wasm
 *   npx tsx bench/gram-gather.bench.ts /tmp/base.wasm
 *   env: BENCH_K (default 64,128), BENCH_N (ratings per row, default 250), BENCH_ROWS (rows of
 *        the fixed side, default 100000), BENCH_ROUNDS (default 21), BENCH_CALLS (rows per
 *        sample, default 400)
 *
 * Every call takes the next n indices of one long random stream (never the same rows twice in
 * a row), so the gathers miss the cache the way a half-step's do. ABBA order per round.
 * Reports medians per call, the "full" rate 2·n·k² (bench/kernels.bench.ts's column), and
 * the same for n rows of a 4,096-row array (in cache) for comparison.
 */
import type { Kernels } from '../src/kernels/types.js';
import { createMemory } from '../src/wasm/memory.js';
import { Prng } from '../src/train/prng.js';
import { median } from '../src/cli/training.js';
import { bumpAllocator, twoBuilds } from './two-builds.js';

const basePath = process.argv[2];
if (!basePath) throw new Error('usage: npx tsx bench/gram-gather.bench.ts <baseline als.wasm>');
const K_VALUES = (process.env.BENCH_K ?? '64,128').split(',').map(Number);
const N = Number(process.env.BENCH_N ?? 250);
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const CALLS = Number(process.env.BENCH_CALLS ?? 400);
const STREAM = 1 << 20;
const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

const maxStride = roundUp(Math.max(...K_VALUES), 8);
const bytes = roundUp(ROWS * maxStride * 4 + STREAM * 4 * 3 + (maxStride * maxStride + 80 * maxStride) * 4 + (1 << 20), 65536);
const memory = createMemory(bytes, false);
const f32 = new Float32Array(memory.buffer);
const i32 = new Int32Array(memory.buffer);
const variants = twoBuilds(memory, basePath);

const alloc = bumpAllocator();
const Y = alloc(ROWS * maxStride);
const cols = alloc(STREAM);
const w = alloc(STREAM);
const t = alloc(STREAM);
const A = alloc(maxStride * maxStride);
const b = alloc(maxStride);
const scratch = alloc(2 * 32 * maxStride + 16);
const p = new Prng(77);
for (let j = 0; j < STREAM; j++) {
  i32[(cols >> 2) + j] = Math.floor(p.next() * ROWS);
  f32[(w >> 2) + j] = 1 + 4 * p.next();
  f32[(t >> 2) + j] = 1 + f32[(w >> 2) + j]!;
}

const out: Record<string, unknown>[] = [];
for (const k of K_VALUES) {
  const stride = roundUp(k, 8);
  f32.fill(0, Y >> 2, (Y >> 2) + ROWS * stride);
  for (let r = 0; r < ROWS; r++) for (let c = 0; c < k; c++) f32[(Y >> 2) + r * stride + c] = p.next() * 2 - 1;
  let at = 0;
  /** ms per call over `calls` calls, each on the next N indices of the stream. */
  const sample = (K: Kernels, rows: number) => {
    const t0 = performance.now();
    for (let c = 0; c < CALLS; c++) {
      if (at + N > STREAM) at = 0;
      const o = at * 4;
      K.gramRow(Y, stride, k, cols + o, w + o, t + o, N, 0, A, b, scratch);
      at += N;
    }
    void rows;
    return (performance.now() - t0) / CALLS;
  };
  // In cache: the same N rows every call, of a 4,096-row prefix.
  const inCache = (K: Kernels) => {
    const t0 = performance.now();
    for (let c = 0; c < CALLS; c++) K.gramRow(Y, stride, k, cols, w, t, N, 0, A, b, scratch);
    return (performance.now() - t0) / CALLS;
  };
  // Same result from both builds (the gather reorders loads only: bit-identical).
  const results = variants.map(({ K }) => {
    K.gramRow(Y, stride, k, cols, w, t, N, 0, A, b, scratch);
    return [...new Uint32Array(memory.buffer, A, stride * stride), ...new Uint32Array(memory.buffer, b, stride)];
  });
  const identical = results[0]!.every((v, i) => v === results[1]![i]);
  for (let r = 0; r < 3; r++) for (const v of variants) sample(v.K, ROWS);
  const times: number[][] = [[], []];
  const cached: number[][] = [[], []];
  for (let r = 0; r < ROUNDS; r++) {
    for (const i of [0, 1, 1, 0]) times[i]!.push(sample(variants[i]!.K, ROWS));
    for (const i of [0, 1, 1, 0]) cached[i]!.push(inCache(variants[i]!.K));
  }
  const flops = 2 * N * k * k;
  const [msNew, msBase] = times.map(median) as [number, number];
  const [cNew, cBase] = cached.map(median) as [number, number];
  const row = {
    k,
    n: N,
    rows: ROWS,
    newUs: +(msNew * 1e3).toFixed(2),
    baseUs: +(msBase * 1e3).toFixed(2),
    newFullGflops: +(flops / (msNew * 1e6)).toFixed(1),
    baseFullGflops: +(flops / (msBase * 1e6)).toFixed(1),
    speedup: +(msBase / msNew).toFixed(3),
    inCacheNewFullGflops: +(flops / (cNew * 1e6)).toFixed(1),
    inCacheBaseFullGflops: +(flops / (cBase * 1e6)).toFixed(1),
    bitIdentical: identical,
  };
  out.push(row);
  console.error(JSON.stringify(row));
}
console.log(JSON.stringify({ rounds: ROUNDS, calls: CALLS, rows: out }));

/**
 * Kernel benchmarks: WASM (SIMD) vs JS over the same memory and seeded inputs, with a peak
 * probe (build/peak.wasm: independent f32x4 mul + add chains) run in the same process.
 *
 *   npm run bench:kernels        (builds the .wasm first)
 *   npx tsx bench/kernels.bench.ts
 *
 * Prints a markdown table and writes it to bench/out/kernels.md. Flop counts:
 * - gramRow: what the kernel computes, 2·n·(4×8 tiles touching the upper triangle)·32 (about
 *   n·k² + 4nk); the "full" column counts 2·n·k² (the whole symmetric matrix) instead.
 * - cholesky + choleskySolve: k³/3 + 2k² (factor, then two triangular solves).
 * - cgSolve: (steps + 1)·(2k² + 4nk) + 2nk (matvecs with YᵀY and the n rows, initial residual).
 * Times are medians (tinybench latency p50) per call; each sample runs a batch of calls.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { Bench } from 'tinybench';
import type { Kernels } from '../src/kernels/types.js';
import { createWasmKernels } from '../src/kernels/wasm.js';
import { loadWasmModule } from '../src/wasm/load.js';
import { createMemory } from '../src/wasm/memory.js';
import { Prng } from '../src/train/prng.js';

const K_VALUES = [16, 32, 64, 128, 256];
const N_VALUES = [10, 100, 1000];
const CG_N = 100;
const CG_STEPS = 3;
const NUM_Y_ROWS = 4096;
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 250);
/** BENCH_RELAXED=1 (needs relaxed SIMD: Node ≥ 22, or node --experimental-wasm-relaxed-simd) benches als-relaxed.wasm. */
const RELAXED = process.env.BENCH_RELAXED === '1';

/** A seeded uniform PRNG in [0, 1): the library's own mulberry32. */
function rng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

// ---- memory and kernels ------------------------------------------------------------------
const memory = createMemory(256 << 20, false);
const wasm = createWasmKernels(await loadWasmModule({ relaxed: RELAXED }), memory);
let js: Kernels | undefined;
let jsSkip = '';
const jsPath = new URL('../src/kernels/js/index.ts', import.meta.url);
if (existsSync(jsPath)) {
  try {
    const mod = (await import('../src/kernels/js/index.js')) as { createJsKernels?: (b: ArrayBufferLike) => Kernels };
    if (mod.createJsKernels) js = mod.createJsKernels(memory.buffer);
    else jsSkip = 'src/kernels/js/index.ts has no createJsKernels';
  } catch (e) {
    jsSkip = `src/kernels/js/index.ts failed to load: ${(e as Error).message}`;
  }
} else {
  jsSkip = 'src/kernels/js/index.ts not found';
}

const f32 = new Float32Array(memory.buffer);
const i32 = new Int32Array(memory.buffer);
let next = 64;
const alloc = (floats: number) => {
  const at = next;
  next += roundUp(floats * 4, 64);
  if (next > memory.buffer.byteLength) throw new Error('bench memory exhausted');
  return at;
};

// ---- peak probe ---------------------------------------------------------------------------
async function peakGflops(): Promise<number> {
  const bytes = await readFile(new URL(`../build/${RELAXED ? 'peak-relaxed' : 'peak'}.wasm`, import.meta.url));
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: createMemory(65536, false) } });
  const peak = inst.exports.peak as (iters: number, seed: number) => number;
  const iters = 2_000_000;
  const flops = iters * 96;
  let best = Infinity;
  for (let r = 0; r < 25; r++) {
    const t0 = performance.now();
    peak(iters, r);
    const dt = performance.now() - t0;
    best = Math.min(best, dt);
  }
  // Best of the runs: the probe measures what the core can do; interference only slows it.
  return flops / (best * 1e6);
}

// ---- cases --------------------------------------------------------------------------------
interface Case {
  group: 'gramRow' | 'cholesky+solve' | 'cgSolve';
  k: number;
  n: number;
  flops: number;
  fullFlops?: number;
  /** One call of the kernel under test on a backend. */
  run(K: Kernels): void;
  /** Time of work inside run() that is not the kernel (e.g. restoring A), per call, ms. */
  overhead?(): void;
}

function gramTiles(k: number): number {
  let tiles = 0;
  for (let i0 = 0; i0 < k; i0 += 4) for (let c0 = i0 & ~7; c0 < k; c0 += 8) tiles++;
  return tiles;
}

const cases: Case[] = [];
for (const k of K_VALUES) {
  const stride = roundUp(k, 8);
  const rand = rng(1234 + k);
  const Y = alloc(NUM_Y_ROWS * stride);
  for (let r = 0; r < NUM_Y_ROWS; r++) for (let c = 0; c < k; c++) f32[(Y >> 2) + r * stride + c] = rand() * 2 - 1;
  const A = alloc(stride * stride);
  const A0 = alloc(stride * stride);
  const b = alloc(stride);
  const x = alloc(stride);
  const scratch = alloc(2 * 32 * stride + 3 * stride);
  // YᵀY of the fixed side (used by CG and to build an SPD system)
  wasm.gramBlock(Y, stride, k, 0, NUM_Y_ROWS, A0, 0);
  const maxN = Math.max(...N_VALUES, CG_N);
  const cols = alloc(maxN);
  const w = alloc(maxN);
  const t = alloc(maxN);
  for (let j = 0; j < maxN; j++) {
    i32[(cols >> 2) + j] = Math.floor(rand() * NUM_Y_ROWS);
    f32[(w >> 2) + j] = 1 + 4 * rand();
    f32[(t >> 2) + j] = 1 + f32[(w >> 2) + j]!;
  }
  for (const n of N_VALUES) {
    const tiles = gramTiles(k);
    cases.push({
      group: 'gramRow',
      k,
      n,
      flops: 2 * n * tiles * 32,
      fullFlops: 2 * n * k * k,
      run: (K) => K.gramRow(Y, stride, k, cols, w, t, n, 0, A, b, scratch),
    });
  }
  // An SPD system: the Gram of 100 rows + λI; factor a fresh copy each call.
  const G = alloc(stride * stride);
  wasm.gramRow(Y, stride, k, cols, w, t, 100, 0, G, b, scratch);
  const gOff = G >> 2,
    aOff = A >> 2,
    len = stride * stride;
  cases.push({
    group: 'cholesky+solve',
    k,
    n: 0,
    flops: k ** 3 / 3 + 2 * k * k,
    run: (K) => {
      f32.copyWithin(aOff, gOff, gOff + len);
      const s = K.cholesky(A, stride, k, 0.1);
      if (s !== -1) throw new Error(`cholesky failed at ${s}`);
      K.choleskySolve(A, stride, k, b, x);
    },
    overhead: () => f32.copyWithin(aOff, gOff, gOff + len),
  });
  cases.push({
    group: 'cgSolve',
    k,
    n: CG_N,
    flops: (CG_STEPS + 1) * (2 * k * k + 4 * CG_N * k) + 2 * CG_N * k,
    run: (K) => {
      f32.fill(0, x >> 2, (x >> 2) + stride); // the same cold start every call
      K.cgSolve(A0, Y, stride, k, cols, w, t, CG_N, 0.1, x, CG_STEPS, scratch);
    },
  });
}

// ---- measure ------------------------------------------------------------------------------
async function medianMs(fn: () => void, estMs: number): Promise<number> {
  const reps = Math.max(1, Math.round(0.2 / estMs)); // ≥ ~0.2 ms per sample
  const bench = new Bench({ time: TIME_MS, warmupTime: 50 });
  bench.add('x', () => {
    for (let r = 0; r < reps; r++) fn();
  });
  await bench.run();
  const res = bench.tasks[0]!.result as { state: string; latency?: { p50: number }; error?: unknown };
  if (res.state !== 'completed' || !res.latency) throw new Error(`benchmark failed: ${String(res.error ?? res.state)}`);
  return res.latency.p50 / reps;
}

async function timeCase(c: Case, K: Kernels, gflopsGuess: number): Promise<number> {
  const est = c.flops / (gflopsGuess * 1e6);
  let ms = await medianMs(() => c.run(K), est);
  if (c.overhead) ms -= await medianMs(c.overhead, 0.001);
  return ms;
}

// The peak probe (best of 25 runs) runs again before each k; ratios use the best probe of
// all, so interference from other processes can only lower them.
interface Row {
  c: Case;
  wasmMs: number;
  jsMs?: number;
}
const rows: Row[] = [];
const peaks: number[] = [];
let peak = 0;
let lastK = -1;
for (const c of cases) {
  if (c.k !== lastK) {
    lastK = c.k;
    peak = await peakGflops();
    peaks.push(peak);
    console.error(`peak probe: ${peak.toFixed(1)} GFLOP/s (one core)`);
  }
  const wasmMs = await timeCase(c, wasm, 20);
  const jsMs = js ? await timeCase(c, js, 1) : undefined;
  rows.push({ c, wasmMs, jsMs });
  console.error(
    `${c.group} k=${c.k}${c.n ? ` n=${c.n}` : ''}: wasm ${(wasmMs * 1e3).toFixed(2)} µs${jsMs !== undefined ? `, js ${(jsMs * 1e3).toFixed(2)} µs` : ''}`,
  );
}

// ---- report -------------------------------------------------------------------------------
const fmtUs = (ms: number) => (ms * 1e3 >= 100 ? (ms * 1e3).toFixed(0) : (ms * 1e3).toFixed(2));
const gf = (flops: number, ms: number) => flops / (ms * 1e6);
const lines: string[] = [];
const sortedPeaks = [...peaks].sort((a, b) => a - b);
const peakBest = sortedPeaks[sortedPeaks.length - 1]!;
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
lines.push(`# Kernel benchmarks`, '');
lines.push(
  `${cpu}, ${os.cpus().length} cores, Node ${process.version}; one thread. ${RELAXED ? 'Relaxed-SIMD build (f32x4.relaxed_madd). ' : ''}Peak probe (f32x4 ${RELAXED ? 'relaxed_madd' : 'mul + add'} chains): **${peakBest.toFixed(1)} GFLOP/s** ` +
    `(best of ${peaks.length} probes, one before each k, each the best of 25 runs; they ranged ${sortedPeaks[0]!.toFixed(1)}–${peakBest.toFixed(1)}).`,
);
lines.push(
  `Medians per call (tinybench p50, ${TIME_MS} ms per task). GFLOP/s counts the flops each kernel computes (see bench/kernels.bench.ts); gramRow "full" counts 2·n·k².`,
  '',
);
lines.push('| kernel | k | n | WASM µs | WASM GFLOP/s | % of peak | full GFLOP/s | JS µs | JS GFLOP/s | WASM/JS |');
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const { c, wasmMs, jsMs } of rows) {
  const g = gf(c.flops, wasmMs);
  lines.push(
    `| ${c.group} | ${c.k} | ${c.n || '–'} | ${fmtUs(wasmMs)} | ${g.toFixed(1)} | ${((100 * g) / peakBest).toFixed(0)}% | ` +
      `${c.fullFlops ? gf(c.fullFlops, wasmMs).toFixed(1) : '–'} | ` +
      `${jsMs !== undefined ? fmtUs(jsMs) : '–'} | ${jsMs !== undefined ? gf(c.flops, jsMs).toFixed(2) : '–'} | ` +
      `${jsMs !== undefined ? `${(jsMs / wasmMs).toFixed(1)}×` : '–'} |`,
  );
}
if (!js) lines.push('', `JS columns skipped: ${jsSkip}.`);

// targets from the issue
const find = (g: Case['group'], k: number, n?: number) =>
  rows.find((r) => r.c.group === g && r.c.k === k && (n === undefined || r.c.n === n));
const gram64 = find('gramRow', 64, 100)!;
const chol64 = find('cholesky+solve', 64)!;
const check = (ok: boolean) => (ok ? 'met' : '**not met**');
lines.push('', '## Targets', '');
const gPct = (100 * gf(gram64.c.flops, gram64.wasmMs)) / peakBest;
lines.push(
  `- gramRow k = 64, n = 100 ≥ 70% of peak: ${gPct.toFixed(0)}% computed flops (${((100 * gf(gram64.c.fullFlops!, gram64.wasmMs)) / peakBest).toFixed(0)}% counting 2·n·k²) — ${check(gPct >= 70)}`,
);
lines.push(`- cholesky + solve k = 64 ≤ 15 µs: ${fmtUs(chol64.wasmMs)} µs — ${check(chol64.wasmMs * 1e3 <= 15)}`);
if (js) {
  const big = rows.filter((r) => r.c.k >= 64 && r.jsMs !== undefined);
  const minRatio = (g: Case['group']) => Math.min(...big.filter((r) => r.c.group === g).map((r) => r.jsMs! / r.wasmMs));
  lines.push(`- WASM/JS ≥ 6× on gramRow at k ≥ 64: min ${minRatio('gramRow').toFixed(1)}× — ${check(minRatio('gramRow') >= 6)}`);
  lines.push(
    `- WASM/JS ≥ 4× on cholesky + solve at k ≥ 64: min ${minRatio('cholesky+solve').toFixed(1)}× — ${check(minRatio('cholesky+solve') >= 4)}`,
  );
}
const md = `${lines.join('\n')}\n`;
console.log(md);
await mkdir(new URL('./out/', import.meta.url), { recursive: true });
await writeFile(new URL(RELAXED ? './out/kernels-relaxed.md' : './out/kernels.md', import.meta.url), md);
// Machine-readable copy for bench/chart.ts.
await writeFile(
  new URL(RELAXED ? './out/kernels-relaxed.json' : './out/kernels.json', import.meta.url),
  JSON.stringify(
    {
      machine: `${cpu}, ${os.cpus().length} cores, Node ${process.version}`,
      peakGflops: peakBest,
      rows: rows.map(({ c, wasmMs, jsMs }) => ({
        kernel: c.group,
        k: c.k,
        n: c.n || undefined,
        wasmUs: wasmMs * 1e3,
        jsUs: jsMs === undefined ? undefined : jsMs * 1e3,
        wasmGflops: gf(c.flops, wasmMs),
        jsGflops: jsMs === undefined ? undefined : gf(c.flops, jsMs),
      })),
    },
    null,
    1,
  ),
);

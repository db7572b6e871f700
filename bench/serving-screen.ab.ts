/**
 * The screening pass against the exact kernels of the same build, interleaved in one process
 * (issue 14 §5): scoreTopK vs screenTopK for one query (model.recommend's path) and
 * scoreTopKBatch vs screenTopKBatch for 4 and 32 queries per call (recommendAll's), µs per
 * call, medians over alternating repetitions; checks both give the same heaps (bits).
 *
 *   npm run build:wasm && npx tsx bench/serving-screen.ab.ts [build/als.wasm]
 *
 * Env: AB_K (32,64,128), AB_ROWS (20000), AB_REPS (300), AB_EXCL (40), AB_N (10), AB_BATCHES (4,32).
 * The screen build (screenRows) is timed once per k as well.
 */
import { loadAverage, median } from './ab-report.js';
import { readFileSync } from 'node:fs';
import { screenBytes, screenScratchBytes } from '../src/kernels/types.js';

type Fn = (...a: number[]) => number;
const path = process.argv[2] ?? 'build/als.wasm';
const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const K_VALUES = env('AB_K', '32,64,128').split(',').map(Number);
const ROWS = Number(env('AB_ROWS', '20000'));
const REPS = Number(env('AB_REPS', '300'));
const EXCL = Number(env('AB_EXCL', '40'));
const N = Number(env('AB_N', '10'));
const BATCHES = env('AB_BATCHES', '4,32').split(',').map(Number);
const MAX_Q = Math.max(1, ...BATCHES);

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
const bytesFor = (k: number) => {
  const stride = roundUp(k + 1, 8);
  return (
    ROWS * stride * 4 +
    screenBytes(ROWS, k) +
    screenScratchBytes(MAX_Q, k) +
    MAX_Q * stride * 4 +
    ROWS * 4 +
    MAX_Q * (EXCL + 1) * 4 +
    6 * MAX_Q * N * 4 +
    (1 << 16)
  );
};
const totalBytes = Math.max(...K_VALUES.map(bytesFor));
const memory = new WebAssembly.Memory({ initial: Math.ceil(totalBytes / 65536) });
const e = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), { env: { memory } }).exports as Record<string, Fn>;
const f32 = new Float32Array(memory.buffer);
const i32 = new Int32Array(memory.buffer);

let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32 - 0.5;
};
console.log(`${path}; ${ROWS} rows, n = ${N}, ${EXCL} excluded per query, ${REPS} reps; ${loadAverage()}`);
console.log('| k | case | exact µs | screened µs | ratio | same |');
console.log('|---:|---|---:|---:|---:|---|');

for (const k of K_VALUES) {
  const stride = roundUp(k + 1, 8);
  let at = 64;
  const take = (bytes: number) => {
    const p = at;
    at += roundUp(bytes, 64);
    return p;
  };
  const Y = take(ROWS * stride * 4);
  const bias = take(ROWS * 4);
  const screen = take(screenBytes(ROWS, k));
  const scratch = take(screenScratchBytes(MAX_Q, k));
  const X = take(MAX_Q * stride * 4);
  const indptr = take((MAX_Q + 1) * 4);
  const excl = take(MAX_Q * EXCL * 4);
  const kept = take(MAX_Q * 4);
  const outA = { idx: take(MAX_Q * N * 4), score: take(MAX_Q * N * 4) };
  const outB = { idx: take(MAX_Q * N * 4), score: take(MAX_Q * N * 4) };
  f32.fill(0, Y >>> 2, (Y >>> 2) + ROWS * stride);
  for (let r = 0; r < ROWS; r++) for (let c = 0; c < k; c++) f32[(Y >>> 2) + r * stride + c] = rand();
  for (let r = 0; r < ROWS; r++) f32[(bias >>> 2) + r] = rand() * 0.2;
  for (let q = 0; q < MAX_Q; q++) for (let c = 0; c < stride; c++) f32[(X >>> 2) + q * stride + c] = c < k ? rand() : 0;
  for (let q = 0; q <= MAX_Q; q++) i32[(indptr >>> 2) + q] = q * EXCL;
  for (let q = 0; q < MAX_Q; q++) {
    const rows = new Set<number>();
    while (rows.size < Math.min(EXCL, ROWS)) rows.add(Math.floor((rand() + 0.5) * ROWS));
    i32.set(Int32Array.from(rows).sort(), (excl >>> 2) + q * EXCL);
  }
  const t0 = performance.now();
  e.screenRows!(Y, stride, k, ROWS, screen);
  const buildMs = performance.now() - t0;
  type Out = { idx: number; score: number };
  const cases: { name: string; lists: number; exact: (o: Out) => void; screened: (o: Out) => void }[] = [
    {
      name: 'one, bias (scoreTopK / screenTopK)',
      lists: 1,
      exact: (o) => {
        i32[kept >>> 2] = e.scoreTopK!(Y, stride, k, 0, ROWS, 0, 0, X, bias, excl, EXCL, N, o.idx, o.score);
      },
      screened: (o) => {
        i32[kept >>> 2] = e.screenTopK!(screen, Y, stride, k, 0, ROWS, X, bias, excl, EXCL, N, o.idx, o.score, scratch);
      },
    },
    ...BATCHES.map((m) => ({
      name: `b${m} (scoreTopKBatch / screenTopKBatch)`,
      lists: m,
      exact: (o: Out) => e.scoreTopKBatch!(Y, stride, k, 0, ROWS, 0, X, m, indptr, excl, N, o.idx, o.score, kept),
      screened: (o: Out) =>
        e.screenTopKBatch!(screen, Y, stride, k, 0, ROWS, 0, X, m, indptr, excl, N, o.idx, o.score, kept, scratch),
    })),
  ];
  const heap = (o: Out, q: number) =>
    JSON.stringify(Array.from({ length: N }, (_, j) => [i32[(o.idx >>> 2) + q * N + j], i32[(o.score >>> 2) + q * N + j]]));
  for (const c of cases) {
    const ta: number[] = [];
    const tb: number[] = [];
    const reps = Math.max(20, Math.round(REPS / Math.sqrt(c.lists)));
    // Enough calls for both kernels to leave the baseline compiler (tier-up is per function).
    for (let w = 0; w < 100; w++) {
      c.exact(outA);
      c.screened(outB);
    }
    for (let r = 0; r < reps; r++) {
      const pair: [() => void, number[]][] = [
        [() => c.exact(outA), ta],
        [() => c.screened(outB), tb],
      ];
      if (r % 2) pair.reverse();
      for (const [run, times] of pair) {
        const s = performance.now();
        run();
        times.push(performance.now() - s);
      }
    }
    const same = Array.from({ length: c.lists }, (_, q) => heap(outA, q) === heap(outB, q)).every(Boolean);
    const a = median(ta) * 1000;
    const b = median(tb) * 1000;
    console.log(`| ${k} | ${c.name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(2)}× | ${same} |`);
  }
  console.log(`| ${k} | screenRows, ${ROWS} rows (once) | | ${(buildMs * 1000).toFixed(0)} | | |`);
}

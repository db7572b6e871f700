/**
 * A/B of the serving kernels of two builds in one process, interleaved (issue 14 §5): both
 * instances share one memory, so they read the same item rows from the same cache, and every
 * repetition runs A and B back to back (alternating which goes first). Reports medians (µs per
 * call) and the ratio A / B, and checks that both builds return the same top-n (indices and
 * score bits) for every case.
 *
 *   npm run build:wasm && cp build/als.wasm /tmp/before.wasm   (on the old tree)
 *   npx tsx bench/serving-kernels.ab.ts /tmp/before.wasm build/als.wasm
 *
 * Env: AB_K (default 32,64,128), AB_ROWS (20000), AB_REPS (300), AB_EXCL (excluded rows per
 * query, 40), AB_N (10). Cases: `one` = scoreTopK (the single-query path of model.recommend),
 * `bN` = scoreTopKBatch with N queries per call (what recommendAll uses), µs per call.
 */
import { readFileSync } from 'node:fs';
import { loadAverage, median } from './ab-report.js';

type Kern = {
  scoreTopK: (...a: number[]) => number;
  scoreTopKBatch: (...a: number[]) => void;
};

const [pathA, pathB] = process.argv.slice(2);
if (!pathA || !pathB) throw new Error('usage: serving-kernels.ab.ts <A.wasm> <B.wasm>');
const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const K_VALUES = env('AB_K', '32,64,128').split(',').map(Number);
const ROWS = Number(env('AB_ROWS', '20000'));
const REPS = Number(env('AB_REPS', '300'));
const EXCL = Number(env('AB_EXCL', '40'));
const N = Number(env('AB_N', '10'));
const BATCHES = env('AB_BATCHES', '1,4,8').split(',').map(Number);
const MAX_Q = Math.max(...BATCHES);

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
const bytesFor = (k: number) => {
  const stride = roundUp(k + 1, 8);
  return ROWS * stride * 4 + MAX_Q * stride * 4 + ROWS * 4 + MAX_Q * (EXCL + 1) * 4 + 3 * MAX_Q * N * 4 * 2 + (1 << 16);
};
const totalBytes = Math.max(...K_VALUES.map(bytesFor));
const memory = new WebAssembly.Memory({ initial: Math.ceil(totalBytes / 65536), maximum: Math.ceil(totalBytes / 65536) });
/** AB_FN_A / AB_FN_B: another export with scoreTopKBatch's signature (an experimental variant). */
const instance = (path: string, batchName: string): Kern => {
  const e = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), { env: { memory } }).exports;
  return { scoreTopK: e.scoreTopK, scoreTopKBatch: e[batchName] } as unknown as Kern;
};
const A = instance(pathA, env('AB_FN_A', 'scoreTopKBatch'));
const B = instance(pathB, env('AB_FN_B', 'scoreTopKBatch'));
const f32 = new Float32Array(memory.buffer);
const i32 = new Int32Array(memory.buffer);

let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32 - 0.5;
};
console.log(`A = ${pathA}, B = ${pathB}; ${ROWS} rows, n = ${N}, ${EXCL} excluded per query, ${REPS} reps; ${loadAverage()}`);
console.log('| k | case | A µs | B µs | A/B | A min | B min | same |');
console.log('|---:|---|---:|---:|---:|---:|---:|---|');

for (const k of K_VALUES) {
  const stride = roundUp(k + 1, 8);
  let at = 64;
  const take = (bytes: number) => {
    const p = at;
    at += roundUp(bytes, 64);
    return p;
  };
  const Y = take(ROWS * stride * 4);
  const X = take(MAX_Q * stride * 4);
  const indptr = take((MAX_Q + 1) * 4);
  const excl = take(MAX_Q * EXCL * 4);
  const kept = take(MAX_Q * 4);
  const outA = { idx: take(MAX_Q * N * 4), score: take(MAX_Q * N * 4) };
  const outB = { idx: take(MAX_Q * N * 4), score: take(MAX_Q * N * 4) };
  for (let r = 0; r < ROWS; r++)
    for (let c = 0; c < stride; c++) f32[(Y >>> 2) + r * stride + c] = c < k ? rand() : c === k ? 1 : 0;
  for (let q = 0; q < MAX_Q; q++) for (let c = 0; c < stride; c++) f32[(X >>> 2) + q * stride + c] = c < k ? rand() : 0;
  for (let q = 0; q <= MAX_Q; q++) i32[(indptr >>> 2) + q] = q * EXCL;
  for (let q = 0; q < MAX_Q; q++) {
    const rows = new Set<number>();
    while (rows.size < Math.min(EXCL, ROWS)) rows.add(Math.floor((rand() + 0.5) * ROWS));
    i32.set(Int32Array.from(rows).sort(), (excl >>> 2) + q * EXCL);
  }
  type Out = { idx: number; score: number };
  const cases: { name: string; run: (kern: Kern, out: Out) => void; lists: number }[] = [
    {
      name: 'one (scoreTopK)',
      lists: 1,
      run: (kern, out) => {
        i32[kept >>> 2] = kern.scoreTopK(Y, stride, k, 0, ROWS, 0, 0, X, 0, excl, EXCL, N, out.idx, out.score);
      },
    },
    ...BATCHES.map((m) => ({
      name: `b${m} (scoreTopKBatch)`,
      lists: m,
      run: (kern: Kern, out: Out) =>
        kern.scoreTopKBatch(Y, stride, k, 0, ROWS, 0, X, m, indptr, excl, N, out.idx, out.score, kept),
    })),
  ];
  const sorted = (out: Out, q: number) => {
    const got = i32[(kept >>> 2) + q]!;
    const pairs = Array.from({ length: got }, (_, j) => [i32[(out.idx >>> 2) + q * N + j]!, i32[(out.score >>> 2) + q * N + j]!]);
    return JSON.stringify(pairs.sort((a, b) => a[0]! - b[0]!));
  };
  for (const c of cases) {
    const ta: number[] = [];
    const tb: number[] = [];
    for (let w = 0; w < 20; w++) {
      c.run(A, outA);
      c.run(B, outB);
    }
    for (let r = 0; r < REPS; r++) {
      const order: [Kern, Out, number[]][] =
        r % 2 === 0
          ? [
              [A, outA, ta],
              [B, outB, tb],
            ]
          : [
              [B, outB, tb],
              [A, outA, ta],
            ];
      for (const [kern, out, times] of order) {
        const t0 = performance.now();
        c.run(kern, out);
        times.push(performance.now() - t0);
      }
    }
    c.run(A, outA);
    const listsA = Array.from({ length: c.lists }, (_, q) => sorted(outA, q));
    c.run(B, outB);
    const same = listsA.every((l, q) => l === sorted(outB, q));
    const a = median(ta) * 1000;
    const b = median(tb) * 1000;
    const lo = (xs: number[]) => (Math.min(...xs) * 1000).toFixed(1);
    console.log(
      `| ${k} | ${c.name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(2)} | ${lo(ta)} | ${lo(tb)} | ${same} |`,
    );
  }
}

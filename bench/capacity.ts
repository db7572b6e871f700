/**
 * "When one machine is not enough", on paper: the wasm memory training needs (from the real
 * layout planner) and the time per iteration (a flop count divided by rates measured in
 * bench/RESULTS.md) for data sets larger than this machine's benchmarks.
 *   npm run build && npx tsx bench/capacity.ts
 */
import { roundUp } from '../dist/kernels/types.js';
import { planLayout } from '../dist/train/layout.js';
import { MAX_MEMORY_BYTES } from '../dist/wasm/memory-plan.js';

const DATA = [
  { name: 'MovieLens-20M', users: 138_493, items: 26_744, nnz: 20_000_263, maxUser: 9_254, maxItem: 67_310 },
  { name: 'Netflix Prize', users: 480_189, items: 17_770, nnz: 100_480_507, maxUser: 17_653, maxItem: 232_944 },
  {
    name: '1 B ratings (10 M users × 1 M items)',
    users: 10_000_000,
    items: 1_000_000,
    nnz: 1_000_000_000,
    maxUser: 50_000,
    maxItem: 1_000_000,
  },
];
/**
 * Measured on synth_5m (bench/RESULTS.md, explicit Cholesky, WASM): seconds per iteration
 * with 1 thread and the 1 → 2 thread speed-up. Turned into an effective rate of the flop
 * model below, which then scales to other sizes.
 */
const MEASURED = { 64: { seconds: 2.503, speedup: 1.67 }, 128: { seconds: 9.77, speedup: 1.83 } } as const;
const SYNTH_5M = { users: 100_000, items: 20_000, nnz: 5_000_000 };

/** Per iteration: each rating updates one Gram matrix on each side (k² flops), each row one Cholesky (k³/3) and solve (2k²). */
const flops = (d: { users: number; items: number; nnz: number }, k: number) =>
  2 * d.nnz * k * k + (d.users + d.items) * (k ** 3 / 3 + 2 * k * k);

const GiB = 2 ** 30;
/** The planner's total; beyond 4 GiB it refuses with TOO_LARGE, whose message states the total. */
function memoryNeeded(input: Parameters<typeof planLayout>[0]): number {
  try {
    return planLayout(input).totalBytes;
  } catch (e) {
    const m = /needs (\d+) bytes/.exec((e as Error).message);
    if (!m) throw e;
    return Number(m[1]);
  }
}
const lines = [
  '| data | ratings | k | wasm memory | fits in 4 GiB? | s/iteration, 1 thread | 2 threads | 16 threads (ideal) |',
  '|---|---:|---:|---:|---|---:|---:|---:|',
];
for (const d of DATA) {
  for (const k of [64, 128] as const) {
    const stride = roundUp(k, 8);
    const bytes = memoryNeeded({
      numUsers: d.users,
      numItems: d.items,
      nnz: d.nnz,
      stride,
      maxUserNnz: d.maxUser,
      maxItemNnz: d.maxItem,
      threads: 2,
      userChunks: 32,
      itemChunks: 32,
    });
    const rate = flops(SYNTH_5M, k) / MEASURED[k].seconds;
    const one = flops(d, k) / rate;
    const fmt = (s: number) => (s < 100 ? s.toFixed(1) : s.toFixed(0));
    lines.push(
      `| ${d.name} | ${(d.nnz / 1e6).toFixed(0)} M | ${k} | ${(bytes / GiB).toFixed(2)} GiB | ${bytes <= MAX_MEMORY_BYTES ? 'yes' : '**no**'} | ${fmt(one)} s | ${fmt(one / MEASURED[k].speedup)} s | ${fmt(one / 16)} s |`,
    );
  }
}
console.log(
  `Effective rates from synth_5m: k = 64 ${(flops(SYNTH_5M, 64) / MEASURED[64].seconds / 1e9).toFixed(1)} GFLOP/s, k = 128 ${(flops(SYNTH_5M, 128) / MEASURED[128].seconds / 1e9).toFixed(1)} GFLOP/s per thread.\n`,
);
console.log(lines.join('\n'));

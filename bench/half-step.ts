/**
 * Where a half-step of the implicit Cholesky path spends its time (issue 14, item 2), on the
 * same memory a fit uses. Prints one JSON line.
 *
 *   npm run build   (the workers of threads > 1 run dist/)
 *   npx tsx bench/half-step.ts '{"factors":64,"threads":1}'
 *   config: { data (ALSCOO01 path, default ../shared/data/synthetic/synth_5m.alscoo), factors,
 *             threads, iterations (whole iterations timed, default 3), piecewise (default: threads == 1),
 *             wasm (path of another single-threaded build, e.g. a baseline copied aside: for
 *             before/after runs in alternating fresh processes; threads = 1 only),
 *             compare (path of another build: section 4 below), rounds (of section 4, default 3) }
 *
 * The options are bench/fit-one.ts's implicit run: c = α·r with α = 1, λ = 0.05, Cholesky, seed 1.
 *
 * 1. Whole iterations as fitAls runs them (halfStep users, halfStep items, then the loss that
 *    only onIteration reads), with every job timed by name: what is left of an iteration is
 *    the JS between jobs.
 * 2. Piecewise, on the main thread only, each kernel called directly over every row of a side
 *    (one JS → WASM call per row; the factors are those after the timed iterations):
 *    solveRows over all rows in one call; rowWeights alone; rowWeights + gramRow;
 *    (copy YᵀY) + cholesky + choleskySolve, minus the copy alone; per-chunk solveRows times,
 *    from which a greedy 2-thread schedule of the chunks gives the load-balance bound.
 * 3. gramRow on synthetic rows as bench/kernels.bench.ts runs it (4096 random rows, n random
 *    columns), for the kernel's own rate on this host now.
 * 4. With `compare`: this build and another (e.g. the one before a change) interleaved in this
 *    process on the same memory: solveRows over every row of each side (ABBA per round: the
 *    Cholesky path does not read the rows it writes, so every call gives the same factors),
 *    and gramRow (n = 100, in cache) of both builds each round. The end-to-end rate is both
 *    sides' flops (2·n·k² per rating, k³/3 per row) over the two solveRows medians, against
 *    the median Gram rate of the same rounds: a loaded host slows both alike.
 */
import { readFileSync } from 'node:fs';
import { createWasmKernels } from '../src/kernels/wasm.js';
import { roundUp } from '../src/kernels/types.js';
import { Prng } from '../src/train/prng.js';
import type { SideName } from '../src/train/state.js';
import { kernelAlpha, weightMode } from '../src/train/weights.js';
import { benchTrainingState } from './bench-state.js';

const config = JSON.parse(process.argv[2] ?? '{}');
const dataPath: string = config.data ?? new URL('../../shared/data/synthetic/synth_5m.alscoo', import.meta.url).pathname;
const k: number = config.factors ?? 64;
const threads: number = config.threads ?? 1;
const iterations: number = config.iterations ?? 3;
const piecewise: boolean = config.piecewise ?? threads === 1;
/** Runs of each piecewise measurement (the median is kept). */
const reps: number = config.reps ?? 3;
/** The in-cache kernel rates alone (section 3), e.g. two processes at once as a control. */
const micro: boolean = config.micro ?? piecewise;

if (config.wasm) {
  if (threads !== 1 || config.shared) throw new Error('"wasm" replaces the single-threaded build: threads 1 only');
  const { init } = await import('../src/index.js');
  await init({ wasm: readFileSync(config.wasm), simd: 'simd' });
}

// shared: true runs one thread on the threads build (shared memory), as a 2-thread fit's workers do.
const { ratings, o, stride, layout, backend, state, executor } = await benchTrainingState({
  data: dataPath,
  factors: k,
  threads,
  shared: config.shared,
});

// Every job timed by name (and by the side it ran for, from the order fitAls runs them).
const jobMs = new Map<string, number>();
let phase = '';
const runJob = state.runJob.bind(state);
state.runJob = (async (job, tasks, args) => {
  const t0 = performance.now();
  await runJob(job, tasks, args);
  const key = `${phase}:${job}`;
  jobMs.set(key, (jobMs.get(key) ?? 0) + performance.now() - t0);
}) as typeof state.runJob;

// ---- 1. whole iterations ----------------------------------------------------------------
const perIteration: {
  seconds: number;
  users: number;
  items: number;
  loss: number;
  jobs: Record<string, number>;
  js: number;
  /** CPU seconds of the whole process (all threads) over the two half-steps: ≈ threads × seconds when no thread waits. */
  cpuSeconds: number;
}[] = [];
for (let it = 0; it < iterations; it++) {
  jobMs.clear();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  phase = 'users';
  await state.halfStep('users', ratings.users);
  const t1 = performance.now();
  phase = 'items';
  await state.halfStep('items', ratings.items);
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  phase = 'loss';
  await state.loss('items');
  const t3 = performance.now();
  const jobs = Object.fromEntries(jobMs);
  const jobSum = [...jobMs.entries()].filter(([n]) => !n.startsWith('loss')).reduce((s, [, v]) => s + v, 0);
  perIteration.push({
    seconds: (t2 - t0) / 1000,
    users: t1 - t0,
    items: t2 - t1,
    loss: t3 - t2,
    jobs,
    js: t2 - t0 - jobSum,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  });
}

// ---- 2. piecewise, one thread -------------------------------------------------------------
const K = backend.kernels;
const f32 = new Float32Array(backend.buffer);
const i32 = new Int32Array(backend.buffer);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Median ms of `reps` runs of fn. */
function time(fn: () => void, runs = reps): number {
  const ts: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

function piecewiseSide(side: SideName) {
  const solved = layout[side];
  const fixed = layout[side === 'users' ? 'items' : 'users'];
  const rows = solved.rows;
  const params = solved.params;
  const A = layout.scratch;
  const b = A + stride * stride * 4;
  const wPtr = b + 4 * stride * 4;
  const indptr = solved.indptr >>> 2;
  const nnz = i32[indptr + rows]!;
  const lam = o.regularization; // unscaled: regWeights hold 1
  // The parameter block and YᵀY for this side, as halfStep leaves them.
  return (async () => {
    await state.prepare(side);
    const yty = layout.gram;
    const solveAll = time(() => {
      const s = K.solveRows(params, 0, rows, layout.scratch);
      if (s !== -1) throw new Error(`solveRows failed: ${s}`);
    });
    const mode = weightMode(o);
    const alpha = kernelAlpha(o);
    const eachRow = (body: (lo: number, n: number, w: number, t: number) => void) => () => {
      for (let u = 0; u < rows; u++) {
        const lo = i32[indptr + u]!;
        const n = i32[indptr + u + 1]! - lo;
        if (n <= 0) continue;
        const m4 = roundUp(n, 4) * 4;
        body(lo, n, wPtr, wPtr + m4);
      }
    };
    const weights = time(
      eachRow((lo, n, w, t) => K.rowWeights(solved.indices + lo * 4, solved.values + lo * 4, n, mode, alpha, 0, 0, w, t)),
    );
    const weightsGram = time(
      eachRow((lo, n, w, t) => {
        K.rowWeights(solved.indices + lo * 4, solved.values + lo * 4, n, mode, alpha, 0, 0, w, t);
        K.gramRow(fixed.factors, stride, k, solved.indices + lo * 4, w, t, n, yty, A, b, t + roundUp(n, 4) * 4);
      }),
    );
    const a0 = yty >>> 2;
    const aOff = A >>> 2;
    const len = stride * stride;
    const copyOnly = time(() => {
      for (let u = 0; u < rows; u++) f32.copyWithin(aOff, a0, a0 + len);
    });
    const copyChol = time(() => {
      for (let u = 0; u < rows; u++) {
        f32.copyWithin(aOff, a0, a0 + len);
        K.cholesky(A, stride, k, lam);
        K.choleskySolve(A, stride, k, b, b);
      }
    });
    // Per-chunk solveRows, and the greedy claim order of two threads over them.
    const bounds = solved.bounds >>> 2;
    const chunkMs: number[] = [];
    for (let c = 0; c < solved.chunks; c++) {
      const t0 = performance.now();
      K.solveRows(params, i32[bounds + c]!, i32[bounds + c + 1]!, layout.scratch);
      chunkMs.push(performance.now() - t0);
    }
    const lanes = [0, 0];
    for (const ms of chunkMs) {
      const l = lanes[0]! <= lanes[1]! ? 0 : 1;
      lanes[l]! += ms;
    }
    // The Gram job of the fixed side alone (gramBlock over its rows, then the JS sum).
    const gramJob = time(() => {
      K.gramBlock(fixed.factors, stride, k, 0, fixed.rows, layout.gramPartials, 0);
    });
    const chol = copyChol - copyOnly;
    const gram = weightsGram - weights;
    return {
      side,
      rows,
      nnz,
      solveRowsMs: solveAll,
      weightsMs: weights,
      gramRowMs: gram,
      choleskySolveMs: chol,
      restMs: solveAll - weightsGram - chol,
      ytyGramBlockMs: gramJob,
      chunks: solved.chunks,
      chunkSumMs: chunkMs.reduce((s, v) => s + v, 0),
      twoThreadGreedyMs: Math.max(...lanes),
      gramRowGflops: (2 * nnz * k * k) / (gram * 1e6),
      cholGflops: (rows * (k ** 3 / 3 + 2 * k * k)) / (chol * 1e6),
      endToEndGflops: (2 * nnz * k * k + (rows * k ** 3) / 3) / (solveAll * 1e6),
    };
  })();
}

/** gramRow on random rows as bench/kernels.bench.ts runs it: the kernel's own rate now. */
function gramMicro(n: number, kernels = K) {
  // Y: the first 4096 item rows; cols, w, t and gramRow's gather blocks in the (now idle)
  // YᵀY partials, A and b in thread 0's scratch.
  const p = new Prng(1234 + k);
  const Yf = layout.items.factors;
  const cols = layout.gramPartials;
  const w = cols + 1024 * 4;
  const t = w + 1024 * 4;
  const g = t + 1024 * 4;
  for (let j = 0; j < n; j++) {
    i32[(cols >>> 2) + j] = Math.floor(p.next() * Math.min(4096, layout.items.rows));
    f32[(w >>> 2) + j] = 1 + 4 * p.next();
    f32[(t >>> 2) + j] = 1 + f32[(w >>> 2) + j]!;
  }
  const calls = Math.max(10, Math.round(2e8 / (2 * n * k * k)));
  const ms =
    time(() => {
      for (let r = 0; r < calls; r++)
        kernels.gramRow(Yf, stride, k, cols, w, t, n, 0, layout.scratch, layout.scratch + stride * stride * 4, g);
    }, 7) / calls;
  return { n, us: ms * 1e3, fullGflops: (2 * n * k * k) / (ms * 1e6) };
}

/** cholesky + choleskySolve of YᵀY + λI (in cache), as bench/kernels.bench.ts runs it. */
function choleskyMicro() {
  const A = layout.scratch;
  const b = A + stride * stride * 4;
  const a0 = layout.gram >>> 2;
  const len = stride * stride;
  const calls = Math.max(10, Math.round(1e8 / (k ** 3 / 3)));
  const copy = () => {
    for (let r = 0; r < calls; r++) f32.copyWithin(A >>> 2, a0, a0 + len);
  };
  const full = () => {
    for (let r = 0; r < calls; r++) {
      f32.copyWithin(A >>> 2, a0, a0 + len);
      K.cholesky(A, stride, k, o.regularization);
      K.choleskySolve(A, stride, k, b, b);
    }
  };
  const ms = (time(full, 7) - time(copy, 7)) / calls;
  return { us: ms * 1e3, gflops: (k ** 3 / 3 + 2 * k * k) / (ms * 1e6) };
}

const secondsPerIteration = median(perIteration.map((p) => p.seconds));
/** An iteration's flops as RESULTS.md counts them: 2·n·k² per rating and side, k³/3 per solved row. */
const iterationFlops = 2 * 2 * ratings.nnz * k * k + ((ratings.numUsers + ratings.numItems) * k ** 3) / 3;
const result: Record<string, unknown> = {
  k,
  threads,
  wasm: config.wasm ?? 'build/als.wasm',
  iterations: perIteration,
  secondsPerIteration,
  endToEndGflops: iterationFlops / (secondsPerIteration * 1e9),
};
if (piecewise) {
  result.users = await piecewiseSide('users');
  result.items = await piecewiseSide('items');
}
if (micro) {
  await state.prepare('users');
  const grams = [gramMicro(50), gramMicro(100), gramMicro(250)];
  result.gramMicro = grams;
  result.choleskyMicro = choleskyMicro();
  // The end-to-end rate against the Gram kernel's in this process (n = 100, full count).
  result.endToEndOfGram = iterationFlops / (secondsPerIteration * 1e9) / grams[1]!.fullGflops;
}
if (config.compare) {
  const other = createWasmKernels(new WebAssembly.Module(readFileSync(config.compare)), backend.memory!);
  const rounds: number = config.rounds ?? 3;
  const builds = [K, other];
  const solveMs: Record<SideName, number[][]> = { users: [[], []], items: [[], []] };
  const gramGf: number[][] = [[], []];
  const factors: Float32Array[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const side of ['users', 'items'] as SideName[]) {
      await state.prepare(side);
      const solved = layout[side];
      for (const b of [0, 1, 1, 0]) {
        const t0 = performance.now();
        const s = builds[b]!.solveRows(solved.params, 0, solved.rows, layout.scratch);
        solveMs[side][b]!.push(performance.now() - t0);
        if (s !== -1) throw new Error(`solveRows failed: ${s}`);
        if (r === rounds - 1 && side === 'items' && factors.length < 2)
          factors.push(f32.slice(solved.factors >>> 2, (solved.factors >>> 2) + solved.rows * stride));
      }
    }
    await state.prepare('users');
    for (const b of [0, 1]) gramGf[b]!.push(gramMicro(100, builds[b]).fullGflops);
  }
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < factors[0]!.length; i++) {
    diff = Math.max(diff, Math.abs(factors[0]![i]! - factors[1]![i]!));
    norm = Math.max(norm, Math.abs(factors[1]![i]!));
  }
  const sidesFlops = iterationFlops;
  result.compare = [0, 1].map((b) => {
    const users = median(solveMs.users[b]!);
    const items = median(solveMs.items[b]!);
    const gram = median(gramGf[b]!);
    const e2e = sidesFlops / ((users + items) * 1e6);
    return {
      build: b === 0 ? 'this' : config.compare,
      usersSolveRowsMs: users,
      itemsSolveRowsMs: items,
      gramRowFullGflops: gram,
      endToEndGflops: e2e,
      endToEndOfGram: e2e / gram,
    };
  });
  result.compareItemsMaxRelDiff = diff / norm;
}
await executor.close();
console.log(JSON.stringify(result));

/**
 * The exact short-row path of the Cholesky solver (assembly/short-rows.ts) on a real file:
 * half-step times with the path off and with different cut-offs n₊ ≤ ratio·dim, interleaved in
 * one process on the same memory (the fixed side is restored before every run, as the users'
 * half-step leaves it whitened). Prints one JSON line.
 *
 *   npx tsx bench/short-rows.ts '{"factors":64,"ratios":[0,0.5,1],"rounds":5}'
 *   config: { data (ALSCOO01, default ../shared/data/synthetic/synth_5m.alscoo), factors,
 *             alpha (implicit c = α·r, default 1; λ = 0.05 as bench/fit-one.ts),
 *             ratios (0: the path off; -1: the default cut-off, state.ts shortRowRatio;
 *             default [0, -1]), rounds,
 *             wasm (another single-threaded build, e.g. the one before the change: then every
 *             ratio runs on it, and a ratio > 0 needs its kernels) }
 * Times are medians over rounds of wall-clock ms, 1 thread, with the CPU ms beside them.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { shortRowPath } from '../src/train/state.js';
import { benchTrainingState } from './bench-state.js';

const config = JSON.parse(process.argv[2] ?? '{}');
const dataPath: string = config.data ?? new URL('../../shared/data/synthetic/synth_5m.alscoo', import.meta.url).pathname;
const k: number = config.factors ?? 64;
const ratios: number[] = config.ratios ?? [0, -1];
const rounds: number = config.rounds ?? 3;

if (config.wasm) {
  const { init } = await import('../src/index.js');
  await init({ wasm: readFileSync(config.wasm), simd: 'simd' });
}

const { ratings, o, stride, layout, backend, state, executor } = await benchTrainingState({
  data: dataPath,
  factors: k,
  threads: 1,
  alpha: config.alpha ?? 1,
});
// Two plain iterations first: factors as a fit has them.
for (let it = 0; it < 2; it++) {
  await state.halfStep('users', ratings.users);
  await state.halfStep('items', ratings.items);
}
const f32 = new Float32Array(backend.buffer);
const saved = {
  users: f32.slice(layout.users.factors >>> 2, (layout.users.factors >>> 2) + layout.users.rows * stride),
  items: f32.slice(layout.items.factors >>> 2, (layout.items.factors >>> 2) + layout.items.rows * stride),
};
const restore = () => {
  f32.set(saved.users, layout.users.factors >>> 2);
  f32.set(saved.items, layout.items.factors >>> 2);
};

const times = new Map<number, { users: number[]; items: number[]; usersCpu: number[]; itemsCpu: number[] }>();
for (const r of ratios) times.set(r, { users: [], items: [], usersCpu: [], itemsCpu: [] });
async function timed(fn: () => Promise<void>): Promise<[number, number]> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return [performance.now() - t0, (c.user + c.system) / 1000];
}
const load0 = loadavg()[0];
for (let round = 0; round < rounds; round++) {
  // ABBA order over the ratios
  const order = round % 2 === 0 ? ratios : [...ratios].reverse();
  for (const r of order) {
    shortRowPath.enabled = r !== 0;
    shortRowPath.ratio = r < 0 ? null : r;
    restore();
    const t = times.get(r)!;
    const [u, uc] = await timed(() => state.halfStep('users', ratings.users, { mayLeaveFixedWhitened: true }));
    const [i, ic] = await timed(() => state.halfStep('items', ratings.items));
    t.users.push(u);
    t.usersCpu.push(uc);
    t.items.push(i);
    t.itemsCpu.push(ic);
  }
}
await executor.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const result: Record<string, unknown> = {};
for (const [r, t] of times) {
  result[r < 0 ? 'default' : r === 0 ? 'off' : `ratio ${r}`] = {
    usersMs: Math.round(median(t.users)),
    itemsMs: Math.round(median(t.items)),
    usersCpuMs: Math.round(median(t.usersCpu)),
    itemsCpuMs: Math.round(median(t.itemsCpu)),
  };
}
console.log(
  JSON.stringify({
    k,
    alpha: o.alpha,
    rounds,
    wasm: config.wasm ?? 'this build',
    load: [load0, loadavg()[0]],
    ...result,
  }),
);

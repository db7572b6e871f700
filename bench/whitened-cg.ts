/**
 * Implicit CG in the whitened basis (assembly/whiten-cg.ts, docs/kernels.md "CG in the
 * whitened basis") on a real file, 1 thread. Prints one JSON line. Run it pinned
 * (`taskset -c 0`): the variants are interleaved in one process, so they share the load.
 *
 *   npx tsx bench/whitened-cg.ts '{"mode":"halfsteps","factors":128,"rounds":5}'
 *   npx tsx bench/whitened-cg.ts '{"mode":"loss","factors":64,"data":"../shared/data/synthetic/synth_1m.alscoo"}'
 *   config: { data (ALSCOO01 or a MovieLens-style CSV, default
 *             ../shared/data/synthetic/synth_5m.alscoo), factors, alpha (default 1),
 *             confidence ('alpha': c = α·r, the default; 'one-plus-alpha': c = 1 + α·r), regularization
 *             (default 0.05), cgSteps (default 3), rounds, iterations (loss, default 5),
 *             minDim (whitenedCg.minDim: whiten below the default minimum dim too) }
 *
 * mode "halfsteps": two plain CG iterations first, then per round (ABBA order) every variant
 * from those same factors: its users' half-step, its items' half-step, and the un-whitening
 * of the users that the next users' half-step would pay when the items' half-step whitened
 * them ("backMs"). Variants: plain (no whitening), users (the items whitened for the users'
 * half-step: what the cost rule picks on synth_5m), both (the users whitened for the items'
 * half-step too), usersCold (as users, z₀ = 0). Medians of wall-clock ms.
 * mode "loss": whole fits (fitAls, onIteration's loss after each epoch) of plain CG, whitened
 * CG (the cost rule), whitened CG with a cold start, and Cholesky; iterations · variants fits.
 */
import { loadavg } from 'node:os';
import { Ratings } from '../src/data/ratings.js';
import { ALS } from '../src/train/als.js';
import { TrainingState, whitenedCg } from '../src/train/state.js';
import { benchTrainingState } from './bench-state.js';
import { readTriplesFile } from './triples-file.js';

const config = JSON.parse(process.argv[2] ?? '{}');
const dataPath: string = config.data ?? new URL('../../shared/data/synthetic/synth_5m.alscoo', import.meta.url).pathname;
const k: number = config.factors ?? 64;
const alpha: number = config.alpha ?? 1;
const cgSteps: number = config.cgSteps ?? 3;
const rounds: number = config.rounds ?? 3;
// below the default minimum dim too, to measure it
if (config.minDim !== undefined) whitenedCg.minDim = config.minDim;
const data = readTriplesFile(dataPath);
const ratings = Ratings.fromTriples(data, { denseIds: true, numUsers: data.numUsers, numItems: data.numItems });
const common = {
  feedback: 'implicit',
  confidence: (config.confidence ?? 'alpha') as 'alpha' | 'one-plus-alpha',
  alpha,
  regularization: (config.regularization ?? 0.05) as number,
  seed: 1,
} as const;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load0 = loadavg()[0];

if (config.mode === 'loss') {
  const iterations: number = config.iterations ?? 5;
  const variants: [string, 'cg' | 'cholesky', boolean, boolean][] = [
    ['plainCg', 'cg', false, true],
    ['whitenedCg', 'cg', true, true],
    ['whitenedCgCold', 'cg', true, false],
    ['cholesky', 'cholesky', false, true],
  ];
  const result: Record<string, { losses: number[]; seconds: number[] }> = {};
  for (const [name, solver, enabled, warmStart] of variants) {
    Object.assign(whitenedCg, { enabled, warmStart, costRule: true });
    const losses: number[] = [];
    const seconds: number[] = [];
    await new ALS({
      ...common,
      factors: k,
      solver,
      cgSteps,
      iterations,
      threads: 1,
      backend: 'wasm',
      onIteration: (it) => {
        losses.push(it.loss);
        seconds.push(Math.round(it.seconds * 1000) / 1000);
      },
    }).fit(ratings);
    result[name] = { losses, seconds };
  }
  console.log(JSON.stringify({ mode: 'loss', data: dataPath, k, alpha, cgSteps, load: [load0, loadavg()[0]], ...result }));
} else {
  const { o, stride, layout, backend, state, executor } = await benchTrainingState({
    data: dataPath,
    ratings,
    factors: k,
    threads: 1,
    shared: false,
    options: { ...common, solver: 'cg', cgSteps },
  });
  whitenedCg.enabled = false;
  for (let it = 0; it < 2; it++) {
    await state.halfStep('users', ratings.users);
    await state.halfStep('items', ratings.items);
  }
  const f32 = new Float32Array(backend.buffer);
  const span = (s: typeof layout.users) => [s.factors >>> 2, (s.factors >>> 2) + s.rows * stride] as const;
  const saved = { users: f32.slice(...span(layout.users)), items: f32.slice(...span(layout.items)) };
  const timed = async (fn: () => Promise<void>) => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  // name → [whiten for the users' half-step, for the items', warm start]
  const variants: Record<string, [boolean, boolean, boolean]> = {
    plain: [false, false, true],
    users: [true, false, true],
    both: [true, true, true],
    usersCold: [true, false, false],
  };
  const names: string[] = config.variants ?? Object.keys(variants);
  const times = new Map(names.map((n) => [n, { users: [] as number[], items: [] as number[], back: [] as number[] }]));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const [forUsers, forItems, warmStart] = variants[name]!;
      // a fresh state object per run: the cost rule's memo and the whitened side start clean
      const run = new TrainingState(backend.kernels, backend.buffer, layout, o, stride, 0);
      run.executor = executor;
      f32.set(saved.users, layout.users.factors >>> 2);
      f32.set(saved.items, layout.items.factors >>> 2);
      Object.assign(whitenedCg, { enabled: forUsers, warmStart, costRule: false });
      const users = await timed(() => run.halfStep('users', ratings.users, { mayLeaveFixedWhitened: true }));
      whitenedCg.enabled = forItems;
      const items = await timed(() => run.halfStep('items', ratings.items, { mayLeaveFixedWhitened: true }));
      const back = await timed(() => run.unwhitenFixed('items', false));
      const t = times.get(name)!;
      t.users.push(users);
      t.items.push(items);
      t.back.push(back);
    }
  }
  await executor.close();
  const result: Record<string, unknown> = {};
  for (const [name, t] of times) {
    result[name] = {
      usersMs: Math.round(median(t.users)),
      itemsMs: Math.round(median(t.items)),
      backMs: Math.round(median(t.back)),
    };
  }
  console.log(
    JSON.stringify({ mode: 'halfsteps', data: dataPath, k, alpha, cgSteps, rounds, load: [load0, loadavg()[0]], ...result }),
  );
}

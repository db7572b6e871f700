/**
 * The users whitened for the items' half-step (fitAls, HalfStepOptions.mayLeaveFixedWhitened) on
 * a real file: one fit in this fresh process, with `variant` 'before' (the items' half-step
 * never whitens: the flag is stripped) or 'after' (as fitAls runs it).
 * Each half-step is timed (wall clock), so no onIteration is needed for the times (with one,
 * TrainingState.unwhitenFixed is timed apart: it runs before the loss and after the fit); the loss
 * after the fit is computed here in float64 from the model (the implicit objective over all
 * pairs divided by the ratings, as TrainingState.loss), the same for both variants.
 * Prints one JSON line. Run the variants in alternating fresh processes.
 *
 *   npx tsx bench/whiten-items.ts '{"data":"../shared/data/synthetic/synth_5m.alscoo","factors":64,"variant":"after"}'
 *   config: { data (ALSCOO01, or a MovieLens-style CSV), factors, threads (2), iterations (5),
 *             variant, onIteration (false: pass one, which keeps the users plain), loss (true),
 *             stopAfter (end the fit by its signal after this many iterations: times only),
 *             costRule (false: whiten wherever allowed, as before the cost rule),
 *             solver, blockSize, alpha, confidence, regularization (default c = α·r, α = 1,
 *             λ = 0.05 as bench/fit-one.ts) }
 */
import { loadavg } from 'node:os';
import { ALS, Ratings } from '../src/index.js';
import { type HalfStepOptions, type SideName, TrainingState, shortRowPath } from '../src/train/state.js';
import type { IdMap } from '../src/data/id-map.js';
import { readTriplesFile } from './triples-file.js';

const config = JSON.parse(process.argv[2] ?? '{}');
const iterations: number = config.iterations ?? 5;

const data = readTriplesFile(String(config.data));
const ratings = Ratings.fromTriples(data, { denseIds: true, numUsers: data.numUsers, numItems: data.numItems });

// costRule false: whiten wherever the path may (state.ts whiteningPays not asked).
if (config.costRule === false) shortRowPath.costRule = false;
const times: { users: number[]; items: number[] } = { users: [], items: [] };
const controller = new AbortController();
const original = TrainingState.prototype.halfStep;
TrainingState.prototype.halfStep = async function (this: TrainingState, side: SideName, ids: IdMap, how?: HalfStepOptions) {
  const start = performance.now();
  const strip = config.variant === 'before' && side === 'items';
  await original.call(this, side, ids, strip ? {} : how);
  times[side].push((performance.now() - start) / 1000);
  if (side === 'items' && config.stopAfter !== undefined && times.items.length >= config.stopAfter) controller.abort();
};

const unwhitenSeconds: number[] = [];
const originalUnwhiten = TrainingState.prototype.unwhitenFixed;
TrainingState.prototype.unwhitenFixed = async function (this: TrainingState, side: SideName, forLoss: boolean) {
  const start = performance.now();
  await originalUnwhiten.call(this, side, forLoss);
  unwhitenSeconds.push((performance.now() - start) / 1000);
};

const alpha: number = config.alpha ?? 1;
const confidence: 'alpha' | 'one-plus-alpha' = config.confidence ?? 'alpha';
const lambda: number = config.regularization ?? 0.05;
const losses: number[] = [];
let model: Awaited<ReturnType<ALS['fit']>> | null = null;
try {
  model = await new ALS({
    factors: config.factors,
    iterations,
    feedback: 'implicit',
    solver: config.solver ?? 'cholesky',
    ...(config.blockSize !== undefined ? { blockSize: config.blockSize } : {}),
    confidence,
    alpha,
    regularization: lambda,
    threads: config.threads ?? 2,
    backend: 'wasm',
    seed: 1,
    signal: controller.signal,
    ...(config.onIteration ? { onIteration: ({ loss }: { loss: number }) => void losses.push(loss) } : {}),
  }).fit(ratings);
} catch (error) {
  if (!controller.signal.aborted) throw error;
}

/** Σ_obs c (1 − x·y)² + Σ_unobs (x·y)² + λ(‖X‖² + ‖Y‖²), over the ratings' count, in float64. */
function implicitLoss(X: Float32Array, Y: Float32Array, k: number): number {
  const gram = (F: Float32Array, rows: number) => {
    const G = new Float64Array(k * k);
    for (let r = 0; r < rows; r++) {
      const o = r * k;
      for (let a = 0; a < k; a++) {
        const v = F[o + a]!;
        for (let b = 0; b < k; b++) G[a * k + b]! += v * F[o + b]!;
      }
    }
    return G;
  };
  const gx = gram(X, ratings.numUsers);
  const gy = gram(Y, ratings.numItems);
  let all = 0; // Σ over every pair of (x·y)² = ⟨XᵀX, YᵀY⟩
  for (let e = 0; e < k * k; e++) all += gx[e]! * gy[e]!;
  const { indptr, indices, values } = ratings.byUser;
  let observed = 0;
  for (let u = 0; u < ratings.numUsers; u++) {
    for (let e = indptr[u]!; e < indptr[u + 1]!; e++) {
      let p = 0;
      for (let a = 0; a < k; a++) p += X[u * k + a]! * Y[indices[e]! * k + a]!;
      const c = confidence === 'alpha' ? alpha * values[e]! : 1 + alpha * values[e]!;
      observed += c * (1 - p) ** 2 - p * p;
    }
  }
  let penalty = 0;
  for (const F of [X, Y]) for (let e = 0; e < F.length; e++) penalty += F[e]! * F[e]!;
  return (all + observed + lambda * penalty) / ratings.nnz;
}

const iterationSeconds = times.items.map((s, i) => s + times.users[i]!);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(
  JSON.stringify({
    ...config,
    usersSeconds: times.users,
    itemsSeconds: times.items,
    iterationSeconds,
    medianIterationSeconds: median(iterationSeconds),
    // The last iteration never whitens: the median of the others says what whitening does.
    medianWhitenedIterationSeconds: iterationSeconds.length > 1 ? median(iterationSeconds.slice(0, -1)) : null,
    // With onIteration: the users back to factors and their YᵀY (a no-op 'before'), per iteration.
    unwhitenSeconds,
    onIterationLosses: losses,
    loss: model && config.loss !== false ? implicitLoss(model.userFactors, model.itemFactors, config.factors) : null,
    load: loadavg(),
  }),
);

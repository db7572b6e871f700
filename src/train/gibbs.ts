import type { Ratings } from '../data/ratings.js';
import { AlsError, ErrorCode, fail } from '../errors.js';
import { createBackend } from '../kernels/select.js';
import { SOLVE_OK, roundUp } from '../kernels/types.js';
import { ALSModel } from '../model/model.js';
import { throwIfAborted } from '../parallel/executor.js';
import type { SpawnWorker } from '../parallel/worker-handle.js';
import { planTraining, type Layout } from './layout.js';
import { trainingThreads } from './threads.js';
import type { AlsOptions, ResolvedOptions } from './options.js';
import { Prng, streamKey, streamSeed } from './prng.js';
import { type KeptSample, type PriorBlock, planPriorBlock, type ShortRowSampling, writePriorBlock } from './gibbs-prior.js';
import { type SideName, startTraining, type TrainingState } from './state.js';
import { checkValueRange } from './value-range.js';
import {
  bpmfPrior,
  type HyperpriorSettings,
  type NormalWishart,
  sampleNoisePrecision,
  sampleNormalWishart,
  WishartWork,
} from './wishart.js';

/** What a Gibbs fit takes beyond its resolved options. */
export type GibbsCallbacks = Pick<AlsOptions, 'onIteration' | 'signal' | 'init' | 'validation'>;

/**
 * Knobs of the sampler that are not public options (tests and the measurements of
 * docs/bayesian-als.md set them).
 */
export interface GibbsRuntime {
  /** Cut each half-step as for this many threads (results must not depend on it). Default: the threads. */
  chunkThreads?: number;
  /** The noise precision τ: a fixed value, or 'sampled' from its Gamma conditional. */
  noise?: number | 'sampled';
  /** Starts a worker (tests pass one that fails); as ALS's FitRuntime. */
  spawnWorker?: SpawnWorker;
  /** The Normal–Wishart hyperprior's settings (measured in docs/bayesian-als.md). Default: {@link bpmfPrior}'s. */
  hyperprior?: HyperpriorSettings;
  /** τ ~ Gamma(alpha0, rate beta0) a priori. Default: libFM's α₀ = β₀ = 1. */
  noisePrior?: { alpha0: number; beta0: number };
  /** Short rows by perturb and MAP (gibbs-prior.ts). Default: enabled, SAMPLER_SHORT_ROW_RATIO, the cost rule. */
  shortRows?: ShortRowSampling;
}

/** BPMF's fixed observation precision (Salakhutdinov & Mnih use α = 2). */
export const BPMF_NOISE_PRECISION = 2;

/** Stream numbers of the per-draw seeds (streamSeed's `side` word). */
const Stream = { users: 0, items: 1, usersHyper: 2, itemsHyper: 3, noise: 4 } as const;

/**
 * Bayesian ALS (BPMF with biases) by Gibbs sampling, on `threads` threads as ALS.
 *
 * Each sample: draw the users' Normal–Wishart hyperparameters from their current rows, draw
 * every user row from its Gaussian conditional (kernels.sampleRows), the same for the items,
 * then the noise precision. The bias is the last coordinate of each row, so the hyperprior is
 * over [x; b] jointly. After `burnIn` samples, each kept sample's factors are stored side by
 * side scaled by 1/√samples: the model's x_u·y_i is then exactly the average of the samples'
 * predictions (biases, being linear, are averaged). The kernel writes them as it draws each
 * row (PRIOR_PARAMS keep), into the same memory after the prior block: the model's factors are
 * views of it, as an in-place ALS fit's are.
 *
 * Threads: a half-step is one Job.Sample (parallel/tasks.ts) over the side's chunks; the kernel
 * draws each row's normals from the row's own stream, so the factors are bit-identical for any
 * thread count. The prior block and τ are drawn here, between the jobs, and so are the
 * hyperparameters on one thread. With workers, the kernel also copies each side's rows into a
 * mirror as it draws them, and the calling thread draws that side's next hyperparameters from
 * the mirror while the other side's job runs (Executor.run's `alongside`): the same numbers,
 * off the serial path between jobs.
 */
export async function fitGibbs(
  ratings: Ratings,
  o: ResolvedOptions,
  callbacks: GibbsCallbacks,
  runtime: GibbsRuntime = {},
): Promise<ALSModel> {
  const { signal } = callbacks;
  throwIfAborted(signal, 'Training');
  const k = o.factors;
  const dim = k + (o.biases ? 1 : 0);
  const stride = roundUp(dim, 8);
  const noise = runtime.noise ?? 'sampled';
  const samples = o.samples;
  const threads = await trainingThreads(o.threads, ratings.nnz, k, o.burnIn + samples);
  const layout = planTraining(ratings, stride, threads, runtime.chunkThreads ?? threads);
  // The kept samples, side by side (k floats a sample and row, as planKept lays them out):
  // refused before anything is drawn when they cannot be held.
  const keptFloats = (ratings.numUsers + ratings.numItems) * k * samples;
  if (keptFloats > 2 ** 29) {
    fail(
      ErrorCode.TOO_LARGE,
      `solver 'gibbs' keeps ${samples} samples × ${k} factors for ${ratings.numUsers + ratings.numItems} rows: ${keptFloats} floats, more than 2 GiB.`,
      'Lower samples (or factors).',
    );
  }
  checkValueRange(ratings.byUser.values, o, 'The ratings');
  // Beyond the training layout, in the same (shared) memory: the prior block (gibbs-prior.ts).
  // The normals are drawn in the kernel, into each thread's scratch.
  const prior = planPriorBlock(roundUp(layout.totalBytes, 64), ratings, stride, dim, runtime.shortRows ?? { enabled: true });
  const kept = planKept(prior.end, ratings, k, samples, o.biases);
  // With workers, each side's rows are also mirrored as drawn (see sampleChain); one thread
  // would only do the same work in another order.
  const mirror =
    threads > 1 ? { users: roundUp(kept.end, 16), items: roundUp(kept.end, 16) + ratings.numUsers * stride * 4 } : null;
  const totalBytes = mirror ? mirror.items + ratings.numItems * stride * 4 : kept.end;
  if (totalBytes > 2 ** 32) {
    fail(
      ErrorCode.TOO_LARGE,
      `solver 'gibbs' needs ${totalBytes} bytes with its ${samples} kept samples, beyond one 4 GiB memory.`,
      'Lower samples or factors, or drop users or items with few ratings.',
    );
  }

  const backend = await createBackend(o.backend, totalBytes, threads > 1);
  const { state, executor } = await startTraining({
    backend,
    layout,
    // Without init the starting factors are drawn straight into the memory (randomFactors'
    // numbers with the same initStd, no JS copies of them): the chain starts where ALS would.
    options: o,
    stride,
    ratings,
    init: callbacks.init ?? null,
    threads,
    signal,
    spawnWorker: runtime.spawnWorker,
  });
  const f32 = new Float32Array(backend.buffer);
  const i32 = new Int32Array(backend.buffer);
  const f64 = new Float64Array(backend.buffer, 0, backend.buffer.byteLength >> 3);
  try {
    return await sampleChain(ratings, o, callbacks, runtime, noise, {
      state,
      f32,
      i32,
      f64,
      layout,
      prior,
      kept,
      mirror,
      threads,
    });
  } finally {
    await executor.close();
  }
}

/** The chain itself: burn-in, then the kept samples, on a started executor. */
async function sampleChain(
  ratings: Ratings,
  o: ResolvedOptions,
  callbacks: GibbsCallbacks,
  runtime: GibbsRuntime,
  noise: number | 'sampled',
  at: {
    state: TrainingState;
    f32: Float32Array;
    i32: Int32Array;
    f64: Float64Array;
    layout: Layout;
    prior: PriorBlock;
    kept: KeptBlock;
    mirror: Record<SideName, number> | null;
    threads: number;
  },
): Promise<ALSModel> {
  const { signal, onIteration, validation } = callbacks;
  const { state, f32, i32, f64, layout, prior, kept, mirror, threads } = at;
  const kernels = state.kernels;
  const k = o.factors;
  const dim = k + (o.biases ? 1 : 0);
  const stride = state.stride;
  const samples = o.samples;
  const mu = state.mu;
  const hyperprior = bpmfPrior(dim, runtime.hyperprior);
  // The hyperparameter draws' scratch, the same arrays every time (one draw at a time: the
  // calling thread's).
  const hyperWork = {
    outer: new Float64Array(dim * dim),
    wishart: new WishartWork(dim),
    sumsAt: prior.columnSums,
    sums: new Float64Array(f64.buffer, prior.columnSums, dim),
  };
  const check = validation ? validationPairs(ratings, validation) : null;

  let tau = noise === 'sampled' ? BPMF_NOISE_PRECISION : noise;
  const total = o.burnIn + samples;
  // With a mirror (workers), a side's next hyperparameters are drawn by the calling thread from
  // its mirrored rows while the other side's half-step runs; `ahead` holds them until used.
  const ahead: Record<SideName, Hyper | null> = { users: null, items: null };
  const keptIndex = (sample: number) => sample - o.burnIn - 1; // < 0 during burn-in

  const halfStep = async (side: SideName, sample: number): Promise<void> => {
    await state.prepare(side); // roles (bias slot) and the parameter block of `side`
    const s = layout[side];
    const hyper =
      ahead[side] ??
      sampleHyper(kernels, f32, layout, s.factors, s.rows, stride, dim, hyperprior, o.seed, sample, side, hyperWork);
    ahead[side] = null;
    const index = keptIndex(sample);
    const keep: KeptSample | null = index >= 0 ? { at: kept[side], factors: k, samples, index, bias: kept.bias[side] } : null;
    await writePriorBlock(state, f32, i32, prior, layout, side, dim, hyper, tau, { keep, mirror: mirror?.[side] ?? 0 });
    // The other side's rows, as last drawn, are in its mirror (none before its first half-step,
    // the items' of sample 1): its next hyperparameters come from them, the same numbers as
    // from its rows later.
    const other = side === 'users' ? 'items' : 'users';
    const next = side === 'users' ? sample : sample + 1;
    const otherDrawn = side === 'items' || sample > 1;
    const drawAhead =
      mirror && otherDrawn && next <= total
        ? () => {
            ahead[other] = sampleHyper(
              kernels,
              f32,
              layout,
              mirror[other],
              layout[other].rows,
              stride,
              dim,
              hyperprior,
              o.seed,
              next,
              other,
              hyperWork,
            );
          }
        : undefined;
    await state.runJob(
      'Sample',
      s.chunks,
      {
        params: s.params,
        prior: prior.at,
        noiseScale: 1 / Math.sqrt(tau),
        bounds: s.bounds,
        status: s.status,
        streamKey: streamKey(o.seed, sample, Stream[side]),
      },
      drawAhead,
    );
    // The first failing row in row order, whichever thread found it.
    for (let c = 0; c < s.chunks; c++) {
      const status = i32[(s.status >>> 2) + c]!;
      if (status !== SOLVE_OK) throw failure(ratings, side, status);
    }
  };

  for (let sample = 1; sample <= total; sample++) {
    throwIfAborted(signal, 'Training');
    const start = performance.now();
    await halfStep('users', sample);
    await halfStep('items', sample);
    // Σ (r − prediction)², from each item's residual squares the items' half-step wrote (in
    // row order: the same bits for any thread count).
    let residualSquares = 0;
    for (let r = 0, at = prior.rowLoss >>> 3; r < ratings.numItems; r++) residualSquares += f64[at + r]!;
    if (noise === 'sampled') {
      const np = runtime.noisePrior;
      tau = sampleNoisePrecision(
        new Prng(streamSeed(o.seed, sample, Stream.noise, 0)),
        residualSquares,
        ratings.nnz,
        np?.alpha0,
        np?.beta0,
      );
    }
    const t = keptIndex(sample);
    let validationRmse = Number.NaN;
    if (t >= 0 && check) validationRmse = check.add(state.extract('users'), state.extract('items'), k, mu, t + 1);
    const seconds = (performance.now() - start) / 1000;
    if (onIteration) {
      const info = { iteration: sample, seconds, loss: residualSquares / ratings.nnz, validationRmse };
      if ((await onIteration(info)) === false && t >= 0) {
        return buildModel(ratings, o, keptViews(f32, kept, ratings, k, samples), t + 1, mu, kernels.backend, threads);
      }
    }
  }
  return buildModel(ratings, o, keptViews(f32, kept, ratings, k, samples), samples, mu, kernels.backend, threads);
}

/** Where the kept samples go (bytes), after the prior block: each side's rows and bias sums. */
interface KeptBlock {
  users: number;
  items: number;
  /** Each side's bias sums (f64 a row), 0 without biases. */
  bias: Record<SideName, number>;
  end: number;
}

/**
 * Plans the kept samples from `start`: row r of a side is [sample 0's k factors, sample 1's, …]
 * / √samples, written by the kernel as the samples come (one copy of the samples, each float
 * written once, while its row is in cache); then each side's bias sums (f64).
 */
function planKept(start: number, ratings: Ratings, k: number, samples: number, biases: boolean): KeptBlock {
  const users = roundUp(start, 16);
  const items = roundUp(users + ratings.numUsers * k * samples * 4, 16);
  const userBias = roundUp(items + ratings.numItems * k * samples * 4, 16);
  const itemBias = roundUp(userBias + (biases ? ratings.numUsers * 8 : 0), 16);
  const end = itemBias + (biases ? ratings.numItems * 8 : 0);
  return { users, items, bias: { users: biases ? userBias : 0, items: biases ? itemBias : 0 }, end };
}

/** The kept samples as views of the fit's memory (the model keeps the memory alive). */
function keptViews(f32: Float32Array, kept: KeptBlock, ratings: Ratings, k: number, samples: number) {
  const { buffer } = f32;
  return {
    users: new Float32Array(buffer, kept.users, ratings.numUsers * k * samples),
    items: new Float32Array(buffer, kept.items, ratings.numItems * k * samples),
    userBias: new Float64Array(buffer, kept.bias.users, kept.bias.users ? ratings.numUsers : 0),
    itemBias: new Float64Array(buffer, kept.bias.items, kept.bias.items ? ratings.numItems : 0),
  };
}

type Hyper = { mean: Float64Array; precision: Float64Array };

/**
 * Draws (μ, Λ) of one side from its Normal–Wishart conditional given its current rows (at
 * `factors`: the side's own, or its mirror): Σ x xᵀ from gramBlock (f32, upper triangle), Σ x
 * in f64 (kernels.columnSums, in the prior block).
 */
function sampleHyper(
  kernels: TrainingState['kernels'],
  f32: Float32Array,
  layout: Layout,
  factors: number,
  rows: number,
  stride: number,
  dim: number,
  prior: NormalWishart,
  seed: number,
  sample: number,
  side: SideName,
  work: { outer: Float64Array; wishart: WishartWork; sumsAt: number; sums: Float64Array },
): Hyper {
  kernels.gramBlock(factors, stride, dim, 0, rows, layout.gram, 0);
  const g = layout.gram >>> 2;
  const outer = work.outer;
  for (let i = 0; i < dim; i++) for (let j = i; j < dim; j++) outer[i * dim + j] = outer[j * dim + i] = f32[g + i * stride + j]!;
  kernels.columnSums(factors, stride, dim, rows, work.sumsAt);
  const sum = work.sums;
  const rng = new Prng(streamSeed(seed, sample, side === 'users' ? Stream.usersHyper : Stream.itemsHyper, 0));
  return sampleNormalWishart(rng, prior, { n: rows, sum, outer }, dim, work.wishart);
}

/**
 * The model from the kept samples. When the chain stopped after `count` < samples (onIteration
 * returned false), the first count·k columns of each row are kept and rescaled from 1/√samples
 * to 1/√count.
 */
function buildModel(
  ratings: Ratings,
  o: ResolvedOptions,
  kept: { users: Float32Array; items: Float32Array; userBias: Float64Array; itemBias: Float64Array },
  count: number,
  mu: number,
  backend: 'wasm' | 'js',
  threads: number,
): ALSModel {
  const k = o.factors;
  const samples = o.samples;
  const shrink = (all: Float32Array, rows: number): Float32Array => {
    if (count === samples) return all;
    const width = k * count;
    const rescale = Math.sqrt(samples / count);
    const out = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) out[r * width + c] = all[r * k * samples + c]! * rescale;
    return out;
  };
  const userFactors = shrink(kept.users, ratings.numUsers);
  const itemFactors = shrink(kept.items, ratings.numItems);
  const average = (sums: Float64Array) => Float32Array.from(sums, (v) => v / count);
  return new ALSModel({
    users: ratings.users.clone(),
    items: ratings.items.clone(),
    factors: k * count,
    userFactors,
    itemFactors,
    userBiases: o.biases ? average(kept.userBias) : null,
    itemBiases: o.biases ? average(kept.itemBias) : null,
    globalMean: mu,
    options: { ...o, samples: count, backend, threads },
    seen: ratings.byUser,
    valueRange: ratings.valueRange(),
  });
}

/**
 * The validation ratings in the training indices, and the running sum of each one's predicted
 * value over the kept samples. A user or item unknown to training contributes 0 (its factors
 * and bias), as a cold start predicts.
 */
function validationPairs(ratings: Ratings, validation: Ratings) {
  const rows = validation.byUser;
  const n = validation.nnz;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const values = new Float64Array(n);
  const itemIndex = Int32Array.from({ length: validation.numItems }, (_, i) => ratings.itemIndex(validation.items.id(i)));
  for (let u = 0; u < validation.numUsers; u++) {
    const trainUser = ratings.userIndex(validation.users.id(u));
    for (let e = rows.indptr[u]!; e < rows.indptr[u + 1]!; e++) {
      users[e] = trainUser;
      items[e] = itemIndex[rows.indices[e]!]!;
      values[e] = rows.values[e]!;
    }
  }
  const sums = new Float64Array(n);
  return {
    /** Adds one sample's predictions; returns the RMSE of the average over `count` samples. */
    add(
      u: { factors: Float32Array; biases: Float32Array | null },
      it: { factors: Float32Array; biases: Float32Array | null },
      k: number,
      mu: number,
      count: number,
    ): number {
      let squares = 0;
      for (let e = 0; e < n; e++) {
        const a = users[e]!;
        const b = items[e]!;
        let p = mu;
        if (a >= 0 && u.biases) p += u.biases[a]!;
        if (b >= 0 && it.biases) p += it.biases[b]!;
        if (a >= 0 && b >= 0) for (let c = 0; c < k; c++) p += u.factors[a * k + c]! * it.factors[b * k + c]!;
        sums[e] = sums[e]! + p;
        const err = sums[e]! / count - values[e]!;
        squares += err * err;
      }
      return Math.sqrt(squares / Math.max(n, 1));
    },
  };
}

function failure(ratings: Ratings, side: SideName, status: number): AlsError {
  const kind = side === 'users' ? 'user' : 'item';
  const ids = side === 'users' ? ratings.users : ratings.items;
  const row = status >= 0 ? status : -2 - status;
  return new AlsError(
    status >= 0 ? ErrorCode.NOT_POSITIVE_DEFINITE : ErrorCode.NON_FINITE_FACTORS,
    `The sampled posterior of ${kind} ${String(ids.id(row))} (index ${row}) ${status >= 0 ? 'lost positive definiteness in float32' : 'became NaN or infinite'}.`,
    'Rescale the ratings toward 1 (solver gibbs samples at the ratings’ scale), or lower factors.',
  );
}

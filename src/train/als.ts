import { Ratings } from '../data/ratings.js';
import { AlsError, ErrorCode, fail } from '../errors.js';
import { type Backend, createBackend } from '../kernels/select.js';
import { roundUp } from '../kernels/types.js';
import { ALSModel } from '../model/model.js';
import { type Layout, planTraining } from './layout.js';
import { backendInRatingsMemory, canTrainInPlace } from './in-place.js';
import { trainingThreads } from './threads.js';
import { checkIsObject } from '../validate.js';
import { resolveOptions, type AlsOptions, type ResolvedOptions } from './options.js';
import { fitGibbs } from './gibbs.js';
import { startTraining } from './state.js';
import { checkValueRange } from './value-range.js';
import { throwIfAborted } from '../parallel/executor.js';
import type { SpawnWorker } from '../parallel/worker-handle.js';
import {
  implicitOptions,
  sparkOptions,
  type ImplicitParams,
  type RuntimeOptions,
  type SparkParams,
} from '../interop/conventions.js';

/**
 * Alternating Least Squares. Hyperparameters go to the constructor (checked there), data to
 * `fit`:
 *
 *     const model = await new ALS({ factors: 32, regularization: 0.05 }).fit(ratings);
 *
 * Each iteration solves every user with the items fixed, x_u = (Y_uᵀY_u + λ_u I)⁻¹ Y_uᵀ r_u,
 * then every item with the users fixed (for implicit feedback, the Hu–Koren–Volinsky normal
 * equations with YᵀY computed once per half-step).
 */
export class ALS {
  /** The options with defaults filled in. */
  readonly options: ResolvedOptions;
  private readonly callbacks: FitCallbacks;

  constructor(options: AlsOptions = {}) {
    this.options = resolveOptions(options);
    this.callbacks = {
      onIteration: options.onIteration,
      signal: options.signal,
      init: options.init,
      validation: options.validation,
    };
  }

  /**
   * ALS with Spark MLlib's conventions and parameter names (rank, maxIter, regParam scaled by
   * each row's count, implicitPrefs, alpha with c = 1 + α|r|), Spark's defaults included.
   * `threads`, `backend`, `onIteration`, `signal` and `init` stay this library's own.
   */
  static sparkCompatible(params: SparkParams & RuntimeOptions = {}): ALS {
    checkIsObject('sparkCompatible options', params); // its keys are checked by sparkOptions
    const { threads, backend, onIteration, signal, init, ...spark } = params;
    return new ALS({ ...sparkOptions(spark), threads, backend, onIteration, signal, init });
  }

  /**
   * ALS with the Python `implicit` library's conventions and parameter names (factors = 100,
   * regularization = 0.01 unscaled, c = α·r, CG with cg_steps = 3 unless use_cg is false).
   */
  static implicitCompatible(params: ImplicitParams & RuntimeOptions = {}): ALS {
    checkIsObject('implicitCompatible options', params); // its keys are checked by implicitOptions
    const { threads, backend, onIteration, signal, init, ...implicit } = params;
    return new ALS({ ...implicitOptions(implicit), threads, backend, onIteration, signal, init });
  }

  async fit(ratings: Ratings): Promise<ALSModel> {
    return fitAls(ratings, this.options, this.callbacks);
  }
}

/** The options of a fit that are functions or objects rather than hyperparameters. */
export type FitCallbacks = Pick<AlsOptions, 'onIteration' | 'signal' | 'init' | 'validation'>;

/**
 * What a fit runs on beyond its options; not part of the public API. Tests pass a
 * `spawnWorker` that starts a failing worker.
 */
export interface FitRuntime {
  spawnWorker?: SpawnWorker;
}

/**
 * Memory accounting for bench/fit-one.ts (ALS_MEMORY_PHASES=1): a function it puts under this
 * symbol is told each phase of the fit; nothing happens when none is there.
 */
const MEMORY_PHASE = Symbol.for('als-wasm.memoryPhase');
function memoryPhase(name: string): void {
  const probe = (globalThis as Record<symbol, unknown>)[MEMORY_PHASE];
  if (typeof probe === 'function') probe(name);
}

/** ALS.fit: `o` resolved (and checked) by the ALS constructor. */
export async function fitAls(
  ratings: Ratings,
  o: ResolvedOptions,
  callbacks: FitCallbacks,
  runtime: FitRuntime = {},
): Promise<ALSModel> {
  if (!(ratings instanceof Ratings)) {
    fail(ErrorCode.INVALID_OPTION, 'fit expects a Ratings.', 'Build one with Ratings.fromTriples({ users, items, values }).');
  }
  if (o.solver === 'gibbs') {
    if (callbacks.init) checkInit(callbacks.init, ratings, o.factors);
    return fitGibbs(ratings, o, callbacks, { spawnWorker: runtime.spawnWorker });
  }
  const { signal, onIteration } = callbacks;
  throwIfAborted(signal, 'Training');
  const k = o.factors;

  // Plan first: a problem past one 4 GiB memory is refused in milliseconds, before the
  // starting factors (as large as the factor part of the memory) are drawn.
  const threads = await trainingThreads(o.threads, ratings.nnz, k, o.iterations);
  const stride = roundUp(k + (o.biases ? 1 : 0), 8);
  let layout = planTraining(ratings, stride, threads);
  checkValueRange(ratings.byUser.values, o, 'The ratings');
  if (callbacks.init) checkInit(callbacks.init, ratings, k);
  memoryPhase('after layout');
  // Large ratings live in a memory of their own: train in it when it is free (one copy of the
  // ratings in the process), else in a fresh memory with the ratings copied in.
  let backend: Backend | null = null;
  const inPlaceLayout = canTrainInPlace(ratings, o.backend) ? planInPlace(ratings, stride, threads) : null;
  if (inPlaceLayout) {
    backend = await backendInRatingsMemory(ratings, inPlaceLayout);
    if (backend) layout = inPlaceLayout;
  }
  const inPlace = backend !== null;
  backend ??= await createBackend(o.backend, layout.totalBytes, threads > 1);
  const { state, executor } = await startTraining({
    backend,
    layout,
    options: o,
    stride,
    ratings,
    // Without init the starting factors are drawn straight into the memory.
    init: callbacks.init ?? null,
    threads,
    signal,
    spawnWorker: runtime.spawnWorker,
    inPlace,
  });
  memoryPhase('after loading into kernel memory');
  try {
    for (let iteration = 1; iteration <= o.iterations; iteration++) {
      throwIfAborted(signal, 'Training');
      const start = performance.now();
      // The items half-step rewrites every item row next (CG, which warm-starts from them,
      // maps them back first): the users' may leave them whitened.
      await state.halfStep('users', ratings.users, { mayLeaveFixedWhitened: true });
      // Likewise the next users' half-step rewrites the users; the loss and the model read
      // them only after unwhitenFixed.
      await state.halfStep('items', ratings.items, { mayLeaveFixedWhitened: true });
      const seconds = (performance.now() - start) / 1000;
      if (onIteration) {
        // The loss reads the users, and a stop makes them the model: back to factors (rounding
        // away from the solved rows; the next users' half-step rewrites them anyway).
        await state.unwhitenFixed('items', true);
        const loss = await state.loss('items');
        if ((await onIteration({ iteration, seconds, loss })) === false) break;
      }
    }
    // The model's users, back to factors when the last items' half-step left them whitened:
    // they differ from the solved rows by rounding only, as after a stop from onIteration. (Not
    // whitening the last iteration instead would cost that half-step its whole speed-up: at
    // k = 1024 on ml-latest-small, 91 s against 0.8 s.)
    await state.unwhitenFixed('items', false);
  } finally {
    await executor.close();
  }

  // In the Ratings' memory the factors stay where they are, as views (the memory lives on
  // with the model and the Ratings; no later fit writes into it); else they are copied out.
  const users = inPlace ? state.extractInPlace('users') : state.extract('users');
  const items = inPlace ? state.extractInPlace('items') : state.extract('items');
  memoryPhase('after extract');
  return new ALSModel({
    users: ratings.users.clone(),
    items: ratings.items.clone(),
    factors: k,
    userFactors: users.factors,
    itemFactors: items.factors,
    userBiases: users.biases,
    itemBiases: items.biases,
    globalMean: state.mu,
    options: { ...o, backend: backend.kernels.backend, threads },
    seen: ratings.byUser,
    valueRange: ratings.valueRange(),
  });
}

/** The layout inside the Ratings' own memory, or null when that plan passes 4 GiB (repeats reserved). */
function planInPlace(ratings: Ratings, stride: number, threads: number): Layout | null {
  try {
    return planTraining(ratings, stride, threads, threads, true);
  } catch (error) {
    if (error instanceof AlsError) return null;
    throw error;
  }
}

function checkInit(init: { userFactors: Float32Array; itemFactors: Float32Array }, ratings: Ratings, k: number): void {
  for (const [name, array, rows] of [
    ['userFactors', init.userFactors, ratings.numUsers],
    ['itemFactors', init.itemFactors, ratings.numItems],
  ] as const) {
    if (!(array instanceof Float32Array) || array.length !== rows * k) {
      fail(
        ErrorCode.INVALID_OPTION,
        `init.${name} must be a Float32Array of ${rows} × ${k} = ${rows * k} values (got ${array instanceof Float32Array ? array.length : typeof array}).`,
      );
    }
    for (let e = 0; e < array.length; e++) {
      if (!Number.isFinite(array[e]!))
        fail(ErrorCode.INVALID_OPTION, `init.${name}[${e}] is ${array[e]}.`, 'Starting factors must be finite.');
    }
  }
}

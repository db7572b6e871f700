import type { Ratings } from '../data/ratings.js';
import type { IdMap } from '../data/id-map.js';
import { transposeInto, type SparseRows } from '../data/sparse.js';
import { columnIndexView } from '../data/ratings-memory.js';
import { AlsError, ErrorCode } from '../errors.js';
import { type JobArgs, type JobName, writeJob, writeSolveParams } from '../kernels/abi.js';
import { GATHER_ROWS, SOLVE_OK, Solver, type Kernels } from '../kernels/types.js';
import { shortRowCap } from '../kernels/js/short-rows.js';
import { writeLowerInverse } from './cholesky-inverse.js';
import type { Layout, SideLayout } from './layout.js';
import type { Backend } from '../kernels/select.js';
import { type Executor, startExecutor } from '../parallel/executor.js';
import type { SpawnWorker } from '../parallel/worker-handle.js';
import { BLOCK_ROWS, WHITEN_ROWS } from '../parallel/tasks.js';
import type { ResolvedOptions } from './options.js';
import { balancedBounds } from './schedule.js';
import { kernelAlpha, regularizationWeight, weightMode } from './weights.js';
import { Prng } from './prng.js';
import { drawRows } from './random-factors.js';

/** The kernels' code for each solver option. */
const SOLVERS = {
  cholesky: Solver.Cholesky,
  cg: Solver.ConjugateGradient,
  subspace: Solver.Subspace,
  // Gibbs sampling runs sampleRows, which reads no solver code; its conditional mean is the
  // Cholesky solution.
  gibbs: Solver.Cholesky,
} as const;

export type SideName = 'users' | 'items';

/**
 * The exact short-row path of the Cholesky solver (assembly/short-rows.ts): a row with n₊
 * positive weights, n₊ ≤ ratio·dim, is solved through the push-through identity instead of
 * its dim × dim normal equations. Internal: tests and benches turn it off, or fix `ratio`,
 * to compare. By default (ratio null) the cut-off is {@link shortRowRatio}.
 */
export const shortRowPath: { enabled: boolean; ratio: number | null; costRule: boolean } = {
  enabled: true,
  ratio: null,
  costRule: true,
};

/**
 * Implicit CG in the whitened basis (assembly/whiten-cg.ts): against whitened fixed rows a
 * row's CG needs no dense product and is preconditioned by B = YᵀY + λI. Internal: tests and
 * benches turn it off (`enabled`), start each row's CG from z₀ = 0 instead of U·x
 * (`warmStart`), whiten whatever the cost rule says (`costRule`) or below `minDim`, to
 * compare. The warm start stays: on synth_5m (k = 64, 3 steps) the cold start's loss after 5
 * epochs is above even plain CG's, for 2–10% of the users' half-step (docs/kernels.md). No
 * whitening below dim 48: at k = 32 it saved 8 ms of the users' 181 and cost 7 of the items'.
 */
export const whitenedCg: { enabled: boolean; warmStart: boolean; costRule: boolean; minDim: number } = {
  enabled: true,
  warmStart: true,
  costRule: true,
  minDim: 48,
};

/**
 * What whitening one fixed row (forward substitution, a chain of dependent steps, dim²/2
 * flops) costs in the flops the short rows save (the Gram and Cholesky of the standard path,
 * register-tiled), from the half-steps timed whitened and not (2 threads, docs/kernels.md):
 * synth_5m's items at k = 64 (0.22 Gflop saved by this count: slower whitened, plain by the
 * rule) and k = 128 (6.1 Gflop saved against 0.8 of whitening: 4% faster whitened), and
 * ml-latest-small's users at k = 128 (no difference) and 256 (0.24 s → 0.18 s whitened).
 */
export const WHITEN_FLOP_COST = 4;

/**
 * The cut-off n₊ ≤ ratio·dim, from per-row timings of both paths on synth_5m
 * (docs/kernels.md): the short path is the faster one up to n₊ ≈ 0.5·dim at k = 32, 0.75·dim
 * at k = 64 and dim at k = 128 (its M grows as n₊²·dim, the Gram as n·dim², and the fixed
 * costs of a row weigh less as dim grows).
 */
export function shortRowRatio(dim: number): number {
  return Math.min(1, 0.25 + dim / 128);
}

/**
 * Implicit rows go through whitened items only from this dim on: below it the back
 * substitution every row then pays (dim²/2, a chain of dependent steps) costs about what the
 * short rows save (synth_5m, k = 32: 371 ms against 350 ms for the users' solves).
 */
export const MIN_WHITEN_DIM = 48;

/** How a half-step may treat the fixed side's factors. */
export interface HalfStepOptions {
  /**
   * The fixed rows may be left transformed (whitened, short-rows.ts): the caller either solves
   * the fixed side next, rewriting every one of its rows (CG, which warm-starts from them, maps
   * them back first), or calls `unwhitenFixed` before anything reads them (fitAls: for the
   * loss of onIteration, and after the last iteration).
   * An abort or a failure in between ends the fit without a model. Never for fold-in or sampling.
   */
  mayLeaveFixedWhitened?: boolean;
}

/** Factors (unpadded, rows × k) and biases of one side, copied out of the memory. */
export interface SideFactors {
  factors: Float32Array;
  biases: Float32Array | null;
}

/**
 * Everything one fit keeps in the kernels' memory, and the half-steps over it.
 *
 * With biases, each side's row is [factors (k), slot k]. The side being solved has k + 1
 * unknowns, [x_u, b_u], so slot k holds its bias; the fixed side is the design, [y_i, 1], so
 * its slot k holds 1 while its bias waits in the side's bias array and is subtracted from
 * the targets (t = r − μ − b_i). Before a half-step the two sides swap roles in O(rows).
 */
export class TrainingState {
  readonly kernels: Kernels;
  readonly layout: Layout;
  readonly k: number;
  readonly stride: number;
  readonly mu: number;
  private readonly options: ResolvedOptions;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  /** Runs jobs on the calling thread, alone or with worker threads; set before the first half-step. */
  executor: Executor | null = null;
  /** Which side is currently the design (fixed) side, for the bias slot; null before any step. */
  private design: SideName | null = null;
  /** The side whose rows are whitened (L⁻¹y) until its own half-step rewrites them; null: none. */
  private whitened: SideName | null = null;
  /** Whether whitening pays, per solved side: the solver and row lengths are fixed for a fit. */
  private readonly pays: Partial<Record<SideName, boolean>> = {};

  constructor(kernels: Kernels, buffer: ArrayBufferLike, layout: Layout, options: ResolvedOptions, stride: number, mu: number) {
    this.kernels = kernels;
    this.layout = layout;
    this.options = options;
    this.k = options.factors;
    this.stride = stride;
    this.mu = mu;
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer, 0, Math.floor(buffer.byteLength / 8));
  }

  /**
   * Copies the ratings in: CSR by user as it is, CSC by item transposed straight into the
   * memory (no second copy on the JS heap); then the λ weight of every row.
   */
  loadRatings(ratings: Ratings, inPlace = false): SparseRows {
    this.loadSide(this.layout.users, ratings.byUser, this.layout.items.rows, inPlace);
    const items = this.layout.items;
    const byItem = {
      indptr: new Int32Array(this.i32.buffer, items.indptr, items.rows + 1),
      indices: columnIndexView(this.i32.buffer, items.indices, ratings.nnz, items.indexBytes),
      values: new Float32Array(this.i32.buffer, items.values, ratings.nnz),
    };
    const splits = items.indexSplits
      ? new Int32Array(this.i32.buffer, items.indexSplits, items.rows * (items.indexBlocks - 1))
      : null;
    transposeInto(ratings.byUser, ratings.numItems, byItem, splits);
    this.loadSide(items, byItem, this.layout.users.rows, true);
    return byItem;
  }

  /**
   * Draws the starting factors straight into the memory (random-factors.ts drawRows, the
   * numbers randomFactors draws), without its two rows × k arrays on the JS heap.
   */
  drawFactors(seed: number, initStd: number | null): void {
    const rng = new Prng(seed);
    for (const side of ['users', 'items'] as const) {
      const s = this.layout[side];
      const base = s.factors >>> 2;
      this.f32.fill(0, base, base + s.rows * this.stride);
      drawRows(rng, s.rows, this.k, initStd, this.f32, base, this.stride);
    }
  }

  /** Writes initial factors (row-major rows × k) into a side; padding and bias slot stay 0. */
  loadFactors(side: SideName, factors: Float32Array): void {
    const s = this.layout[side];
    const base = s.factors >>> 2;
    this.f32.fill(0, base, base + s.rows * this.stride);
    for (let r = 0; r < s.rows; r++) this.f32.set(factors.subarray(r * this.k, (r + 1) * this.k), base + r * this.stride);
  }

  /** Solves every row of `side` with the other side fixed, as one job of balanced tasks. */
  async halfStep(side: SideName, ids: IdMap, how: HalfStepOptions = {}): Promise<void> {
    const solved = this.layout[side];
    await this.prepare(side, how.mayLeaveFixedWhitened === true);
    await this.runJob('Solve', solved.chunks, { params: solved.params, bounds: solved.bounds, status: solved.status });
    // The first failing row in row order, whichever thread found it.
    for (let c = 0; c < solved.chunks; c++) {
      const status = this.i32[(solved.status >>> 2) + c]!;
      if (status !== SOLVE_OK) throw this.failure(side, ids, status);
    }
  }

  /**
   * Sets both sides' roles and the parameter block for solving `side`. `mayWhiten`: the
   * fixed side may be left whitened (HalfStepOptions.mayLeaveFixedWhitened).
   */
  async prepare(side: SideName, mayWhiten = false): Promise<void> {
    const solved = this.layout[side];
    const fixedName: SideName = side === 'users' ? 'items' : 'users';
    const fixed = this.layout[fixedName];
    if (this.options.biases && this.design !== fixedName) {
      this.becomeDesign(fixed);
      this.restoreBias(solved);
      this.design = fixedName;
    }
    const implicit = this.options.feedback === 'implicit';
    const dim = this.dim;
    const cg = this.options.solver === 'cg';
    if (this.whitened === side) {
      // Its rows are about to be rewritten; CG warm-starts from them, so they are first mapped
      // back against U, still in the YᵀY buffer from the half-step that whitened them.
      if (cg) await this.unwhitenRows(side);
      this.whitened = null;
    }
    if (implicit) await this.computeGram(fixed, dim);
    const cholesky = this.options.solver === 'cholesky' && shortRowPath.enabled;
    const shortMax = Math.min(
      Math.floor((shortRowPath.ratio ?? shortRowRatio(dim)) * dim),
      shortRowCap(dim, 2 * GATHER_ROWS * this.stride),
    );
    // Cholesky's short rows, or CG without its dense products: whichever saves more than it costs
    const pays = () =>
      (this.pays[side] ??= cholesky
        ? this.whiteningPays(side, dim, shortMax)
        : cg && whitenedCg.enabled && this.whitenedCgPays(side, dim));
    const minDim = cholesky ? MIN_WHITEN_DIM : whitenedCg.minDim;
    const warmStart = cg && whitenedCg.warmStart;
    const whiteFactor = implicit && mayWhiten && dim >= minDim && pays() ? await this.whiten(fixed, dim, warmStart) : 0;
    writeSolveParams(this.i32, solved.params, {
      X: solved.factors,
      Y: fixed.factors,
      stride: this.stride,
      dim,
      indptr: solved.indptr,
      indices: solved.indices,
      indexBytes: solved.indexBytes,
      indexSplits: solved.indexSplits,
      indexBlocks: solved.indexBlocks,
      values: solved.values,
      regWeights: solved.regWeights,
      lambda: this.options.regularization,
      mode: weightMode(this.options),
      alpha: kernelAlpha(this.options),
      solver: SOLVERS[this.options.solver],
      cgSteps: this.options.cgSteps,
      YtY: implicit && whiteFactor === 0 ? this.layout.gram : 0,
      mu: this.mu,
      otherBias: this.options.biases ? fixed.bias : 0,
      blockSize: this.options.blockSize,
      // Explicit rows (G = 0), or implicit ones against whitened rows: the short path applies.
      shortMax: cholesky && (!implicit || whiteFactor !== 0) ? shortMax : 0,
      whiteFactor,
      // CG against whitened rows starts from z₀ = U·x (U, mirrored: the factored YᵀY buffer), or from 0
      whiteUpper: whiteFactor !== 0 && warmStart ? this.layout.gram : 0,
    });
  }

  /**
   * Whether CG for `side` against whitened rows saves more than the whitening costs. Per
   * solved row with ratings, plain CG does cgSteps + 1 dense products B·v (the start residual
   * and one per step) of dim² multiply-adds each; whitened, it pays z₀ = U·x (dim²/2, not with
   * a cold start) and x = L⁻ᵀz (dim²/2). Against WHITEN_FLOP_COST·(fixed rows)·dim²/2 (the
   * forward substitutions), (fixed rows)·dim²/2 to map them back before their own half-step
   * warm-starts from them, and dim³/6 for L⁻¹. On synth_5m (20k items, 100k users) it whitens
   * the items for the users' half-step, not the users for the items'.
   */
  private whitenedCgPays(side: SideName, dim: number): boolean {
    if (!whitenedCg.costRule) return true;
    const solved = this.layout[side];
    const fixedRows = this.layout[side === 'users' ? 'items' : 'users'].rows;
    const at = solved.indptr >>> 2;
    let rows = 0;
    for (let r = 0; r < solved.rows; r++) if (this.i32[at + r + 1]! > this.i32[at + r]!) rows++;
    const square = dim * dim;
    const perRow = (this.options.cgSteps + 1) * square - (whitenedCg.warmStart ? square : square / 2);
    return rows * perRow > (WHITEN_FLOP_COST + 1) * fixedRows * (square / 2) + dim ** 3 / 6;
  }

  /**
   * Whether solving `side` against whitened rows saves more than the whitening costs, from its
   * row lengths (n₊ ≤ n stands in for n₊: it under-counts the short rows, so the rule errs
   * toward the standard path): Σ over rows with n ≤ shortMax of n·d²/2 + d³/6 − n²·d/2 − n³/6
   * − d²/2 (the Gram and Cholesky skipped, M and its Cholesky paid, x = L⁻ᵀz), against
   * WHITEN_FLOP_COST·(fixed rows)·d²/2 + (long rows)·d²/2 + d³/6 (L⁻¹). It whitens synth_5m's
   * items for the users at every k ≥ 48, its 100k users for the 20k items from k = 128 (at
   * k = 64 few items are short); ml-latest-small's 610 users for its 9,724 items at every
   * k ≥ 48, its items for the users from k = 256.
   */
  private whiteningPays(side: SideName, dim: number, shortMax: number): boolean {
    if (!shortRowPath.costRule) return true;
    const solved = this.layout[side];
    const fixedRows = this.layout[side === 'users' ? 'items' : 'users'].rows;
    const at = solved.indptr >>> 2;
    const half = (dim * dim) / 2;
    const cube = dim ** 3 / 6;
    let saved = 0;
    let long = 0;
    for (let r = 0; r < solved.rows; r++) {
      const n = this.i32[at + r + 1]! - this.i32[at + r]!;
      if (n <= shortMax) saved += n * half + cube - (n * n * dim) / 2 - n ** 3 / 6 - half;
      else long++;
    }
    return saved > WHITEN_FLOP_COST * fixedRows * half + long * half + cube;
  }

  /**
   * Implicit rows through the short path (short-rows.ts) or CG without dense products
   * (whiten-cg.ts): B = YᵀY + λI = UᵀU factored once, in
   * the YᵀY buffer, and the fixed rows whitened in place (y ← U⁻ᵀy = L⁻¹y, no extra memory),
   * so every row solves (I + Σ w_j w̃_j w̃_jᵀ) z = Σ t_j w̃_j and x = U⁻¹z. Only with one λ for
   * every row (B is shared; not with an unobserved weight α₀, which the standard path keeps)
   * and without biases (implicit feedback has none today; the design's slot of 1 would be
   * whitened too). With `mirror`, U is copied below its diagonal too (CG's warm start reads
   * it there). Returns the address of L⁻¹, or 0 when not taken (YᵀY then intact).
   */
  private async whiten(fixed: SideLayout, dim: number, mirror: boolean): Promise<number> {
    const o = this.options;
    if (o.biases || o.regularizationExponent !== 0 || o.unobservedWeight !== null || !(o.regularization > 0)) return 0;
    const gram = this.layout.gram;
    if (this.kernels.cholesky(gram, this.stride, dim, o.regularization) >= 0) {
      await this.computeGram(fixed, dim); // f32 lost definiteness: the standard path, as before
      return 0;
    }
    await this.runJob('Whiten', Math.ceil(fixed.rows / WHITEN_ROWS), {
      factor: gram,
      factors: fixed.factors,
      stride: this.stride,
      dim,
      rows: fixed.rows,
      rowsPerTask: WHITEN_ROWS,
    });
    this.whitened = fixed === this.layout.users ? 'users' : 'items';
    if (mirror) {
      // U mirrored below its diagonal (where cholesky left YᵀY, which nothing reads now): row j
      // of the buffer up to column j is then U's column j, which CG's warm start z₀ = U·x streams.
      const g = gram >>> 2;
      for (let i = 0; i < dim; i++)
        for (let j = i + 1; j < dim; j++) this.f32[g + j * this.stride + i] = this.f32[g + i * this.stride + j]!;
    }
    // L⁻¹ for x = L⁻ᵀz, in the first YᵀY partial (free until the next Gram).
    const inverse = this.layout.gramPartials;
    writeLowerInverse(this.kernels, this.f32, gram, inverse, this.stride, dim);
    return inverse;
  }

  /**
   * After `side` was solved against whitened fixed rows: the fixed rows back to factors
   * (x = L x̃, the Unwhiten job, against U still in the YᵀY buffer), so `extract` may read
   * them; with `forLoss`, `side`'s parameter block and YᵀY are rewritten for the plain rows
   * too, as `loss(side)` reads them. The rows differ from the solved ones by rounding only.
   * Nothing happens when the fixed side is not whitened.
   */
  async unwhitenFixed(side: SideName, forLoss: boolean): Promise<void> {
    const fixedName: SideName = side === 'users' ? 'items' : 'users';
    if (this.whitened !== fixedName) return;
    await this.unwhitenRows(fixedName);
    this.whitened = null;
    if (forLoss) await this.prepare(side); // YᵀY of the plain rows, and the block without whiteFactor
  }

  /** The whitened side's rows back to factors, x = L x̃ (the Unwhiten job, U in the YᵀY buffer). */
  private async unwhitenRows(side: SideName): Promise<void> {
    const s = this.layout[side];
    await this.runJob('Unwhiten', Math.ceil(s.rows / WHITEN_ROWS), {
      factor: this.layout.gram,
      factors: s.factors,
      stride: this.stride,
      dim: this.dim,
      rows: s.rows,
      rowsPerTask: WHITEN_ROWS,
    });
  }

  /**
   * The objective divided by the number of ratings, right after `side` was solved (its
   * parameter block and the fixed side's YᵀY are still current).
   */
  async loss(side: SideName): Promise<number> {
    this.refuseWhitened();
    const solved = this.layout[side];
    const fixed = this.layout[side === 'users' ? 'items' : 'users'];
    const λ = this.options.regularization;
    const sums = this.layout.sumPartials;
    await this.runJob('DataLoss', blocks(solved.rows), { params: solved.params, rows: solved.rows, out: sums });
    const data = this.sumBlocks(solved.rows);
    // The solved side's bias sits in slot k (inside dim); the fixed side's in its bias array.
    await this.runJob('Penalty', blocks(solved.rows), {
      factors: solved.factors,
      stride: this.stride,
      cols: this.dim,
      regWeights: solved.regWeights,
      rows: solved.rows,
      out: sums,
    });
    let penalty = this.sumBlocks(solved.rows);
    await this.runJob('Penalty', blocks(fixed.rows), {
      factors: fixed.factors,
      stride: this.stride,
      cols: this.k,
      regWeights: fixed.regWeights,
      rows: fixed.rows,
      out: sums,
    });
    penalty += this.sumBlocks(fixed.rows);
    if (this.options.biases) {
      const bias = fixed.bias >>> 2;
      const w = fixed.regWeights >>> 2;
      for (let r = 0; r < fixed.rows; r++) penalty += this.f32[w + r]! * this.f32[bias + r]! ** 2;
    }
    const nnz = this.i32[(solved.indptr >>> 2) + solved.rows]!;
    return (data + λ * penalty) / nnz;
  }

  /** Copies a side's factors (and biases) out of the memory. */
  extract(side: SideName): SideFactors {
    this.refuseWhitened();
    const s = this.layout[side];
    const factors = new Float32Array(s.rows * this.k);
    const base = s.factors >>> 2;
    for (let r = 0; r < s.rows; r++)
      factors.set(this.f32.subarray(base + r * this.stride, base + r * this.stride + this.k), r * this.k);
    if (!this.options.biases) return { factors, biases: null };
    const biases = new Float32Array(s.rows);
    for (let r = 0; r < s.rows; r++) {
      biases[r] = this.design === side ? this.f32[(s.bias >>> 2) + r]! : this.f32[base + r * this.stride + this.k]!;
    }
    return { factors, biases };
  }

  /**
   * A side's factors (and biases) as views of the memory, for a model that keeps the memory
   * (a fit in a Ratings' own memory): the rows are packed in place from `stride` to k floats,
   * so this is the side's last use in training. The biases are copied first (rows floats).
   */
  extractInPlace(side: SideName): SideFactors {
    this.refuseWhitened();
    const s = this.layout[side];
    const base = s.factors >>> 2;
    let biases: Float32Array | null = null;
    if (this.options.biases) {
      biases = new Float32Array(s.rows);
      for (let r = 0; r < s.rows; r++) {
        biases[r] = this.design === side ? this.f32[(s.bias >>> 2) + r]! : this.f32[base + r * this.stride + this.k]!;
      }
    }
    // Row r moves down to base + r·k (never past its own start), so front to back is safe.
    if (this.stride !== this.k) {
      for (let r = 1; r < s.rows; r++)
        this.f32.copyWithin(base + r * this.k, base + r * this.stride, base + r * this.stride + this.k);
    }
    return { factors: new Float32Array(this.f32.buffer, s.factors, s.rows * this.k), biases };
  }

  /**
   * Whitened rows are no factors: nothing reads them before their own half-step rewrites them
   * or `unwhitenFixed` maps them back (HalfStepOptions.mayLeaveFixedWhitened). A caller that breaks that promise fails here instead
   * of handing them out.
   */
  private refuseWhitened(): void {
    if (this.whitened !== null) {
      throw new Error(`internal: the ${this.whitened}' rows are whitened until their half-step rewrites them`);
    }
  }

  /** Unknowns per row: k, plus the bias. */
  get dim(): number {
    return this.k + (this.options.biases ? 1 : 0);
  }

  /** `otherRows`: N of λ_u = λ(n_u + α₀N)^ν, the other side's row count. */
  private loadSide(s: SideLayout, rows: SparseRows, otherRows: number, inPlace: boolean): void {
    this.i32.set(balancedBounds(rows.indptr, s.chunks, this.dim), s.bounds >>> 2);
    // Already in place when rows are views of this memory: the transposed side, and the users
    // of a fit in a Ratings' own memory (whose views may be of an older buffer object of the
    // same shared memory, so the buffers cannot be compared).
    if (!inPlace) {
      this.i32.set(rows.indptr, s.indptr >>> 2);
      columnIndexView(this.i32.buffer, s.indices, rows.indices.length, s.indexBytes).set(rows.indices);
      this.f32.set(rows.values, s.values >>> 2);
    }
    const w = s.regWeights >>> 2;
    for (let r = 0; r < s.rows; r++)
      this.f32[w + r] = regularizationWeight(this.options, rows.values, rows.indptr[r]!, rows.indptr[r + 1]!, otherRows);
  }

  /**
   * Writes a job into the control words and runs it to completion (gibbs.ts runs Sample), the
   * calling thread doing `alongside` first (Executor.run).
   */
  async runJob<N extends JobName>(job: N, tasks: number, args: JobArgs[N], alongside?: () => void): Promise<void> {
    writeJob(this.i32, this.layout.ctrl, job, tasks, args);
    await this.executor!.run(alongside);
  }

  /**
   * YᵀY of the fixed side: one partial per block of rows (in parallel), then summed in block
   * order, so the result is the same for any number of threads.
   */
  private async computeGram(fixed: SideLayout, dim: number): Promise<void> {
    const size = this.stride * this.stride;
    const count = blocks(fixed.rows);
    await this.runJob('Gram', count, {
      factors: fixed.factors,
      stride: this.stride,
      dim,
      rows: fixed.rows,
      partials: this.layout.gramPartials,
    });
    const gram = this.layout.gram >>> 2;
    const partials = this.layout.gramPartials >>> 2;
    this.f32.copyWithin(gram, partials, partials + size);
    for (let c = 1; c < count; c++) {
      const p = partials + c * size;
      for (let e = 0; e < size; e++) this.f32[gram + e] = this.f32[gram + e]! + this.f32[p + e]!;
    }
  }

  private sumBlocks(rows: number): number {
    let sum = 0;
    const at = this.layout.sumPartials >>> 3;
    for (let c = 0; c < blocks(rows); c++) sum += this.f64[at + c]!;
    return sum;
  }

  /** The side becomes the design: its bias moves to the bias array, slot k becomes 1. */
  private becomeDesign(s: SideLayout): void {
    const base = s.factors >>> 2;
    const bias = s.bias >>> 2;
    for (let r = 0; r < s.rows; r++) {
      const at = base + r * this.stride + this.k;
      this.f32[bias + r] = this.f32[at]!;
      this.f32[at] = 1;
    }
  }

  /** The side is solved next: its bias goes back to slot k (the warm start of CG). */
  private restoreBias(s: SideLayout): void {
    if (this.design === null) return; // first step: slot k and the bias array both hold 0
    const base = s.factors >>> 2;
    const bias = s.bias >>> 2;
    for (let r = 0; r < s.rows; r++) this.f32[base + r * this.stride + this.k] = this.f32[bias + r]!;
  }

  /**
   * Why a regularized system lost definiteness: beside Gram sums at the ratings' scale, λ (and,
   * for implicit, YᵀY) falls below float32's resolution, so rows with fewer independent
   * ratings than factors become singular.
   */
  private scaleHint(side: SideName): string {
    const s = this.layout[side];
    const nnz = this.i32[(s.indptr >>> 2) + s.rows]!;
    let max = 0;
    for (let e = 0; e < nnz; e++) max = Math.max(max, Math.abs(this.f32[(s.values >>> 2) + e]!));
    const o = this.options;
    if (o.feedback === 'implicit') {
      const confidence = o.confidence === 'alpha' ? o.alpha * max : 1 + o.alpha * max;
      return `The values are out of range for float32: confidences up to ${confidence.toPrecision(3)} (alpha ${o.alpha} × values up to ${max.toPrecision(3)}) drown YᵀY and regularization ${o.regularization}. Lower alpha or rescale the values (logScale, bm25Weight), or increase regularization.`;
    }
    return `The values may be out of range for float32: beside Gram sums of ratings up to ${max.toPrecision(3)}, regularization ${o.regularization} is lost in rounding. Rescale the ratings toward 1, or increase regularization.`;
  }

  private failure(side: SideName, ids: IdMap, status: number): AlsError {
    const kind = side === 'users' ? 'user' : 'item';
    if (status >= 0) {
      // With λ > 0 unscaled the equations are positive definite in exact arithmetic: float32
      // lost that, which points at the scale of the values rather than at λ.
      const numerical = this.options.regularization > 0 && this.options.regularizationScaling === 'none';
      return new AlsError(
        ErrorCode.NOT_POSITIVE_DEFINITE,
        `The normal equations of ${kind} ${String(ids.id(status))} (index ${status}) are not positive definite${numerical ? ' in float32 arithmetic' : ''}.`,
        numerical
          ? this.scaleHint(side)
          : 'Increase regularization (with λ = 0 every row needs at least as many ratings as factors), or lower factors.',
      );
    }
    const row = -2 - status;
    return new AlsError(
      ErrorCode.NON_FINITE_FACTORS,
      `The factors of ${kind} ${String(ids.id(row))} (index ${row}) became NaN or infinite.`,
      'Increase regularization, lower alpha, or rescale extreme rating values.',
    );
  }
}

function blocks(rows: number): number {
  return Math.ceil(rows / BLOCK_ROWS);
}

/**
 * What ALS and the Gibbs sampler both begin with: a training state over `backend`'s memory
 * with the ratings and the starting factors loaded (μ = the ratings' mean with biases), and
 * the executor of its jobs started. The caller closes the executor when the fit ends.
 */
export async function startTraining(s: {
  backend: Backend;
  layout: Layout;
  options: ResolvedOptions;
  stride: number;
  ratings: Ratings;
  /** Starting factors; null: drawn straight into the memory from options.seed and initStd. */
  init: { userFactors: Float32Array; itemFactors: Float32Array } | null;
  threads: number;
  signal?: AbortSignal;
  spawnWorker?: SpawnWorker;
  /**
   * The backend's memory is the Ratings' own (layout planned with planTraining's inPlace): the
   * users' ratings are already where the layout puts them, and the items' CSC built beside
   * them is handed to the Ratings as its byItem.
   */
  inPlace?: boolean;
}): Promise<{ state: TrainingState; executor: Executor }> {
  const { backend, layout, options, ratings } = s;
  const mu = options.biases ? ratings.mean() : 0;
  const state = new TrainingState(backend.kernels, backend.buffer, layout, options, s.stride, mu);
  const byItem = state.loadRatings(ratings, s.inPlace === true);
  // Split indices hold only the users' low 16 bits: such a CSC is the kernels' alone.
  if (s.inPlace && !layout.items.indexSplits) ratings.adoptByItem(byItem);
  if (s.init) {
    state.loadFactors('users', s.init.userFactors);
    state.loadFactors('items', s.init.itemFactors);
  } else state.drawFactors(options.seed, options.initStd);
  const executor = await startExecutor({
    threads: s.threads,
    backend,
    ctrl: layout.ctrl,
    scratch: layout.scratch,
    scratchBytes: layout.scratchBytes,
    signal: s.signal,
    what: 'Training',
    spawnWorker: s.spawnWorker,
  });
  state.executor = executor;
  return { state, executor };
}

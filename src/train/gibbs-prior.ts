/**
 * The prior block of a Gibbs half-step (kernels/abi.ts PRIOR_PARAMS) and what its short rows
 * need: P = Λ/τ and h = Λμ/τ for every row, and for the rows drawn by perturb and MAP
 * (assembly/sample.ts) P's Cholesky factor, L⁻ᵀ, L⁻¹h and a whitened copy of the fixed rows.
 * The copy is whitened, not the fixed rows in place: the long rows still read them plain, and
 * the chain keeps their exact values (whitening and back would move them by rounding).
 */
import type { Ratings } from '../data/ratings.js';
import { writePriorParams } from '../kernels/abi.js';
import { shortRowCap } from '../kernels/js/short-rows.js';
import { GATHER_ROWS, type Kernels, roundUp } from '../kernels/types.js';
import { countPerItem } from '../model/item-filter.js';
import { WHITEN_ROWS } from '../parallel/tasks.js';
import type { Layout } from './layout.js';
import { writeUpperInverse } from './cholesky-inverse.js';
import { type SideName, type TrainingState, WHITEN_FLOP_COST } from './state.js';

/** Whether and where the sampler draws short rows by perturb and MAP (tests and measurements set it). */
export interface ShortRowSampling {
  enabled: boolean;
  /** Rows with n ≤ ratio·dim ratings are short (capped by the kernel's scratch). Default {@link SAMPLER_SHORT_ROW_RATIO}. */
  ratio?: number;
  /** false: whiten whenever a side has short rows, whatever the cost rule says. */
  costRule?: boolean;
}

/**
 * The sampler's cut-off n ≤ ratio·dim. Its standard draw costs dim² more than ALS's standard
 * solve (Uᵀz and the normals) and its short one dim²/2 more (x = L⁻ᵀz), so it takes rows up to
 * dim: on ml-latest-small with biases the items' half-step took 13.3 ms at ratio 0.5 and
 * 13.2 at 1 (k = 32), 31.0 and 28.6 ms (k = 64), one thread (docs/bayesian-als.md).
 */
export const SAMPLER_SHORT_ROW_RATIO = 1;

/** Where a half-step writes its side's kept sample (PRIOR_PARAMS keep…): see gibbs.ts. */
export interface KeptSample {
  /** The side's kept rows, `factors`·`samples` floats each. */
  at: number;
  factors: number;
  samples: number;
  /** Which sample this is among the kept ones. */
  index: number;
  /** The side's f64 bias sums, or 0 (no biases). */
  bias: number;
}

/** Where a half-step's kernel writes each row drawn besides the factors (PRIOR_PARAMS). */
export interface RowWrites {
  keep: KeptSample | null;
  /** Rows of stride floats that get a copy of each row drawn, or 0. */
  mirror: number;
}

/** Addresses (bytes) of the prior block's parts, in the training memory after the layout. */
export interface PriorBlock {
  /** The PRIOR_PARAMS record. */
  at: number;
  precision: number;
  mean: number;
  /** P's Cholesky factor U = Lᵀ (stride × stride). */
  upper: number;
  whiteFactor: number;
  whiteMean: number;
  /** The fixed rows whitened (room for the larger fixed side that draws short rows), or 0. */
  whiteRows: number;
  /** Each item's Σ_j (t_j − x·y_j)² (f64) from the items' half-step: the RSS τ's draw needs. */
  rowLoss: number;
  /** Σ x of a side's rows for its hyperparameters (kernels.columnSums: stride f64). */
  columnSums: number;
  /** shortMax of each side's half-step: 0 where perturb and MAP does not pay. */
  shortMax: Record<SideName, number>;
  /** The block's end. */
  end: number;
}

/**
 * Plans the block at `start` (64-byte aligned). A side draws short rows when the work they save
 * (per row of n ≤ shortMax ratings: the Gram n·d²/2, the Cholesky d³/6, Uᵀz and the solve
 * 1.5·d², less M n²·d/2, its Cholesky n³/6 and x = L⁻ᵀz d²/2) exceeds the whitening's
 * (WHITEN_FLOP_COST·(fixed rows)·d²/2, as ALS's rule, and L⁻ᵀ d³/6).
 */
export function planPriorBlock(
  start: number,
  ratings: Ratings,
  stride: number,
  dim: number,
  sampling: ShortRowSampling,
): PriorBlock {
  const square = stride * stride * 4;
  const at = start;
  const precision = at + 64;
  const mean = precision + square;
  const upper = mean + stride * 4;
  const whiteFactor = upper + square;
  const whiteMean = whiteFactor + square;
  const cap = Math.min(Math.floor((sampling.ratio ?? SAMPLER_SHORT_ROW_RATIO) * dim), shortRowCap(dim, 2 * GATHER_ROWS * stride));
  const lengths = { users: userLengths(ratings), items: countPerItem(ratings.byUser, ratings.numItems) };
  const rows = { users: ratings.numUsers, items: ratings.numItems };
  const shortMax = { users: 0, items: 0 };
  let whiteRowCount = 0;
  for (const side of ['users', 'items'] as const) {
    const fixedRows = rows[side === 'users' ? 'items' : 'users'];
    if (sampling.enabled && cap > 0 && (sampling.costRule === false || pays(lengths[side], fixedRows, dim, cap))) {
      shortMax[side] = cap;
      whiteRowCount = Math.max(whiteRowCount, fixedRows);
    }
  }
  const rowLoss = whiteMean + stride * 4; // 16-byte aligned, as every part
  const columnSums = rowLoss + roundUp(ratings.numItems * 8, 16);
  const whiteRowsAt = columnSums + stride * 8;
  return {
    at,
    precision,
    mean,
    upper,
    whiteFactor,
    whiteMean,
    rowLoss,
    columnSums,
    whiteRows: whiteRowCount > 0 ? whiteRowsAt : 0,
    shortMax,
    end: whiteRowsAt + whiteRowCount * stride * 4,
  };
}

function pays(lengths: Int32Array, fixedRows: number, d: number, shortMax: number): boolean {
  const half = (d * d) / 2;
  const cube = d ** 3 / 6;
  let saved = 0;
  for (const n of lengths) if (n <= shortMax) saved += n * half + cube + 3 * half - (n * n * d) / 2 - n ** 3 / 6 - half;
  return saved > WHITEN_FLOP_COST * fixedRows * half + cube;
}

function userLengths(ratings: Ratings): Int32Array {
  const { indptr } = ratings.byUser;
  return Int32Array.from({ length: ratings.numUsers }, (_, u) => indptr[u + 1]! - indptr[u]!);
}

/**
 * Writes P = Λ/τ (upper triangle) and h = Λμ/τ for the half-step solving `side`, and where it
 * draws short rows P = UᵀU, L⁻ᵀ, L⁻¹h and the fixed rows whitened (the Whiten job, on every
 * thread); then the PRIOR_PARAMS record (the items' half-step also leaves each row's residual
 * squares in `rowLoss`; each row drawn also goes where `writes` says). After
 * state.prepare(side): the fixed rows carry their design slot. P failing its Cholesky in f32
 * leaves every row to the standard draw.
 */
export async function writePriorBlock(
  state: TrainingState,
  f32: Float32Array,
  i32: Int32Array,
  block: PriorBlock,
  layout: Layout,
  side: SideName,
  dim: number,
  hyper: { mean: Float64Array; precision: Float64Array },
  tau: number,
  writes: RowWrites,
): Promise<void> {
  const { keep, mirror } = writes;
  const stride = state.stride;
  const p = block.precision >>> 2;
  f32.fill(0, p, p + stride * stride);
  const h = block.mean >>> 2;
  f32.fill(0, h, h + stride);
  for (let i = 0; i < dim; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const v = hyper.precision[i * dim + j]!;
      if (j >= i) f32[p + i * stride + j] = v / tau;
      s += v * hyper.mean[j]!;
    }
    f32[h + i] = s / tau;
  }
  let shortMax = block.shortMax[side];
  if (shortMax > 0 && !factorPrior(state.kernels, f32, block, stride, dim)) shortMax = 0;
  if (shortMax > 0) {
    const fixed = layout[side === 'users' ? 'items' : 'users'];
    f32.copyWithin(block.whiteRows >>> 2, fixed.factors >>> 2, (fixed.factors >>> 2) + fixed.rows * stride);
    await state.runJob('Whiten', Math.ceil(fixed.rows / WHITEN_ROWS), {
      factor: block.upper,
      factors: block.whiteRows,
      stride,
      dim,
      rows: fixed.rows,
      rowsPerTask: WHITEN_ROWS,
    });
  }
  writePriorParams(i32, block.at, {
    precision: block.precision,
    mean: block.mean,
    shortMax,
    whiteRows: block.whiteRows,
    whiteFactor: block.whiteFactor,
    whiteMean: block.whiteMean,
    rowLoss: side === 'items' ? block.rowLoss : 0,
    keep: keep?.at ?? 0,
    keepFactors: keep?.factors ?? 0,
    keepSamples: keep?.samples ?? 0,
    keepIndex: keep?.index ?? 0,
    keepBias: keep?.bias ?? 0,
    mirror,
  });
}

/**
 * P = UᵀU into `upper` (from the precision's upper triangle), L⁻ᵀ into `whiteFactor` and L⁻¹h
 * into `whiteMean` (L = Uᵀ): what a short row's draw needs besides the whitened fixed rows.
 * false when P fails its Cholesky in f32.
 */
export function factorPrior(
  kernels: Pick<Kernels, 'cholesky' | 'whitenRows'>,
  f32: Float32Array,
  at: Pick<PriorBlock, 'precision' | 'mean' | 'upper' | 'whiteFactor' | 'whiteMean'>,
  stride: number,
  dim: number,
): boolean {
  const p = at.precision >>> 2;
  f32.copyWithin(at.upper >>> 2, p, p + stride * stride);
  if (kernels.cholesky(at.upper, stride, dim, 0) >= 0) return false;
  writeUpperInverse(kernels, f32, at.upper, at.whiteFactor, stride, dim);
  f32.copyWithin(at.whiteMean >>> 2, at.mean >>> 2, (at.mean >>> 2) + stride);
  kernels.whitenRows(at.upper, stride, dim, at.whiteMean, 0, 1);
  return true;
}

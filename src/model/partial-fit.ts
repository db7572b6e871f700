/**
 * partialFit's input, checked whole before the model changes: every ID by the rules Ratings
 * applies (data/id-map.ts checkId), every value finite and in range, no pair twice, and the grown model
 * planned against the serving memory — so a failure leaves the model exactly as it was.
 */
import type { Id, IdMap } from '../data/id-map.js';
import type { SparseRows } from '../data/sparse.js';
import { ErrorCode, fail } from '../errors.js';
import type { ResolvedOptions } from '../train/options.js';
import { checkValueRange } from '../train/value-range.js';
import { checkOptions, describe } from '../validate.js';
import { planServing } from '../wasm/memory-plan.js';
import { checkId } from '../data/id-map.js';
import { ServingEngine } from './engine.js';
import { foldInRow } from './fold-in.js';

/** Ratings for partialFit, by external IDs. */
export interface PartialRatings {
  users: readonly Id[];
  items: readonly Id[];
  values: ArrayLike<number>;
}

export type PartialFitInput = { users: PartialRatings } | { items: PartialRatings };

/** One row to recompute. */
export interface PartialRow {
  id: Id;
  /** Its dense index: its own, or the one it gets when added. */
  index: number;
  /** The other side's dense indices, and the values. */
  items: Int32Array;
  values: Float32Array;
}

export interface PreparedPartialFit {
  /** true: rows are users (solved against the items); false: rows are items. */
  byUser: boolean;
  /** In order of first appearance. */
  rows: PartialRow[];
  /** IDs the side does not know yet, in the order they are added. */
  added: Id[];
  /** The side's number of rows after the update. */
  size: number;
}

export interface ModelShape {
  users: IdMap;
  items: IdMap;
  factors: number;
  options: ResolvedOptions;
}

export function preparePartialFit(input: PartialFitInput, model: ModelShape): PreparedPartialFit {
  const outer = checkOptions('partialFit input', input as Partial<Record<'users' | 'items', PartialRatings>>, ['users', 'items']);
  if ((outer.users === undefined) === (outer.items === undefined)) {
    fail(
      ErrorCode.INVALID_OPTION,
      'partialFit takes either { users: ratings } (recompute users) or { items: ratings } (recompute items).',
      'partialFit({ users: { users, items, values } })',
    );
  }
  const byUser = outer.users !== undefined;
  const data = checkOptions(`partialFit({ ${byUser ? 'users' : 'items'} }) ratings`, byUser ? outer.users : outer.items, [
    'users',
    'items',
    'values',
  ]);
  for (const key of ['users', 'items', 'values'] as const) {
    const list = data[key] as unknown;
    if (!Array.isArray(list) && !(ArrayBuffer.isView(list) && !(list instanceof DataView))) {
      fail(
        ErrorCode.INVALID_OPTION,
        `partialFit ratings need ${key}, an array (got ${describe(list)}).`,
        'partialFit({ users: { users: [...], items: [...], values: [...] } })',
      );
    }
  }
  const own = byUser ? data.users : data.items;
  const other = byUser ? data.items : data.users;
  const values = data.values;
  if (own.length !== other.length || own.length !== values.length) {
    fail(
      ErrorCode.LENGTH_MISMATCH,
      `users, items and values must have the same length (got ${data.users.length}, ${data.items.length}, ${values.length}).`,
    );
  }
  const ownSide = byUser ? 'user' : 'item';
  const otherSide = byUser ? 'item' : 'user';
  const ownMap = byUser ? model.users : model.items;
  const otherMap = byUser ? model.items : model.users;
  const otherKind = otherMap.kind;
  // An empty or mixed map takes either kind at first; then every new ID must match the first
  // (a model file holds one kind of ID per side).
  let ownKind = ownMap.kind;

  // Group by the row each rating recomputes, in order of first appearance; new rows get the
  // index they will have once added (dense: the ID itself; mapped: after the known ones).
  const added: Id[] = [];
  const rows = new Map<Id, { index: number; items: number[]; values: number[] }>();
  let size = ownMap.size;
  for (let e = 0; e < own.length; e++) {
    const where = `Rating ${e} of partialFit`;
    const value = values[e];
    if (typeof value !== 'number' || !Number.isFinite(Math.fround(value))) {
      fail(
        ErrorCode.NON_FINITE_VALUE,
        `${where} has value ${describe(value)}.`,
        'Ratings must be finite numbers within float32 range.',
      );
    }
    const id = checkId(own[e], ownKind, ownSide, e);
    if (ownKind === 'any') ownKind = typeof id === 'string' ? 'string' : 'number';
    const otherIndex = otherMap.index(checkId(other[e], otherKind, otherSide, e));
    if (otherIndex < 0) {
      fail(
        ErrorCode.UNKNOWN_ID,
        `${where} names ${otherSide} ${describe(other[e])}, which is not in the model.`,
        `partialFit({ ${otherSide}s }) first adds it.`,
      );
    }
    let row = rows.get(id);
    if (!row) {
      let index = ownMap.index(id);
      if (index < 0) {
        index = ownMap.isDense ? (id as number) : size;
        added.push(id);
        size = Math.max(size, index + 1);
      }
      rows.set(id, (row = { index, items: [], values: [] }));
    }
    row.items.push(otherIndex);
    row.values.push(value);
  }

  const prepared = [...rows].map(([id, row]): PartialRow => {
    const items = Int32Array.from(row.items);
    if (new Set(row.items).size !== row.items.length) {
      fail(
        ErrorCode.DUPLICATE_RATING,
        `${ownSide[0]!.toUpperCase()}${ownSide.slice(1)} ${describe(id)} rates ${otherSide} ${describe(otherMap.id(firstRepeat(row.items)))} twice.`,
        'Combine repeated pairs first.',
      );
    }
    const rowValues = Float32Array.from(row.values);
    checkValueRange(rowValues, model.options, `The partialFit ratings of ${ownSide} ${describe(id)}`);
    return { id, index: row.index, items, values: rowValues };
  });

  // The grown model must still be servable: planned (TOO_LARGE) before anything grows.
  if (size > ownMap.size) {
    planServing(byUser ? size : model.users.size, byUser ? model.items.size : size, model.factors);
  }
  return { byUser, rows: prepared, added, size };
}

/** What partialFit reads from the model: its shape, the rows of both sides, and its serving memory. */
export interface PartialFitModel extends ModelShape {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  userBiases: Float32Array | null;
  itemBiases: Float32Array | null;
  globalMean: number;
  seen: SparseRows | null;
  engine(): ServingEngine;
}

/** The grown side, solved and ready to swap in: nothing in it is the model's own array. */
export interface PartialFitUpdate {
  byUser: boolean;
  /** IDs to add to the side's map, in order. */
  added: Id[];
  factors: Float32Array;
  biases: Float32Array | null;
  /** The seen table after the update (users' rows replaced), or the model's own for items. */
  seen: SparseRows | null;
}

/**
 * Checks and solves a partialFit without touching the model: each row is a fold-in against
 * the other side, written into grown copies of the side's factors and biases. The model swaps
 * them in afterwards, all at once, so a failure here leaves it exactly as it was.
 */
export function solvePartialFit(input: PartialFitInput, model: PartialFitModel): PartialFitUpdate {
  const { byUser, rows, size, added } = preparePartialFit(input, model);
  // With the sides swapped, the engine's "items" are the users: the same fold-in solves items.
  const engine = byUser
    ? model.engine()
    : new ServingEngine(model.factors, model.itemFactors, model.userFactors, model.itemBiases, model.userBiases);
  const solved = rows.map((row) => ({ ...row, ...foldInRow(engine, model.options, model.globalMean, row) }));
  const k = model.factors;
  const grow = (a: Float32Array, width: number) => {
    const out = new Float32Array(size * width);
    out.set(a.subarray(0, Math.min(a.length, out.length)));
    return out;
  };
  const factors = grow(byUser ? model.userFactors : model.itemFactors, k);
  const ownBiases = byUser ? model.userBiases : model.itemBiases;
  const biases = ownBiases ? grow(ownBiases, 1) : null;
  for (const row of solved) {
    factors.set(row.factors, row.index * k);
    if (biases) biases[row.index] = row.bias;
  }
  const seen = byUser && model.seen ? replaceRows(model.seen, size, new Map(solved.map((row) => [row.index, row]))) : model.seen;
  return { byUser, added, factors, biases, seen };
}

/** A CSR with some rows replaced (and rows added up to numRows). */
function replaceRows(m: SparseRows, numRows: number, rows: Map<number, { items: Int32Array; values: Float32Array }>): SparseRows {
  const indptr = new Int32Array(numRows + 1);
  const oldRows = m.indptr.length - 1;
  const lengthOf = (r: number) => rows.get(r)?.items.length ?? (r < oldRows ? m.indptr[r + 1]! - m.indptr[r]! : 0);
  for (let r = 0; r < numRows; r++) indptr[r + 1] = indptr[r]! + lengthOf(r);
  const indices = new Int32Array(indptr[numRows]!);
  const values = new Float32Array(indptr[numRows]!);
  for (let r = 0; r < numRows; r++) {
    const row = rows.get(r);
    if (row) {
      // Keep the CSR invariant: ascending item indices within a row.
      const order = Array.from(row.items.keys()).sort((a, b) => row.items[a]! - row.items[b]!);
      order.forEach((q, j) => ((indices[indptr[r]! + j] = row.items[q]!), (values[indptr[r]! + j] = row.values[q]!)));
    } else if (r < oldRows) {
      indices.set(m.indices.subarray(m.indptr[r]!, m.indptr[r + 1]!), indptr[r]!);
      values.set(m.values.subarray(m.indptr[r]!, m.indptr[r + 1]!), indptr[r]!);
    }
  }
  return { indptr, indices, values };
}

function firstRepeat(indices: readonly number[]): number {
  const seen = new Set<number>();
  for (const i of indices) {
    if (seen.has(i)) return i;
    seen.add(i);
  }
  return -1;
}

import { ErrorCode, fail } from '../errors.js';
import { boolean, checkOptions, describe, oneOf } from '../validate.js';
import { IdMap, checkId, isArrayLike, type Id } from './id-map.js';
import {
  MAX_ABS_RATING,
  MAX_RATINGS,
  OUT_OF_RANGE,
  RESCALE,
  checkRatingValue,
  checkRatingValues,
  checkTrainingSize,
  isRatingValue,
} from './limits.js';
import { RatingsMemory } from './ratings-memory.js';
import { buildRows, buildRowsInto, transpose, type DuplicatePolicy, type SparseRows } from './sparse.js';

export interface Triples {
  /** User of each rating: any strings or numbers, or dense indices with `denseIds`. */
  users: ArrayLike<Id>;
  /** Item of each rating, like `users`. */
  items: ArrayLike<Id>;
  /** The rating (explicit) or the amount of interaction (implicit). Finite numbers. */
  values: ArrayLike<number>;
}

/** A sparse matrix in CSR form, as scipy.sparse.csr_matrix holds it (row = user, column = item). */
export interface CsrInput {
  /** numUsers + 1 row offsets: user u's entries are [indptr[u], indptr[u + 1]). Starts at 0, never decreases. */
  indptr: ArrayLike<number | bigint>;
  /** Item (column) of each entry: integers ≥ 0. Any order within a row. */
  indices: ArrayLike<number | bigint>;
  /** The value of each entry. Default: every value 1 (a binary interaction matrix). */
  values?: ArrayLike<number>;
  /** Number of items (columns), to include items without entries. Default: max index + 1. */
  numItems?: number;
}

/** Options of Ratings.fromCsr. */
export interface CsrOptions {
  /** A column repeated within a row: 'error' (the default), 'sum' or 'last'. */
  duplicates?: DuplicatePolicy;
}

export interface RatingsOptions {
  /**
   * IDs are already dense indices (integers ≥ 0): index = ID, no map is built and the arrays
   * passed in are read in place. Default false: IDs are mapped to indices in order of first
   * appearance, and the mapping is kept (`userIds`, `userIndex`).
   */
  denseIds?: boolean;
  /** With `denseIds`: number of users, to include users without ratings. Default: max ID + 1. */
  numUsers?: number;
  /** With `denseIds`: number of items, to include items without ratings. Default: max ID + 1. */
  numItems?: number;
  /** What to do when a (user, item) pair occurs more than once. Default 'error'. */
  duplicates?: DuplicatePolicy;
}

/**
 * A sparse ratings matrix: CSR by user and CSC by item (both built in O(nnz)), and the maps
 * between external IDs and dense indices.
 */
export class Ratings {
  readonly users: IdMap;
  readonly items: IdMap;
  /** CSR: row = user index, indices = item indices (ascending). */
  readonly byUser: SparseRows;
  private csc: SparseRows | null = null;
  /**
   * @internal The memory byUser lives in (large data where shared memory exists), which its
   * first multi-threaded fit trains in (train/als.ts); null: byUser is on the JS heap.
   */
  readonly home: RatingsMemory | null;

  private constructor(users: IdMap, items: IdMap, byUser: SparseRows, home: RatingsMemory | null = null) {
    this.users = users;
    this.items = items;
    this.byUser = byUser;
    this.home = home;
  }

  /**
   * Ratings from parallel arrays of users, items and values.
   * @example Ratings.fromTriples({ users: ['ann', 'bob'], items: ['x', 'x'], values: [5, 3] })
   * @example Ratings.fromTriples({ users, items, values }, { denseIds: true, numUsers, numItems })
   */
  static fromTriples(triples: Triples, options: RatingsOptions = {}): Ratings {
    const { users, items, values } = checkTriples(triples);
    const o = checkRatingsOptions(options);
    const policy = o.duplicates ?? 'error';
    if (users.length !== values.length || items.length !== values.length) {
      fail(
        ErrorCode.LENGTH_MISMATCH,
        `users, items and values must have the same length (got ${users.length}, ${items.length}, ${values.length}).`,
      );
    }
    if (values.length === 0) fail(ErrorCode.EMPTY_DATA, 'No ratings were given.', 'Pass at least one (user, item, value).');
    if (!o.denseIds && (o.numUsers !== undefined || o.numItems !== undefined)) {
      fail(ErrorCode.INVALID_OPTION, 'numUsers / numItems only apply with denseIds: true.');
    }
    // Sizes first, in O(1): numUsers: 2**30 must not allocate for a minute before failing.
    checkTrainingSize('Ratings', o.numUsers ?? 0, o.numItems ?? 0, values.length);

    let userMap: IdMap;
    let itemMap: IdMap;
    let rowOf: ArrayLike<number>;
    let colOf: ArrayLike<number>;
    if (o.denseIds) {
      rowOf = checkDense(users, 'user', o.numUsers);
      colOf = checkDense(items, 'item', o.numItems);
      userMap = IdMap.dense(o.numUsers ?? maxPlusOne(rowOf));
      itemMap = IdMap.dense(o.numItems ?? maxPlusOne(colOf));
    } else {
      userMap = IdMap.empty();
      itemMap = IdMap.empty();
      rowOf = mapIds(users, userMap, 'user');
      colOf = mapIds(items, itemMap, 'item');
    }
    return Ratings.fromIndices(userMap, itemMap, rowOf, colOf, values, policy);
  }

  /**
   * Ratings from a sparse matrix already in CSR form (scipy's `csr.indptr`, `csr.indices`,
   * `csr.data`), users = rows and items = columns, with dense IDs (ID = index). Checked as
   * fromTriples checks: the sizes first (TOO_LARGE before anything is allocated), then
   * indptr's shape, every column index, every value, and a column repeated within a row
   * (refused, or combined by `duplicates`). Typed integer arrays of any width are read, 64-bit
   * (BigInt64Array) ones too.
   * @example Ratings.fromCsr({ indptr: [0, 2, 3], indices: [0, 4, 4], values: [5, 3, 1] }) // 2 users × 5 items
   */
  static fromCsr(csr: CsrInput, options: CsrOptions = {}): Ratings {
    const input = checkOptions('Ratings.fromCsr input', csr, ['indptr', 'indices', 'values', 'numItems'], {
      data: "scipy's csr.data goes in values: Ratings.fromCsr({ indptr, indices, values: data }).",
      shape: 'The rows are indptr.length − 1; pass the number of columns as numItems.',
      numUsers: 'The number of users is indptr.length − 1.',
    });
    const o = checkOptions('Ratings.fromCsr options', options, ['duplicates'], {
      denseIds: 'fromCsr IDs are always dense (ID = row or column index).',
    });
    const policy = o.duplicates === undefined ? 'error' : oneOf('duplicates', o.duplicates, DUPLICATE_POLICIES);
    for (const key of ['indptr', 'indices'] as const) {
      if (!isArrayLike(input[key]))
        fail(
          ErrorCode.INVALID_OPTION,
          `Ratings.fromCsr: ${key} must be an array or typed array (got ${describe(input[key])}).`,
          'Pass the CSR arrays, e.g. csr.indptr and csr.indices of a scipy matrix.',
        );
    }
    if (input.values !== undefined && !isArrayLike(input.values)) {
      fail(
        ErrorCode.INVALID_OPTION,
        `Ratings.fromCsr: values must be an array or typed array (got ${describe(input.values)}).`,
        'Leave values out for a binary matrix (every value 1).',
      );
    }
    const numItems = input.numItems;
    if (numItems !== undefined && !(typeof numItems === 'number' && Number.isInteger(numItems) && numItems >= 0)) {
      fail(
        ErrorCode.INVALID_OPTION,
        `numItems must be an integer ≥ 0 (got ${describe(numItems)}).`,
        'Pass the number of columns of the matrix.',
      );
    }
    const { indptr, indices } = input;
    if (indptr.length === 0)
      fail(
        ErrorCode.INVALID_OPTION,
        'Ratings.fromCsr: indptr is empty; it has numUsers + 1 entries, starting with 0.',
        'Pass csr.indptr as it is.',
      );
    const numUsers = indptr.length - 1;
    const nnz = indices.length;
    // Sizes first, in O(1): nothing is read or allocated for data no fit could hold.
    checkTrainingSize('Ratings.fromCsr', numUsers, numItems ?? 0, nnz);
    if (input.values !== undefined && input.values.length !== nnz) {
      fail(
        ErrorCode.LENGTH_MISMATCH,
        `Ratings.fromCsr: indices and values must have the same length (got ${nnz}, ${input.values.length}).`,
      );
    }
    if (nnz === 0)
      fail(ErrorCode.EMPTY_DATA, 'Ratings.fromCsr: the matrix has no entries.', 'Pass at least one (row, column, value).');
    const rowOf = rowsOfCsr(indptr, nnz);
    const colOf = checkDense(asNumbers(indices), 'item', numItems);
    const values = input.values ?? new Float32Array(nnz).fill(1);
    return Ratings.fromIndices(
      IdMap.dense(numUsers),
      IdMap.dense(numItems ?? maxPlusOne(colOf)),
      rowOf,
      colOf,
      values,
      policy,
      'entries',
    );
  }

  /** A builder that takes one rating at a time. */
  static builder(options: Omit<RatingsOptions, 'numUsers' | 'numItems'> = {}): RatingsBuilder {
    return new RatingsBuilder(options);
  }

  /**
   * @internal Ratings over dense indices already checked, with the given ID maps. Checks the
   * sizes (TOO_LARGE before allocating), every value, and the sums 'sum' makes of repeats.
   */
  static fromIndices(
    users: IdMap,
    items: IdMap,
    rowOf: ArrayLike<number>,
    colOf: ArrayLike<number>,
    values: ArrayLike<number>,
    policy: DuplicatePolicy,
    positions: 'rows' | 'entries' = 'rows',
  ): Ratings {
    checkTrainingSize('Ratings', users.size, items.size, values.length);
    checkRatingValues(values);
    // Large data is built straight into a memory its fit can train in (one copy of the ratings).
    const home = RatingsMemory.create(users.size, items.size, values.length);
    const built = home
      ? buildRowsInto(rowOf, colOf, values, users.size, policy, home.views(values.length))
      : buildRows(rowOf, colOf, values, users.size, items.size, policy);
    if (!('indptr' in built)) {
      const at = firstOccurrences(rowOf, colOf, built.row, built.col);
      fail(
        ErrorCode.DUPLICATE_RATING,
        `User ${String(users.id(built.row))} rated item ${String(items.id(built.col))} more than once (${positions} ${at.join(' and ')}).`,
        "Pass duplicates: 'sum' or 'last' to combine repeated pairs.",
      );
    }
    if (policy === 'sum') checkSums(built, users, items);
    return new Ratings(users, items, built, home);
  }

  /**
   * @internal The CSC a fit built in this Ratings' own memory (read-only there): byItem
   * returns it instead of building a second one.
   */
  adoptByItem(byItem: SparseRows): void {
    this.csc ??= byItem;
  }

  get numUsers(): number {
    return this.users.size;
  }
  get numItems(): number {
    return this.items.size;
  }
  /** Number of stored ratings (after combining duplicates). */
  get nnz(): number {
    return this.byUser.indices.length;
  }
  /** CSC: row = item index, indices = user indices (ascending). Built on first use. */
  get byItem(): SparseRows {
    return (this.csc ??= transpose(this.byUser, this.numItems));
  }
  /** User IDs in index order. */
  get userIds(): Id[] {
    return this.users.ids();
  }
  /** Item IDs in index order. */
  get itemIds(): Id[] {
    return this.items.ids();
  }
  /** Dense index of a user ID, or -1. */
  userIndex(id: Id): number {
    return this.users.index(id);
  }
  /** Dense index of an item ID, or -1. */
  itemIndex(id: Id): number {
    return this.items.index(id);
  }
  /** [min, max] of the stored values (after combining duplicates): what explicit models clip predictions to. */
  valueRange(): [number, number] {
    const v = this.byUser.values;
    let min = Infinity;
    let max = -Infinity;
    for (let e = 0; e < v.length; e++) {
      if (v[e]! < min) min = v[e]!;
      if (v[e]! > max) max = v[e]!;
    }
    return [min, max];
  }

  /** Mean of all values (μ). */
  mean(): number {
    let sum = 0;
    const v = this.byUser.values;
    for (let e = 0; e < v.length; e++) sum += v[e]!;
    return sum / v.length;
  }
}

/** Collects ratings one at a time; `build()` makes the Ratings. */
export class RatingsBuilder {
  private readonly denseIds: boolean;
  private readonly duplicates: DuplicatePolicy;
  private readonly userMap: IdMap;
  private readonly itemMap: IdMap;
  private rows = new Int32Array(1024);
  private cols = new Int32Array(1024);
  private vals = new Float64Array(1024);
  private count = 0;

  constructor(options: Omit<RatingsOptions, 'numUsers' | 'numItems'> = {}) {
    const o = checkOptions('Ratings.builder options', options, ['denseIds', 'duplicates'], {
      numUsers: 'The builder counts users and items from the IDs added; pass numUsers / numItems to Ratings.fromTriples instead.',
      numItems: 'The builder counts users and items from the IDs added; pass numUsers / numItems to Ratings.fromTriples instead.',
    });
    this.denseIds = o.denseIds === undefined ? false : boolean('denseIds', o.denseIds);
    this.duplicates = o.duplicates === undefined ? 'error' : oneOf('duplicates', o.duplicates, DUPLICATE_POLICIES);
    this.userMap = this.denseIds ? IdMap.dense(0) : IdMap.empty();
    this.itemMap = this.denseIds ? IdMap.dense(0) : IdMap.empty();
  }

  get size(): number {
    return this.count;
  }

  /** Adds one rating; a bad ID or value is refused here, naming the rating, and nothing is added. */
  add(user: Id, item: Id, value: number): this {
    const at = this.count;
    const kind = this.denseIds ? 'dense' : 'any';
    const row = checkId(user, kind, 'user', at);
    const col = checkId(item, kind, 'item', at);
    if (!isRatingValue(value)) checkRatingValue(value, `Rating ${at} (user ${String(user)}, item ${String(item)})`);
    if (at === this.rows.length) this.grow();
    this.rows[at] = this.userMap.add(row);
    this.cols[at] = this.itemMap.add(col);
    this.vals[at] = value;
    this.count++;
    return this;
  }

  build(): Ratings {
    if (this.count === 0) fail(ErrorCode.EMPTY_DATA, 'No ratings were added.', 'Call add(user, item, value) first.');
    const n = this.count;
    return Ratings.fromIndices(
      this.userMap.clone(),
      this.itemMap.clone(),
      this.rows.subarray(0, n),
      this.cols.subarray(0, n),
      this.vals.subarray(0, n),
      this.duplicates,
    );
  }

  private grow(): void {
    // No fit could hold more ratings than MAX_RATINGS: refuse instead of doubling past it.
    if (this.rows.length >= MAX_RATINGS)
      checkTrainingSize('Ratings.builder', this.userMap.size, this.itemMap.size, this.rows.length + 1);
    const size = Math.min(this.rows.length * 2, MAX_RATINGS);
    const rows = new Int32Array(size);
    const cols = new Int32Array(size);
    const vals = new Float64Array(size);
    rows.set(this.rows);
    cols.set(this.cols);
    vals.set(this.vals);
    this.rows = rows;
    this.cols = cols;
    this.vals = vals;
  }
}

const DUPLICATE_POLICIES: readonly DuplicatePolicy[] = ['error', 'sum', 'last'];

/** The triples object: anything with users, items and values that are arrays or typed arrays. */
function checkTriples(triples: unknown): Triples {
  if (triples === null || typeof triples !== 'object' || Array.isArray(triples)) {
    fail(ErrorCode.INVALID_OPTION, `Ratings.fromTriples needs { users, items, values } (got ${describe(triples)}).`);
  }
  const t = triples as Record<string, unknown>;
  for (const key of ['users', 'items', 'values']) {
    if (!isArrayLike(t[key])) {
      fail(
        ErrorCode.INVALID_OPTION,
        `Ratings.fromTriples: ${key} must be an array or typed array (got ${describe(t[key])}).`,
        'Pass { users, items, values } as parallel arrays, one entry per rating.',
      );
    }
  }
  return triples as Triples;
}

/**
 * The options, refused on an unknown key or a wrong type; numUsers / numItems must be
 * integers ≥ 0 (whether they cover the IDs is checked with the IDs, and whether they fit
 * by checkTrainingSize).
 */
function checkRatingsOptions(options: RatingsOptions): RatingsOptions {
  const o = checkOptions('Ratings options', options, ['denseIds', 'numUsers', 'numItems', 'duplicates']);
  if (o.denseIds !== undefined) boolean('denseIds', o.denseIds);
  if (o.duplicates !== undefined) oneOf('duplicates', o.duplicates, DUPLICATE_POLICIES);
  for (const name of ['numUsers', 'numItems'] as const) {
    const n = o[name];
    if (n !== undefined && !(typeof n === 'number' && Number.isInteger(n) && n >= 0)) {
      fail(
        ErrorCode.INVALID_OPTION,
        `${name} must be an integer ≥ 0 (got ${describe(n)}).`,
        `With denseIds, ${name} must be at least the largest ID + 1.`,
      );
    }
  }
  return o;
}

const INT_ARRAYS = [Int32Array, Uint32Array, Uint16Array, Uint8Array, Uint8ClampedArray, Int16Array, Int8Array];

/** Dense IDs checked in place (typed integer arrays need only the range checks). */
function checkDense(ids: ArrayLike<unknown>, kind: 'user' | 'item', declared: number | undefined): ArrayLike<number> {
  const intTyped = INT_ARRAYS.some((type) => ids instanceof type);
  const name = kind === 'user' ? 'numUsers' : 'numItems';
  for (let e = 0; e < ids.length; e++) {
    const id = ids[e];
    if (!intTyped || (id as number) < 0 || (id as number) > 0x7fffffff) checkId(id, 'dense', kind, e);
    if (declared !== undefined && (id as number) >= declared) {
      fail(
        ErrorCode.ID_OUT_OF_RANGE,
        `Rating ${e} has ${kind} ID ${String(id)}, but ${name} is ${declared}.`,
        `Raise ${name} or fix the ID.`,
      );
    }
  }
  return ids as ArrayLike<number>;
}

/** 64-bit integer arrays (scipy's int64 indices) as numbers; other arrays as they are. */
function asNumbers(a: ArrayLike<number | bigint>): ArrayLike<unknown> {
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    // Past 2^53 a bigint has no exact number; anything that large is refused as a dense ID anyway.
    return Array.from(a as ArrayLike<bigint>, (v) => (v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : Infinity));
  }
  return a;
}

/**
 * The row of every entry, from indptr: indptr[0] = 0, never decreasing, ending at nnz, every
 * offset an integer. Checked before the row array is filled.
 */
function rowsOfCsr(indptrIn: ArrayLike<number | bigint>, nnz: number): Int32Array {
  const indptr = asNumbers(indptrIn);
  const numUsers = indptr.length - 1;
  const hint = "Pass a CSR matrix's row pointers as they are (scipy: csr.indptr); rows are users.";
  let previous = 0;
  for (let u = 0; u <= numUsers; u++) {
    const p = indptr[u];
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > nnz) {
      fail(
        ErrorCode.INVALID_OPTION,
        `Ratings.fromCsr: indptr[${u}] is ${describe(p)}, not an integer in [0, ${nnz}] (the number of entries).`,
        hint,
      );
    }
    if (u === 0 && p !== 0) fail(ErrorCode.INVALID_OPTION, `Ratings.fromCsr: indptr[0] is ${p}; it must be 0.`, hint);
    if (p < previous)
      fail(
        ErrorCode.INVALID_OPTION,
        `Ratings.fromCsr: indptr[${u}] is ${p}, less than indptr[${u - 1}] = ${previous}; row offsets never decrease.`,
        hint,
      );
    previous = p;
  }
  if (previous !== nnz) {
    fail(ErrorCode.LENGTH_MISMATCH, `Ratings.fromCsr: indptr ends at ${previous}, but indices has ${nnz} entries.`, hint);
  }
  const rows = new Int32Array(nnz);
  for (let u = 0; u < numUsers; u++) rows.fill(u, indptr[u] as number, indptr[u + 1] as number);
  return rows;
}

function mapIds(ids: ArrayLike<unknown>, map: IdMap, kind: string): Int32Array {
  const out = new Int32Array(ids.length);
  for (let e = 0; e < ids.length; e++) out[e] = map.add(checkId(ids[e], 'any', kind, e));
  return out;
}

function maxPlusOne(ids: ArrayLike<number>): number {
  let max = -1;
  for (let e = 0; e < ids.length; e++) if (ids[e]! > max) max = ids[e]!;
  return max + 1;
}

/** Under duplicates: 'sum', a pair's float32 sum may leave the range single values are held to. */
function checkSums(m: SparseRows, users: IdMap, items: IdMap): void {
  const { indptr, indices, values } = m;
  for (let e = 0; e < values.length; e++) {
    const v = values[e]!;
    if (Number.isFinite(v) && Math.abs(v) <= MAX_ABS_RATING) continue;
    let row = 0;
    while (indptr[row + 1]! <= e) row++;
    const pair = `The ratings of user ${String(users.id(row))} for item ${String(items.id(indices[e]!))}`;
    if (!Number.isFinite(v)) {
      fail(ErrorCode.NON_FINITE_VALUE, `${pair} sum to ${v} in float32 (duplicates: 'sum').`, RESCALE);
    }
    fail(ErrorCode.NON_FINITE_VALUE, `${pair} sum to ${v} (duplicates: 'sum'), ${OUT_OF_RANGE}`, RESCALE);
  }
}

/** Input positions of the first two ratings of (row, col), for the duplicate message. */
function firstOccurrences(rows: ArrayLike<number>, cols: ArrayLike<number>, row: number, col: number): number[] {
  const at: number[] = [];
  for (let e = 0; e < rows.length && at.length < 2; e++) if (rows[e] === row && cols[e] === col) at.push(e);
  return at;
}

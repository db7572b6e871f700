import { ErrorCode, fail } from '../errors.js';
import { IdMap, type Id } from './id-map.js';
import { buildRows, transpose, type DuplicatePolicy, type SparseRows } from './sparse.js';

export interface Triples {
  /** User of each rating: any strings or numbers, or dense indices with `denseIds`. */
  users: ArrayLike<Id>;
  /** Item of each rating, like `users`. */
  items: ArrayLike<Id>;
  /** The rating (explicit) or the amount of interaction (implicit). Finite numbers. */
  values: ArrayLike<number>;
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

  private constructor(users: IdMap, items: IdMap, byUser: SparseRows) {
    this.users = users;
    this.items = items;
    this.byUser = byUser;
  }

  /**
   * Ratings from parallel arrays of users, items and values.
   * @example Ratings.fromTriples({ users: ['ann', 'bob'], items: ['x', 'x'], values: [5, 3] })
   * @example Ratings.fromTriples({ users, items, values }, { denseIds: true, numUsers, numItems })
   */
  static fromTriples(triples: Triples, options: RatingsOptions = {}): Ratings {
    const policy = checkPolicy(options.duplicates);
    const { users, items, values } = triples;
    if (!users || !items || !values) {
      fail(ErrorCode.INVALID_OPTION, 'fromTriples needs { users, items, values }.');
    }
    if (users.length !== values.length || items.length !== values.length) {
      fail(
        ErrorCode.LENGTH_MISMATCH,
        `users, items and values must have the same length (got ${users.length}, ${items.length}, ${values.length}).`,
      );
    }
    if (values.length === 0) fail(ErrorCode.EMPTY_DATA, 'No ratings were given.', 'Pass at least one (user, item, value).');
    checkValues(values);

    let userMap: IdMap;
    let itemMap: IdMap;
    let rowOf: ArrayLike<number>;
    let colOf: ArrayLike<number>;
    if (options.denseIds) {
      rowOf = checkDense(users as ArrayLike<number>, 'user', options.numUsers);
      colOf = checkDense(items as ArrayLike<number>, 'item', options.numItems);
      userMap = IdMap.dense(options.numUsers ?? maxPlusOne(rowOf));
      itemMap = IdMap.dense(options.numItems ?? maxPlusOne(colOf));
    } else {
      if (options.numUsers !== undefined || options.numItems !== undefined) {
        fail(ErrorCode.INVALID_OPTION, 'numUsers / numItems only apply with denseIds: true.');
      }
      userMap = IdMap.empty();
      itemMap = IdMap.empty();
      rowOf = mapIds(users, userMap, 'user');
      colOf = mapIds(items, itemMap, 'item');
    }
    return Ratings.fromIndices(userMap, itemMap, rowOf, colOf, values, policy);
  }

  /** A builder that takes one rating at a time. */
  static builder(options: Omit<RatingsOptions, 'numUsers' | 'numItems'> = {}): RatingsBuilder {
    return new RatingsBuilder(options);
  }

  /** @internal Ratings over dense indices already checked, with the given ID maps. */
  static fromIndices(
    users: IdMap,
    items: IdMap,
    rowOf: ArrayLike<number>,
    colOf: ArrayLike<number>,
    values: ArrayLike<number>,
    policy: DuplicatePolicy,
  ): Ratings {
    const built = buildRows(rowOf, colOf, values, users.size, items.size, policy);
    if (!('indptr' in built)) {
      const at = firstOccurrences(rowOf, colOf, built.row, built.col);
      fail(
        ErrorCode.DUPLICATE_RATING,
        `User ${String(users.id(built.row))} rated item ${String(items.id(built.col))} more than once (rows ${at.join(' and ')}).`,
        "Pass duplicates: 'sum' or 'last' to combine repeated pairs.",
      );
    }
    return new Ratings(users, items, built);
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
  private readonly options: Omit<RatingsOptions, 'numUsers' | 'numItems'>;
  private readonly userMap: IdMap;
  private readonly itemMap: IdMap;
  private rows = new Int32Array(1024);
  private cols = new Int32Array(1024);
  private vals = new Float64Array(1024);
  private count = 0;

  constructor(options: Omit<RatingsOptions, 'numUsers' | 'numItems'> = {}) {
    this.options = options;
    checkPolicy(options.duplicates);
    this.userMap = options.denseIds ? IdMap.dense(0) : IdMap.empty();
    this.itemMap = options.denseIds ? IdMap.dense(0) : IdMap.empty();
  }

  get size(): number {
    return this.count;
  }

  add(user: Id, item: Id, value: number): this {
    const at = this.count;
    if (!Number.isFinite(value)) {
      fail(ErrorCode.NON_FINITE_VALUE, `Rating ${at} (user ${String(user)}, item ${String(item)}) is ${value}.`, 'Ratings must be finite numbers.');
    }
    const row = this.options.denseIds ? checkDenseOne(user, 'user', at) : checkMappedOne(user, 'user', at);
    const col = this.options.denseIds ? checkDenseOne(item, 'item', at) : checkMappedOne(item, 'item', at);
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
      this.options.duplicates ?? 'error',
    );
  }

  private grow(): void {
    const size = this.rows.length * 2;
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

function checkPolicy(policy: unknown): DuplicatePolicy {
  if (policy === undefined) return 'error';
  if (policy === 'sum' || policy === 'last' || policy === 'error') return policy;
  fail(ErrorCode.INVALID_OPTION, `duplicates must be 'sum', 'last' or 'error' (got ${String(policy)}).`);
}

function checkValues(values: ArrayLike<number>): void {
  for (let e = 0; e < values.length; e++) {
    const v = values[e]!;
    // Math.fround: a finite double beyond f32's range would become Infinity in storage.
    if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
      fail(ErrorCode.NON_FINITE_VALUE, `Rating ${e} has value ${String(v)}.`, 'Ratings must be finite numbers within float32 range.');
    }
  }
}

function checkDense(ids: ArrayLike<number>, kind: 'user' | 'item', declared: number | undefined): ArrayLike<number> {
  if (declared !== undefined && !(Number.isInteger(declared) && declared >= 0)) {
    fail(ErrorCode.INVALID_OPTION, `num${kind === 'user' ? 'Users' : 'Items'} must be a non-negative integer (got ${declared}).`);
  }
  const intTyped = ids instanceof Int32Array || ids instanceof Uint32Array || ids instanceof Uint16Array || ids instanceof Uint8Array || ids instanceof Int16Array || ids instanceof Int8Array;
  for (let e = 0; e < ids.length; e++) {
    const id = ids[e]!;
    if (!intTyped && !(typeof id === 'number' && Number.isInteger(id))) {
      fail(ErrorCode.INVALID_ID, `Rating ${e} has ${kind} ID ${String(id)}, which is not an integer.`, 'With denseIds: true, IDs must be integers ≥ 0; omit denseIds to map arbitrary IDs.');
    }
    if (id < 0) {
      fail(ErrorCode.INVALID_ID, `Rating ${e} has negative ${kind} ID ${id}.`, 'With denseIds: true, IDs must be integers ≥ 0; omit denseIds to map arbitrary IDs.');
    }
    if (id > 0x7fffffff) fail(ErrorCode.INVALID_ID, `Rating ${e} has ${kind} ID ${id}, beyond 2^31 − 1.`, 'Omit denseIds to map large IDs.');
    if (declared !== undefined && id >= declared) {
      fail(ErrorCode.ID_OUT_OF_RANGE, `Rating ${e} has ${kind} ID ${id}, but num${kind === 'user' ? 'Users' : 'Items'} is ${declared}.`, `Raise num${kind === 'user' ? 'Users' : 'Items'} or fix the ID.`);
    }
  }
  return ids;
}

function checkDenseOne(id: Id, kind: string, at: number): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
    fail(ErrorCode.INVALID_ID, `Rating ${at} has ${kind} ID ${String(id)}; with denseIds: true IDs must be integers ≥ 0.`, 'Omit denseIds to map arbitrary IDs.');
  }
  return id;
}

function checkMappedOne(id: Id, kind: string, at: number): Id {
  if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) return id;
  fail(ErrorCode.INVALID_ID, `Rating ${at} has ${kind} ID ${String(id)}.`, 'IDs must be strings or finite numbers.');
}

function mapIds(ids: ArrayLike<Id>, map: IdMap, kind: string): Int32Array {
  const out = new Int32Array(ids.length);
  for (let e = 0; e < ids.length; e++) out[e] = map.add(checkMappedOne(ids[e]!, kind, e));
  return out;
}

function maxPlusOne(ids: ArrayLike<number>): number {
  let max = -1;
  for (let e = 0; e < ids.length; e++) if (ids[e]! > max) max = ids[e]!;
  return max + 1;
}

/** Input positions of the first two ratings of (row, col), for the duplicate message. */
function firstOccurrences(rows: ArrayLike<number>, cols: ArrayLike<number>, row: number, col: number): number[] {
  const at: number[] = [];
  for (let e = 0; e < rows.length && at.length < 2; e++) if (rows[e] === row && cols[e] === col) at.push(e);
  return at;
}


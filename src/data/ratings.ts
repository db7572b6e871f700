import { ErrorCode, fail } from '../errors.js';
import { boolean, checkOptions, describe, oneOf } from '../validate.js';
import { IdMap, checkId, isArrayLike, type Id } from './id-map.js';
import { MAX_ABS_RATING, MAX_RATINGS, OUT_OF_RANGE, RESCALE, checkRatingValue, checkRatingValues, checkTrainingSize, isRatingValue } from './limits.js';
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
  ): Ratings {
    checkTrainingSize('Ratings', users.size, items.size, values.length);
    checkRatingValues(values);
    const built = buildRows(rowOf, colOf, values, users.size, items.size, policy);
    if (!('indptr' in built)) {
      const at = firstOccurrences(rowOf, colOf, built.row, built.col);
      fail(
        ErrorCode.DUPLICATE_RATING,
        `User ${String(users.id(built.row))} rated item ${String(items.id(built.col))} more than once (rows ${at.join(' and ')}).`,
        "Pass duplicates: 'sum' or 'last' to combine repeated pairs.",
      );
    }
    if (policy === 'sum') checkSums(built, users, items);
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
    if (this.rows.length >= MAX_RATINGS) checkTrainingSize('Ratings.builder', this.userMap.size, this.itemMap.size, this.rows.length + 1);
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
      fail(ErrorCode.INVALID_OPTION, `${name} must be an integer ≥ 0 (got ${describe(n)}).`, `With denseIds, ${name} must be at least the largest ID + 1.`);
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
      fail(ErrorCode.ID_OUT_OF_RANGE, `Rating ${e} has ${kind} ID ${String(id)}, but ${name} is ${declared}.`, `Raise ${name} or fix the ID.`);
    }
  }
  return ids as ArrayLike<number>;
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


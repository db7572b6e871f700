/**
 * ALSModel.fromFactors: a model's parts from factors made elsewhere (tests, interop,
 * hand-made fixtures), every size and value checked, and the memory planned, before anything
 * is copied.
 */
import type { Id } from '../data/id-map.js';
import { IdMap, checkUniformIds } from '../data/id-map.js';
import type { SparseRows } from '../data/sparse.js';
import { AlsError, ErrorCode, fail } from '../errors.js';
import { DEFAULTS, resolveOptions, type ResolvedOptions } from '../train/options.js';
import { checkOptions, describe, finite } from '../validate.js';
import { planModel } from '../wasm/memory-plan.js';
import type { ModelParts } from './model.js';
import { checkRange, idList, numberList } from './serving-options.js';

/** Factors made elsewhere (tests, interop, hand-made fixtures). */
export interface FactorsInput {
  userIds: readonly Id[];
  itemIds: readonly Id[];
  /** userIds.length × k, row-major. */
  userFactors: Float32Array | ArrayLike<number>;
  /** itemIds.length × k, row-major. */
  itemFactors: Float32Array | ArrayLike<number>;
  userBiases?: ArrayLike<number>;
  itemBiases?: ArrayLike<number>;
  globalMean?: number;
  /** The conventions fold-in should use (feedback, confidence, α, λ, scaling). Defaults as ALS. */
  options?: Partial<ResolvedOptions>;
  /** Each user's seen items, by external IDs, for excludeSeen (and minItemRatings' counts). */
  seen?: ReadonlyMap<Id, readonly Id[]>;
  /** [min, max] of the training values, which clip: 'auto' clips explicit scores to. Default: unknown (no clipping). */
  valueRange?: readonly [number, number];
}

export function partsFromFactors(input: FactorsInput): ModelParts {
  const o = checkOptions('fromFactors input', input, [
    'userIds',
    'itemIds',
    'userFactors',
    'itemFactors',
    'userBiases',
    'itemBiases',
    'globalMean',
    'options',
    'seen',
    'valueRange',
  ]);
  const userIds = idList('userIds', o.userIds) ?? fail(ErrorCode.INVALID_OPTION, 'fromFactors needs userIds.');
  const itemIds = idList('itemIds', o.itemIds) ?? fail(ErrorCode.INVALID_OPTION, 'fromFactors needs itemIds.');
  const numUsers = userIds.length;
  const numItems = itemIds.length;
  if (numItems === 0) fail(ErrorCode.EMPTY_DATA, 'fromFactors needs at least one item.');
  const userFactors = numberList('userFactors', o.userFactors);
  const itemFactors = numberList('itemFactors', o.itemFactors);
  const k = itemFactors.length / numItems;
  if (!Number.isInteger(k) || k < 1)
    fail(ErrorCode.INVALID_OPTION, `itemFactors has ${itemFactors.length} values, not a multiple of ${numItems} items.`);
  if (userFactors.length !== numUsers * k)
    fail(ErrorCode.INVALID_OPTION, `userFactors must hold ${numUsers} × ${k} values (got ${userFactors.length}).`);
  const biased = o.userBiases !== undefined || o.itemBiases !== undefined;
  const userBiases = biased ? numberList('userBiases', o.userBiases) : null;
  const itemBiases = biased ? numberList('itemBiases', o.itemBiases) : null;
  if (biased && (userBiases?.length !== numUsers || itemBiases?.length !== numItems)) {
    fail(ErrorCode.INVALID_OPTION, 'userBiases and itemBiases must both be given, one per user and one per item.');
  }
  // Planned before the copies: a model no memory could hold is refused at once.
  planModel(numUsers, numItems, k, biased);
  const globalMean = finite('globalMean', o.globalMean ?? 0);
  let users: IdMap;
  let items: IdMap;
  try {
    users = IdMap.fromIds(checkUniformIds(userIds, 'user'));
    items = IdMap.fromIds(checkUniformIds(itemIds, 'item'));
  } catch (e) {
    if (e instanceof AlsError) throw e;
    fail(ErrorCode.INVALID_ID, (e as Error).message, 'IDs must be distinct.');
  }
  let seen: SparseRows | null = null;
  if (o.seen !== undefined) {
    if (!(o.seen instanceof Map))
      fail(ErrorCode.INVALID_OPTION, `seen must be a Map from user ID to item IDs (got ${describe(o.seen)}).`);
    seen = seenRows(o.seen, users, items);
  }
  const valueRange = o.valueRange === undefined ? null : checkRange('valueRange', o.valueRange);
  const { factors: _k, biases: _b, ...conventions } = checkOptions('fromFactors options', o.options, Object.keys(DEFAULTS));
  return {
    users,
    items,
    factors: k,
    userFactors: finiteCopy(userFactors, 'userFactors'),
    itemFactors: finiteCopy(itemFactors, 'itemFactors'),
    userBiases: userBiases && finiteCopy(userBiases, 'userBiases'),
    itemBiases: itemBiases && finiteCopy(itemBiases, 'itemBiases'),
    globalMean,
    options: { ...resolveOptions(conventions), factors: k, biases: biased },
    seen,
    valueRange,
  };
}

/** A float32 copy, every entry a number that stays finite in float32. */
function finiteCopy(a: ArrayLike<number>, name: string): Float32Array {
  const out = Float32Array.from(a);
  for (let e = 0; e < out.length; e++)
    if (typeof a[e] !== 'number' || !Number.isFinite(out[e]!))
      fail(
        ErrorCode.NON_FINITE_VALUE,
        `${name}[${e}] is ${describe(a[e])}.`,
        'Factors must be finite numbers within float32 range.',
      );
  return out;
}

/** fromFactors' seen map as a CSR by user (ascending, each item once, values 1). */
function seenRows(seen: ReadonlyMap<Id, readonly Id[]>, users: IdMap, items: IdMap): SparseRows {
  const indptr = new Int32Array(users.size + 1);
  const rows: Int32Array[] = Array.from({ length: users.size }, () => new Int32Array(0));
  for (const [user, list] of seen) {
    const u = users.index(user);
    if (u < 0) fail(ErrorCode.UNKNOWN_ID, `seen names user ${String(user)}, which is not in userIds.`);
    const ids =
      idList(`seen of user ${String(user)}`, list) ??
      fail(ErrorCode.INVALID_OPTION, `seen of user ${String(user)} must be an array of item IDs.`);
    rows[u] = Int32Array.from(
      new Set(
        ids.map((id) => {
          const i = items.index(id);
          if (i < 0) fail(ErrorCode.UNKNOWN_ID, `seen names item ${String(id)}, which is not in itemIds.`);
          return i;
        }),
      ),
    ).sort();
  }
  rows.forEach((r, u) => (indptr[u + 1] = indptr[u]! + r.length));
  const indices = new Int32Array(indptr[users.size]!);
  rows.forEach((r, u) => indices.set(r, indptr[u]!));
  return { indptr, indices, values: new Float32Array(indices.length).fill(1) };
}

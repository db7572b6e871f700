/**
 * Models of the Python `implicit` library (AlternatingLeastSquares.save → .npz) and plain
 * .npy factor matrices, read into an ALSModel that keeps implicit's conventions (c = α·r,
 * λ unscaled, CG or Cholesky as saved), and written back so `implicit` loads them.
 */
import { IdMap, type Id } from '../data/id-map.js';
import { AlsError, ErrorCode, fail } from '../errors.js';
import { boolean, checkOptions, describe } from '../validate.js';
import { ALSModel } from '../model/model.js';
import { resolveOptions, type AlsOptions, type ResolvedOptions } from '../train/options.js';
import { implicitOptions, trainingConventions, type ImplicitParams } from './conventions.js';
import { parseNpy, scalarOf, toFloat32, type NpyArray } from './npy.js';
import { checkMaxBytes, readNpz, writeNpz } from './npz.js';

export interface ImplicitReadOptions {
  /** User IDs in row order (default: the file's user_ids if present, else row indices 0…n−1). */
  userIds?: readonly Id[];
  /** Item IDs in row order (default: the file's item_ids if present, else row indices). */
  itemIds?: readonly Id[];
  /** Labels errors (a file name). */
  name?: string;
  /**
   * The most bytes of array data to read. For an .npz this is checked against the sizes the
   * zip declares before anything is inflated (a zip bomb is refused with TOO_LARGE); for
   * .npy matrices against their data. Default 2^30 (1 GiB); raise it for larger models
   * (numUsers × k float32 factors take 4·numUsers·k bytes).
   */
  maxBytes?: number;
}

/** Options of readNpyFactors: the read options plus the conventions fold-in should use. */
export interface NpyFactorsReadOptions extends ImplicitReadOptions {
  /** Training conventions (AlsOptions) of the factors; default implicit's. */
  conventions?: AlsOptions;
}

/** Options of writeImplicitModel. */
export interface ImplicitWriteOptions {
  /** Write user_ids / item_ids when the IDs are not row indices. Default true. */
  ids?: boolean;
  /** Deflate the members, as numpy.savez_compressed does. Default false. */
  compress?: boolean;
}

const READ_KEYS = ['userIds', 'itemIds', 'name', 'maxBytes'] as const;

/** Checks the read options; returns the label for errors and the byte limit. */
function readOptions(
  what: string,
  options: NpyFactorsReadOptions | undefined,
  keys: readonly string[],
  defaultName: string,
): { name: string; maxBytes: number } {
  const o = checkOptions(`${what} options`, options, keys, { user_ids: "Use 'userIds'.", item_ids: "Use 'itemIds'." });
  for (const key of ['userIds', 'itemIds'] as const) {
    if (o[key] !== undefined && !Array.isArray(o[key]))
      fail(ErrorCode.INVALID_OPTION, `${what}: ${key} must be an array of IDs (got ${describe(o[key])}).`);
  }
  if (o.name !== undefined && typeof o.name !== 'string')
    fail(ErrorCode.INVALID_OPTION, `${what}: name must be a string (got ${describe(o.name)}).`);
  if (
    o.conventions !== undefined &&
    (typeof o.conventions !== 'object' || o.conventions === null || Array.isArray(o.conventions))
  ) {
    fail(ErrorCode.INVALID_OPTION, `${what}: conventions must be an options object (got ${describe(o.conventions)}).`);
  }
  return { name: o.name ?? defaultName, maxBytes: checkMaxBytes(o.maxBytes) };
}

/** Keys this library adds beside implicit's own; implicit's load sets them as attributes. */
const USER_IDS = 'user_ids';
const ITEM_IDS = 'item_ids';
/** Written only when the model's conventions are not implicit's, so a round trip keeps them. */
const OPTIONS_KEY = 'als_wasm_options';

/** An `implicit` .npz (AlternatingLeastSquares.save) as a model. */
export function readImplicitModel(bytes: Uint8Array, options: ImplicitReadOptions = {}): ALSModel {
  const { name, maxBytes } = readOptions('readImplicitModel', options, READ_KEYS, 'the implicit model');
  const arrays = readNpz(bytes, name, { pickled: 'skip', maxBytes });
  const factorsOf = (key: string) => {
    const array = arrays.get(key);
    if (!array) {
      const pickled = arrays.skipped.includes(key);
      throw new AlsError(
        pickled ? ErrorCode.PICKLED_DATA : ErrorCode.CORRUPT_MODEL,
        pickled
          ? `${name}: ${key} is a pickled object array; pickles are never loaded.`
          : `${name} has no ${key} array; it is not an implicit ALS model.`,
        pickled
          ? 'Save float32 factors (model.to_cpu() before save for GPU models).'
          : "Save it with implicit's model.save(path).",
      );
    }
    return array;
  };
  const params: ImplicitParams = {};
  /** A scalar member; a file's array of another size is damage, not an option error. */
  const scalar = (key: string) => {
    const a = arrays.get(key);
    if (!a) return undefined;
    if (a.data.length !== 1)
      throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: ${key} holds ${a.data.length} values, not one.`);
    return scalarOf(a);
  };
  const number = (key: string) => {
    const v = scalar(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: ${key} is ${String(v)}, not a number.`);
    return v;
  };
  params.regularization = number('regularization');
  params.alpha = number('alpha');
  params.iterations = number('iterations');
  params.cg_steps = number('cg_steps');
  // A seed only matters for training; one outside this library's range is dropped, not refused.
  const seed = scalar('random_state');
  if (typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32) params.random_state = seed;
  const useCg = scalar('use_cg');
  if (useCg !== undefined) params.use_cg = useCg === true;
  let conventions: AlsOptions;
  try {
    conventions = implicitOptions(params);
  } catch (cause) {
    // The values came from the file, so no option of the caller's would fix them.
    if (!(cause instanceof AlsError)) throw cause;
    throw new AlsError(
      ErrorCode.CORRUPT_MODEL,
      `${name} records training parameters this library cannot use: ${cause.message}`,
      'The file was damaged or not written by implicit.',
      { cause },
    );
  }
  const stored = scalar(OPTIONS_KEY);
  if (stored !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(stored));
    } catch {
      throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: ${OPTIONS_KEY} is not JSON.`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: ${OPTIONS_KEY} is not a JSON object.`);
    conventions = parsed as AlsOptions;
  }
  return modelFromArrays(factorsOf('user_factors'), factorsOf('item_factors'), {
    userIds: options.userIds ?? idsOf(arrays.get(USER_IDS), name),
    itemIds: options.itemIds ?? idsOf(arrays.get(ITEM_IDS), name),
    conventions,
    name,
  });
}

/** Two .npy matrices (numUsers × k and numItems × k, any float or int dtype, either order) as a model. */
export function readNpyFactors(
  files: { userFactors: Uint8Array; itemFactors: Uint8Array },
  options: NpyFactorsReadOptions = {},
): ALSModel {
  const { name, maxBytes } = readOptions('readNpyFactors', options, [...READ_KEYS, 'conventions'], 'the .npy factors');
  checkOptions('readNpyFactors files', files, ['userFactors', 'itemFactors']);
  for (const key of ['userFactors', 'itemFactors'] as const) {
    if (!(files[key] instanceof Uint8Array))
      fail(
        ErrorCode.INVALID_OPTION,
        `readNpyFactors: files.${key} must be the bytes of an .npy file (got ${describe(files[key])}).`,
      );
  }
  const total = files.userFactors.byteLength + files.itemFactors.byteLength;
  if (total > maxBytes)
    fail(
      ErrorCode.TOO_LARGE,
      `${name}: the two .npy files hold ${total} bytes, more than maxBytes (${maxBytes}).`,
      'If the files are trusted and the model that large, pass a larger maxBytes.',
    );
  return modelFromArrays(
    parseNpy(files.userFactors, `${name} (user factors)`),
    parseNpy(files.itemFactors, `${name} (item factors)`),
    {
      userIds: options.userIds,
      itemIds: options.itemIds,
      conventions: options.conventions ?? implicitOptions(),
      name,
    },
  );
}

/**
 * The model as an `implicit` .npz: user_factors, item_factors (float32) and implicit's
 * parameter keys; plus user_ids / item_ids when the IDs are not row indices (`ids: false`
 * leaves them out), and the options as JSON when their conventions are not implicit's.
 */
export function writeImplicitModel(model: ALSModel, options: ImplicitWriteOptions = {}): Uint8Array {
  checkOptions('writeImplicitModel options', options, ['ids', 'compress']);
  const writeIds = options.ids === undefined ? true : boolean('ids', options.ids);
  const compress = options.compress === undefined ? false : boolean('compress', options.compress);
  if (model.userBiases) {
    fail(
      ErrorCode.UNSUPPORTED_FORMAT,
      'implicit models have no biases; this model has them.',
      "Keep it in this library's own format (model.toBytes()), or train without biases.",
    );
  }
  const o = model.options;
  const k = model.factors;
  const f8 = (v: number): NpyArray => ({ dtype: '<f8', shape: [], data: Float64Array.of(v) });
  const i8 = (v: number): NpyArray => ({ dtype: '<i8', shape: [], data: BigInt64Array.of(BigInt(v)) });
  const b1 = (v: boolean): NpyArray => ({ dtype: '|b1', shape: [], data: Uint8Array.of(v ? 1 : 0) });
  // Keys and order as implicit's AlternatingLeastSquares.save writes them.
  const arrays = new Map<string, NpyArray>([
    ['user_factors', { dtype: '<f4', shape: [model.numUsers, k], data: model.userFactors }],
    ['item_factors', { dtype: '<f4', shape: [model.numItems, k], data: model.itemFactors }],
    ['regularization', f8(o.regularization)],
    ['factors', i8(k)],
    ['num_threads', i8(0)],
    ['iterations', i8(o.iterations)],
    ['use_native', b1(true)],
    ['use_cg', b1(o.solver === 'cg')],
    ['cg_steps', i8(o.cgSteps)],
    ['calculate_training_loss', b1(false)],
    ['dtype', { dtype: '<U7', shape: [], data: ['float32'] }],
    ['random_state', i8(o.seed)],
    ['alpha', f8(o.alpha)],
  ]);
  if (writeIds) {
    if (!model.users.isDense) arrays.set(USER_IDS, idArray(model.userIds, 'user'));
    if (!model.items.isDense) arrays.set(ITEM_IDS, idArray(model.itemIds, 'item'));
  }
  if (!hasImplicitConventions(o)) arrays.set(OPTIONS_KEY, stringScalar(JSON.stringify(trainingConventions(o))));
  return writeNpz(arrays, { compress });
}

function modelFromArrays(
  users: NpyArray,
  items: NpyArray,
  o: { userIds: readonly Id[] | undefined; itemIds: readonly Id[] | undefined; conventions: AlsOptions; name: string },
): ALSModel {
  if (users.shape.length !== 2 || items.shape.length !== 2) {
    throw new AlsError(
      ErrorCode.CORRUPT_MODEL,
      `${o.name}: factors must be 2-D matrices (got shapes (${users.shape}) and (${items.shape})).`,
    );
  }
  const [numUsers, k] = users.shape as [number, number];
  const [numItems, kItems] = items.shape as [number, number];
  if (k !== kItems || k < 1)
    throw new AlsError(ErrorCode.CORRUPT_MODEL, `${o.name}: user factors have ${k} columns, item factors ${kItems}.`);
  if (numItems < 1) throw new AlsError(ErrorCode.CORRUPT_MODEL, `${o.name} has no items.`);
  const userFactors = finite(toFloat32(users, 'user_factors'), 'user_factors', o.name);
  const itemFactors = finite(toFloat32(items, 'item_factors'), 'item_factors', o.name);
  let resolved: ResolvedOptions;
  try {
    resolved = { ...resolveOptions({ ...o.conventions, factors: k }), biases: false };
  } catch (cause) {
    throw new AlsError(
      ErrorCode.CORRUPT_MODEL,
      `${o.name} records options this library cannot use (${(cause as Error).message}).`,
      undefined,
      { cause },
    );
  }
  return new ALSModel({
    users: idMap(o.userIds, numUsers, 'user', o.name),
    items: idMap(o.itemIds, numItems, 'item', o.name),
    factors: k,
    userFactors,
    itemFactors,
    options: resolved,
  });
}

function idMap(ids: readonly Id[] | undefined, rows: number, what: string, name: string): IdMap {
  if (!ids) return IdMap.dense(rows);
  if (ids.length !== rows)
    fail(ErrorCode.LENGTH_MISMATCH, `${name}: ${ids.length} ${what} IDs for ${rows} rows of ${what} factors.`);
  const bad = ids.findIndex((id) => typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id)));
  if (bad >= 0)
    fail(ErrorCode.INVALID_ID, `${name}: ${what} ID [${bad}] is ${describe(ids[bad])}, not a string or finite number.`);
  try {
    return IdMap.fromIds(ids);
  } catch (e) {
    fail(ErrorCode.INVALID_ID, `${name}: ${(e as Error).message}.`, 'IDs must be distinct.');
  }
}

function idsOf(array: NpyArray | undefined, name: string): Id[] | undefined {
  if (!array) return undefined;
  if (array.shape.length !== 1) throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: an ID list must be 1-D.`);
  if (Array.isArray(array.data)) return array.data;
  if (array.dtype.endsWith('f2'))
    throw new AlsError(ErrorCode.UNSUPPORTED_FORMAT, `${name}: float16 IDs are not read.`, 'Save IDs as integers or strings.');
  return Array.from(array.data as ArrayLike<number | bigint>, (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) && typeof v === 'bigint')
      throw new AlsError(ErrorCode.UNSUPPORTED_FORMAT, `${name}: ID ${v} is beyond 2^53.`);
    if (!Number.isFinite(n)) throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: an ID is ${n}.`);
    return n;
  });
}

function idArray(ids: Id[], what: string): NpyArray {
  if (ids.every((id) => typeof id === 'number' && Number.isSafeInteger(id))) {
    return { dtype: '<i8', shape: [ids.length], data: BigInt64Array.from(ids as number[], (v) => BigInt(v)) };
  }
  if (ids.every((id) => typeof id === 'number'))
    return { dtype: '<f8', shape: [ids.length], data: Float64Array.from(ids as number[]) };
  if (ids.every((id) => typeof id === 'string')) {
    const width = Math.max(1, ...ids.map((s) => Array.from(s as string).length));
    return { dtype: `<U${width}`, shape: [ids.length], data: ids as string[] };
  }
  fail(
    ErrorCode.UNSUPPORTED_FORMAT,
    `The model's ${what} IDs mix numbers and strings; a numpy array holds one kind.`,
    'Map them to strings first, or write with { ids: false } and keep the ID list yourself.',
  );
}

function stringScalar(s: string): NpyArray {
  return { dtype: `<U${Math.max(1, Array.from(s).length)}`, shape: [], data: [s] };
}

function hasImplicitConventions(o: ResolvedOptions): boolean {
  return (
    o.feedback === 'implicit' &&
    o.unobservedWeight === null &&
    o.confidence === 'alpha' &&
    o.regularizationScaling === 'none' &&
    o.regularizationExponent === 0
  );
}

function finite(a: Float32Array, key: string, name: string): Float32Array {
  for (let e = 0; e < a.length; e++) {
    if (!Number.isFinite(a[e]!))
      throw new AlsError(ErrorCode.NON_FINITE_VALUE, `${name}: ${key}[${e}] is ${a[e]}.`, 'Factors must be finite.');
  }
  return a;
}

/**
 * Spark MLlib ALSModel directories, as `model.save(path)` writes them:
 *
 *   metadata/part-00000            one JSON line: class, sparkVersion, uid, paramMap, rank
 *   userFactors/part-*.parquet     rows (id: int, features: array<float>)
 *   itemFactors/part-*.parquet     the same for items
 *   .part-….crc                    Hadoop checksums of each part: verified when present
 *   _SUCCESS                       ignored
 *
 * Files are passed as a map from path (relative to the model directory) to bytes, so this
 * runs in browsers too; files.ts reads and writes directories in Node. Parts are read with
 * our own bounded parquet reader (spark-columns.ts: nothing in a part is trusted before it
 * is checked against the bytes present) and written with hyparquet-writer.
 *
 * Spark's model metadata does not record how it was trained (regParam, implicitPrefs, alpha
 * are estimator parameters), so fold-in conventions come from the caller, with Spark's
 * defaults; models written here carry them in an extra `alsWasm` field, which Spark ignores.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { IdMap } from '../data/id-map.js';
import { AlsError, ErrorCode, fail } from '../errors.js';
import { ALSModel } from '../model/model.js';
import { resolveOptions, type AlsOptions, type ResolvedOptions } from '../train/options.js';
import { boolean, checkOptions, describe, integer, nonNegative } from '../validate.js';
import { CONVENTION_KEYS, sparkOptions, trainingConventions, type SparkParams } from './conventions.js';
import { hadoopChecksumFile } from './hadoop-checksum.js';
import { sparkParts, type SparkPart } from './spark-parts.js';
import { readFactorTable } from './spark-columns.js';

export type SparkModelFiles = ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>;

export interface SparkReadOptions extends Pick<SparkParams, 'implicitPrefs' | 'regParam' | 'alpha' | 'maxIter'> {
  /** Labels errors (the directory). */
  name?: string;
}

export interface SparkWriteOptions {
  /** The Spark version written into the metadata. Spark 3.0 or later loads the result (2.4 lacks the blockSize param). Default '3.5.0'. */
  sparkVersion?: string;
  /** The model's uid (letters, digits, '_'). Default 'ALS_' + 12 hex digits derived from the factors. */
  uid?: string;
  /** Milliseconds since the epoch. Default now. */
  timestamp?: number;
}

const READ_OPTIONS = ['name', 'implicitPrefs', 'regParam', 'alpha', 'maxIter'];
const WRITE_OPTIONS = ['sparkVersion', 'uid', 'timestamp'];
const OUR_NAMES = {
  regularization: "Spark's name for it is 'regParam'.",
  iterations: "Spark's name for it is 'maxIter'.",
  feedback: "Spark's name for it is 'implicitPrefs' (true or false).",
  factors: "The rank is read from the model's metadata.",
};
/** The most factors this library trains or serves. */
const MAX_RANK = 4096;

const ALS_MODEL_CLASS = 'org.apache.spark.ml.recommendation.ALSModel';
/** Spark's schema of the factor DataFrames, also stored in each part for Spark's reader. */
const ROW_METADATA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'id', type: 'integer', nullable: false, metadata: {} },
    { name: 'features', type: { type: 'array', elementType: 'float', containsNull: false }, nullable: true, metadata: {} },
  ],
});
/** The parquet schema of Spark's factor parts (and of ours). */
export const PARQUET_SCHEMA = [
  { name: 'spark_schema', num_children: 2 },
  { name: 'id', type: 'INT32' as const, repetition_type: 'REQUIRED' as const },
  { name: 'features', repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
  { name: 'element', type: 'FLOAT' as const, repetition_type: 'REQUIRED' as const },
];
/** ALSModel's own params and Spark 3's defaults for them. */
const DEFAULT_PARAMS = {
  blockSize: 4096,
  coldStartStrategy: 'nan',
  itemCol: 'item',
  predictionCol: 'prediction',
  userCol: 'user',
};

interface SparkMetadata {
  class?: unknown;
  sparkVersion?: unknown;
  uid?: unknown;
  paramMap?: unknown;
  defaultParamMap?: unknown;
  rank?: unknown;
  alsWasm?: unknown;
}

/**
 * A Spark ALSModel directory's files as a model; factor rows keep the parts' order. Hadoop
 * checksum files (`.part-….crc`) given with the parts are verified; a part missing from the
 * numbering, or named by a checksum file but absent, is refused rather than loading fewer rows.
 */
export async function readSparkModel(files: SparkModelFiles, options: SparkReadOptions = {}): Promise<ALSModel> {
  checkReadOptions(options);
  const name = options.name ?? 'the Spark model';
  const byPath = filesByPath(files);
  const metadataParts = sparkParts(byPath, 'metadata', name);
  if (metadataParts.length === 0) {
    throw new AlsError(
      ErrorCode.CORRUPT_MODEL,
      `${name} has no metadata/part-00000; it is not a saved Spark model.`,
      'Pass the directory that model.save(path) wrote (holding metadata/, userFactors/, itemFactors/).',
    );
  }
  const metadata = parseMetadata(metadataParts[0]!.bytes, name);
  const rank = rankOf(metadata, name);
  const resolved = conventionsOf(metadata, options, rank, name);
  const users = readFactors(sparkParts(byPath, 'userFactors', name), 'userFactors', rank, name);
  const items = readFactors(sparkParts(byPath, 'itemFactors', name), 'itemFactors', rank, name);
  if (items.ids.length === 0) throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name} has no item factors.`);
  return new ALSModel({
    users: idMapOf(users.ids, 'user', name),
    items: idMapOf(items.ids, 'item', name),
    factors: rank,
    userFactors: users.factors,
    itemFactors: items.factors,
    options: resolved,
  });
}

function checkReadOptions(options: SparkReadOptions): void {
  checkOptions('Spark read options', options, READ_OPTIONS, OUR_NAMES);
  if (options.name !== undefined && typeof options.name !== 'string')
    fail(ErrorCode.INVALID_OPTION, `name must be a string (got ${describe(options.name)}).`);
  if (options.implicitPrefs !== undefined) boolean('implicitPrefs', options.implicitPrefs);
  if (options.regParam !== undefined) nonNegative('regParam', options.regParam);
  if (options.alpha !== undefined) nonNegative('alpha', options.alpha);
  if (options.maxIter !== undefined) integer('maxIter', options.maxIter, 0, 1e6);
}

/** The files by normalized path (forward slashes, no leading ./); every value must be bytes. */
function filesByPath(files: SparkModelFiles): Map<string, Uint8Array> {
  if (files === null || typeof files !== 'object')
    fail(ErrorCode.INVALID_OPTION, `readSparkModel expects a Map or an object of path → bytes (got ${describe(files)}).`);
  const entries = files instanceof Map ? [...files] : Object.entries(files as Record<string, Uint8Array>);
  const byPath = new Map<string, Uint8Array>();
  for (const [path, bytes] of entries) {
    // Checked by tag, not instanceof: bytes from another realm (a worker, an iframe, a vm context) are bytes too.
    if (typeof path !== 'string' || Object.prototype.toString.call(bytes) !== '[object Uint8Array]') {
      fail(ErrorCode.INVALID_OPTION, `readSparkModel expects path → Uint8Array; ${String(path)} is ${describe(bytes)}.`);
    }
    byPath.set(path.replace(/\\/g, '/').replace(/^\.?\//, ''), bytes);
  }
  return byPath;
}

function rankOf(metadata: SparkMetadata, name: string): number {
  const rank = metadata.rank;
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1) {
    throw new AlsError(
      ErrorCode.CORRUPT_MODEL,
      `${name}: its metadata's rank is ${describe(rank)}, not a positive integer.`,
      'Copy the model directory again.',
    );
  }
  if (rank > MAX_RANK) {
    throw new AlsError(
      ErrorCode.UNSUPPORTED_FORMAT,
      `${name}: its metadata's rank is ${rank}; this library holds at most ${MAX_RANK} factors.`,
    );
  }
  return rank;
}

/**
 * How the model was trained, for fold-in: the options this library wrote (alsWasm), else the
 * caller's Spark params over any the metadata records, over Spark's defaults. A bad value in
 * the file is the file's fault (CORRUPT_MODEL, naming the field); a bad value passed by the
 * caller was refused as INVALID_OPTION before.
 */
function conventionsOf(metadata: SparkMetadata, options: SparkReadOptions, rank: number, name: string): ResolvedOptions {
  const invalid = (field: string, cause: unknown): never => {
    const why = cause instanceof AlsError ? cause.message : String(cause);
    throw new AlsError(
      ErrorCode.CORRUPT_MODEL,
      `${name}: metadata/part-00000 has an invalid ${field}: ${why}`,
      'Fix or restore metadata/part-00000, or copy the model directory again.',
      { cause },
    );
  };
  if (metadata.alsWasm !== undefined) {
    const stored = metadata.alsWasm;
    if (stored === null || typeof stored !== 'object' || Array.isArray(stored))
      invalid('alsWasm field', `it is ${describe(stored)}, not an object.`);
    const conventions: Record<string, unknown> = {};
    for (const key of CONVENTION_KEYS)
      if (Object.hasOwn(stored as object, key)) conventions[key] = (stored as Record<string, unknown>)[key];
    try {
      return { ...resolveOptions({ ...(conventions as AlsOptions), factors: rank }), biases: false };
    } catch (cause) {
      return invalid('alsWasm field', cause);
    }
  }
  const recorded = recordedParams(metadata.paramMap, invalid);
  const given: Record<string, unknown> = {};
  for (const key of ['implicitPrefs', 'regParam', 'alpha', 'maxIter'] as const)
    if (options[key] !== undefined) given[key] = options[key];
  return { ...resolveOptions(sparkOptions({ ...recorded, ...given, rank })), biases: false };
}

/** Spark estimator params the metadata's paramMap happens to record (Spark's own ALSModel records none), checked. */
function recordedParams(paramMap: unknown, invalid: (field: string, cause: unknown) => never): SparkParams {
  const params: SparkParams = {};
  if (paramMap === null || typeof paramMap !== 'object') return params;
  const map = paramMap as Record<string, unknown>;
  const check = <T>(key: string, f: (name: string, value: unknown) => T): T | undefined => {
    if (map[key] === undefined) return undefined;
    try {
      return f(key, map[key]);
    } catch (cause) {
      return invalid(`paramMap.${key}`, cause);
    }
  };
  const regParam = check('regParam', nonNegative);
  const alpha = check('alpha', nonNegative);
  const maxIter = check('maxIter', (k, v) => integer(k, v, 0, 1e6));
  const implicitPrefs = check('implicitPrefs', boolean);
  if (regParam !== undefined) params.regParam = regParam;
  if (alpha !== undefined) params.alpha = alpha;
  if (maxIter !== undefined) params.maxIter = maxIter;
  if (implicitPrefs !== undefined) params.implicitPrefs = implicitPrefs;
  return params;
}

/**
 * The model in Spark's ALSModel layout (path → bytes), for `ALSModel.load(path)` in Spark.
 * IDs must be integers in Spark's Int range (Spark's ALS has no other kind).
 */
export function writeSparkModel(model: ALSModel, options: SparkWriteOptions = {}): Map<string, Uint8Array> {
  if (!(model instanceof ALSModel))
    fail(ErrorCode.INVALID_OPTION, `writeSparkModel expects an ALSModel (got ${describe(model)}).`);
  checkWriteOptions(options);
  if (model.userBiases) {
    fail(
      ErrorCode.UNSUPPORTED_FORMAT,
      'Spark ALS models have no biases; this model has them.',
      "Keep it in this library's own format (model.toBytes()), or train without biases.",
    );
  }
  const userIds = intIds(model.userIds, 'user');
  const itemIds = intIds(model.itemIds, 'item');
  const tag = options.uid ?? `ALS_${hex12(model)}`;
  const metadata = {
    class: ALS_MODEL_CLASS,
    timestamp: options.timestamp ?? Date.now(),
    sparkVersion: options.sparkVersion ?? '3.5.0',
    uid: tag,
    paramMap: {},
    defaultParamMap: DEFAULT_PARAMS,
    rank: model.factors,
    alsWasm: trainingConventions(model.options),
  };
  const partName = (side: number) =>
    `part-00000-${tag.slice(4).padEnd(12, '0').slice(0, 8)}-0000-4000-8000-${side}00000000000-c000.snappy.parquet`;
  const files = new Map<string, Uint8Array>([
    ['metadata/part-00000', new TextEncoder().encode(`${JSON.stringify(metadata)}\n`)],
    ['metadata/_SUCCESS', new Uint8Array(0)],
    [`userFactors/${partName(1)}`, factorPart(userIds, model.userFactors, model.factors, metadata.sparkVersion)],
    ['userFactors/_SUCCESS', new Uint8Array(0)],
    [`itemFactors/${partName(2)}`, factorPart(itemIds, model.itemFactors, model.factors, metadata.sparkVersion)],
    ['itemFactors/_SUCCESS', new Uint8Array(0)],
  ]);
  // Hadoop's checksum side files, as Spark writes them: Spark verifies them when it loads the
  // model, and so does readSparkModel, so a damaged copy is caught on either side.
  for (const [path, bytes] of [...files])
    files.set(
      path.replace(/[^/]*$/, (base) => `.${base}.crc`),
      hadoopChecksumFile(bytes),
    );
  return files;
}

function checkWriteOptions(options: SparkWriteOptions): void {
  checkOptions('Spark write options', options, WRITE_OPTIONS);
  // Spark parses the version as major.minor when it loads the model.
  if (
    options.sparkVersion !== undefined &&
    (typeof options.sparkVersion !== 'string' || !/^\d+\.\d+/.test(options.sparkVersion))
  ) {
    fail(ErrorCode.INVALID_OPTION, `sparkVersion must be a version such as '3.5.0' (got ${describe(options.sparkVersion)}).`);
  }
  // The uid names the part files: nothing that could leave the directory.
  if (options.uid !== undefined && (typeof options.uid !== 'string' || !/^[A-Za-z0-9_]{1,64}$/.test(options.uid))) {
    fail(
      ErrorCode.INVALID_OPTION,
      `uid must be letters, digits and '_' (got ${describe(options.uid)}).`,
      "Spark's own look like 'ALS_4f2a9c1b7d3e'.",
    );
  }
  if (options.timestamp !== undefined) integer('timestamp', options.timestamp, 0, Number.MAX_SAFE_INTEGER);
}

function parseMetadata(bytes: Uint8Array, name: string): SparkMetadata {
  let metadata: SparkMetadata;
  try {
    const line = new TextDecoder('utf-8', { fatal: true }).decode(bytes).split('\n')[0]!;
    metadata = JSON.parse(line) as SparkMetadata;
  } catch (cause) {
    throw new AlsError(
      ErrorCode.CORRUPT_MODEL,
      `${name}: metadata/part-00000 is not a JSON line.`,
      'Copy the model directory again.',
      { cause },
    );
  }
  if (typeof metadata !== 'object' || metadata === null)
    throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: metadata/part-00000 is not a JSON object.`);
  if (metadata.class !== ALS_MODEL_CLASS) {
    throw new AlsError(
      ErrorCode.UNSUPPORTED_FORMAT,
      `${name} is a ${String(metadata.class)}, not an ${ALS_MODEL_CLASS}.`,
      'Save the fitted ALSModel (als.fit(df)), not the ALS estimator or a pipeline.',
    );
  }
  return metadata;
}

/** The parts of one side, in order, as one id list and one row-major factor array. */
function readFactors(parts: SparkPart[], side: string, rank: number, name: string): { ids: number[]; factors: Float32Array } {
  if (parts.length === 0)
    throw new AlsError(
      ErrorCode.CORRUPT_MODEL,
      `${name} has no ${side}/part-*.parquet files.`,
      'Copy the whole model directory.',
    );
  const tables = parts.map((part) => readFactorTable(part.bytes, rank, `${name}: ${part.path}`, side));
  const ids: number[] = [];
  for (const table of tables) for (let r = 0; r < table.ids.length; r++) ids.push(table.ids[r]!);
  let factors = tables[0]!.factors;
  if (tables.length > 1) {
    factors = new Float32Array(ids.length * rank);
    let at = 0;
    for (const table of tables) factors.set(table.factors, at), (at += table.factors.length);
  }
  for (let e = 0; e < factors.length; e++) {
    if (!Number.isFinite(factors[e]!))
      throw new AlsError(ErrorCode.NON_FINITE_VALUE, `${name}: ${side} id ${ids[Math.floor(e / rank)]} has a non-finite factor.`);
  }
  return { ids, factors };
}

function idMapOf(ids: number[], what: string, name: string): IdMap {
  // Spark's ids are arbitrary Ints; when they are exactly 0…n−1 in order, keep no map.
  if (ids.every((id, i) => id === i)) return IdMap.dense(ids.length);
  try {
    return IdMap.fromIds(ids);
  } catch (e) {
    throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: ${(e as Error).message} among the ${what} factors.`);
  }
}

function intIds(ids: readonly (string | number)[], what: string): Int32Array {
  const out = new Int32Array(ids.length);
  ids.forEach((id, i) => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < -(2 ** 31) || id >= 2 ** 31) {
      fail(
        ErrorCode.UNSUPPORTED_FORMAT,
        `${what} ID ${JSON.stringify(id)} is not a 32-bit integer; Spark's ALS keys factors by Int.`,
        "Map IDs to integers (as Spark's StringIndexer does) before training, and keep the mapping.",
      );
    }
    out[i] = id;
  });
  return out;
}

function factorPart(ids: Int32Array, factors: Float32Array, k: number, sparkVersion: string): Uint8Array {
  const features: number[][] = new Array(ids.length);
  for (let r = 0; r < ids.length; r++) features[r] = Array.from(factors.subarray(r * k, (r + 1) * k));
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: ids },
      { name: 'features', data: features },
    ],
    schema: PARQUET_SCHEMA,
    kvMetadata: [
      { key: 'org.apache.spark.version', value: sparkVersion },
      { key: 'org.apache.spark.sql.parquet.row.metadata', value: ROW_METADATA },
    ],
    rowGroupSize: 1 << 20,
  });
  return new Uint8Array(buffer);
}

/** A stable tag from the factors, so the same model always writes the same file names. */
function hex12(model: ALSModel): string {
  let h = 0x811c9dc5;
  const bytes = new Uint8Array(
    model.itemFactors.buffer,
    model.itemFactors.byteOffset,
    Math.min(model.itemFactors.byteLength, 4096),
  );
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return (h.toString(16).padStart(8, '0') + model.numUsers.toString(16).padStart(4, '0')).slice(-12);
}

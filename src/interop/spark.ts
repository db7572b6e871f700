/**
 * Spark MLlib ALSModel directories, as `model.save(path)` writes them:
 *
 *   metadata/part-00000            one JSON line: class, sparkVersion, uid, paramMap, rank
 *   userFactors/part-*.parquet     rows (id: int, features: array<float>)
 *   itemFactors/part-*.parquet     the same for items
 *   _SUCCESS, .*.crc               Hadoop side files, ignored
 *
 * Files are passed as a map from path (relative to the model directory) to bytes, so this
 * runs in browsers too; spark-files.node.ts reads and writes directories in Node. Parquet is
 * read with hyparquet and written with hyparquet-writer.
 *
 * Spark's model metadata does not record how it was trained (regParam, implicitPrefs, alpha
 * are estimator parameters), so fold-in conventions come from the caller, with Spark's
 * defaults; models written here carry them in an extra `alsWasm` field, which Spark ignores.
 */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { IdMap } from '../data/id-map.js';
import { AlsError, ErrorCode, fail } from '../errors.js';
import { ALSModel } from '../model/model.js';
import { resolveOptions, type AlsOptions } from '../train/options.js';
import { sparkOptions, trainingConventions, type SparkParams } from './conventions.js';
import { readFactorColumns } from './spark-columns.js';

export type SparkModelFiles = ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>;

export interface SparkReadOptions extends Pick<SparkParams, 'implicitPrefs' | 'regParam' | 'alpha' | 'maxIter'> {
  /** Labels errors (the directory). */
  name?: string;
}

export interface SparkWriteOptions {
  /** The Spark version written into the metadata. Spark 3.0 or later loads the result (2.4 lacks the blockSize param). Default '3.5.0'. */
  sparkVersion?: string;
  /** The model's uid. Default 'ALS_' + 12 hex digits derived from the factors. */
  uid?: string;
  /** Milliseconds since the epoch. Default now. */
  timestamp?: number;
}

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
const DEFAULT_PARAMS = { blockSize: 4096, coldStartStrategy: 'nan', itemCol: 'item', predictionCol: 'prediction', userCol: 'user' };

interface SparkMetadata {
  class?: unknown;
  sparkVersion?: unknown;
  uid?: unknown;
  paramMap?: Record<string, unknown>;
  defaultParamMap?: Record<string, unknown>;
  rank?: unknown;
  alsWasm?: AlsOptions;
}

/** A Spark ALSModel directory's files as a model; factor rows keep the parts' order. */
export async function readSparkModel(files: SparkModelFiles, options: SparkReadOptions = {}): Promise<ALSModel> {
  const name = options.name ?? 'the Spark model';
  const entries = files instanceof Map ? [...files] : Object.entries(files as Record<string, Uint8Array>);
  const byPath = new Map(entries.map(([path, bytes]) => [path.replace(/\\/g, '/').replace(/^\.?\//, ''), bytes]));
  const metadataPath = [...byPath.keys()].filter((p) => isDataPart(p, 'metadata')).sort()[0];
  if (!metadataPath) {
    throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name} has no metadata/part-00000; it is not a saved Spark model.`, 'Pass the directory that model.save(path) wrote (holding metadata/, userFactors/, itemFactors/).');
  }
  const metadata = parseMetadata(byPath.get(metadataPath)!, name);
  const rank = metadata.rank;
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1) throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: its metadata has no valid rank.`);
  const users = await readFactors(byPath, 'userFactors', rank, name);
  const items = await readFactors(byPath, 'itemFactors', rank, name);
  if (items.ids.length === 0) throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name} has no item factors.`);
  const conventions = metadata.alsWasm ?? sparkOptions({ rank, implicitPrefs: options.implicitPrefs, regParam: options.regParam, alpha: options.alpha, maxIter: options.maxIter });
  let resolved;
  try {
    resolved = { ...resolveOptions({ ...conventions, factors: rank }), biases: false };
  } catch (cause) {
    throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: its alsWasm options are not valid (${(cause as Error).message}).`, undefined, { cause });
  }
  return new ALSModel({
    users: idMapOf(users.ids, 'user', name),
    items: idMapOf(items.ids, 'item', name),
    factors: rank,
    userFactors: users.factors,
    itemFactors: items.factors,
    options: resolved,
  });
}

/**
 * The model in Spark's ALSModel layout (path → bytes), for `ALSModel.load(path)` in Spark.
 * IDs must be integers in Spark's Int range (Spark's ALS has no other kind).
 */
export function writeSparkModel(model: ALSModel, options: SparkWriteOptions = {}): Map<string, Uint8Array> {
  if (model.userBiases) {
    fail(ErrorCode.UNSUPPORTED_FORMAT, 'Spark ALS models have no biases; this model has them.', "Keep it in this library's own format (model.toBytes()), or train without biases.");
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
  const partName = (side: number) => `part-00000-${tag.slice(4).padEnd(12, '0').slice(0, 8)}-0000-4000-8000-${side}00000000000-c000.snappy.parquet`;
  return new Map<string, Uint8Array>([
    ['metadata/part-00000', new TextEncoder().encode(JSON.stringify(metadata) + '\n')],
    ['metadata/_SUCCESS', new Uint8Array(0)],
    [`userFactors/${partName(1)}`, factorPart(userIds, model.userFactors, model.factors, metadata.sparkVersion)],
    ['userFactors/_SUCCESS', new Uint8Array(0)],
    [`itemFactors/${partName(2)}`, factorPart(itemIds, model.itemFactors, model.factors, metadata.sparkVersion)],
    ['itemFactors/_SUCCESS', new Uint8Array(0)],
  ]);
}

/** A data file of a Spark directory: under `dir`, named part-*, not a Hadoop .crc or _SUCCESS. */
function isDataPart(path: string, dir: string): boolean {
  const slash = path.lastIndexOf('/');
  return path.slice(0, slash) === dir && path.slice(slash + 1).startsWith('part-') && !path.endsWith('.crc');
}

function parseMetadata(bytes: Uint8Array, name: string): SparkMetadata {
  let metadata: SparkMetadata;
  try {
    const line = new TextDecoder('utf-8', { fatal: true }).decode(bytes).split('\n')[0]!;
    metadata = JSON.parse(line) as SparkMetadata;
  } catch (cause) {
    throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: metadata/part-00000 is not a JSON line.`, 'Copy the model directory again.', { cause });
  }
  if (typeof metadata !== 'object' || metadata === null) throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: metadata/part-00000 is not a JSON object.`);
  if (metadata.class !== ALS_MODEL_CLASS) {
    throw new AlsError(ErrorCode.UNSUPPORTED_FORMAT, `${name} is a ${String(metadata.class)}, not an ${ALS_MODEL_CLASS}.`, 'Save the fitted ALSModel (als.fit(df)), not the ALS estimator or a pipeline.');
  }
  return metadata;
}

async function readFactors(files: Map<string, Uint8Array>, side: string, rank: number, name: string): Promise<{ ids: number[]; factors: Float32Array }> {
  const parts = [...files.keys()].filter((p) => isDataPart(p, side)).sort();
  if (parts.length === 0) throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name} has no ${side}/part-*.parquet files.`, 'Copy the whole model directory.');
  const ids: number[] = [];
  const chunks: Float32Array[] = [];
  for (const part of parts) {
    const bytes = files.get(part)!;
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const read = await readPart(file, rank, `${name}: ${part}`, side);
    for (let r = 0; r < read.ids.length; r++) ids.push(read.ids[r]!);
    chunks.push(read.factors);
  }
  const factors = new Float32Array(ids.length * rank);
  let at = 0;
  for (const chunk of chunks) (factors.set(chunk, at), (at += chunk.length));
  for (let e = 0; e < factors.length; e++) {
    if (!Number.isFinite(factors[e]!)) throw new AlsError(ErrorCode.NON_FINITE_VALUE, `${name}: ${side} id ${ids[Math.floor(e / rank)]} has a non-finite factor.`);
  }
  return { ids, factors };
}

/** One parquet part: flat column reads when every row is a full vector, else row by row (which says what is wrong). */
async function readPart(file: ArrayBuffer, rank: number, label: string, side: string): Promise<{ ids: ArrayLike<number>; factors: Float32Array }> {
  let records: Record<string, unknown>[];
  try {
    const metadata = parquetMetadata(file);
    const columns = metadata.schema.map((s) => s.name);
    if (!columns.includes('id') || !columns.includes('features')) throw new Error(`its columns are ${columns.slice(1).join(', ')}, not id and features`);
    const flat = readFactorColumns(file, metadata, rank);
    if (flat) return flat;
    records = await parquetReadObjects({ file, columns: ['id', 'features'] });
  } catch (cause) {
    const why = (cause as Error).message;
    throw new AlsError(/codec|compression/i.test(why) ? ErrorCode.UNSUPPORTED_FORMAT : ErrorCode.CORRUPT_MODEL, `${label} cannot be read as a factor table (${why}).`, 'Copy the model directory again; Spark writes snappy-compressed parts by default.', { cause });
  }
  const ids = new Int32Array(records.length);
  const factors = new Float32Array(records.length * rank);
  records.forEach((record, r) => {
    const { id, features } = record as { id: unknown; features: unknown };
    if (typeof id !== 'number' || !Number.isInteger(id)) throw new AlsError(ErrorCode.CORRUPT_MODEL, `${label} has a row whose id is ${String(id)}.`);
    if (!Array.isArray(features) || features.length !== rank) {
      throw new AlsError(ErrorCode.CORRUPT_MODEL, `${label}: ${side} id ${id} has ${Array.isArray(features) ? features.length : 'no'} features; the rank is ${rank}.`);
    }
    ids[r] = id;
    factors.set(features as number[], r * rank);
  });
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
      fail(ErrorCode.UNSUPPORTED_FORMAT, `${what} ID ${JSON.stringify(id)} is not a 32-bit integer; Spark's ALS keys factors by Int.`, 'Map IDs to integers (as Spark\'s StringIndexer does) before training, and keep the mapping.');
    }
    out[i] = id;
  });
  return out;
}

function factorPart(ids: Int32Array, factors: Float32Array, k: number, sparkVersion: string): Uint8Array {
  const features: number[][] = new Array(ids.length);
  for (let r = 0; r < ids.length; r++) features[r] = Array.from(factors.subarray(r * k, (r + 1) * k));
  const buffer = parquetWriteBuffer({
    columnData: [{ name: 'id', data: ids }, { name: 'features', data: features }],
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
  const bytes = new Uint8Array(model.itemFactors.buffer, model.itemFactors.byteOffset, Math.min(model.itemFactors.byteLength, 4096));
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return (h.toString(16).padStart(8, '0') + model.numUsers.toString(16).padStart(4, '0')).slice(-12);
}

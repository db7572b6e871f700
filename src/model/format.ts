/**
 * The model file, format version 1 (docs/model-format.md). Little-endian throughout:
 *
 *   0   8  magic "ALSWASM\0"
 *   8   4  u32 format version (1)
 *   12  4  u32 header length H
 *   16  8  u64 total file length (so a cut file is told from a damaged one)
 *   24  H  header: UTF-8 JSON (sizes, ID kinds, biases, μ, options)
 *   …      sections, each starting 8-byte aligned: user IDs, item IDs, user factors,
 *          item factors, [user biases, item biases], [seen: indptr, indices, values]
 *   end−4  u32 CRC-32 (IEEE) of every byte before it
 *
 * Reading checks, in order: magic, length, checksum, version, then every size against the
 * bytes present before reading or allocating, so a hostile file can only be refused.
 */
import { crc32 } from '../crc.js';
import { IdMap, type Id } from '../data/id-map.js';
import type { SparseRows } from '../data/sparse.js';
import { AlsError, ErrorCode, fail } from '../errors.js';
import { describe } from '../validate.js';
import { DEFAULTS, resolveOptions, type AlsOptions, type ResolvedOptions } from '../train/options.js';
import type { ModelParts } from './model.js';
import { isRange } from './serving-options.js';

export const MAGIC = 'ALSWASM\0';
export const FORMAT_VERSION = 1;
const FIXED = 24;

type IdKind = 'dense' | 'number' | 'string';
const ID_KINDS: readonly IdKind[] = ['dense', 'number', 'string'];
const LONE_SURROGATE = /\p{Cs}/u;

interface Header {
  factors: number;
  numUsers: number;
  numItems: number;
  userIds: IdKind;
  itemIds: IdKind;
  biases: boolean;
  globalMean: number;
  seenNnz: number | null;
  options: ResolvedOptions;
  /** [min, max] of the training values; absent (files before it, or unknown): no range. */
  valueRange?: [number, number];
}

export function encodeModel(parts: ModelParts, withSeen: boolean): Uint8Array {
  // Check everything decodeModel checks, so a model that saves always loads.
  const k = parts.factors;
  const numUsers = parts.users.size;
  const numItems = parts.items.size;
  if (!isCount(k) || k < 1) unsavable(ErrorCode.INVALID_OPTION, `factors is ${String(k)}, not an integer in [1, 2^31)`);
  if (!isCount(numUsers) || !isCount(numItems))
    unsavable(ErrorCode.TOO_LARGE, `it has ${numUsers} users and ${numItems} items; a model file holds fewer than 2^31 of each`);
  const biased = parts.userBiases != null || parts.itemBiases != null;
  if (biased && (parts.userBiases == null || parts.itemBiases == null))
    unsavable(ErrorCode.LENGTH_MISMATCH, 'it has user biases or item biases, not both');
  const globalMean = parts.globalMean ?? 0;
  if (typeof globalMean !== 'number' || !Number.isFinite(globalMean))
    unsavable(ErrorCode.NON_FINITE_VALUE, `globalMean is ${String(globalMean)}`, 'A saved model needs a finite global mean.');
  checkSavedArray('userFactors', parts.userFactors, numUsers * k);
  checkSavedArray('itemFactors', parts.itemFactors, numItems * k);
  if (biased) {
    checkSavedArray('userBiases', parts.userBiases!, numUsers);
    checkSavedArray('itemBiases', parts.itemBiases!, numItems);
  }
  const seen = withSeen ? (parts.seen ?? null) : null;
  if (seen) {
    const why = seenTableProblem(seen.indptr, seen.indices, numUsers, numItems, seen.indices.length);
    if (why)
      unsavable(ErrorCode.LENGTH_MISMATCH, `its seen-items table ${why}`, 'Save with { seen: false }, or rebuild the model.');
    if (seen.values.length !== seen.indices.length)
      unsavable(
        ErrorCode.LENGTH_MISMATCH,
        `its seen-items table has ${seen.indices.length} items and ${seen.values.length} values`,
      );
    checkSectionSize('the seen-items table', seen.indices.length * 4);
  }
  const range = parts.valueRange ?? null;
  if (range && !isRange(range))
    unsavable(ErrorCode.INVALID_OPTION, `its valueRange is not [min, max] of finite numbers with min ≤ max`);
  const userIds = encodeIds(parts.users, 'user');
  const itemIds = encodeIds(parts.items, 'item');
  const header: Header = {
    factors: k,
    numUsers,
    numItems,
    userIds: userIds.kind,
    itemIds: itemIds.kind,
    biases: biased,
    globalMean,
    seenNnz: seen ? seen.indices.length : null,
    options: parts.options,
  };
  // Written only when known, so the files of models without a range stay as they were.
  if (range) header.valueRange = [range[0], range[1]];
  try {
    optionsFromHeader(JSON.parse(JSON.stringify(header.options)) as unknown, k, biased);
  } catch (e) {
    unsavable(
      ErrorCode.INVALID_OPTION,
      `its options cannot be read back (${(e as Error).message})`,
      'Pass options that new ALS(options) accepts (e.g. to fromFactors).',
    );
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const sections: Uint8Array[] = [
    ...userIds.sections,
    ...itemIds.sections,
    bytesOf(parts.userFactors),
    bytesOf(parts.itemFactors),
  ];
  if (header.biases) sections.push(bytesOf(parts.userBiases!), bytesOf(parts.itemBiases!));
  // The file holds the seen items' indices as i32 (docs/model-format.md), whatever width the model keeps.
  if (seen) {
    const indices = seen.indices instanceof Int32Array ? seen.indices : Int32Array.from(seen.indices);
    sections.push(bytesOf(seen.indptr), bytesOf(indices), bytesOf(seen.values));
  }
  let length = pad8(FIXED + json.length);
  for (const s of sections) length += pad8(s.length);
  length += 4;
  let out: Uint8Array;
  try {
    out = new Uint8Array(length);
  } catch (cause) {
    fail(
      ErrorCode.TOO_LARGE,
      `The model file would be ${length} bytes, more than this runtime can hold in one array.`,
      'Save a smaller model, or export it in parts (e.g. writeSparkModel).',
      cause,
    );
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  view.setBigUint64(16, BigInt(length), true);
  out.set(json, FIXED);
  let at = pad8(FIXED + json.length);
  for (const s of sections) {
    out.set(s, at);
    at += pad8(s.length);
  }
  view.setUint32(length - 4, crc32(out.subarray(0, length - 4)), true);
  return out;
}

export function decodeModel(bytes: Uint8Array): ModelParts {
  if (!(bytes instanceof Uint8Array)) throw corrupt('expected a Uint8Array of the file’s bytes');
  // A Node Buffer is often a view into a shared pool: read through a plain view of exactly its bytes.
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < FIXED + 4 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw new AlsError(
      ErrorCode.CORRUPT_MODEL,
      'This is not an als-wasm model file (no ALSWASM magic).',
      'Pass the bytes written by model.toBytes() or model.save().',
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(16, true);
  if (declared > BigInt(bytes.length)) {
    throw new AlsError(
      ErrorCode.TRUNCATED_MODEL,
      `The model file is cut short: ${bytes.length} of ${declared} bytes.`,
      'Copy or download the file again.',
    );
  }
  if (declared < BigInt(bytes.length)) throw corrupt(`it has ${bytes.length} bytes where its header says ${declared}`);
  const stored = view.getUint32(bytes.length - 4, true);
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== stored) throw corrupt('its checksum does not match its contents');
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) {
    throw new AlsError(
      ErrorCode.UNSUPPORTED_VERSION,
      `The model file has format version ${version}; this als-wasm reads version ${FORMAT_VERSION}.`,
      'Use the als-wasm version that wrote it, or re-save the model.',
    );
  }
  // The checksum held, so what follows was written by us; still check every size and type,
  // since a file can be crafted with a valid checksum.
  const reader = new Reader(bytes, FIXED);
  const headerLength = view.getUint32(12, true);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(reader.take(headerLength)));
  } catch (e) {
    throw e instanceof AlsError ? e : corrupt('its header is not valid JSON');
  }
  const header = checkHeader(parsed);
  const { factors: k, numUsers, numItems } = header;
  const users = reader.ids(header.userIds, numUsers);
  const items = reader.ids(header.itemIds, numItems);
  const userFactors = reader.f32(numUsers * k);
  const itemFactors = reader.f32(numItems * k);
  const userBiases = header.biases ? reader.f32(numUsers) : null;
  const itemBiases = header.biases ? reader.f32(numItems) : null;
  let seen: SparseRows | null = null;
  if (header.seenNnz !== null) {
    const indptr = reader.i32(numUsers + 1);
    const indices = reader.i32(header.seenNnz);
    const values = reader.f32(header.seenNnz);
    const why = seenTableProblem(indptr, indices, numUsers, numItems, header.seenNnz);
    if (why) throw corrupt(`its seen-items table ${why}`);
    seen = { indptr, indices, values };
  }
  if (reader.at + 4 !== bytes.length) throw corrupt('it has bytes after the last section');
  for (const [name, a] of [
    ['user factors', userFactors],
    ['item factors', itemFactors],
    ['user biases', userBiases],
    ['item biases', itemBiases],
  ] as const) {
    if (a) for (let e = 0; e < a.length; e++) if (!Number.isFinite(a[e]!)) throw corrupt(`its ${name} hold a non-finite value`);
  }
  let options: ResolvedOptions;
  try {
    options = optionsFromHeader(header.options, k, header.biases);
  } catch {
    throw corrupt('its options are not valid');
  }
  return {
    users,
    items,
    factors: k,
    userFactors,
    itemFactors,
    userBiases,
    itemBiases,
    globalMean: header.globalMean,
    options,
    seen,
    valueRange: header.valueRange ?? null,
  };
}

/** The header JSON as a Header, every field of the right type and range, or CORRUPT_MODEL naming the field. */
function checkHeader(h: unknown): Header {
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw corrupt('its header is not a JSON object');
  const o = h as Record<string, unknown>;
  const bad = (field: string) => corrupt(`its header's ${field} is ${describe(o[field])}`);
  if (!isCount(o.factors) || o.factors < 1) throw bad('factors');
  if (!isCount(o.numUsers)) throw bad('numUsers');
  if (!isCount(o.numItems)) throw bad('numItems');
  for (const field of ['userIds', 'itemIds']) if (!ID_KINDS.includes(o[field] as IdKind)) throw bad(field);
  if (typeof o.biases !== 'boolean') throw bad('biases');
  if (typeof o.globalMean !== 'number' || !Number.isFinite(o.globalMean)) throw bad('globalMean');
  if (o.seenNnz !== null && !isCount(o.seenNnz)) throw bad('seenNnz');
  if (typeof o.options !== 'object' || o.options === null || Array.isArray(o.options)) throw bad('options');
  if (o.valueRange !== undefined && !isRange(o.valueRange)) throw bad('valueRange');
  return o as unknown as Header;
}

/** The saved options as ResolvedOptions (throws a plain Error when they are not valid); shared by save and load. */
function optionsFromHeader(raw: unknown, k: number, biases: boolean): ResolvedOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('options must be an object');
  const saved = raw as Partial<ResolvedOptions>;
  // Under unobservedWeight, alpha and confidence are placeholders that new ALS() would refuse beside it.
  const weighting = saved.unobservedWeight == null ? {} : { alpha: undefined, confidence: undefined };
  const options = {
    ...resolveOptions({ ...saved, ...weighting, init: undefined, onIteration: undefined, signal: undefined } as AlsOptions),
    factors: k,
    biases,
  };
  options.threads = saved.threads ?? DEFAULTS.threads;
  options.backend = saved.backend ?? DEFAULTS.backend;
  return options;
}

/** Why a seen-items CSR table does not fit the model, or null when it does. */
function seenTableProblem(
  indptr: Int32Array,
  indices: Int32Array | Uint16Array,
  numUsers: number,
  numItems: number,
  nnz: number,
): string | null {
  if (indptr.length !== numUsers + 1 || indices.length !== nnz) return 'has the wrong length';
  if (indptr[0] !== 0 || indptr[numUsers] !== nnz) return 'is inconsistent';
  for (let u = 0; u < numUsers; u++) if (indptr[u + 1]! < indptr[u]!) return 'is inconsistent';
  for (let e = 0; e < indices.length; e++)
    if (!(indices[e]! >= 0 && indices[e]! < numItems)) return 'names an item that does not exist';
  return null;
}

function unsavable(
  code: ErrorCode,
  why: string,
  hint = 'Fix the model (e.g. the arrays given to fromFactors) before saving.',
): never {
  fail(code, `The model cannot be saved: ${why}.`, hint);
}

/** A section the reader will accept: the right length, finite values, under the format's 2 GiB per section. */
function checkSavedArray(name: string, a: Float32Array, length: number): void {
  if (!(a instanceof Float32Array)) unsavable(ErrorCode.INVALID_OPTION, `${name} is ${describe(a)}, not a Float32Array`);
  if (a.length !== length) unsavable(ErrorCode.LENGTH_MISMATCH, `${name} has ${a.length} values where its sizes need ${length}`);
  checkSectionSize(name, a.byteLength);
  for (let e = 0; e < a.length; e++)
    if (!Number.isFinite(a[e]!))
      unsavable(ErrorCode.NON_FINITE_VALUE, `${name}[${e}] is ${a[e]}`, 'A saved model needs finite factors and biases.');
}

function checkSectionSize(name: string, bytes: number): void {
  if (!isCount(bytes))
    unsavable(
      ErrorCode.TOO_LARGE,
      `${name} would take ${bytes} bytes; a model file section holds less than 2 GiB`,
      'Export it as a Spark model or .npy matrices instead.',
    );
}

function corrupt(why: string): AlsError {
  return new AlsError(
    ErrorCode.CORRUPT_MODEL,
    `The model file is damaged: ${why}.`,
    'Copy or download the file again, or re-save the model.',
  );
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 2 ** 31;
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function bytesOf(a: Float32Array | Int32Array | Float64Array | Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * IDs as dense (nothing stored), f64 numbers (one section), or strings (two sections: u32
 * byte lengths, then the UTF-8 bytes).
 */
function encodeIds(map: IdMap, what: 'user' | 'item'): { kind: IdKind; sections: Uint8Array[] } {
  if (map.isDense) return { kind: 'dense', sections: [] };
  const ids = map.ids();
  if (ids.every((id) => typeof id === 'number'))
    return { kind: 'number', sections: [bytesOf(Float64Array.from(ids as number[]))] };
  if (ids.every((id) => typeof id === 'string')) {
    // A lone surrogate would be written as U+FFFD and read back as another ID (or a duplicate).
    const broken = (ids as string[]).findIndex((id) => LONE_SURROGATE.test(id));
    if (broken >= 0)
      unsavable(
        ErrorCode.INVALID_ID,
        `${what} ID ${JSON.stringify(ids[broken])} is not well-formed Unicode (a lone surrogate)`,
        'Use IDs that are valid Unicode text.',
      );
    const encoded = ids.map((id) => new TextEncoder().encode(id as string));
    const lengths = Uint32Array.from(encoded, (e) => e.length);
    const blob = new Uint8Array(encoded.reduce((a, e) => a + e.length, 0));
    checkSectionSize(`the ${what} IDs`, blob.length);
    let at = 0;
    for (const e of encoded) blob.set(e, at), (at += e.length);
    return { kind: 'string', sections: [bytesOf(lengths), blob] };
  }
  throw new AlsError(
    ErrorCode.INVALID_ID,
    'A model file holds either all-number or all-string IDs, not a mix.',
    'Convert the IDs to strings before training.',
  );
}

/** Sequential, bounds-checked reads of 8-byte-aligned sections. */
class Reader {
  readonly bytes: Uint8Array;
  at: number;

  constructor(bytes: Uint8Array, at: number) {
    this.bytes = bytes;
    this.at = at;
  }

  /** The next n bytes; the section after it starts 8-byte aligned. */
  take(n: number): Uint8Array {
    if (!isCount(n) || this.at + n > this.bytes.length - 4) throw corrupt('a section runs past the end of the file');
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at = pad8(this.at + n);
    return out;
  }

  /** A copy, so the model never aliases the caller's buffer (and alignment is ours). */
  f32(count: number): Float32Array {
    return new Float32Array(copyOf(this.take(count * 4)));
  }

  i32(count: number): Int32Array {
    return new Int32Array(copyOf(this.take(count * 4)));
  }

  ids(kind: IdKind, count: number): IdMap {
    let ids: Id[];
    if (kind === 'dense') return IdMap.dense(count);
    if (kind === 'number') ids = Array.from(new Float64Array(copyOf(this.take(count * 8))));
    else if (kind === 'string') {
      const lengths = new Uint32Array(copyOf(this.take(count * 4)));
      let total = 0;
      for (const n of lengths) total += n;
      const blob = this.take(total);
      const decoder = new TextDecoder('utf-8', { fatal: true });
      ids = [];
      let at = 0;
      try {
        for (const n of lengths) ids.push(decoder.decode(blob.subarray(at, at + n))), (at += n);
      } catch {
        throw corrupt('an ID is not valid UTF-8');
      }
    } else throw corrupt('its header names an unknown ID kind');
    try {
      return IdMap.fromIds(ids);
    } catch {
      throw corrupt('it lists an ID twice');
    }
  }
}

/**
 * The bytes of a view in a fresh ArrayBuffer of exactly their length. (Not `view.slice().buffer`:
 * on a Node Buffer, slice is a view into the same shared pool, so its .buffer is the whole pool.)
 */
function copyOf(view: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(view.length);
  out.set(view);
  return out.buffer;
}

/** The model file's checksum (CRC-32), re-exported for the tests and tools that patch files. */
export { crc32 };

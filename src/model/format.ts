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
import { IdMap, type Id } from '../data/id-map.js';
import type { SparseRows } from '../data/sparse.js';
import { AlsError, ErrorCode } from '../errors.js';
import { DEFAULTS, resolveOptions, type AlsOptions, type ResolvedOptions } from '../train/options.js';
import type { ModelParts } from './model.js';

export const MAGIC = 'ALSWASM\0';
export const FORMAT_VERSION = 1;
const FIXED = 24;

type IdKind = 'dense' | 'number' | 'string';

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
}

export function encodeModel(parts: ModelParts, withSeen: boolean): Uint8Array {
  const k = parts.factors;
  const numUsers = parts.users.size;
  const numItems = parts.items.size;
  const seen = withSeen ? parts.seen ?? null : null;
  const userIds = encodeIds(parts.users);
  const itemIds = encodeIds(parts.items);
  const header: Header = {
    factors: k, numUsers, numItems, userIds: userIds.kind, itemIds: itemIds.kind,
    biases: parts.userBiases != null, globalMean: parts.globalMean ?? 0,
    seenNnz: seen ? seen.indices.length : null, options: parts.options,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const sections: Uint8Array[] = [...userIds.sections, ...itemIds.sections, bytesOf(parts.userFactors), bytesOf(parts.itemFactors)];
  if (header.biases) sections.push(bytesOf(parts.userBiases!), bytesOf(parts.itemBiases!));
  if (seen) sections.push(bytesOf(seen.indptr), bytesOf(seen.indices), bytesOf(seen.values));
  let length = pad8(FIXED + json.length);
  for (const s of sections) length += pad8(s.length);
  length += 4;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
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
  if (bytes.length < FIXED + 4 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw new AlsError(ErrorCode.CORRUPT_MODEL, 'This is not an als-wasm model file (no ALSWASM magic).', 'Pass the bytes written by model.toBytes() or model.save().');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(16, true);
  if (declared > BigInt(bytes.length)) {
    throw new AlsError(ErrorCode.TRUNCATED_MODEL, `The model file is cut short: ${bytes.length} of ${declared} bytes.`, 'Copy or download the file again.');
  }
  if (declared < BigInt(bytes.length)) throw corrupt(`it has ${bytes.length} bytes where its header says ${declared}`);
  const stored = view.getUint32(bytes.length - 4, true);
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== stored) throw corrupt('its checksum does not match its contents');
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) {
    throw new AlsError(ErrorCode.UNSUPPORTED_VERSION, `The model file has format version ${version}; this als-wasm reads version ${FORMAT_VERSION}.`, 'Use the als-wasm version that wrote it, or re-save the model.');
  }
  // The checksum held, so what follows was written by us; still check every size, since a
  // file can be crafted with a valid checksum.
  const reader = new Reader(bytes, FIXED);
  const headerLength = view.getUint32(12, true);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(reader.take(headerLength))) as Header;
  } catch (e) {
    throw e instanceof AlsError ? e : corrupt('its header is not valid JSON');
  }
  const { factors: k, numUsers, numItems } = header;
  if (!isCount(k) || k < 1 || !isCount(numUsers) || !isCount(numItems) || !Number.isFinite(header.globalMean)) throw corrupt('its header has impossible sizes');
  const users = reader.ids(header.userIds, numUsers);
  const items = reader.ids(header.itemIds, numItems);
  const userFactors = reader.f32(numUsers * k);
  const itemFactors = reader.f32(numItems * k);
  const userBiases = header.biases ? reader.f32(numUsers) : null;
  const itemBiases = header.biases ? reader.f32(numItems) : null;
  let seen: SparseRows | null = null;
  if (header.seenNnz !== null) {
    if (!isCount(header.seenNnz)) throw corrupt('its header has impossible sizes');
    const indptr = reader.i32(numUsers + 1);
    const indices = reader.i32(header.seenNnz);
    const values = reader.f32(header.seenNnz);
    if (indptr[0] !== 0 || indptr[numUsers] !== header.seenNnz) throw corrupt('its seen-items table is inconsistent');
    for (let u = 0; u < numUsers; u++) if (indptr[u + 1]! < indptr[u]!) throw corrupt('its seen-items table is inconsistent');
    for (let e = 0; e < indices.length; e++) if (!(indices[e]! >= 0 && indices[e]! < numItems)) throw corrupt('its seen-items table names an item that does not exist');
    seen = { indptr, indices, values };
  }
  if (reader.at + 4 !== bytes.length) throw corrupt('it has bytes after the last section');
  for (const [name, a] of [['user factors', userFactors], ['item factors', itemFactors], ['user biases', userBiases], ['item biases', itemBiases]] as const) {
    if (a) for (let e = 0; e < a.length; e++) if (!Number.isFinite(a[e]!)) throw corrupt(`its ${name} hold a non-finite value`);
  }
  let options: ResolvedOptions;
  try {
    options = { ...resolveOptions({ ...header.options, init: undefined, onIteration: undefined, signal: undefined } as AlsOptions), factors: k, biases: header.biases };
    options.threads = header.options.threads ?? DEFAULTS.threads;
    options.backend = header.options.backend ?? DEFAULTS.backend;
  } catch {
    throw corrupt('its options are not valid');
  }
  return { users, items, factors: k, userFactors, itemFactors, userBiases, itemBiases, globalMean: header.globalMean, options, seen };
}

function corrupt(why: string): AlsError {
  return new AlsError(ErrorCode.CORRUPT_MODEL, `The model file is damaged: ${why}.`, 'Copy or download the file again, or re-save the model.');
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 2 ** 31;
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function bytesOf(a: Float32Array | Int32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * IDs as dense (nothing stored), f64 numbers (one section), or strings (two sections: u32
 * byte lengths, then the UTF-8 bytes).
 */
function encodeIds(map: IdMap): { kind: IdKind; sections: Uint8Array[] } {
  if (map.isDense) return { kind: 'dense', sections: [] };
  const ids = map.ids();
  if (ids.every((id) => typeof id === 'number')) return { kind: 'number', sections: [bytesOf(Float64Array.from(ids as number[]))] };
  if (ids.every((id) => typeof id === 'string')) {
    const encoded = ids.map((id) => new TextEncoder().encode(id as string));
    const lengths = Uint32Array.from(encoded, (e) => e.length);
    const blob = new Uint8Array(encoded.reduce((a, e) => a + e.length, 0));
    let at = 0;
    for (const e of encoded) (blob.set(e, at), (at += e.length));
    return { kind: 'string', sections: [new Uint8Array(lengths.buffer), blob] };
  }
  throw new AlsError(ErrorCode.INVALID_ID, 'A model file holds either all-number or all-string IDs, not a mix.', 'Convert the IDs to strings before training.');
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
    const b = this.take(count * 4);
    return new Float32Array(b.slice().buffer);
  }

  i32(count: number): Int32Array {
    const b = this.take(count * 4);
    return new Int32Array(b.slice().buffer);
  }

  ids(kind: IdKind, count: number): IdMap {
    let ids: Id[];
    if (kind === 'dense') return IdMap.dense(count);
    if (kind === 'number') ids = Array.from(new Float64Array(this.take(count * 8).slice().buffer));
    else if (kind === 'string') {
      const lengths = new Uint32Array(this.take(count * 4).slice().buffer);
      let total = 0;
      for (const n of lengths) total += n;
      const blob = this.take(total);
      const decoder = new TextDecoder('utf-8', { fatal: true });
      ids = [];
      let at = 0;
      try {
        for (const n of lengths) (ids.push(decoder.decode(blob.subarray(at, at + n))), (at += n));
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

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let b = 0; b < 8; b++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3), as zip and PNG use: catches every single-byte change. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

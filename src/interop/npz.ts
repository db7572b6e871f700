/**
 * numpy's .npz: a zip of .npy members (stored by numpy.savez, deflated by savez_compressed).
 * Written with fflate's zipSync; read by our own strict reader of the zip's central directory
 * (zip64 included), inflating with fflate's streaming Inflate, so that nothing in the archive
 * is trusted before it is checked:
 *
 * - every member's declared size is summed before anything is inflated, and the total must
 *   stay within `maxBytes` (TOO_LARGE): a 1 MB file cannot inflate to a 67 M-user model
 *   unless the caller raises the limit;
 * - each member's .npy header, read from the first inflated bytes, must describe exactly the
 *   declared size (CORRUPT_MODEL), so the size is what the array's shape needs;
 * - inflation stops as soon as the output would pass the declared size, and must end exactly
 *   at it; then the CRC-32 must match (fflate checks none of these);
 * - every member's name in the central directory must match its local header's (names are
 *   outside the CRCs; a renamed member would silently drop out of the model).
 *
 * A member that does not end in .npy is ignored (not inflated), as numpy.load does not name it.
 */
import { Inflate, inflateSync, zipSync, type Zippable } from 'fflate';
import { AlsError, ErrorCode, fail } from '../errors.js';
import { crc32 } from '../crc.js';
import { boolean, checkOptions, integer, oneOf } from '../validate.js';
import { npyFileLength, parseNpy, writeNpy, type NpyArray } from './npy.js';

/** Default of `maxBytes`: the most array data an .npz may inflate to, summed over its members. */
export const DEFAULT_MAX_NPZ_BYTES = 2 ** 30;
/** numpy.savez stamps every member with 1980-01-01 00:00; so do we, so output is reproducible. */
const ZIP_EPOCH = new Date(1980, 0, 1, 0, 0, 0);
/**
 * Compressed bytes pushed to the inflater at once. Deflate expands at most ~1032×, so a
 * member that runs on past its declared size is caught after at most ~16 MiB of output
 * (well under a second); smaller pushes would slow honest loads (fflate: 64 MiB of float
 * factors in 0.87 s at 16 KiB, 1.29 s at 4 KiB, 0.69 s at 64 KiB).
 */
const INFLATE_CHUNK = 1 << 14;
/** Members below this, declared and compressed, are inflated in one call (see inflateSmall). */
const SMALL_MEMBER = 1 << 12;
/** Compressed bytes per push while the .npy header is not yet out. */
const HEADER_CHUNK = 1 << 9;

/** The arrays of an .npz by key (member name without '.npy'), in stored order; `skipped` lists pickled members left out. */
export type NpzArrays = Map<string, NpyArray> & { skipped: string[] };

export interface NpzReadOptions {
  /** 'refuse' (default): a pickled (object) member is PICKLED_DATA; 'skip': it is left out and named in `skipped`. */
  pickled?: 'refuse' | 'skip';
  /**
   * The most bytes the .npy members may hold once inflated, all together. A zip declares
   * each member's size before its data, so a larger archive (or a zip bomb) is refused with
   * TOO_LARGE before anything is inflated. Default 2^30 (1 GiB); raise it for larger models
   * (a numUsers × k float32 matrix takes 4·numUsers·k bytes).
   */
  maxBytes?: number;
}

/** One central-directory entry. */
interface Member {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/**
 * Reads an .npz. A pickled (object) member is refused, or with `pickled: 'skip'` left out
 * and named in `skipped` — never unpickled either way.
 */
export function readNpz(bytes: Uint8Array, name = 'the .npz data', options: NpzReadOptions = {}): NpzArrays {
  checkOptions('readNpz options', options, ['pickled', 'maxBytes']);
  const pickled = options.pickled === undefined ? 'refuse' : oneOf('pickled', options.pickled, ['refuse', 'skip']);
  const maxBytes = checkMaxBytes(options.maxBytes);
  if (typeof name !== 'string') fail(ErrorCode.INVALID_OPTION, 'readNpz: name must be a string.');
  if (!(bytes instanceof Uint8Array)) fail(ErrorCode.INVALID_OPTION, `${name}: expected a Uint8Array of the file's bytes.`);
  // A Node Buffer is often a view into a shared pool: read through a plain view of exactly its bytes.
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new AlsError(
      ErrorCode.CORRUPT_MODEL,
      `${name} is not a zip archive (an .npz starts with 'PK').`,
      'Save it with numpy.savez.',
    );
  }
  const members = centralDirectory(bytes, name).filter((m) => m.name.endsWith('.npy'));
  const seen = new Set<string>();
  let total = 0;
  for (const m of members) {
    if (seen.has(m.name)) throw corruptZip(name, `it holds member ${m.name} twice`);
    seen.add(m.name);
    total += m.size;
  }
  if (total > maxBytes) {
    fail(
      ErrorCode.TOO_LARGE,
      `${name} declares ${total} bytes of arrays once inflated, more than maxBytes (${maxBytes}).`,
      'If the file is trusted and the model that large, pass a larger maxBytes.',
    );
  }
  const out = Object.assign(new Map<string, NpyArray>(), { skipped: [] as string[] });
  for (const m of members) {
    const label = `${name}: member ${m.name}`;
    const data = memberBytes(bytes, m, label);
    // fflate checks no CRC-32; a flipped bit in a stored member would be a silently wrong factor.
    if (crc32(data) !== m.crc)
      throw new AlsError(ErrorCode.CORRUPT_MODEL, `${label} fails its CRC-32 check.`, 'Copy or download the file again.');
    const key = m.name.slice(0, -'.npy'.length);
    try {
      out.set(key, parseNpy(data, `${name}: ${m.name}`));
    } catch (e) {
      if (!(e instanceof AlsError && e.code === ErrorCode.PICKLED_DATA && pickled === 'skip')) throw e;
      out.skipped.push(key);
    }
  }
  return out;
}

/** An .npz numpy.load reads; `compress` deflates members as savez_compressed does. Default false. */
export function writeNpz(
  arrays: ReadonlyMap<string, NpyArray> | Record<string, NpyArray>,
  options: { compress?: boolean } = {},
): Uint8Array {
  checkOptions('writeNpz options', options, ['compress']);
  const compress = options.compress === undefined ? false : boolean('compress', options.compress);
  const entries = arrays instanceof Map ? [...arrays] : Object.entries(arrays);
  const zippable: Zippable = {};
  for (const [key, array] of entries) zippable[`${key}.npy`] = [writeNpy(array), { level: compress ? 6 : 0, mtime: ZIP_EPOCH }];
  return zipSync(zippable);
}

/** `maxBytes` checked, or its default. */
export function checkMaxBytes(value: unknown): number {
  return value === undefined ? DEFAULT_MAX_NPZ_BYTES : integer('maxBytes', value, 1, Number.MAX_SAFE_INTEGER);
}

/** A member's inflated bytes: exactly its declared size, its .npy header agreeing, never more inflated than declared. */
function memberBytes(bytes: Uint8Array, m: Member, label: string): Uint8Array {
  if (m.flags & 1) fail(ErrorCode.UNSUPPORTED_FORMAT, `${label} is encrypted.`, 'Save it with numpy.savez, without a password.');
  if (m.method !== 0 && m.method !== 8) {
    fail(
      ErrorCode.UNSUPPORTED_FORMAT,
      `${label} uses zip compression method ${m.method}; .npz members are stored (0) or deflated (8).`,
      'Save it with numpy.savez or numpy.savez_compressed.',
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = m.localOffset + 30 + view.getUint16(m.localOffset + 26, true) + view.getUint16(m.localOffset + 28, true);
  if (start + m.compressedSize > bytes.length) throw corruptZip(label, 'its data run past the end of the archive');
  const compressed = bytes.subarray(start, start + m.compressedSize);
  if (m.method === 0) {
    // All bytes are present: parseNpy compares them with the header, after the CRC.
    if (m.compressedSize !== m.size)
      throw corruptZip(label, `it is stored with ${m.compressedSize} bytes but declares ${m.size}`);
    return compressed;
  }
  return inflateExactly(compressed, m, label);
}

/**
 * The .npy header in the member's first bytes must describe exactly its declared size:
 * 'agrees', or 'more' when the header is not all out yet. 'unreadable' when the header
 * cannot be parsed: inflation then goes on, bounded by the declared size, so that the CRC
 * can tell damage (CORRUPT_MODEL) from a format this build does not read (parseNpy's code).
 */
function checkNpyLength(prefix: Uint8Array, m: Member, label: string): 'agrees' | 'more' | 'unreadable' {
  let layout: ReturnType<typeof npyFileLength>;
  try {
    layout = npyFileLength(prefix, label);
  } catch (e) {
    if (e instanceof AlsError) return 'unreadable';
    throw e;
  }
  if ('needed' in layout) {
    if (layout.needed > m.size)
      throw corruptZip(label, `its .npy header needs ${layout.needed} bytes; the member declares ${m.size}`);
    return 'more';
  }
  if (layout.length !== null && layout.length !== m.size)
    throw corruptZip(label, `its .npy header describes ${layout.length} bytes; the member declares ${m.size}`);
  return 'agrees';
}

/**
 * Inflates in small pushes into a buffer of the declared size, checking the .npy header as
 * soon as it is out and stopping the moment the output would pass the declared size.
 */
function inflateExactly(compressed: Uint8Array, m: Member, label: string): Uint8Array {
  if (m.size < SMALL_MEMBER && compressed.length < SMALL_MEMBER) return inflateSmall(compressed, m, label);
  let out: Uint8Array | null = null;
  let prefix = new Uint8Array(0);
  let length = 0;
  const inflater = new Inflate((chunk) => {
    if (length + chunk.length > m.size) throw corruptZip(label, `it inflates to more than the ${m.size} bytes it declares`);
    if (out === null) {
      // Hold the first bytes until the .npy header is complete and agrees with the declared size.
      const grown = new Uint8Array(prefix.length + chunk.length);
      grown.set(prefix);
      grown.set(chunk, prefix.length);
      prefix = grown;
      length = prefix.length;
      if (checkNpyLength(prefix, m, label) === 'more') return;
      try {
        out = new Uint8Array(m.size);
      } catch (cause) {
        fail(
          ErrorCode.TOO_LARGE,
          `${label} declares ${m.size} bytes, more than this runtime can allocate.`,
          'Pass a smaller maxBytes to refuse such files early, or load it where more memory is available.',
          cause,
        );
      }
      out.set(prefix);
      return;
    }
    out.set(chunk, length);
    length += chunk.length;
  });
  try {
    // Small pushes until the header is checked (a lying member is refused after little work), then larger.
    for (let at = 0; ; ) {
      const end = Math.min(compressed.length, at + (out === null ? HEADER_CHUNK : INFLATE_CHUNK));
      inflater.push(compressed.subarray(at, end), end === compressed.length);
      if (end === compressed.length) break;
      at = end;
    }
  } catch (cause) {
    if (cause instanceof AlsError) throw cause;
    throw new AlsError(
      ErrorCode.CORRUPT_MODEL,
      `${label} is not valid deflate data (${(cause as Error).message}).`,
      'Copy or download the file again.',
      { cause },
    );
  }
  if (out === null) throw corruptZip(label, `it inflates to ${length} bytes; its .npy header needs more`);
  if (length !== m.size) throw corruptZip(label, `it inflates to ${length} of the ${m.size} bytes it declares`);
  return out;
}

/**
 * A small member (implicit's parameters) in one call into a buffer one byte longer than
 * declared, so that a longer stream shows. (The streaming inflater allocates 160 KiB per
 * member; this is ~50× faster for them.) fflate keeps decoding past a full buffer without
 * writing, so this is only for streams short enough that doing so costs little: from
 * 4 KiB of deflate at most ~4 MB of discarded output.
 */
function inflateSmall(compressed: Uint8Array, m: Member, label: string): Uint8Array {
  let out: Uint8Array;
  try {
    out = inflateSync(compressed, { out: new Uint8Array(m.size + 1) });
  } catch (cause) {
    throw new AlsError(
      ErrorCode.CORRUPT_MODEL,
      `${label} is not valid deflate data (${(cause as Error).message}).`,
      'Copy or download the file again.',
      { cause },
    );
  }
  if (out.length !== m.size)
    throw corruptZip(
      label,
      out.length > m.size
        ? `it inflates to more than the ${m.size} bytes it declares`
        : `it inflates to ${out.length} of the ${m.size} bytes it declares`,
    );
  if (checkNpyLength(out, m, label) === 'more')
    throw corruptZip(label, `it inflates to ${out.length} bytes; its .npy header needs more`);
  return out;
}

/** The central directory's entries, every offset and count checked against the bytes present. */
function centralDirectory(bytes: Uint8Array, name: string): Member[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = endOfCentralDirectory(bytes);
  if (eocd < 0) {
    throw new AlsError(
      ErrorCode.TRUNCATED_MODEL,
      `${name} is a cut-off zip archive (no end-of-central-directory record).`,
      'Copy or download the file again.',
    );
  }
  let entries = view.getUint16(eocd + 10, true);
  let directorySize = view.getUint32(eocd + 12, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  if (entries === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    // zip64: the locator sits just before the end record and points at the zip64 end record.
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== 0x07064b50) throw corruptZip(name, 'its zip64 locator is missing');
    const record = safeNumber(view.getBigUint64(locator + 8, true));
    if (record + 56 > bytes.length || view.getUint32(record, true) !== 0x06064b50)
      throw corruptZip(name, 'its zip64 end record is missing');
    entries = safeNumber(view.getBigUint64(record + 32, true));
    directorySize = safeNumber(view.getBigUint64(record + 40, true));
    directoryOffset = safeNumber(view.getBigUint64(record + 48, true));
  }
  if (directoryOffset + directorySize > bytes.length || entries * 46 > directorySize)
    throw corruptZip(name, 'its central directory runs past the end');
  const decoder = new TextDecoder();
  const members: Member[] = [];
  let p = directoryOffset;
  const end = directoryOffset + directorySize;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > end || view.getUint32(p, true) !== 0x02014b50) throw corruptZip(name, 'its central directory is damaged');
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const next = p + 46 + nameLength + extraLength + view.getUint16(p + 32, true);
    if (next > end) throw corruptZip(name, 'its central directory is damaged');
    const nameBytes = bytes.subarray(p + 46, p + 46 + nameLength);
    const member: Member = {
      name: decoder.decode(nameBytes),
      flags: view.getUint16(p + 8, true),
      method: view.getUint16(p + 10, true),
      crc: view.getUint32(p + 16, true),
      compressedSize: view.getUint32(p + 20, true),
      size: view.getUint32(p + 24, true),
      localOffset: view.getUint32(p + 42, true),
    };
    readZip64Extra(view, p + 46 + nameLength, extraLength, member, name);
    // Names are outside every CRC, and a member whose name changed would be silently dropped
    // (a lost user_ids.npy is a model with other IDs): the local header must say the same.
    const local = member.localOffset;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50)
      throw corruptZip(name, `the local header of ${member.name} is missing`);
    const localName = bytes.subarray(local + 30, local + 30 + view.getUint16(local + 26, true));
    if (localName.length !== nameBytes.length || localName.some((b, i) => b !== nameBytes[i])) {
      throw corruptZip(name, `member ${member.name} is named differently in its local header`);
    }
    // Likewise the method and encryption flag: a flipped bit there is damage, not an unsupported zip.
    if (view.getUint16(local + 8, true) !== member.method || (view.getUint16(local + 6, true) & 1) !== (member.flags & 1)) {
      throw corruptZip(name, `member ${member.name} has another method or encryption flag in its local header`);
    }
    members.push(member);
    p = next;
  }
  return members;
}

/** Replaces the 0xffffffff fields of an entry by the zip64 extra field's values (in their fixed order). */
function readZip64Extra(view: DataView, at: number, length: number, m: Member, name: string): void {
  const fields = (['size', 'compressedSize', 'localOffset'] as const).filter((f) => m[f] === 0xffffffff);
  if (fields.length === 0) return;
  for (let q = at; q + 4 <= at + length; ) {
    const id = view.getUint16(q, true);
    const size = view.getUint16(q + 2, true);
    if (q + 4 + size > at + length) break;
    if (id === 0x0001) {
      if (size < 8 * fields.length) break;
      fields.forEach((f, i) => (m[f] = safeNumber(view.getBigUint64(q + 4 + 8 * i, true))));
      return;
    }
    q += 4 + size;
  }
  throw corruptZip(name, `member ${m.name} lacks its zip64 sizes`);
}

/** A 64-bit size or offset as a number; anything past 2^53 is beyond any file here. */
function safeNumber(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

function corruptZip(name: string, why: string): AlsError {
  return new AlsError(ErrorCode.CORRUPT_MODEL, `${name} is a damaged zip archive: ${why}.`, 'Copy or download the file again.');
}

/** The offset of the zip's end-of-central-directory record, or -1. */
function endOfCentralDirectory(bytes: Uint8Array): number {
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 5 && bytes[i + 3] === 6) return i;
  }
  return -1;
}

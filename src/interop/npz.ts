/**
 * numpy's .npz: a zip of .npy members (stored by numpy.savez, deflated by savez_compressed),
 * read and written with fflate. Members are parsed by npy.ts; a member that does not end in
 * .npy is ignored, as numpy.load does not name it.
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { AlsError, ErrorCode } from '../errors.js';
import { crc32 } from '../model/format.js';
import { parseNpy, writeNpy, type NpyArray } from './npy.js';

/** No member may claim to inflate beyond this (a zip bomb is refused before it is inflated). */
const MAX_MEMBER_BYTES = 4 * 2 ** 30;
/** numpy.savez stamps every member with 1980-01-01 00:00; so do we, so output is reproducible. */
const ZIP_EPOCH = new Date(1980, 0, 1, 0, 0, 0);

/** The arrays of an .npz by key (member name without '.npy'), in stored order; `skipped` lists pickled members left out. */
export type NpzArrays = Map<string, NpyArray> & { skipped: string[] };

/**
 * Reads an .npz. A pickled (object) member is refused, or with `pickled: 'skip'` left out
 * and named in `skipped` — never unpickled either way.
 */
export function readNpz(bytes: Uint8Array, name = 'the .npz data', options: { pickled?: 'refuse' | 'skip' } = {}): NpzArrays {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name} is not a zip archive (an .npz starts with 'PK').`, 'Save it with numpy.savez.');
  }
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (file) => {
        if (file.originalSize > MAX_MEMBER_BYTES) throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: member ${file.name} claims ${file.originalSize} bytes uncompressed.`);
        return file.name.endsWith('.npy');
      },
    });
  } catch (cause) {
    if (cause instanceof AlsError) throw cause;
    // With the end-of-central-directory record present the archive is damaged, else cut off.
    const complete = endOfCentralDirectory(bytes) >= 0;
    throw new AlsError(
      complete ? ErrorCode.CORRUPT_MODEL : ErrorCode.TRUNCATED_MODEL,
      `${name} is ${complete ? 'a damaged' : 'a cut-off'} zip archive (${(cause as Error).message}).`,
      'Copy or download the file again.',
      { cause },
    );
  }
  // fflate does not check CRC-32s; a flipped bit in a stored member would be a silently wrong factor.
  const crcs = centralDirectoryCrcs(bytes);
  const out = Object.assign(new Map<string, NpyArray>(), { skipped: [] as string[] });
  for (const [member, data] of Object.entries(members)) {
    const key = member.slice(0, -'.npy'.length);
    const expected = crcs.get(member);
    if (expected !== undefined && crc32(data) !== expected) {
      throw new AlsError(ErrorCode.CORRUPT_MODEL, `${name}: member ${member} fails its CRC-32 check.`, 'Copy or download the file again.');
    }
    try {
      out.set(key, parseNpy(data, `${name}: ${member}`));
    } catch (e) {
      if (!(e instanceof AlsError && e.code === ErrorCode.PICKLED_DATA && options.pickled === 'skip')) throw e;
      out.skipped.push(key);
    }
  }
  return out;
}

/** An .npz numpy.load reads; `compress` deflates members as savez_compressed does. Default false. */
export function writeNpz(arrays: ReadonlyMap<string, NpyArray> | Record<string, NpyArray>, options: { compress?: boolean } = {}): Uint8Array {
  const entries = arrays instanceof Map ? [...arrays] : Object.entries(arrays);
  const zippable: Zippable = {};
  for (const [key, array] of entries) zippable[`${key}.npy`] = [writeNpy(array), { level: options.compress ? 6 : 0, mtime: ZIP_EPOCH }];
  return zipSync(zippable);
}

/** The offset of the zip's end-of-central-directory record, or -1. */
function endOfCentralDirectory(bytes: Uint8Array): number {
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 5 && bytes[i + 3] === 6) return i;
  }
  return -1;
}

/** Member name → CRC-32 from the central directory (whose CRC field stays 32-bit even in zip64). */
function centralDirectoryCrcs(bytes: Uint8Array): Map<string, number> {
  const crcs = new Map<string, number>();
  const eocd = endOfCentralDirectory(bytes);
  if (eocd < 0) return crcs;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  if (p === 0xffffffff) return crcs; // a zip64 directory beyond 4 GiB: fflate's own checks only
  const decoder = new TextDecoder();
  for (let e = 0; e < entries && p + 46 <= bytes.length && view.getUint32(p, true) === 0x02014b50; e++) {
    const nameLength = view.getUint16(p + 28, true);
    if (p + 46 + nameLength > bytes.length) break;
    crcs.set(decoder.decode(bytes.subarray(p + 46, p + 46 + nameLength)), view.getUint32(p + 16, true));
    p += 46 + nameLength + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  }
  return crcs;
}

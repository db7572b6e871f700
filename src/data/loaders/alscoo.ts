/**
 * ALSCOO01, binary rating triples (the format of the synthetic benchmark files): a 32-byte
 * little-endian header — magic "ALSCOO01", u32 users, u32 items, u64 ratings, u64 0 — then
 * int32 users[n], int32 items[n], float32 values[n], all 0-based dense indices. A file this
 * big is read in one piece and its arrays are views of those bytes: no parse, no second copy
 * of the triples before the Ratings is built.
 */
import { ErrorCode, fail } from '../../errors.js';
import { IdMap } from '../id-map.js';
import { MAX_RATINGS } from '../limits.js';
import type { ParsedTriples } from './parse.js';

export const ALSCOO_MAGIC = 'ALSCOO01';
const HEADER_BYTES = 32;
const BYTES_PER_RATING = 12;

/** Whether the bytes start with the ALSCOO01 magic (enough to choose this reader over text). */
export function isAlscoo(bytes: Uint8Array): boolean {
  if (bytes.length < ALSCOO_MAGIC.length) return false;
  for (let i = 0; i < ALSCOO_MAGIC.length; i++) if (bytes[i] !== ALSCOO_MAGIC.charCodeAt(i)) return false;
  return true;
}

/**
 * The triples of a whole ALSCOO01 file. Every count is checked against the bytes actually
 * present before any view is made, and every index against the header's counts, so a
 * damaged or hostile file is a CORRUPT_INPUT naming what is wrong, never an out-of-range row.
 * The returned arrays may be views of `bytes` (when it is 4-byte aligned and the platform
 * little-endian): the caller must not reuse those bytes while the triples are in use.
 */
export function parseAlscoo(bytes: Uint8Array, source = '<input>'): ParsedTriples {
  const corrupt = (what: string): never =>
    fail(ErrorCode.CORRUPT_INPUT, `${source}: not a valid ALSCOO01 file: ${what}.`, 'Check that the file was copied completely.');
  if (!isAlscoo(bytes)) corrupt('it does not start with "ALSCOO01"');
  if (bytes.length < HEADER_BYTES) corrupt(`${bytes.length} bytes, shorter than the 32-byte header`);
  const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const numUsers = header.getUint32(8, true);
  const numItems = header.getUint32(12, true);
  const nnz = Number(header.getBigUint64(16, true));
  if (header.getBigUint64(24, true) !== 0n)
    fail(
      ErrorCode.UNSUPPORTED_FORMAT,
      `${source}: an ALSCOO01 header whose reserved field (bytes 24–31) is not 0.`,
      'This build reads the variant whose reserved field is 0; the file may come from a newer writer.',
    );
  // The length is the file's, not the header's: a header claiming more ratings than the
  // bytes hold is refused before anything is allocated or viewed.
  const expected = HEADER_BYTES + nnz * BYTES_PER_RATING;
  if (nnz > MAX_RATINGS || bytes.length !== expected)
    corrupt(`its header says ${nnz} ratings (${expected} bytes), the file has ${bytes.length} bytes`);
  const readInt = (view: DataView, at: number) => view.getInt32(at, true);
  const users = column(bytes, HEADER_BYTES, nnz, Int32Array, readInt);
  const items = column(bytes, HEADER_BYTES + 4 * nnz, nnz, Int32Array, readInt);
  const values = column(bytes, HEADER_BYTES + 8 * nnz, nnz, Float32Array, (view, at) => view.getFloat32(at, true));
  for (let e = 0; e < nnz; e++) {
    const u = users[e]!;
    const i = items[e]!;
    if (!(u >= 0 && u < numUsers && i >= 0 && i < numItems))
      corrupt(`rating ${e} has user ${u} and item ${i}, outside the header's ${numUsers} users × ${numItems} items`);
  }
  return {
    users,
    items,
    values,
    timestamps: null,
    userMap: IdMap.dense(numUsers),
    itemMap: IdMap.dense(numItems),
    lines: 0,
    bytes: bytes.length,
    skipped: 0,
    badLines: [],
    header: null,
    source,
  };
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

type ColumnType<A> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): A; new (length: number): A };

/** A view where alignment and byte order allow one, else a copy read through a DataView. */
function column<A extends Int32Array | Float32Array>(
  bytes: Uint8Array,
  at: number,
  n: number,
  Type: ColumnType<A>,
  read: (view: DataView, byteOffset: number) => number,
): A {
  const offset = bytes.byteOffset + at;
  if (littleEndian && offset % 4 === 0) return new Type(bytes.buffer, offset, n);
  const view = new DataView(bytes.buffer, offset, 4 * n);
  const out = new Type(n);
  for (let e = 0; e < n; e++) out[e] = read(view, 4 * e);
  return out;
}

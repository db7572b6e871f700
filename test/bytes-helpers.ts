/**
 * Hand-built hostile inputs for the byte readers' tests (trust-bytes, fuzz-files): zip
 * archives whose directory says whatever the test wants, and deflate streams that expand
 * to any size from a few bytes, built without compressing anything (instant at any size).
 */
import { AlsError } from '../src/errors.js';
import { crc32 } from '../src/model/format.js';

export interface CraftedMember {
  name: string;
  /** The bytes stored in the archive (already deflated when method is 8). */
  data: Uint8Array;
  method: 0 | 8;
  /** Declared uncompressed size. */
  size: number;
  crc: number;
  /** Write the sizes as 0xffffffff with a zip64 extra field in the central directory. */
  zip64?: boolean;
}

/** A zip archive of exactly these members, their directory entries saying what they say. */
export function craftZip(members: CraftedMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = new TextEncoder().encode(m.name);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, m.method, true);
    lv.setUint16(12, 0x21, true); // 1980-01-01
    lv.setUint32(14, m.crc, true);
    lv.setUint32(18, m.data.length, true);
    lv.setUint32(22, Math.min(m.size, 0xffffffff), true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const extra = m.zip64 ? new Uint8Array(20) : new Uint8Array(0);
    if (m.zip64) {
      const ev = new DataView(extra.buffer);
      ev.setUint16(0, 1, true);
      ev.setUint16(2, 16, true);
      ev.setBigUint64(4, BigInt(m.size), true);
      ev.setBigUint64(12, BigInt(m.data.length), true);
    }
    const entry = new Uint8Array(46 + name.length + extra.length);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, m.zip64 ? 45 : 20, true);
    cv.setUint16(10, m.method, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, m.crc, true);
    cv.setUint32(20, m.zip64 ? 0xffffffff : m.data.length, true);
    cv.setUint32(24, m.zip64 ? 0xffffffff : m.size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, extra.length, true);
    cv.setUint32(42, offset, true);
    entry.set(name, 46);
    entry.set(extra, 46 + name.length);
    parts.push(local, m.data);
    central.push(entry);
    offset += local.length + m.data.length;
  }
  const centralSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  return concat([...parts, ...central, end]);
}

/** A stored member whose declared size and CRC are its own. */
export function storedMember(name: string, data: Uint8Array, zip64 = false): CraftedMember {
  return { name, data, method: 0, size: data.length, crc: crc32(data), zip64 };
}

/**
 * A raw deflate stream of `prefix` (a stored block) followed by `zeros` zero bytes (one
 * fixed-Huffman block of length-258 distance-1 copies: 13 bits per 258 bytes).
 */
export function deflateWithZeros(prefix: Uint8Array, zeros: number): Uint8Array {
  const w = new BitWriter(prefix.length + 64 + Math.ceil(((zeros / 258) * 13) / 8));
  for (let at = 0; at < prefix.length || at === 0; at += 65535) {
    const piece = prefix.subarray(at, at + 65535);
    const last = at + 65535 >= prefix.length && zeros === 0;
    w.bits(last ? 1 : 0, 1);
    w.bits(0, 2);
    w.align();
    w.bits(piece.length, 16);
    w.bits(~piece.length & 0xffff, 16);
    w.bytes(piece);
    if (at + 65535 >= prefix.length) break;
  }
  if (zeros === 0) return w.done();
  w.bits(1, 1);
  w.bits(1, 2); // fixed Huffman
  w.huff(0x30, 8); // literal 0
  let left = zeros - 1;
  const copy = () => (w.huff(0xc5, 8), w.huff(0, 5), (left -= 258)); // length 258 (symbol 285), distance 1
  while (left >= 258 && !w.aligned()) copy();
  // Aligned: 8 copies are exactly 13 bytes, repeated as bytes.
  if (left >= 258 * 8) {
    const start = w.at;
    for (let i = 0; i < 8; i++) copy();
    const pattern = w.buffer.slice(start, w.at);
    const repeats = Math.floor(left / (258 * 8));
    for (let r = 0; r < repeats; r++) w.bytes(pattern);
    left -= repeats * 258 * 8;
  }
  while (left >= 258) copy();
  for (; left > 0; left--) w.huff(0x30, 8);
  w.huff(0, 7); // end of block
  return w.done();
}

class BitWriter {
  buffer: Uint8Array;
  at = 0;
  private bit = 0;
  constructor(capacity: number) {
    this.buffer = new Uint8Array(capacity);
  }
  /** Value bits, least significant first (deflate's header and length fields). */
  bits(value: number, n: number): void {
    for (let i = 0; i < n; i++) this.put((value >>> i) & 1);
  }
  /** A Huffman code, most significant bit first. */
  huff(code: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.put((code >>> i) & 1);
  }
  aligned(): boolean {
    return this.bit === 0;
  }
  align(): void {
    if (this.bit) this.at++, (this.bit = 0);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buffer.set(b, this.at);
    this.at += b.length;
  }
  done(): Uint8Array {
    this.align();
    return this.buffer.slice(0, this.at);
  }
  private put(b: number): void {
    this.ensure(1);
    if (b) this.buffer[this.at]! |= 1 << this.bit;
    if (++this.bit === 8) this.at++, (this.bit = 0);
  }
  private ensure(n: number): void {
    if (this.at + n + 1 <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.at + n + 1));
    grown.set(this.buffer);
    this.buffer = grown;
  }
}

/** An .npy header (version 1.0, padded as numpy pads) for any dict text. */
export function npyHeader(dict: string): Uint8Array {
  let header = dict;
  const total = 10 + header.length + 1;
  header += `${' '.repeat((64 - (total % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i) & 0xff;
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

/** The bytes copied into a larger buffer at `offset`: a view whose byteOffset is odd and whose buffer holds other bytes. */
export function viewAt(bytes: Uint8Array, offset: number): Uint8Array {
  const big = new Uint8Array(bytes.length + offset + 13).fill(0xa5);
  big.set(bytes, offset);
  return big.subarray(offset, offset + bytes.length);
}

/** The code of the AlsError `f` throws, or 'accepted'; anything else thrown fails the test. */
export function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (!(e instanceof AlsError)) throw e;
    return e.code;
  }
  return 'accepted';
}

export async function asyncCodeOf(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (!(e instanceof AlsError)) throw e;
    return e.code;
  }
  return 'accepted';
}

/** The AlsError `f` throws (fails the test when it throws something else or nothing). */
export async function alsErrorOf(f: () => unknown): Promise<AlsError> {
  try {
    await f();
  } catch (e) {
    if (e instanceof AlsError) return e;
    throw e;
  }
  throw new Error('expected an AlsError');
}

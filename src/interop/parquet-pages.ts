/**
 * The pages of one parquet column chunk: their headers read and checked against the chunk's
 * bytes before any page is decoded, then each page decompressed and decoded with every size
 * checked first. This is where a damaged file is stopped:
 *
 * - a page's compressed size must fit in its chunk, and the chunk must hold exactly the
 *   values its metadata says (no more, no fewer, no trailing bytes);
 * - a page cannot claim more values than it has bits (plus a little), so nothing sized from a
 *   count in a header can outgrow the file by more than a constant factor;
 * - snappy output is allocated at the size the header declares only after checking it
 *   against the most snappy can expand (64 bytes per 3) and the block's own length prefix,
 *   and copies are checked against it;
 * - run-length/bit-packed runs never write past the values expected (the reader this
 *   replaces let a run of 2^28 grow a JS array until V8 aborted the process);
 * - a page checksum, when the writer stored one, is verified.
 *
 * Supported: data pages v1 and v2, one PLAIN dictionary page, PLAIN and dictionary-encoded
 * values, RLE levels; codecs UNCOMPRESSED and SNAPPY. Anything else is a ParquetError marked
 * unsupported.
 */
import { crc32 } from '../crc.js';
import { CODEC_NAMES, type ColumnChunk } from './parquet-footer.js';
import { intField, optionalInt, ParquetError, structField, ThriftReader } from './parquet-thrift.js';

const enum PageType {
  DATA_PAGE = 0,
  INDEX_PAGE = 1,
  DICTIONARY_PAGE = 2,
  DATA_PAGE_V2 = 3,
}

export const enum Encoding {
  PLAIN = 0,
  PLAIN_DICTIONARY = 2,
  RLE = 3,
  RLE_DICTIONARY = 8,
}

const enum Codec {
  UNCOMPRESSED = 0,
  SNAPPY = 1,
}

const ENCODING_NAMES = [
  'PLAIN',
  'GROUP_VAR_INT',
  'PLAIN_DICTIONARY',
  'RLE',
  'BIT_PACKED',
  'DELTA_BINARY_PACKED',
  'DELTA_LENGTH_BYTE_ARRAY',
  'DELTA_BYTE_ARRAY',
  'RLE_DICTIONARY',
  'BYTE_STREAM_SPLIT',
];
/** Snappy's densest element is a 3-byte copy of 64 bytes. */
const SNAPPY_MAX_RATIO = 22;

export interface Page {
  dictionary: boolean;
  /** Level entries (values and nulls) in a data page; values in a dictionary page. */
  numValues: number;
  encoding: number;
  /** The page's stored bytes (after its header) are [start, start + compressedSize) of the file. */
  start: number;
  compressedSize: number;
  uncompressedSize: number;
  /** v1 only: how levels are encoded (checked where levels exist: a REQUIRED column's may say anything). */
  levelEncodings?: { definition: number; repetition: number };
  /** v2 only: levels stored uncompressed before the values. */
  v2?: { repetitionBytes: number; definitionBytes: number; compressed: boolean };
}

/** The pages of a chunk, every header checked; the data pages hold exactly chunk.numValues entries. */
export function scanPages(file: Uint8Array, chunk: ColumnChunk): Page[] {
  const name = chunk.path.join('.');
  if (chunk.codec !== Codec.UNCOMPRESSED && chunk.codec !== Codec.SNAPPY) {
    throw new ParquetError(
      `${name} is compressed with ${CODEC_NAMES[chunk.codec] ?? `codec ${chunk.codec}`}; only snappy and uncompressed parts are read`,
      true,
    );
  }
  const pages: Page[] = [];
  let at = chunk.start;
  let values = 0;
  while (at < chunk.end) {
    const reader = new ThriftReader(file, at, chunk.end);
    const header = reader.readStruct();
    const type = intField(header, 1, `a page type of ${name}`);
    const uncompressedSize = intField(header, 2, `a page size of ${name}`);
    const compressedSize = intField(header, 3, `a page size of ${name}`);
    const start = reader.offset;
    if (compressedSize < 0 || compressedSize > chunk.end - start)
      throw new ParquetError(
        `a page of ${name} at byte ${at} claims ${compressedSize} bytes; its chunk has ${chunk.end - start} left`,
      );
    if (uncompressedSize < 0)
      throw new ParquetError(`a page of ${name} at byte ${at} claims ${uncompressedSize} bytes uncompressed`);
    const crc = optionalInt(header, 4, `a page checksum of ${name}`);
    if (crc !== undefined && crc32(file.subarray(start, start + compressedSize)) !== crc >>> 0) {
      throw new ParquetError(`the page of ${name} at byte ${at} fails its checksum`);
    }
    at = start + compressedSize;
    if (type === PageType.INDEX_PAGE) continue;
    let page: Page;
    if (type === PageType.DICTIONARY_PAGE) {
      if (pages.length) throw new ParquetError(`${name} has a dictionary page after its first page`);
      const h = structField(header, 7, 'a dictionary page header');
      if (!h) throw new ParquetError(`the dictionary page of ${name} has no header`);
      page = {
        dictionary: true,
        numValues: intField(h, 1, 'a dictionary size'),
        encoding: intField(h, 2, 'a dictionary encoding'),
        start,
        compressedSize,
        uncompressedSize,
      };
      if (page.encoding !== Encoding.PLAIN && page.encoding !== Encoding.PLAIN_DICTIONARY)
        unsupportedEncoding(name, page.encoding);
    } else if (type === PageType.DATA_PAGE || type === PageType.DATA_PAGE_V2) {
      const v1 = type === PageType.DATA_PAGE;
      const h = structField(header, v1 ? 5 : 8, 'a data page header');
      if (!h) throw new ParquetError(`a data page of ${name} has no header`);
      page = {
        dictionary: false,
        numValues: intField(h, 1, 'a page value count'),
        encoding: intField(h, v1 ? 2 : 4, 'a page encoding'),
        start,
        compressedSize,
        uncompressedSize,
      };
      if (v1) {
        page.levelEncodings = {
          definition: optionalInt(h, 3, 'the definition level encoding') ?? Encoding.RLE,
          repetition: optionalInt(h, 4, 'the repetition level encoding') ?? Encoding.RLE,
        };
      } else {
        const definitionBytes = intField(h, 5, 'the definition level length');
        const repetitionBytes = intField(h, 6, 'the repetition level length');
        const compressed = h.get(7) !== false;
        if (
          definitionBytes < 0 ||
          repetitionBytes < 0 ||
          definitionBytes + repetitionBytes > Math.min(compressedSize, uncompressedSize)
        ) {
          throw new ParquetError(
            `a page of ${name} at byte ${start} claims ${repetitionBytes} + ${definitionBytes} bytes of levels in ${compressedSize}`,
          );
        }
        page.v2 = { repetitionBytes, definitionBytes, compressed };
      }
      if (
        page.encoding !== Encoding.PLAIN &&
        page.encoding !== Encoding.PLAIN_DICTIONARY &&
        page.encoding !== Encoding.RLE_DICTIONARY
      )
        unsupportedEncoding(name, page.encoding);
      if (page.numValues > chunk.numValues - values)
        throw new ParquetError(`${name} holds more values than the ${chunk.numValues} its metadata says`);
      values += page.numValues;
    } else {
      throw new ParquetError(`${name} has a page of type ${type} at byte ${start}`);
    }
    checkSizes(page, chunk.codec, name);
    pages.push(page);
  }
  if (values !== chunk.numValues)
    throw new ParquetError(`${name}'s pages hold ${values} values; its metadata says ${chunk.numValues}`);
  return pages;
}

/** Levels (of a column that has them) are read in the RLE/bit-packed hybrid only. */
export function checkLevelEncoding(encoding: number, what: string): void {
  if (encoding !== Encoding.RLE)
    throw new ParquetError(
      `${what} levels are stored as ${ENCODING_NAMES[encoding] ?? `encoding ${encoding}`}; only RLE is read`,
      true,
    );
}

function unsupportedEncoding(name: string, encoding: number): never {
  throw new ParquetError(
    `${name} is encoded as ${ENCODING_NAMES[encoding] ?? `encoding ${encoding}`}; only PLAIN and dictionary encodings are read`,
    true,
  );
}

/** Sizes a page can really have: what is allocated from them stays within a constant factor of the file. */
function checkSizes(page: Page, codec: number, name: string): void {
  const levels = page.v2 ? page.v2.repetitionBytes + page.v2.definitionBytes : 0;
  const stored = page.compressedSize - levels;
  const plain = page.uncompressedSize - levels;
  const compressed = codec === Codec.SNAPPY && (!page.v2 || page.v2.compressed);
  if (plain < 0 || (compressed ? plain > SNAPPY_MAX_RATIO * stored + 32 : plain !== stored)) {
    throw new ParquetError(
      `a page of ${name} at byte ${page.start} claims ${page.uncompressedSize} bytes from ${page.compressedSize} stored`,
    );
  }
  // Every value takes at least a bit, and a dictionary value its 4 bytes or more.
  const most = page.dictionary ? Math.floor(page.uncompressedSize / 4) : 8 * page.uncompressedSize + 64;
  if (page.numValues < 0 || page.numValues > most)
    throw new ParquetError(
      `a page of ${name} at byte ${page.start} claims ${page.numValues} values in ${page.uncompressedSize} bytes`,
    );
}

/** A page's bytes as decoded: the levels (v2) and the values, decompressed. */
export interface PageBytes {
  /** v1: levels then values in `values`; v2: the levels here, uncompressed. */
  levels: Uint8Array | null;
  values: Uint8Array;
}

export function pageBytes(file: Uint8Array, page: Page, codec: number): PageBytes {
  const stored = file.subarray(page.start, page.start + page.compressedSize);
  if (!page.v2) return { levels: null, values: codec === Codec.SNAPPY ? snappy(stored, page.uncompressedSize) : stored };
  const levelBytes = page.v2.repetitionBytes + page.v2.definitionBytes;
  const values = stored.subarray(levelBytes);
  const plain = page.uncompressedSize - levelBytes;
  return {
    levels: stored.subarray(0, levelBytes),
    values: codec === Codec.SNAPPY && page.v2.compressed ? snappy(values, plain) : values,
  };
}

/** Snappy raw decompression into exactly `length` bytes (checked by the caller against the input's size). */
export function snappy(input: Uint8Array, length: number): Uint8Array {
  let pos = 0;
  let declared = 0;
  for (let scale = 1; ; scale *= 128) {
    if (pos >= input.length || scale > 2 ** 28) throw new ParquetError('a snappy block has no valid length');
    const b = input[pos++]!;
    declared += (b & 0x7f) * scale;
    if (!(b & 0x80)) break;
  }
  if (declared !== length) throw new ParquetError(`a snappy block holds ${declared} bytes; its page header says ${length}`);
  const out = new Uint8Array(length);
  let o = 0;
  while (pos < input.length) {
    const tag = input[pos++]!;
    if ((tag & 3) === 0) {
      let n = (tag >>> 2) + 1;
      if (n > 60) {
        const bytes = n - 60;
        if (bytes > input.length - pos) throw new ParquetError('a snappy literal runs past its block');
        n = 1;
        for (let i = 0; i < bytes; i++) n += input[pos + i]! * 2 ** (8 * i);
        pos += bytes;
      }
      if (n > input.length - pos || n > length - o) throw new ParquetError('a snappy literal runs past its block');
      out.set(input.subarray(pos, pos + n), o);
      pos += n;
      o += n;
    } else {
      let n: number;
      let offset: number;
      if ((tag & 3) === 1) {
        if (pos >= input.length) throw new ParquetError('a snappy copy runs past its block');
        n = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | input[pos++]!;
      } else if ((tag & 3) === 2) {
        if (pos + 2 > input.length) throw new ParquetError('a snappy copy runs past its block');
        n = (tag >>> 2) + 1;
        offset = input[pos]! | (input[pos + 1]! << 8);
        pos += 2;
      } else {
        if (pos + 4 > input.length) throw new ParquetError('a snappy copy runs past its block');
        n = (tag >>> 2) + 1;
        offset = (input[pos]! | (input[pos + 1]! << 8) | (input[pos + 2]! << 16)) + input[pos + 3]! * 2 ** 24;
        pos += 4;
      }
      if (offset === 0 || offset > o || n > length - o) throw new ParquetError('a snappy copy reaches outside its output');
      if (offset >= n) out.copyWithin(o, o - offset, o - offset + n);
      else for (let i = 0; i < n; i++) out[o + i] = out[o + i - offset]!;
      o += n;
    }
  }
  if (o !== length) throw new ParquetError(`a snappy block decodes to ${o} bytes, not ${length}`);
  return out;
}

/** The bit width of levels up to `max`. */
export function bitWidth(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

/**
 * Decodes `count` values of the RLE/bit-packed hybrid in bytes [pos, end) into `out`
 * (from index 0); returns the position after the runs read. Runs never write past `count`.
 */
export function decodeHybrid(
  b: Uint8Array,
  pos: number,
  end: number,
  width: number,
  out: Uint8Array | Uint32Array,
  count: number,
): number {
  if (width > 32) throw new ParquetError(`a bit width of ${width}`);
  if (end > b.length || pos > end) throw new ParquetError('levels or indices lie outside their page');
  const valueBytes = (width + 7) >>> 3;
  const limit = width === 32 ? 2 ** 32 : 2 ** width;
  let n = 0;
  while (n < count) {
    let header = 0;
    for (let scale = 1; ; scale *= 128) {
      if (pos >= end) throw new ParquetError(`levels or indices end after ${n} of ${count} values`);
      if (scale > 2 ** 28) throw new ParquetError('a run header is longer than 5 bytes');
      const x = b[pos++]!;
      header += (x & 0x7f) * scale;
      if (!(x & 0x80)) break;
    }
    const run = Math.floor(header / 2);
    if (header % 2) {
      // bit-packed: `run` groups of 8 values, `run × width` bytes
      if (run * width > end - pos) throw new ParquetError('a bit-packed run runs past its page');
      const take = Math.min(run * 8, count - n);
      if (width === 0) out.fill(0, n, n + take);
      else if (width <= 24) {
        let acc = 0;
        let bits = 0;
        let p = pos;
        const mask = (1 << width) - 1;
        for (let i = 0; i < take; i++) {
          while (bits < width) {
            acc |= b[p++]! << bits;
            bits += 8;
          }
          out[n + i] = acc & mask;
          acc >>>= width;
          bits -= width;
        }
      } else {
        for (let i = 0; i < take; i++) {
          let v = 0;
          for (let bit = 0; bit < width; bit++) {
            const at = (i * width + bit) >>> 0;
            if ((b[pos + Math.floor(at / 8)]! >>> (at % 8)) & 1) v += 2 ** bit;
          }
          out[n + i] = v;
        }
      }
      pos += run * width;
      n += take;
    } else {
      if (valueBytes > end - pos) throw new ParquetError('a run-length run runs past its page');
      let v = 0;
      for (let i = 0; i < valueBytes; i++) v += b[pos + i]! * 2 ** (8 * i);
      pos += valueBytes;
      if (v >= limit) throw new ParquetError(`a run repeats ${v}, wider than ${width} bits`);
      const take = Math.min(run, count - n);
      out.fill(v, n, n + take);
      n += take;
    }
  }
  return pos;
}

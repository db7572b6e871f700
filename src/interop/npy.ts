/**
 * numpy's .npy format (NEP 1, versions 1–3): a magic string, a Python-dict header giving
 * dtype, order and shape, then the raw values. Parsing is strict and bounded: the header is
 * read by a small literal parser (never evaluated), the declared size must equal the bytes
 * present, and object arrays — pickles — are refused without being read.
 *
 * Reading is lossless: values keep their dtype (float16 stays as its bit patterns in a
 * Uint16Array; big-endian becomes native; Fortran order becomes C order). `toFloat32`
 * converts any numeric array for use as factors.
 */
import { AlsError, ErrorCode, fail } from '../errors.js';
import { describe } from '../validate.js';

export type NpyData =
  | Float32Array
  | Float64Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

export interface NpyArray {
  /**
   * numpy dtype string, little-endian or byte-order-free (big-endian files are read as
   * little-endian): '<f4', '<f8', '<f2' (data are the raw half-float bits), '<i8', '|b1'
   * (data 0/1 bytes), '<U7' (data strings), '|S5', …
   */
  dtype: string;
  /** [] for a scalar. */
  shape: number[];
  /** The values in C (row-major) order. */
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy pads the header so the data starts on a 64-byte boundary. */
const ARRAY_ALIGN = 64;
/** numpy leaves room to grow the first axis in place (numpy ≥ 1.24); written the same. */
const GROWTH_AXIS_MAX_DIGITS = 21;

type Kind = 'f' | 'i' | 'u' | 'b' | 'U' | 'S';

interface Dtype {
  kind: Kind;
  size: number;
  bigEndian: boolean;
}

/** No header numpy writes comes near this; a longer one is refused before it is decoded. */
const MAX_HEADER_BYTES = 1 << 20;
/** numpy ≥ 2 allows 64 axes. */
const MAX_AXES = 64;

interface NpyHeader {
  dtype: Dtype;
  shape: number[];
  fortranOrder: boolean;
  /** Offset of the first data byte. */
  dataStart: number;
  /** Bytes of data the header declares (count × item size). */
  dataLength: number;
}

/** Parses one .npy file. `name` only labels errors. */
export function parseNpy(bytes: Uint8Array, name = 'the .npy data'): NpyArray {
  if (!(bytes instanceof Uint8Array))
    fail(ErrorCode.INVALID_OPTION, `${name}: expected a Uint8Array of the file's bytes (got ${describe(bytes)}).`);
  // A Node Buffer is often a view into a shared pool: read through a plain view of exactly its bytes.
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = readHeader(bytes, name);
  if (header === null) throw truncated(name);
  const { dtype, shape, dataStart, dataLength: declared } = header;
  const dataLength = bytes.length - dataStart;
  // Compare before allocating anything: a hostile header cannot make us allocate more than the file holds.
  if (declared > dataLength) throw truncated(name);
  if (declared < dataLength) throw corruptNpy(name, `it has ${dataLength - declared} bytes after the data its header declares`);
  let data = decode(bytes.subarray(dataStart), dtype, declared / dtype.size, name);
  if (header.fortranOrder && shape.length > 1) data = toCOrder(data, shape);
  // The data are native (little-endian) now, so the dtype says so.
  return { dtype: normalizedDtype({ ...dtype, bigEndian: false }), shape, data };
}

/**
 * The length of a whole .npy file (header and data) as its header declares it, read from its
 * first bytes; `{ needed }` when `prefix` is too short to hold the header; length null for an
 * object array (a pickle, whose length no header gives: parseNpy refuses it). Lets a zip
 * reader check a member's declared size against its header before inflating the member.
 */
export function npyFileLength(prefix: Uint8Array, name = 'the .npy data'): { length: number | null } | { needed: number } {
  let header: NpyHeader | null;
  try {
    header = readHeader(prefix, name);
  } catch (e) {
    if (e instanceof AlsError && e.code === ErrorCode.PICKLED_DATA) return { length: null };
    throw e;
  }
  if (header === null) return { needed: headerEnd(prefix) ?? 12 };
  return { length: header.dataStart + header.dataLength };
}

/** Where the header of an .npy ends, from its first 12 bytes; null when fewer are present. Checks the magic and version. */
function headerEnd(bytes: Uint8Array, name = 'the .npy data'): number | null {
  if (bytes.length < 10) {
    if (!MAGIC.every((m, i) => i >= bytes.length || bytes[i] === m))
      throw corruptNpy(name, 'it does not start with the .npy magic');
    return null;
  }
  if (!MAGIC.every((m, i) => bytes[i] === m)) throw corruptNpy(name, 'it does not start with the .npy magic');
  const major = bytes[6]!;
  if (major < 1 || major > 3)
    throw new AlsError(
      ErrorCode.UNSUPPORTED_VERSION,
      `${name} is .npy format version ${major}.${bytes[7]}; this build reads versions 1 to 3.`,
    );
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES)
    throw corruptNpy(name, `its header claims ${headerLength} bytes (numpy writes a few hundred)`);
  return 8 + lengthBytes + headerLength;
}

/** The header, checked; null when `bytes` stop before its end. */
function readHeader(bytes: Uint8Array, name: string): NpyHeader | null {
  const dataStart = headerEnd(bytes, name);
  if (dataStart === null || dataStart > bytes.length) return null;
  const lengthBytes = bytes[6] === 1 ? 2 : 4;
  const headerBytes = bytes.subarray(8 + lengthBytes, dataStart);
  let headerText: string;
  try {
    headerText = bytes[6] === 3 ? new TextDecoder('utf-8', { fatal: true }).decode(headerBytes) : latin1(headerBytes);
  } catch {
    throw corruptNpy(name, 'its header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = parsePythonLiteral(headerText);
  } catch (e) {
    throw corruptNpy(name, `its header is not a Python literal (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw corruptNpy(name, 'its header is not a dict');
  const { descr, fortran_order: fortranOrder, shape } = header as { descr?: unknown; fortran_order?: unknown; shape?: unknown };
  if (typeof fortranOrder !== 'boolean') throw corruptNpy(name, "its header has no 'fortran_order'");
  if (
    !Array.isArray(shape) ||
    shape.length > MAX_AXES ||
    !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
  ) {
    throw corruptNpy(name, "its header has no valid 'shape'");
  }
  if (typeof descr !== 'string') {
    throw new AlsError(
      ErrorCode.UNSUPPORTED_FORMAT,
      `${name} holds a structured dtype (${JSON.stringify(descr)}).`,
      'Only plain numeric, boolean and string arrays are read.',
    );
  }
  const dtype = parseDtype(descr, name);
  // The product stays exact (or is refused) even for hostile shapes: a zero axis makes it 0,
  // and a product past 2^53 could never fit in a file anyway.
  let count = 1;
  if (!shape.includes(0)) {
    for (const d of shape as number[]) {
      count *= d;
      if (count * dtype.size > Number.MAX_SAFE_INTEGER)
        throw corruptNpy(name, `its shape (${shape.join(', ')}) is larger than any file`);
    }
  } else count = 0;
  return { dtype, shape: shape as number[], fortranOrder, dataStart, dataLength: count * dtype.size };
}

function corruptNpy(name: string, why: string): AlsError {
  return new AlsError(ErrorCode.CORRUPT_MODEL, `${name} is not a valid .npy array: ${why}.`, 'Save it again with numpy.save.');
}

/** Writes an array as numpy.save would, byte for byte (version 1.0 header unless it is too long). */
export function writeNpy(array: NpyArray): Uint8Array {
  const dtype = parseDtype(array.dtype, 'the array');
  if (dtype.bigEndian)
    throw new AlsError(ErrorCode.INVALID_OPTION, `writeNpy writes little-endian dtypes only (got '${array.dtype}').`);
  const count = array.shape.reduce((a, d) => a * d, 1);
  if (array.data.length !== count)
    throw new AlsError(
      ErrorCode.LENGTH_MISMATCH,
      `Shape (${array.shape.join(', ')}) holds ${count} values; data has ${array.data.length}.`,
    );
  const shapeRepr = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${normalizedDtype(dtype)}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (array.shape.length > 0) header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(array.shape[0]).length));
  let lengthBytes = 2;
  let padding = ARRAY_ALIGN - ((8 + lengthBytes + header.length + 1) % ARRAY_ALIGN);
  if (header.length + 1 + padding > 0xffff) {
    lengthBytes = 4;
    padding = ARRAY_ALIGN - ((8 + lengthBytes + header.length + 1) % ARRAY_ALIGN);
  }
  header += `${' '.repeat(padding)}\n`;
  const body = encode(array.data, dtype, count);
  const out = new Uint8Array(8 + lengthBytes + header.length + body.length);
  out.set(MAGIC);
  out[6] = lengthBytes === 2 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (lengthBytes === 2) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[8 + lengthBytes + i] = header.charCodeAt(i);
  out.set(body, 8 + lengthBytes + header.length);
  return out;
}

/** Any numeric array as float32 (float16 decoded exactly, float64 rounded to nearest, integers converted). */
export function toFloat32(array: NpyArray, name = 'the array'): Float32Array {
  const { data } = array;
  if (array.dtype.endsWith('f2')) return halfToFloat32(data as Uint16Array);
  if (Array.isArray(data))
    throw new AlsError(ErrorCode.UNSUPPORTED_FORMAT, `${name} is a string array (${array.dtype}), not numbers.`);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float32Array.from(data, (v) => Number(v));
  return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
}

/** A scalar (0-d or one-element) array as a JS value: number, boolean, string or bigint beyond 2^53. */
export function scalarOf(array: NpyArray): number | boolean | string | bigint {
  if (array.data.length !== 1)
    throw new AlsError(ErrorCode.INVALID_OPTION, `Expected a scalar; the array has ${array.data.length} values.`);
  const v = array.data[0]!;
  if (array.dtype === '|b1') return v !== 0;
  if (array.dtype.endsWith('f2')) return halfToFloat32(array.data as Uint16Array)[0]!;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  return v;
}

/** IEEE half → single, exact (subnormals, ±0, ±∞ and NaN included). */
export function halfToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) out[i] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) out[i] = mantissa ? NaN : sign * Infinity;
    else out[i] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return out;
}

function truncated(name: string): AlsError {
  return new AlsError(
    ErrorCode.TRUNCATED_MODEL,
    `${name} is cut off: it is shorter than its .npy header says.`,
    'Copy or download the file again.',
  );
}

function parseDtype(descr: string, name: string): Dtype {
  if (/^[|<>=]?O\d*$/.test(descr)) {
    throw new AlsError(
      ErrorCode.PICKLED_DATA,
      `${name} is a numpy object array (dtype '${descr}'), which is stored as a Python pickle.`,
      'Pickles can run code, so they are never loaded; save plain numeric arrays (e.g. arr.astype(np.float32)).',
    );
  }
  const m = /^([|<>=])?([fiubUS])(\d+)$/.exec(descr);
  if (!m)
    throw new AlsError(
      ErrorCode.UNSUPPORTED_FORMAT,
      `${name} has dtype '${descr}', which this build does not read.`,
      'Use float16/32/64, integer, boolean or string arrays.',
    );
  const kind = m[2] as Kind;
  const n = Number(m[3]);
  const size = kind === 'U' ? 4 * n : n;
  const valid =
    kind === 'f'
      ? [2, 4, 8].includes(n)
      : kind === 'i' || kind === 'u'
        ? [1, 2, 4, 8].includes(n)
        : kind === 'b'
          ? n === 1
          : n >= 1 && n <= 1 << 20;
  if (!valid) throw new AlsError(ErrorCode.UNSUPPORTED_FORMAT, `${name} has dtype '${descr}', which this build does not read.`);
  return { kind, size, bigEndian: m[1] === '>' && size > 1 && kind !== 'S' };
}

function normalizedDtype(d: Dtype): string {
  const order =
    d.kind === 'b' || d.kind === 'S' || (d.size === 1 && (d.kind === 'i' || d.kind === 'u')) ? '|' : d.bigEndian ? '>' : '<';
  return `${order}${d.kind}${d.kind === 'U' ? d.size / 4 : d.size}`;
}

function decode(raw: Uint8Array, d: Dtype, count: number, name: string): NpyData {
  if (d.kind === 'U' || d.kind === 'S') {
    const width = d.kind === 'U' ? d.size / 4 : d.size;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: string[] = [];
    for (let e = 0; e < count; e++) {
      let s = '';
      for (let c = 0; c < width; c++) {
        const code = d.kind === 'U' ? view.getUint32((e * width + c) * 4, !d.bigEndian) : raw[e * width + c]!;
        if (code === 0) break; // numpy pads with NULs
        if (code > 0x10ffff) throw corruptNpy(name, `a string holds the invalid code point ${code}`);
        s += String.fromCodePoint(code);
      }
      out.push(s);
    }
    return out;
  }
  // Copy into a fresh, aligned buffer of exactly the data (never raw.slice(): on a Node
  // Buffer that is a view into the shared pool); swap bytes for big-endian.
  const bytes = new Uint8Array(count * d.size);
  bytes.set(raw.subarray(0, count * d.size));
  if (d.bigEndian) for (let e = 0; e < count; e++) bytes.subarray(e * d.size, (e + 1) * d.size).reverse();
  const { buffer } = bytes;
  switch (`${d.kind}${d.size}`) {
    case 'f2':
      return new Uint16Array(buffer);
    case 'f4':
      return new Float32Array(buffer);
    case 'f8':
      return new Float64Array(buffer);
    case 'i1':
      return new Int8Array(buffer);
    case 'i2':
      return new Int16Array(buffer);
    case 'i4':
      return new Int32Array(buffer);
    case 'i8':
      return new BigInt64Array(buffer);
    case 'u2':
      return new Uint16Array(buffer);
    case 'u4':
      return new Uint32Array(buffer);
    case 'u8':
      return new BigUint64Array(buffer);
    default:
      return bytes; // u1, b1
  }
}

function encode(data: NpyData, d: Dtype, count: number): Uint8Array {
  if (d.kind === 'U' || d.kind === 'S') {
    const width = d.kind === 'U' ? d.size / 4 : d.size;
    const out = new Uint8Array(count * d.size);
    const view = new DataView(out.buffer);
    (data as string[]).forEach((s, e) => {
      const codes = Array.from(s, (c) => c.codePointAt(0)!);
      if (codes.length > width) throw new AlsError(ErrorCode.INVALID_OPTION, `'${s}' does not fit dtype ${d.kind}${width}.`);
      codes.forEach((code, c) => {
        if (d.kind === 'U') view.setUint32((e * width + c) * 4, code, true);
        else if (code > 0xff) throw new AlsError(ErrorCode.INVALID_OPTION, `'${s}' is not a byte string.`);
        else out[e * width + c] = code;
      });
    });
    return out;
  }
  const typed = data as Exclude<NpyData, string[]>;
  if (typed.BYTES_PER_ELEMENT !== d.size && !(d.kind === 'b' && typed.BYTES_PER_ELEMENT === 1)) {
    throw new AlsError(ErrorCode.INVALID_OPTION, `dtype ${d.kind}${d.size} does not match a ${typed.constructor.name}.`);
  }
  return new Uint8Array(typed.buffer, typed.byteOffset, count * d.size).slice();
}

function toCOrder(data: NpyData, shape: number[]): NpyData {
  // Fortran order: the first axis varies fastest. Walk C order and compute the Fortran offset.
  const n = data.length;
  const out = Array.isArray(data)
    ? new Array<string>(n)
    : new (data.constructor as new (n: number) => Exclude<NpyData, string[]>)(n);
  const strides: number[] = [];
  let s = 1;
  for (const d of shape) strides.push(s), (s *= d);
  const index = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < n; c++) {
    let f = 0;
    for (let a = 0; a < shape.length; a++) f += index[a]! * strides[a]!;
    (out as unknown as unknown[])[c] = (data as unknown as unknown[])[f];
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++index[a]! < shape[a]!) break;
      index[a] = 0;
    }
  }
  return out as NpyData;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/**
 * The subset of Python literals .npy headers use: dicts, tuples, lists, strings, ints,
 * True/False/None. Anything else is an error, never code.
 */
function parsePythonLiteral(text: string): unknown {
  let i = 0;
  const space = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const expect = (c: string) => {
    space();
    if (text[i] !== c) throw new Error(`expected '${c}' at ${i}`);
    i++;
  };
  const value = (depth: number): unknown => {
    if (depth > 16) throw new Error('nested too deeply');
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      for (;;) {
        space();
        if (text[i] === '}') return (i++, out);
        const key = value(depth + 1);
        if (typeof key !== 'string') throw new Error('a dict key is not a string');
        expect(':');
        out[key] = value(depth + 1);
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') throw new Error(`expected ',' or '}' at ${i}`);
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const out: unknown[] = [];
      for (;;) {
        space();
        if (text[i] === close) return (i++, out);
        out.push(value(depth + 1));
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== close) throw new Error(`expected ',' or '${close}' at ${i}`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error('unterminated string');
      const s = text.slice(i + 1, end);
      if (s.includes('\\')) throw new Error('escapes in strings are not supported');
      i = end + 1;
      return s;
    }
    const word = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 32));
    if (!word) throw new Error(`unexpected '${c ?? 'end'}' at ${i}`);
    i += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0].replace('L', ''));
  };
  const result = value(0);
  space();
  if (i !== text.length) throw new Error(`unexpected text after the header at ${i}`);
  return result;
}

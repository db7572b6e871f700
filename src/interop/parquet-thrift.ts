/**
 * A bounded reader of Thrift's compact protocol, the encoding of parquet's footer and page
 * headers. Every length and count it reads is checked against the bytes that remain before
 * anything is allocated or looped over, nesting is capped, and integers are exact JS numbers
 * (beyond 2^53 is an error, not a rounded size): a damaged or hostile file ends in a
 * ParquetError, never in a huge allocation, a long loop or a stack overflow.
 *
 * Only what parquet uses is read: structs, lists, binaries, integers, doubles, booleans.
 * A struct is a map from field id to value; the callers pick the fields they know.
 */

/** Something in a parquet file is not as the format says; `unsupported` when it is valid but not read here. */
export class ParquetError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
    this.name = 'ParquetError';
  }
}

export type ThriftValue = number | boolean | Uint8Array | ThriftValue[] | ThriftStruct;
export type ThriftStruct = Map<number, ThriftValue>;

/** Deeper than any parquet structure (FileMetaData → RowGroup → ColumnChunk → ColumnMetaData → Statistics …). */
const MAX_DEPTH = 16;

const enum Type {
  STOP = 0,
  TRUE = 1,
  FALSE = 2,
  BYTE = 3,
  I16 = 4,
  I32 = 5,
  I64 = 6,
  DOUBLE = 7,
  BINARY = 8,
  LIST = 9,
  SET = 10,
  MAP = 11,
  STRUCT = 12,
}

export class ThriftReader {
  offset: number;

  /** Reads `bytes[start, end)`. */
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    if (!(start >= 0 && start <= end && end <= bytes.length))
      throw new ParquetError(`a thrift structure at ${start}–${end} lies outside the ${bytes.length} bytes`);
    this.offset = start;
  }

  /** One struct (up to and including its STOP byte). */
  readStruct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) throw new ParquetError(`thrift structures nest deeper than ${MAX_DEPTH}`);
    const fields: ThriftStruct = new Map();
    let id = 0;
    for (;;) {
      const byte = this.byte();
      const type = byte & 0x0f;
      if (type === Type.STOP) return fields;
      const delta = byte >> 4;
      id = delta ? id + delta : this.zigzag32();
      fields.set(id, this.value(type, depth));
    }
  }

  private value(type: number, depth: number): ThriftValue {
    switch (type) {
      case Type.TRUE:
        return true;
      case Type.FALSE:
        return false;
      case Type.BYTE:
        return (this.byte() << 24) >> 24;
      case Type.I16:
      case Type.I32:
        return this.zigzag32();
      case Type.I64:
        return this.zigzag64();
      case Type.DOUBLE: {
        this.need(8);
        const value = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.offset, 8).getFloat64(0, true);
        this.offset += 8;
        return value;
      }
      case Type.BINARY: {
        const length = this.varint();
        this.need(length);
        const value = this.bytes.subarray(this.offset, this.offset + length);
        this.offset += length;
        return value;
      }
      case Type.LIST:
      case Type.SET: {
        const header = this.byte();
        const elementType = header & 0x0f;
        const size = header >> 4 === 15 ? this.varint() : header >> 4;
        // Every element takes at least one byte (booleans in a list are a byte each).
        this.need(size);
        const list: ThriftValue[] = new Array(size);
        for (let i = 0; i < size; i++) {
          list[i] =
            elementType === Type.TRUE || elementType === Type.FALSE ? this.byte() === 1 : this.value(elementType, depth + 1);
        }
        return list;
      }
      case Type.STRUCT:
        return this.readStruct(depth + 1);
      default:
        throw new ParquetError(`thrift type ${type} at byte ${this.offset} is not one parquet uses`);
    }
  }

  private need(n: number): void {
    if (n > this.end - this.offset)
      throw new ParquetError(`a thrift field at byte ${this.offset} needs ${n} bytes; ${this.end - this.offset} remain`);
  }

  private byte(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }

  /** An unsigned LEB128 of at most 2^53 − 1. */
  private varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.byte();
      result += (byte & 0x7f) * scale;
      if (!(byte & 0x80)) {
        if (!Number.isSafeInteger(result)) break;
        return result;
      }
      scale *= 128;
    }
    throw new ParquetError(`a thrift integer before byte ${this.offset} is longer than 2^53`);
  }

  private zigzag32(): number {
    const z = this.varint();
    if (z > 0xffffffff) throw new ParquetError(`a thrift i32 before byte ${this.offset} is out of range`);
    return z % 2 ? -(z + 1) / 2 : z / 2;
  }

  private zigzag64(): number {
    const z = this.varint();
    return z % 2 ? -(z + 1) / 2 : z / 2;
  }
}

/** Field `id` of a struct, an integer; `what` names it in errors. */
export function intField(s: ThriftStruct, id: number, what: string): number {
  const v = optionalInt(s, id, what);
  if (v === undefined) throw new ParquetError(`${what} is missing`);
  return v;
}

export function optionalInt(s: ThriftStruct, id: number, what: string): number | undefined {
  const v = s.get(id);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ParquetError(`${what} is not an integer`);
  return v;
}

export function structField(s: ThriftStruct, id: number, what: string): ThriftStruct | undefined {
  const v = s.get(id);
  if (v === undefined) return undefined;
  if (!(v instanceof Map)) throw new ParquetError(`${what} is not a struct`);
  return v;
}

export function listField(s: ThriftStruct, id: number, what: string): ThriftValue[] {
  const v = s.get(id);
  if (!Array.isArray(v)) throw new ParquetError(`${what} is ${v === undefined ? 'missing' : 'not a list'}`);
  return v;
}

export function stringField(s: ThriftStruct, id: number, what: string): string | undefined {
  const v = s.get(id);
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array)) throw new ParquetError(`${what} is not a string`);
  return new TextDecoder().decode(v);
}

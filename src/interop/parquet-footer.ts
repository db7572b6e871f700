/**
 * A parquet file's footer (FileMetaData), read with the bounded Thrift reader and checked
 * against the file before anything trusts it: both magic numbers, the footer length, the
 * schema tree (every num_children within the elements that exist), row counts that add up,
 * and every column chunk's byte range inside the data region. What comes out can be used to
 * size and loop without further checks of the footer itself; page headers are checked where
 * they are read (parquet-pages.ts).
 *
 * Only what a reader of plain columns needs is kept: no statistics, indexes or encryption.
 */
import {
  intField,
  optionalInt,
  listField,
  ParquetError,
  stringField,
  structField,
  ThriftReader,
  type ThriftStruct,
} from './parquet-thrift.js';

export const enum Repetition {
  REQUIRED = 0,
  OPTIONAL = 1,
  REPEATED = 2,
}

/** Parquet physical types, by their Thrift numbers. */
export const PhysicalType = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  INT96: 3,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
} as const;
export const CODEC_NAMES = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW'];
export const TYPE_NAMES = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'];

export interface SchemaNode {
  name: string;
  /** Physical type of a leaf; undefined for a group. */
  type: number | undefined;
  repetition: Repetition;
  children: SchemaNode[];
}

export interface ColumnChunk {
  /** Names from below the root to the leaf. */
  path: string[];
  type: number;
  codec: number;
  /** Values (level entries, nulls included) in the chunk. */
  numValues: number;
  /** The chunk's pages lie in bytes [start, end) of the file. */
  start: number;
  end: number;
}

export interface RowGroup {
  numRows: number;
  columns: ColumnChunk[];
}

export interface ParquetFooter {
  root: SchemaNode;
  numRows: number;
  rowGroups: RowGroup[];
}

const MAGIC = 0x31524150; // "PAR1", little-endian
/** Groups nest less deeply than this in any table a model is stored in. */
const MAX_SCHEMA_DEPTH = 16;

export function readFooter(file: Uint8Array): ParquetFooter {
  if (file.length < 12) throw new ParquetError(`the file is ${file.length} bytes, too short for parquet`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new ParquetError('it does not start with PAR1');
  if (view.getUint32(file.length - 4, true) !== MAGIC) throw new ParquetError('it does not end with PAR1 (cut short?)');
  const footerLength = view.getUint32(file.length - 8, true);
  if (footerLength > file.length - 12)
    throw new ParquetError(`its footer claims ${footerLength} bytes; the file has ${file.length - 12} after the magic numbers`);
  const footerStart = file.length - 8 - footerLength;
  const reader = new ThriftReader(file, footerStart, file.length - 8);
  const metadata = reader.readStruct();
  if (reader.offset !== file.length - 8)
    throw new ParquetError(`its footer ends at byte ${reader.offset}, not at ${file.length - 8} as its length says`);

  const root = schemaTree(listField(metadata, 2, 'the schema'));
  const numRows = intField(metadata, 3, 'num_rows');
  if (numRows < 0) throw new ParquetError(`num_rows is ${numRows}`);
  const rowGroups = listField(metadata, 4, 'the row groups').map((group, g) =>
    rowGroup(asStruct(group, `row group ${g}`), g, footerStart),
  );
  const sum = rowGroups.reduce((n, g) => n + g.numRows, 0);
  if (sum !== numRows) throw new ParquetError(`its row groups hold ${sum} rows; the footer says ${numRows}`);
  return { root, numRows, rowGroups };
}

/** The schema's flat depth-first list as a tree; every count checked against the elements present. */
function schemaTree(elements: unknown[]): SchemaNode {
  let next = 0;
  const node = (depth: number): SchemaNode => {
    if (depth > MAX_SCHEMA_DEPTH) throw new ParquetError(`the schema nests deeper than ${MAX_SCHEMA_DEPTH}`);
    if (next >= elements.length) throw new ParquetError('the schema has fewer elements than its groups claim');
    const at = next++;
    const e = asStruct(elements[at], `schema element ${at}`);
    const name = stringField(e, 4, `the name of schema element ${at}`);
    if (name === undefined) throw new ParquetError(`schema element ${at} has no name`);
    const type = optionalInt(e, 1, `the type of ${name}`);
    const repetition = optionalInt(e, 3, `the repetition of ${name}`) ?? (at === 0 ? Repetition.REQUIRED : undefined);
    if (repetition === undefined || repetition < 0 || repetition > 2) throw new ParquetError(`${name} has no valid repetition`);
    const count = optionalInt(e, 5, `num_children of ${name}`) ?? 0;
    if (count < 0 || count > elements.length - next)
      throw new ParquetError(`${name} claims ${count} children; ${elements.length - next} elements follow`);
    if (type !== undefined && (type < 0 || type >= TYPE_NAMES.length)) throw new ParquetError(`${name} has type ${type}`);
    if ((type === undefined) === (count === 0) && at !== 0)
      throw new ParquetError(`${name} is ${count ? 'a group with a type' : 'a leaf without a type'}`);
    const children: SchemaNode[] = [];
    for (let c = 0; c < count; c++) children.push(node(depth + 1));
    return { name, type, repetition, children };
  };
  const root = node(0);
  if (next !== elements.length) throw new ParquetError(`the schema has ${elements.length - next} elements outside its root`);
  return root;
}

function rowGroup(s: ThriftStruct, g: number, dataEnd: number): RowGroup {
  const numRows = intField(s, 3, `num_rows of row group ${g}`);
  if (numRows < 0) throw new ParquetError(`row group ${g} has ${numRows} rows`);
  const columns = listField(s, 1, `the columns of row group ${g}`).map((c, i) => {
    const chunk = asStruct(c, `column ${i} of row group ${g}`);
    if (chunk.has(1)) throw new ParquetError('its columns are stored in other files', true);
    const meta = structField(chunk, 3, `column ${i} of row group ${g}`);
    if (!meta) throw new ParquetError(`column ${i} of row group ${g} has no metadata`);
    return columnChunk(meta, `column ${i} of row group ${g}`, dataEnd);
  });
  return { numRows, columns };
}

function columnChunk(m: ThriftStruct, what: string, dataEnd: number): ColumnChunk {
  const path = listField(m, 3, `the path of ${what}`).map((p) => {
    if (!(p instanceof Uint8Array)) throw new ParquetError(`the path of ${what} is not a list of names`);
    return new TextDecoder().decode(p);
  });
  const name = path.join('.');
  const type = intField(m, 1, `the type of ${name}`);
  const codec = intField(m, 4, `the codec of ${name}`);
  const numValues = intField(m, 5, `num_values of ${name}`);
  const size = intField(m, 7, `total_compressed_size of ${name}`);
  const dataPage = intField(m, 9, `data_page_offset of ${name}`);
  const dictionaryPage = optionalInt(m, 11, `dictionary_page_offset of ${name}`);
  // Some writers store 0 for "no dictionary page".
  const start = dictionaryPage !== undefined && dictionaryPage > 0 ? Math.min(dictionaryPage, dataPage) : dataPage;
  if (numValues < 0) throw new ParquetError(`${name} claims ${numValues} values`);
  if (start < 4 || size < 0 || start + size > dataEnd)
    throw new ParquetError(`${name}'s pages (bytes ${start}–${start + size}) lie outside the data (bytes 4–${dataEnd})`);
  return { path, type, codec, numValues, start, end: start + size };
}

function asStruct(v: unknown, what: string): ThriftStruct {
  if (!(v instanceof Map)) throw new ParquetError(`${what} is not a struct`);
  return v as ThriftStruct;
}

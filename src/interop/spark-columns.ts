/**
 * A Spark factor part (rows of `id: int, features: array<float>`) read straight into an
 * Int32Array of ids and a row-major Float32Array of factors, with the bounded parquet reader
 * of parquet-footer.ts / parquet-pages.ts: no JS array per row, and nothing read from the
 * file is trusted before it is checked against the bytes present.
 *
 * The `features` column may be stored as Spark writes it (3-level list: features.list.element)
 * or in the legacy 2-level form; what matters is the one repeated node on the way to the FLOAT
 * leaf. Every row must hold exactly `rank` values: a null, empty, short, long or null-element
 * row is refused naming its id.
 *
 * Errors: a damaged file is CORRUPT_MODEL; a valid parquet file in a variant not read here
 * (a codec other than snappy, DELTA encodings, INT64 ids, double factors) UNSUPPORTED_FORMAT.
 */
import { AlsError, ErrorCode } from '../errors.js';
import {
  PhysicalType,
  readFooter,
  Repetition,
  TYPE_NAMES,
  type ColumnChunk,
  type ParquetFooter,
  type SchemaNode,
} from './parquet-footer.js';
import { bitWidth, checkLevelEncoding, decodeHybrid, Encoding, pageBytes, scanPages, type Page } from './parquet-pages.js';
import { ParquetError } from './parquet-thrift.js';

export interface FactorTable {
  ids: Int32Array;
  factors: Float32Array;
}

/** How a leaf column's levels are read: its path and the levels that mean "value present" / "row has a list". */
interface Leaf {
  path: string[];
  type: number;
  maxDefinition: number;
  maxRepetition: number;
  /** Definition level from which the list exists (features) — below it the row is null or empty. */
  listDefinition: number;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * The part's ids and factors. `label` names the part in errors; `side` is 'userFactors' or
 * 'itemFactors'.
 */
export function readFactorTable(file: Uint8Array, rank: number, label: string, side: string): FactorTable {
  try {
    return readTable(file, rank, label, side);
  } catch (cause) {
    if (cause instanceof AlsError) throw cause;
    const unsupported = cause instanceof ParquetError && cause.unsupported;
    throw new AlsError(
      unsupported ? ErrorCode.UNSUPPORTED_FORMAT : ErrorCode.CORRUPT_MODEL,
      `${label} cannot be read as a factor table: ${(cause as Error).message}.`,
      unsupported
        ? 'Save the model from Spark with its defaults (snappy parquet, writer version 1).'
        : 'Copy the model directory again.',
      { cause },
    );
  }
}

function readTable(file: Uint8Array, rank: number, label: string, side: string): FactorTable {
  const footer = readFooter(file);
  const id = idLeaf(footer.root);
  const features = featuresLeaf(footer.root);
  const idChunks = footer.rowGroups.map((g) => chunkOf(g.columns, id, g.numRows));
  const featureChunks = footer.rowGroups.map((g) => chunkOf(g.columns, features, undefined));
  // Every page header is checked before anything is sized from the footer's counts.
  const idPages = idChunks.map((c) => scanPages(file, c));
  const featurePages = featureChunks.map((c) => scanPages(file, c));
  const rows = footer.numRows;
  const entries = featureChunks.reduce((n, c) => n + c.numValues, 0);
  const ids = new Int32Array(rows); // rows = Σ id values, each page's count bounded by its bytes
  readIds(file, footer, idChunks, idPages, id, ids);
  // A table of full vectors has exactly rows × rank entries; otherwise the rows are only
  // walked (no factors allocated) to say which one is wrong.
  const factors = entries === rows * rank ? new Float32Array(rows * rank) : null;
  readFeatures(file, footer, featureChunks, featurePages, features, ids, rank, factors, `${label}: ${side}`);
  if (!factors) throw new ParquetError(`its features column holds ${entries} entries for ${rows} rows of rank ${rank}`);
  return { ids, factors };
}

function idLeaf(root: SchemaNode): Leaf {
  const node = root.children.find((c) => c.name === 'id');
  if (!node) throw new ParquetError(`it has no id column (its columns are ${root.children.map((c) => c.name).join(', ')})`);
  if (node.type === undefined) throw new ParquetError('its id column is a group');
  if (node.type !== PhysicalType.INT32)
    throw new ParquetError(`its ids are ${TYPE_NAMES[node.type]}, not INT32 as Spark writes them`, true);
  if (node.repetition === Repetition.REPEATED) throw new ParquetError('its id column is repeated');
  const maxDefinition = node.repetition === Repetition.OPTIONAL ? 1 : 0;
  return { path: ['id'], type: node.type, maxDefinition, maxRepetition: 0, listDefinition: 0 };
}

function featuresLeaf(root: SchemaNode): Leaf {
  let node = root.children.find((c) => c.name === 'features');
  if (!node) throw new ParquetError(`it has no features column (its columns are ${root.children.map((c) => c.name).join(', ')})`);
  const path: string[] = [];
  let definition = 0;
  let repetition = 0;
  let listDefinition = -1;
  for (;;) {
    path.push(node.name);
    if (node.repetition !== Repetition.REQUIRED) definition++;
    if (node.repetition === Repetition.REPEATED) {
      repetition++;
      listDefinition = definition;
    }
    if (node.type !== undefined) break;
    if (node.children.length !== 1)
      throw new ParquetError(`its features column is not a list (${path.join('.')} has ${node.children.length} children)`);
    node = node.children[0]!;
  }
  if (repetition !== 1) throw new ParquetError(`its features column is ${repetition ? 'a nested list' : 'not a list'}`);
  if (node.type !== PhysicalType.FLOAT)
    throw new ParquetError(`its factors are ${TYPE_NAMES[node.type!]}, not FLOAT as Spark writes them`, true);
  return { path, type: node.type, maxDefinition: definition, maxRepetition: repetition, listDefinition };
}

function chunkOf(columns: ColumnChunk[], leaf: Leaf, rows: number | undefined): ColumnChunk {
  const name = leaf.path.join('.');
  const chunk = columns.find((c) => c.path.join('.') === name);
  if (!chunk) throw new ParquetError(`a row group has no ${name} column`);
  if (chunk.type !== leaf.type)
    throw new ParquetError(
      `${name} is stored as ${TYPE_NAMES[chunk.type] ?? chunk.type}; its schema says ${TYPE_NAMES[leaf.type]}`,
    );
  if (rows !== undefined && chunk.numValues !== rows)
    throw new ParquetError(`${name} holds ${chunk.numValues} values for ${rows} rows`);
  return chunk;
}

/** One data page decoded: its level entries and its present values (written through `put`). */
interface DecodedPage {
  repetition: Uint8Array | null;
  definition: Uint8Array | null;
  /** Values present (entries whose definition level is the maximum). */
  present: number;
  /** Writes the page's present values to `target` from `at`. */
  put(target: Int32Array | Float32Array | null, at: number): void;
}

function readIds(
  file: Uint8Array,
  footer: ParquetFooter,
  chunks: ColumnChunk[],
  pages: Page[][],
  leaf: Leaf,
  ids: Int32Array,
): void {
  let at = 0;
  chunks.forEach((chunk, g) => {
    let dictionary: Int32Array | Float32Array | null = null;
    for (const page of pages[g]!) {
      if (page.dictionary) {
        dictionary = readDictionary(file, page, chunk.codec, Int32Array);
        continue;
      }
      const decoded = decodePage(file, page, chunk.codec, leaf, dictionary);
      if (decoded.present !== page.numValues) throw new ParquetError(`a row has a null id`);
      decoded.put(ids, at);
      at += page.numValues;
    }
  });
  if (at !== footer.numRows) throw new ParquetError(`its id column holds ${at} values for ${footer.numRows} rows`);
}

function readFeatures(
  file: Uint8Array,
  footer: ParquetFooter,
  chunks: ColumnChunk[],
  pages: Page[][],
  leaf: Leaf,
  ids: Int32Array,
  rank: number,
  factors: Float32Array | null,
  where: string,
): void {
  let row = -1; // the row being read
  let length = 0; // its values so far
  let written = 0;
  let groupEnd = 0; // first row of the next row group
  const endRow = () => {
    if (row >= 0 && length !== rank) rowError(where, ids[row]!, `has ${length} features; the rank is ${rank}`);
  };
  chunks.forEach((chunk, g) => {
    let dictionary: Int32Array | Float32Array | null = null;
    const firstRow = groupEnd;
    groupEnd += footer.rowGroups[g]!.numRows;
    for (const page of pages[g]!) {
      if (page.dictionary) {
        dictionary = readDictionary(file, page, chunk.codec, Float32Array);
        continue;
      }
      const decoded = decodePage(file, page, chunk.codec, leaf, dictionary);
      const { repetition, definition } = decoded;
      for (let e = 0; e < page.numValues; e++) {
        if (!repetition || repetition[e] === 0) {
          endRow();
          row++;
          length = 0;
          if (row >= groupEnd)
            throw new ParquetError(
              `its features column holds more rows than the ${footer.rowGroups[g]!.numRows} of row group ${g}`,
            );
        } else if (row < firstRow) {
          throw new ParquetError(`row group ${g} starts inside a row`);
        }
        const d = definition ? definition[e]! : leaf.maxDefinition;
        if (d !== leaf.maxDefinition) {
          rowError(
            where,
            ids[row]!,
            d < leaf.listDefinition - 1
              ? 'has no features (null)'
              : d < leaf.listDefinition
                ? 'has an empty features list'
                : 'has a null feature',
          );
        }
        length++;
      }
      if (factors) {
        if (decoded.present > factors.length - written)
          throw new ParquetError(`its features column holds more values than ${ids.length} rows of rank ${rank}`);
        decoded.put(factors, written);
      }
      written += decoded.present;
    }
    endRow();
    if (row !== groupEnd - 1)
      throw new ParquetError(`row group ${g} has fewer feature rows than its ${footer.rowGroups[g]!.numRows} ids`);
    length = rank; // the row group's last row was checked by endRow()
  });
}

function rowError(where: string, id: number, what: string): never {
  throw new AlsError(
    ErrorCode.CORRUPT_MODEL,
    `${where} id ${id} ${what}.`,
    'Every row of a Spark factor table holds exactly rank values; copy the model directory again.',
  );
}

function readDictionary<T extends Int32Array | Float32Array>(
  file: Uint8Array,
  page: Page,
  codec: number,
  Type: { new (n: number): T },
): T {
  const bytes = pageBytes(file, page, codec).values;
  if (page.numValues * 4 > bytes.length)
    throw new ParquetError(`a dictionary page claims ${page.numValues} values in ${bytes.length} bytes`);
  const out = new Type(page.numValues);
  copyWords(bytes, 0, out, 0, page.numValues);
  return out;
}

function decodePage(
  file: Uint8Array,
  page: Page,
  codec: number,
  leaf: Leaf,
  dictionary: Int32Array | Float32Array | null,
): DecodedPage {
  const n = page.numValues;
  const { levels, values } = pageBytes(file, page, codec);
  let repetition: Uint8Array | null = null;
  let definition: Uint8Array | null = null;
  let pos = 0;
  if (levels) {
    // v2: levels uncompressed, lengths from the header, no length prefix.
    const v2 = page.v2!;
    if (leaf.maxRepetition)
      decodeHybrid(levels, 0, v2.repetitionBytes, bitWidth(leaf.maxRepetition), (repetition = new Uint8Array(n)), n);
    if (leaf.maxDefinition)
      decodeHybrid(levels, v2.repetitionBytes, levels.length, bitWidth(leaf.maxDefinition), (definition = new Uint8Array(n)), n);
  } else {
    const prefixed = (max: number, encoding: number, what: string): Uint8Array => {
      checkLevelEncoding(encoding, `${leaf.path.join('.')} ${what}`);
      if (4 > values.length - pos) throw new ParquetError('a page ends in its levels');
      const length = new DataView(values.buffer, values.byteOffset + pos, 4).getUint32(0, true);
      pos += 4;
      if (length > values.length - pos)
        throw new ParquetError(`a page's levels claim ${length} bytes; ${values.length - pos} remain`);
      const out = new Uint8Array(n);
      decodeHybrid(values, pos, pos + length, bitWidth(max), out, n);
      pos += length;
      return out;
    };
    if (leaf.maxRepetition) repetition = prefixed(leaf.maxRepetition, page.levelEncodings!.repetition, 'repetition');
    if (leaf.maxDefinition) definition = prefixed(leaf.maxDefinition, page.levelEncodings!.definition, 'definition');
  }
  if (repetition)
    for (let e = 0; e < n; e++)
      if (repetition[e]! > leaf.maxRepetition) throw new ParquetError(`a repetition level of ${repetition[e]}`);
  let present = n;
  if (definition) {
    present = 0;
    for (let e = 0; e < n; e++) {
      const d = definition[e]!;
      if (d > leaf.maxDefinition) throw new ParquetError(`a definition level of ${d}`);
      if (d === leaf.maxDefinition) present++;
    }
  }
  const start = pos;
  if (page.encoding === Encoding.PLAIN) {
    if (present * 4 > values.length - start)
      throw new ParquetError(`a page holds ${values.length - start} bytes for ${present} values`);
    return { repetition, definition, present, put: (target, at) => target && copyWords(values, start, target, at, present) };
  }
  // PLAIN_DICTIONARY / RLE_DICTIONARY: a bit width, then indices into the dictionary page.
  if (!dictionary) throw new ParquetError('a dictionary-encoded page has no dictionary');
  const dict = dictionary;
  if (present === 0) return { repetition, definition, present, put: () => {} };
  if (start >= values.length) throw new ParquetError('a dictionary-encoded page has no indices');
  const indices = new Uint32Array(present);
  decodeHybrid(values, start + 1, values.length, values[start]!, indices, present);
  for (let i = 0; i < present; i++)
    if (indices[i]! >= dict.length)
      throw new ParquetError(`a dictionary index ${indices[i]} is beyond its ${dict.length} entries`);
  return {
    repetition,
    definition,
    present,
    put: (target, at) => {
      if (target) for (let i = 0; i < present; i++) target[at + i] = dict[indices[i]!]!;
    },
  };
}

/** `count` little-endian 4-byte words from bytes[from…] into target[at…]. */
function copyWords(bytes: Uint8Array, from: number, target: Int32Array | Float32Array, at: number, count: number): void {
  if (LITTLE_ENDIAN) {
    new Uint8Array(target.buffer, target.byteOffset + 4 * at, 4 * count).set(bytes.subarray(from, from + 4 * count));
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + from, 4 * count);
  const float = target instanceof Float32Array;
  for (let i = 0; i < count; i++) target[at + i] = float ? view.getFloat32(4 * i, true) : view.getInt32(4 * i, true);
}

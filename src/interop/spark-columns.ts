/**
 * A fast path for Spark's factor parts: the `features` list column read as its flat leaf
 * (`features.list.element`) straight into a Float32Array, and `id` into an Int32Array, page by
 * page with hyparquet's own page decoders — without assembling one JS array per row, which
 * costs 3× the time and most of the memory on large models.
 *
 * It applies only when every row holds exactly `rank` non-null values; anything else (nulls,
 * empty or ragged lists, a layout it does not expect, a decoding error) returns null, and the
 * caller reads the part the general way, which reports what is wrong.
 *
 * hyparquet's page-level functions are reached through its exported `src/*.js` paths; the
 * version is pinned, and the general path checks the same files in the tests.
 */
import type { FileMetaData } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { convert, convertWithDictionary, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { getSchemaPath } from 'hyparquet/src/schema.js';

type Decoder = Parameters<typeof readDataPage>[2];

interface Leaf {
  values: ArrayLike<number>[];
  definitionLevels: ArrayLike<number>[];
  repetitionLevels: ArrayLike<number>[];
}

/** The part's ids and row-major factors, or null when the fast path does not apply. */
export function readFactorColumns(file: ArrayBuffer, metadata: FileMetaData, rank: number): { ids: Int32Array; factors: Float32Array } | null {
  try {
    const rows = Number(metadata.num_rows);
    const features = readLeaf(file, metadata, ['features', 'list', 'element']);
    const idColumn = readLeaf(file, metadata, ['id']);
    if (!features || !idColumn) return null;
    const factors = concat(features.values, Float32Array, rows * rank);
    const ids = concat(idColumn.values, Int32Array, rows);
    if (!factors || !ids) return null;
    // Every value present (definition level 2 = features and its element defined) ...
    for (const levels of features.definitionLevels) for (let j = 0; j < levels.length; j++) if (levels[j] !== 2) return null;
    // ... and a new row (repetition level 0) exactly every `rank` values.
    let j = 0;
    for (const levels of features.repetitionLevels) {
      for (let p = 0; p < levels.length; p++, j++) if ((levels[p] === 0) !== (j % rank === 0)) return null;
    }
    if (j !== rows * rank) return null;
    return { ids, factors };
  } catch {
    return null;
  }
}

function readLeaf(file: ArrayBuffer, metadata: FileMetaData, path: string[]): Leaf | null {
  const schemaPath = getSchemaPath(metadata.schema, path);
  const element = schemaPath[schemaPath.length - 1]!.element;
  const leaf: Leaf = { values: [], definitionLevels: [], repetitionLevels: [] };
  for (const group of metadata.row_groups) {
    const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.join('.') === path.join('.'))?.meta_data;
    if (!chunk) return null;
    const start = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
    const length = Number(chunk.total_compressed_size);
    if (start + length > file.byteLength) return null;
    const reader = { view: new DataView(file, start, length), offset: 0 };
    const decoder = { pathInSchema: path, element, schemaPath, type: chunk.type, codec: chunk.codec, parsers: DEFAULT_PARSERS } as unknown as Decoder;
    let dictionary: ArrayLike<number> | undefined;
    while (reader.offset < length - 1) {
      const header = parquetHeader(reader);
      const bytes = new Uint8Array(file, start + reader.offset, header.compressed_page_size);
      reader.offset += header.compressed_page_size;
      if (header.type === 'DICTIONARY_PAGE') {
        const page = decompressPage(bytes, Number(header.uncompressed_page_size), chunk.codec, undefined);
        const plain = readPlain({ view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }, chunk.type, header.dictionary_page_header!.num_values, element.type_length);
        dictionary = convert(plain, decoder) as ArrayLike<number>;
      } else if (header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') {
        const v1 = header.type === 'DATA_PAGE';
        const page = v1
          ? readDataPage(decompressPage(bytes, Number(header.uncompressed_page_size), chunk.codec, undefined), header.data_page_header!, decoder)
          : readDataPageV2(bytes, header, decoder);
        const encoding = v1 ? header.data_page_header!.encoding : header.data_page_header_v2!.encoding;
        leaf.values.push(convertWithDictionary(page.dataPage, dictionary as never, encoding, decoder) as ArrayLike<number>);
        leaf.definitionLevels.push(page.definitionLevels ?? []);
        leaf.repetitionLevels.push(page.repetitionLevels ?? []);
      }
    }
  }
  return leaf;
}

/** The pages' values in one typed array of exactly `length`, or null when the count differs. */
function concat<T extends Float32Array | Int32Array>(pages: ArrayLike<number>[], Type: { new (n: number): T }, length: number): T | null {
  if (pages.reduce((n, p) => n + p.length, 0) !== length) return null;
  const out = new Type(length);
  let at = 0;
  for (const page of pages) {
    out.set(page as ArrayLike<number>, at);
    at += page.length;
  }
  return out;
}

/**
 * Loaders over any byte source: strings, byte arrays, web ReadableStreams and (async)
 * iterables of chunks. Node file paths are in file.node.ts.
 */
import { ErrorCode, fail } from '../../errors.js';
import { checkOptions, oneOf } from '../../validate.js';
import { Ratings } from '../ratings.js';
import type { DuplicatePolicy } from '../sparse.js';
import { isAlscoo, parseAlscoo } from './alscoo.js';
import { PARSE_ALIASES, PARSE_KEYS, TripleParser, type ParseOptions, type ParsedTriples } from './parse.js';

/** Anything the loaders read: text, bytes, or a stream/iterable of either. */
export type RatingsInput =
  | string
  | Uint8Array
  | ArrayBuffer
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>;

export interface LoadOptions extends ParseOptions {
  /** What to do with a repeated (user, item) pair. Default 'error'. */
  duplicates?: DuplicatePolicy;
}

/** Ratings plus what the file said besides: timestamps (file order) and parse statistics. */
export interface LoadedRatings {
  ratings: Ratings;
  /** The parsed arrays (file order; indices are the Ratings' dense indices). */
  triples: ParsedTriples;
}

/** Every key of LoadOptions, for checkOptions. */
export const LOAD_KEYS = [...PARSE_KEYS, 'duplicates'] as const;

/**
 * Parses ratings from text or bytes into typed arrays and ID maps, streaming. Bytes that start
 * with "ALSCOO01" are binary triples (see alscoo.ts), read whole; the text options do not apply.
 */
export async function parseTriples(input: RatingsInput, options: ParseOptions = {}): Promise<ParsedTriples> {
  const parser = new TripleParser(options);
  // Binary triples (ALSCOO01) are recognised by their first bytes and kept whole: they parse
  // at the end, from one buffer, into arrays of their own.
  let binary = null as Uint8Array[] | null;
  let first = true;
  const feedBytes = (bytes: Uint8Array) => {
    if (first && isAlscoo(bytes)) binary = [];
    first = false;
    if (binary) binary.push(bytes.slice());
    else parser.push(bytes);
  };
  const feed = (chunk: Uint8Array | string) => {
    if (typeof chunk === 'string') {
      first = false;
      if (binary) fail(ErrorCode.INVALID_OPTION, 'A text chunk followed the bytes of a binary ALSCOO01 file.');
      parser.pushText(chunk);
    } else if (chunk instanceof Uint8Array) feedBytes(chunk);
    // Any other view (a DataView, a Node Buffer from another realm): exactly its bytes, never its whole buffer.
    else if (ArrayBuffer.isView(chunk))
      feedBytes(
        new Uint8Array(
          (chunk as ArrayBufferView).buffer,
          (chunk as ArrayBufferView).byteOffset,
          (chunk as ArrayBufferView).byteLength,
        ),
      );
    else fail(ErrorCode.INVALID_OPTION, `A chunk must be a string or Uint8Array (got ${Object.prototype.toString.call(chunk)}).`);
  };
  if (input === null || input === undefined) {
    fail(
      ErrorCode.INVALID_OPTION,
      `Ratings input is ${String(input)}.`,
      'Pass a string, bytes, a ReadableStream or an iterable of chunks; in Node, loadRatingsFile(path) for files.',
    );
  }
  if (typeof input === 'string' || ArrayBuffer.isView(input)) feed(input as string | Uint8Array);
  else if (input instanceof ArrayBuffer) feed(new Uint8Array(input));
  else if (typeof (input as ReadableStream).getReader === 'function') {
    const reader = (input as ReadableStream<Uint8Array | string>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        feed(value);
      }
    } finally {
      reader.releaseLock();
    }
  } else if (input && typeof (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    for await (const chunk of input as AsyncIterable<Uint8Array | string>) feed(chunk);
  } else if (input && typeof (input as Iterable<Uint8Array>)[Symbol.iterator] === 'function') {
    for (const chunk of input as Iterable<Uint8Array | string>) feed(chunk);
  } else {
    fail(
      ErrorCode.INVALID_OPTION,
      'Ratings input must be a string, Uint8Array, ArrayBuffer, ReadableStream or iterable of chunks.',
      'In Node, use loadRatingsFile(path) for files.',
    );
  }
  if (binary) return parseAlscoo(concat(binary), options.source);
  return parser.end();
}

/** The chunks as one array (one chunk: itself). */
function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Parses ratings and builds a Ratings (ID maps in order of first appearance). */
export async function loadRatings(input: RatingsInput, options: LoadOptions = {}): Promise<LoadedRatings> {
  const { parse, duplicates } = splitLoadOptions('loadRatings options', options);
  return toLoaded(await parseTriples(input, parse), duplicates);
}

/** @internal LoadOptions checked, split into the parser's options and the duplicate policy. */
export function splitLoadOptions(
  what: string,
  options: LoadOptions | undefined,
): { parse: ParseOptions; duplicates: DuplicatePolicy } {
  const { duplicates, ...parse } = checkOptions(what, options, LOAD_KEYS, { ...PARSE_ALIASES, duplicate: "Use 'duplicates'." });
  return { parse, duplicates: duplicates === undefined ? 'error' : oneOf('duplicates', duplicates, ['error', 'sum', 'last']) };
}

/** @internal */
export function toLoaded(triples: ParsedTriples, duplicates: DuplicatePolicy = 'error'): LoadedRatings {
  if (triples.values.length === 0) {
    fail(
      ErrorCode.EMPTY_DATA,
      `${triples.source}: no ratings found (${triples.lines} lines, ${triples.skipped} skipped).`,
      'Check the format, delimiter and columns options.',
    );
  }
  const ratings = Ratings.fromIndices(
    triples.userMap.clone(),
    triples.itemMap.clone(),
    triples.users,
    triples.items,
    triples.values,
    duplicates,
  );
  return { ratings, triples };
}

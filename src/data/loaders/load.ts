/**
 * Loaders over any byte source: strings, byte arrays, web ReadableStreams and (async)
 * iterables of chunks. Node file paths are in file.node.ts.
 */
import { ErrorCode, fail } from '../../errors.js';
import { Ratings } from '../ratings.js';
import type { DuplicatePolicy } from '../sparse.js';
import { TripleParser, type ParseOptions, type ParsedTriples } from './parse.js';

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

const STRING_PIECE = 1 << 20;
const encoder = new TextEncoder();

/** Parses ratings from text or bytes into typed arrays and ID maps, streaming. */
export async function parseTriples(input: RatingsInput, options: ParseOptions = {}): Promise<ParsedTriples> {
  const parser = new TripleParser(options);
  const feed = (chunk: Uint8Array | string) => {
    if (typeof chunk === 'string') pushString(parser, chunk);
    else if (chunk instanceof Uint8Array) parser.push(chunk);
    else fail(ErrorCode.INVALID_OPTION, `A chunk must be a string or Uint8Array (got ${Object.prototype.toString.call(chunk)}).`);
  };
  if (typeof input === 'string' || input instanceof Uint8Array) feed(input);
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
    fail(ErrorCode.INVALID_OPTION, 'Ratings input must be a string, Uint8Array, ArrayBuffer, ReadableStream or iterable of chunks.', 'In Node, use loadRatingsFile(path) for files.');
  }
  return parser.end();
}

/** Parses ratings and builds a Ratings (ID maps in order of first appearance). */
export async function loadRatings(input: RatingsInput, options: LoadOptions = {}): Promise<LoadedRatings> {
  return toLoaded(await parseTriples(input, options), options.duplicates);
}

/** @internal */
export function toLoaded(triples: ParsedTriples, duplicates: DuplicatePolicy = 'error'): LoadedRatings {
  if (triples.values.length === 0) {
    fail(ErrorCode.EMPTY_DATA, `${triples.source}: no ratings found (${triples.lines} lines, ${triples.skipped} skipped).`, 'Check the format, delimiter and columns options.');
  }
  const ratings = Ratings.fromIndices(triples.userMap.clone(), triples.itemMap.clone(), triples.users, triples.items, triples.values, duplicates);
  return { ratings, triples };
}

/** Encodes a long string in pieces (never one huge byte array), not splitting surrogate pairs. */
function pushString(parser: TripleParser, text: string): void {
  for (let s = 0; s < text.length; ) {
    let e = Math.min(text.length, s + STRING_PIECE);
    const c = text.charCodeAt(e - 1);
    if (e < text.length && c >= 0xd800 && c <= 0xdbff) e--;
    parser.push(encoder.encode(text.slice(s, e)));
    s = e;
  }
}

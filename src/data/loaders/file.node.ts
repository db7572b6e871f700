/**
 * Node file paths: streamed with fs.createReadStream in 1 MiB chunks (gzip when the name ends
 * in .gz). node: modules are imported on first use so the package stays importable in
 * browsers and edge runtimes, where these functions fail with a clear message.
 */
import { AlsError, ErrorCode, fail } from '../../errors.js';
import { checkOptions, describe } from '../../validate.js';
import { isAlscoo, parseAlscoo } from './alscoo.js';
import { parseTriples, splitLoadOptions, toLoaded, type LoadOptions, type LoadedRatings } from './load.js';
import { PARSE_ALIASES, PARSE_KEYS, type ParseOptions, type ParseProgress, type ParsedTriples } from './parse.js';

/** Imported by names bundlers leave alone, so browser and Worker bundles of the package build without node: shims. */
const NODE_FS = 'node:fs';
const NODE_ZLIB = 'node:zlib';

/** Parses a ratings file into typed arrays and ID maps. */
export async function parseTriplesFile(path: string, options: ParseOptions = {}): Promise<ParsedTriples> {
  checkOptions('parseTriplesFile options', options, PARSE_KEYS, PARSE_ALIASES);
  return parseFile(path, options);
}

/** Loads a ratings file into a Ratings (plus timestamps and parse statistics). */
export async function loadRatingsFile(path: string, options: LoadOptions = {}): Promise<LoadedRatings> {
  const { parse, duplicates } = splitLoadOptions('loadRatingsFile options', options);
  return toLoaded(await parseFile(path, parse), duplicates);
}

async function parseFile(path: string, options: ParseOptions): Promise<ParsedTriples> {
  if (typeof path !== 'string' || path === '')
    fail(ErrorCode.INVALID_OPTION, `A ratings file path must be a non-empty string (got ${describe(path)}).`);
  if (typeof process === 'undefined' || !process.versions?.node) {
    fail(
      ErrorCode.INVALID_OPTION,
      'File paths can only be read in Node.',
      'Pass a ReadableStream (e.g. (await fetch(url)).body) or a string to loadRatings.',
    );
  }
  const fs = (await import(NODE_FS)) as typeof import('node:fs');
  let size: number;
  try {
    const stat = await fs.promises.stat(path);
    if (!stat.isFile()) fail(ErrorCode.FILE_ERROR, `${path} is not a file.`, 'Pass the path of a ratings file.');
    size = stat.size;
  } catch (error) {
    if (error instanceof AlsError) throw error;
    throw fileError(path, error);
  }
  const gzipped = path.endsWith('.gz');
  if (!gzipped && (await startsLikeAlscoo(fs, path))) return readAlscoo(fs, path, size, options);
  const source = fs.createReadStream(path, { highWaterMark: 1 << 20 });
  let stream: AsyncIterable<Uint8Array> = source;
  if (gzipped) {
    const zlib = (await import(NODE_ZLIB)) as typeof import('node:zlib');
    const gunzip = zlib.createGunzip();
    // pipe() forwards neither errors nor teardown: do both, so a read error ends the parse
    // (instead of a hang) and an abandoned parse closes the file.
    source.on('error', (error) => gunzip.destroy(error));
    gunzip.on('close', () => source.destroy());
    stream = source.pipe(gunzip);
  }
  const onProgress = options.onProgress;
  return parseTriples(chunksOf(stream, path, gzipped), {
    source: path,
    sizeHint: gzipped ? undefined : size,
    ...options,
    // Progress by compressed bytes is not known for .gz; report the file size as total anyway.
    onProgress: onProgress ? (p) => onProgress({ ...p, totalBytes: size } as typeof p) : undefined,
  });
}

/** Whether the file's first bytes are the ALSCOO01 magic (binary triples, not text). */
async function startsLikeAlscoo(fs: typeof import('node:fs'), path: string): Promise<boolean> {
  let file: import('node:fs').promises.FileHandle | undefined;
  try {
    file = await fs.promises.open(path, 'r');
    const head = new Uint8Array(8);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return isAlscoo(head.subarray(0, bytesRead));
  } catch (error) {
    throw fileError(path, error);
  } finally {
    await file?.close();
  }
}

/**
 * A binary triples file in one read: its arrays are views of a buffer only they hold, so the
 * triples cost the file's size once. The text options (delimiter, columns, …) do not apply.
 */
async function readAlscoo(
  fs: typeof import('node:fs'),
  path: string,
  size: number,
  options: ParseOptions,
): Promise<ParsedTriples> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.promises.readFile(path);
  } catch (error) {
    throw fileError(path, error);
  }
  const parsed = parseAlscoo(bytes, options.source ?? path);
  options.onProgress?.({ bytes: size, lines: 0, ratings: parsed.values.length, totalBytes: size } as ParseProgress);
  return parsed;
}

/**
 * The stream's chunks, its failures as coded errors naming the file: zlib's (not gzip, cut
 * short) as CORRUPT_INPUT, the file system's as FILE_ERROR. Errors of the parser, thrown
 * while this generator is suspended, do not pass through here.
 */
async function* chunksOf(stream: AsyncIterable<Uint8Array>, path: string, gzipped: boolean): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    if (error instanceof AlsError) throw error;
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (gzipped && (String(code).startsWith('Z_') || syscall === undefined)) {
      throw new AlsError(
        ErrorCode.CORRUPT_INPUT,
        `${path} is not a complete gzip file (${(error as Error).message}).`,
        'Check that the file was downloaded completely; if it is not compressed, remove the .gz from its name.',
        { cause: error },
      );
    }
    throw fileError(path, error);
  }
}

function fileError(path: string, error: unknown): AlsError {
  const code = (error as NodeJS.ErrnoException).code;
  return new AlsError(
    ErrorCode.FILE_ERROR,
    `Cannot read ${path} (${code ?? String(error)}).`,
    code === 'ENOENT' ? 'Check the path.' : 'Check the path and its permissions.',
    { cause: error },
  );
}

/**
 * Node file paths: streamed with fs.createReadStream in 1 MiB chunks (gzip when the name ends
 * in .gz). node: modules are imported on first use so the package stays importable in
 * browsers and edge runtimes, where these functions fail with a clear message.
 */
import { AlsError, ErrorCode, fail } from '../../errors.js';
import { parseTriples, toLoaded, type LoadOptions, type LoadedRatings } from './load.js';
import type { ParseOptions, ParsedTriples } from './parse.js';

/** Imported by names bundlers leave alone, so browser and Worker bundles of the package build without node: shims. */
const NODE_FS = 'node:fs';
const NODE_ZLIB = 'node:zlib';

/** Parses a ratings file into typed arrays and ID maps. */
export async function parseTriplesFile(path: string, options: ParseOptions = {}): Promise<ParsedTriples> {
  if (typeof process === 'undefined' || !process.versions?.node) {
    fail(ErrorCode.INVALID_OPTION, 'File paths can only be read in Node.', 'Pass a ReadableStream (e.g. (await fetch(url)).body) or a string to loadRatings.');
  }
  const fs = (await import(NODE_FS)) as typeof import('node:fs');
  let size: number;
  try {
    const stat = await fs.promises.stat(path);
    if (!stat.isFile()) fail(ErrorCode.FILE_ERROR, `${path} is not a file.`, 'Pass the path of a ratings file.');
    size = stat.size;
  } catch (error) {
    if (error instanceof AlsError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new AlsError(ErrorCode.FILE_ERROR, `Cannot read ${path} (${code ?? String(error)}).`, code === 'ENOENT' ? 'Check the path.' : 'Check the path and its permissions.', { cause: error });
  }
  let stream: AsyncIterable<Uint8Array> = fs.createReadStream(path, { highWaterMark: 1 << 20 });
  if (path.endsWith('.gz')) {
    const zlib = (await import(NODE_ZLIB)) as typeof import('node:zlib');
    stream = (stream as import('node:fs').ReadStream).pipe(zlib.createGunzip());
  }
  const onProgress = options.onProgress;
  return parseTriples(stream, {
    source: path,
    sizeHint: path.endsWith('.gz') ? undefined : size,
    ...options,
    // Progress by compressed bytes is not known for .gz; report the file size as total anyway.
    onProgress: onProgress ? (p) => onProgress({ ...p, totalBytes: size } as typeof p) : undefined,
  });
}

/** Loads a ratings file into a Ratings (plus timestamps and parse statistics). */
export async function loadRatingsFile(path: string, options: LoadOptions = {}): Promise<LoadedRatings> {
  return toLoaded(await parseTriplesFile(path, options), options.duplicates);
}

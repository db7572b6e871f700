/**
 * node:fs and node:path for the file writers and readers, imported on first use by names
 * bundlers leave alone: modules that import these helpers still bundle for browsers and edge
 * runtimes, where calling them fails with a coded error instead of a module-resolution TypeError.
 */
import { ErrorCode, fail } from '../errors.js';

const NODE_FS = 'node:fs/promises';
const NODE_PATH = 'node:path';

export type Fs = typeof import('node:fs/promises');
export type FileHandle = import('node:fs/promises').FileHandle;
export type Path = typeof import('node:path');

export async function nodeFs(): Promise<Fs> {
  return (await importNode(NODE_FS)) as Fs;
}

export async function nodePath(): Promise<Path> {
  return (await importNode(NODE_PATH)) as Path;
}

async function importNode(name: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (cause) {
    return fail(
      ErrorCode.FILE_ERROR,
      'Files can be read and written only in Node.',
      'Use toBytes()/fromBytes() (or the byte-level read/write functions) and store the bytes yourself.',
      cause,
    );
  }
}

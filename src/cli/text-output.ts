/**
 * Text outputs of the command line (predictions, everyone's recommendations) to stdout or a
 * file. A file is written as the model files are (io/atomic-write.ts): checked before any work,
 * written in full under a temporary name beside the target, synced, renamed into place. An
 * existing file is replaced only with --overwrite and only when it is one of these outputs
 * (it starts with one of their header lines, or is empty): `predict model ratings.csv -o
 * ratings.csv` must never destroy the data.
 */
import { once } from 'node:events';
import { constants, promises as fs, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, fail } from '../errors.js';
import { checkOutput, checkPath, fileError } from '../io/output-target.js';

/** The first bytes of every text output this CLI writes. */
export const OUTPUT_HEADS = ['user,item,prediction\n', 'user,rank,item,score', '{"user":'];

/** Something to write text to, in pieces. */
export interface TextSink {
  write(text: string): Promise<void>;
  /** Finishes the output: for a file, the rename that puts it in place. */
  close(): Promise<void>;
  /** Abandons a file output: the temporary file is removed, the target left as it was. */
  abort(): Promise<void>;
}

/**
 * Refuses an output path that cannot take a text output: its directory is missing or not
 * writable, it is a directory, or it holds something else (or, without --overwrite, anything).
 * Run before the model is read and anything is computed.
 */
export async function checkTextOutput(path: string, overwrite: boolean): Promise<void> {
  checkPath(path);
  const existing = await statOrNull(path);
  if (!existing) {
    await checkOutput(path, 'file', { overwrite: false, overwriteFlag: '--overwrite' }); // the directory exists and is writable
    return;
  }
  if (existing.isDirectory()) fail(ErrorCode.FILE_ERROR, `Cannot write ${path}: it is a directory.`, `Name a file, such as ${join(path, 'out.csv')}.`);
  if (!existing.isFile()) fail(ErrorCode.FILE_ERROR, `Cannot write ${path}: it is not a regular file (a device, socket or pipe).`, 'Choose another path, or leave out -o to write to stdout.');
  if (!(await isOurs(path, existing))) {
    fail(
      ErrorCode.FILE_ERROR,
      `Will not replace ${path}: it is not an output of als-wasm predict or recommend --all.`,
      `It is a file of ${existing.size} bytes that does not start with their header line, so it will not be overwritten. Move it away yourself, or choose another path.`,
    );
  }
  if (!overwrite) fail(ErrorCode.FILE_ERROR, `${path} already exists.`, 'Pass --overwrite to replace it, or choose another path.');
  try {
    await fs.access(dirname(path), constants.W_OK);
  } catch (cause) {
    fail(ErrorCode.FILE_ERROR, `Cannot write ${path}: no permission to write in its directory.`, 'Choose a directory you can write in.', cause);
  }
}

/** A sink to `path` (checked again, then written atomically), or to stdout when there is no path. */
export async function openTextOutput(path: string | undefined, overwrite: boolean): Promise<TextSink> {
  if (path === undefined) return stdoutSink();
  await checkTextOutput(path, overwrite);
  const target = await fs.realpath(path).catch(() => path); // through a link to one of ours
  const temp = join(dirname(target), `.${basename(target).slice(0, 120)}.${process.pid}-${randomHex()}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx', 0o666);
  } catch (cause) {
    throw fileError('write', path, cause);
  }
  const open = handle;
  const failed = async (cause: unknown): Promise<never> => {
    await open.close().catch(() => {});
    await fs.rm(temp, { force: true }).catch(() => {});
    throw fileError('write', path, cause);
  };
  let pending = '';
  const flush = async () => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    await open.write(text).catch(failed);
  };
  return {
    async write(text) {
      pending += text;
      if (pending.length >= 1 << 20) await flush();
    },
    async close() {
      await flush();
      try {
        await open.sync();
        await open.close();
        await checkTextOutput(path, overwrite); // still ours (or still absent) right before it is replaced
        await fs.rename(temp, target);
      } catch (cause) {
        await fs.rm(temp, { force: true }).catch(() => {});
        throw fileError('write', path, cause);
      }
    },
    async abort() {
      await open.close().catch(() => {});
      await fs.rm(temp, { force: true }).catch(() => {});
    },
  };
}

function stdoutSink(): TextSink {
  return {
    async write(text) {
      if (!process.stdout.write(text)) await once(process.stdout, 'drain');
    },
    async close() {},
    async abort() {},
  };
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await fs.stat(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw fileError('read', path, cause);
  }
}

async function isOurs(path: string, stats: Stats): Promise<boolean> {
  if (stats.size === 0) return true;
  const handle = await fs.open(path, 'r').catch((cause: unknown) => {
    throw fileError('read', path, cause);
  });
  try {
    const head = new Uint8Array(32);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const text = new TextDecoder().decode(head.subarray(0, bytesRead));
    return OUTPUT_HEADS.some((h) => text.startsWith(h));
  } finally {
    await handle.close();
  }
}

function randomHex(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
}

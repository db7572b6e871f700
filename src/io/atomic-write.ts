/**
 * Atomic replacement of an output file or directory. The new content is written in full
 * (and synced) under a unique temporary name beside the target, in the same directory so the
 * rename cannot cross file systems, and only then renamed into place. A full disk, a kill or a
 * throwing writer therefore leaves either the old output or the new one, never half a file,
 * and no temporary litter. A directory cannot be swapped in one rename: the old one is renamed
 * aside, the new one in, and the old one removed; if the second rename fails the old one is
 * renamed back.
 */
import { ErrorCode, fail } from '../errors.js';
import { nodeFs, nodePath, type FileHandle, type Fs, type Path } from './node-modules.js';
import { checkOutput, fileError, type OutputOptions } from './output-target.js';

/** Writes the content of a file through its handle (tests inject one that fails half-way). */
export type FileWriter = (file: FileHandle) => Promise<void>;
/** Fills a new, empty directory (tests inject one that fails half-way). */
export type DirectoryWriter = (dir: string) => Promise<void>;

/**
 * Writes one file atomically: a model file (.als or .npz, kind 'file') or a CLI text output
 * (kind 'text'); an existing target is replaced only with overwrite and only when ours.
 */
export async function writeFileAtomically(
  path: string,
  content: Uint8Array | FileWriter,
  options: OutputOptions,
  kind: 'file' | 'text' = 'file',
): Promise<void> {
  const { target, existing } = await checkOutput(path, kind, options);
  const fs = await nodeFs();
  const p = await nodePath();
  const temp = besideName(p, target, 'tmp');
  let handle: FileHandle | undefined;
  try {
    // 'wx': a temporary name that somehow exists is never written through.
    handle = await fs.open(temp, 'wx', existing ? existing.mode & 0o777 : 0o666);
    if (typeof content === 'function') await content(handle);
    else await handle.writeFile(content);
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (existing) await checkOutput(path, kind, options); // still ours right before it is replaced
    await fs.rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => {});
    await fs.rm(temp, { force: true }).catch(() => {});
    throw fileError('write', path, error);
  }
  await syncDirectory(fs, p.dirname(target));
}

/**
 * Writes a directory (a Spark model) atomically from relative paths → bytes. An existing
 * target is replaced only with overwrite and only when it is a Spark model directory.
 */
export async function writeDirectoryAtomically(
  path: string,
  content: ReadonlyMap<string, Uint8Array> | DirectoryWriter,
  options: OutputOptions,
): Promise<void> {
  const { target, existing } = await checkOutput(path, 'spark', options);
  const fs = await nodeFs();
  const p = await nodePath();
  const temp = besideName(p, target, 'tmp');
  let aside: string | null = null;
  try {
    await fs.mkdir(temp, { mode: existing ? existing.mode & 0o777 : 0o777 });
    if (typeof content === 'function') await content(temp);
    else await writeTree(fs, p, temp, content);
    // Still ours (or gone) right before it is moved aside.
    if (existing && (await checkOutput(path, 'spark', options)).existing) {
      aside = besideName(p, target, 'old');
      await fs.rename(target, aside);
    }
    try {
      await fs.rename(temp, target);
    } catch (error) {
      if (aside) await restore(fs, aside, target, path);
      aside = null;
      throw error;
    }
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true }).catch(() => {});
    throw fileError('write', path, error);
  }
  await syncDirectory(fs, p.dirname(target));
  // The new model is in place; an old copy that cannot be removed is left, never the reverse.
  if (aside) await fs.rm(aside, { recursive: true, force: true }).catch(() => {});
}

async function restore(fs: Fs, aside: string, target: string, path: string): Promise<void> {
  try {
    await fs.rename(aside, target);
  } catch (cause) {
    fail(
      ErrorCode.FILE_ERROR,
      `Cannot write ${path}, nor put the previous one back: it is now at ${aside}.`,
      `Rename ${aside} to ${target} yourself.`,
      cause,
    );
  }
}

async function writeTree(fs: Fs, p: Path, root: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  for (const [relative, bytes] of files) {
    const parts = relative.split('/');
    if (relative === '' || relative.startsWith('/') || parts.some((s) => s === '' || s === '.' || s === '..')) {
      fail(ErrorCode.INVALID_OPTION, `'${relative}' is not a relative path inside the output directory.`);
    }
    const full = p.join(root, ...parts);
    await fs.mkdir(p.dirname(full), { recursive: true });
    const handle = await fs.open(full, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/**
 * A unique hidden name in the target's directory: `.name.<pid>-<random>.tmp`. The target's
 * name is shortened so the temporary one stays within the 255-byte limit of file names.
 */
function besideName(p: Path, target: string, suffix: 'tmp' | 'old'): string {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
  return p.join(p.dirname(target), `.${p.basename(target).slice(0, 120)}.${process.pid}-${random}.${suffix}`);
}

/** Makes the rename durable across a power cut where the platform allows (not on Windows: best effort). */
async function syncDirectory(fs: Fs, dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported here; the rename itself is still atomic
  } finally {
    await handle?.close().catch(() => {});
  }
}

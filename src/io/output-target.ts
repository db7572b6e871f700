/**
 * What is at an output path, and whether we may write there. Every writer (model.save,
 * saveSparkModel, saveImplicitModel, the CLI before it reads or trains anything) asks here
 * first. Overwriting replaces only something recognisably ours, so a mistyped path can never
 * delete a user's files:
 * - a file output (.als or .npz) may replace a regular file that starts with the ALSWASM magic,
 *   a regular file named *.npz that starts with a zip signature, or an empty regular file;
 * - a Spark output may replace a directory holding exactly metadata/, userFactors/ and
 *   itemFactors/ (plus Hadoop's _SUCCESS and .*.crc side files), whose subdirectories hold only
 *   part-* files and those side files, and whose metadata names an ALSModel.
 * Everything else is refused with FILE_ERROR and a hint that says what is there.
 */
import type { Stats } from 'node:fs';
import { AlsError, ErrorCode, fail } from '../errors.js';
import { describe } from '../validate.js';
import { nodeFs, nodePath, type Fs, type Path } from './node-modules.js';

/**
 * 'file': one model file (.als or .npz); 'text': a text output of the CLI (predict,
 * recommend --all); 'spark': a Spark ALSModel directory.
 */
export type OutputKind = 'file' | 'text' | 'spark';

/** The first bytes of every text output the CLI writes: how one is recognised as ours. */
const TEXT_OUTPUT_HEADS = ['user,item,prediction\n', 'user,rank,item,score', '{"user":'];

export interface OutputOptions {
  /** Replace an existing output (only one that is recognisably ours). */
  overwrite: boolean;
  /** How the user asks to overwrite, for the hint: 'overwrite: true' (library) or '--overwrite' (CLI). */
  overwriteFlag?: string;
}

export interface CheckedOutput {
  /** The path written: the given one, or where a symbolic link there points. */
  target: string;
  /** What is there now (ours, since it passed), or null. */
  existing: Stats | null;
}

const ALS_MAGIC = [0x41, 0x4c, 0x53, 0x57, 0x41, 0x53, 0x4d, 0x00]; // "ALSWASM\0"
const ZIP_LOCAL = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];
/** Spark's class name, as the first JSON line of metadata/part-00000 carries it. */
const ALS_MODEL_CLASS = 'org.apache.spark.ml.recommendation.ALSModel';
const SPARK_DIRS = ['metadata', 'userFactors', 'itemFactors'];
/** A Spark metadata line is a few hundred bytes; reading more than this to recognise one is never needed. */
const METADATA_PEEK = 1 << 16;

/**
 * Checks that `path` can take an output of this kind: its directory exists and is a
 * directory we may write in; nothing is there, or (with overwrite) something of ours.
 * Throws FILE_ERROR naming the path otherwise.
 */
export async function checkOutput(path: string, kind: OutputKind, options: OutputOptions): Promise<CheckedOutput> {
  checkPath(path);
  const fs = await nodeFs();
  const p = await nodePath();
  const flag = options.overwriteFlag ?? 'overwrite: true';
  let target = path;
  let existing = await lstatOrNull(fs, path);
  if (existing?.isSymbolicLink()) {
    try {
      target = await fs.realpath(path);
    } catch (cause) {
      fail(
        ErrorCode.FILE_ERROR,
        `Cannot write ${path}: it is a symbolic link to a missing or unreachable file.`,
        'Remove the link or point it at a file, or choose another path.',
        cause,
      );
    }
    existing = await lstatOrNull(fs, target);
  }
  await checkParent(fs, path, p.dirname(target));
  if (!existing) return { target, existing: null };

  if (kind !== 'spark' && existing.isDirectory()) {
    const [what, example] = kind === 'file' ? ['A model file', 'model.als'] : ['A text output', 'out.csv'];
    fail(
      ErrorCode.FILE_ERROR,
      `Cannot write ${path}: it is a directory (${await listing(fs, target)}).`,
      `${what} needs a file path, such as ${p.join(path, example)}.`,
    );
  }
  if (kind === 'spark' && !existing.isDirectory()) {
    fail(
      ErrorCode.FILE_ERROR,
      `Cannot write a Spark model directory at ${path}: it is ${describeFile(existing)}.`,
      'It will not be replaced. Choose another path.',
    );
  }
  let notOurs: string | null;
  try {
    notOurs =
      kind === 'file'
        ? await foreignFile(fs, p, target, existing)
        : kind === 'text'
          ? await foreignText(fs, target, existing)
          : await sparkModelProblem(fs, p, target);
  } catch (cause) {
    throw fileError('read', path, cause); // cannot tell what it is: it is not replaced
  }
  if (notOurs) {
    const what =
      kind === 'spark'
        ? `a directory (${await listing(fs, target)}) that is not a Spark ALSModel directory: ${notOurs}`
        : notOurs;
    fail(
      ErrorCode.FILE_ERROR,
      `Will not replace ${path}: it is not ${kind === 'text' ? 'an output of als-wasm predict or recommend --all' : 'an als-wasm output'}.`,
      `It is ${what}, so it will not be ${kind === 'spark' ? 'deleted' : 'overwritten'}. Move it away yourself, or choose another path.`,
    );
  }
  if (!options.overwrite) {
    fail(ErrorCode.FILE_ERROR, `${path} already exists.`, `Pass ${flag} to replace it, or choose another path.`);
  }
  return { target, existing };
}

/** An output path must be a non-empty string (fs would take a Buffer or URL, but our messages name paths). */
export function checkPath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || path === '') {
    fail(ErrorCode.INVALID_OPTION, `The path must be a non-empty string (got ${describe(path)}).`);
  }
  if (path.includes('\0')) fail(ErrorCode.INVALID_OPTION, 'The path contains a NUL character.');
}

async function lstatOrNull(fs: Fs, path: string): Promise<Stats | null> {
  try {
    return await fs.lstat(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null; // the parent check says which
    return fail(
      ErrorCode.FILE_ERROR,
      `Cannot inspect ${path} (${code ?? String(cause)}).`,
      'Check the path and its permissions.',
      cause,
    );
  }
}

async function checkParent(fs: Fs, path: string, parent: string): Promise<void> {
  let stats: Stats;
  try {
    stats = await fs.stat(parent);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      fail(
        ErrorCode.FILE_ERROR,
        `Cannot write ${path}: the directory ${parent} does not exist.`,
        'Create it first, or choose another path.',
        cause,
      );
    }
    return fail(
      ErrorCode.FILE_ERROR,
      `Cannot write ${path}: ${parent} cannot be inspected (${code ?? String(cause)}).`,
      'Check the path and its permissions.',
      cause,
    );
  }
  if (!stats.isDirectory())
    fail(ErrorCode.FILE_ERROR, `Cannot write ${path}: ${parent} is not a directory.`, 'Choose a path inside a directory.');
  try {
    await fs.access(parent, fs.constants.W_OK);
  } catch (cause) {
    fail(
      ErrorCode.FILE_ERROR,
      `Cannot write ${path}: no permission to write in ${parent === '.' ? 'the current directory' : parent}.`,
      'Choose a directory you can write in.',
      cause,
    );
  }
}

/** Why a file at `target` is not ours to replace, or null when it is. */
async function foreignFile(fs: Fs, p: Path, target: string, stats: Stats): Promise<string | null> {
  if (!stats.isFile()) return describeFile(stats);
  if (stats.size === 0) return null; // an empty file holds nothing to lose
  const head = await peek(fs, target, 8);
  if (startsWith(head, ALS_MAGIC)) return null;
  const isZip = startsWith(head, ZIP_LOCAL) || startsWith(head, ZIP_EMPTY);
  if (isZip && /\.npz$/i.test(p.basename(target))) return null;
  return `a file of ${stats.size} bytes that is ${isZip ? 'a zip archive not named *.npz' : 'not an als-wasm model (no ALSWASM magic) nor an .npz'}`;
}

/** Why a file at `target` is not a text output of ours to replace, or null when it is. */
async function foreignText(fs: Fs, target: string, stats: Stats): Promise<string | null> {
  if (!stats.isFile()) return describeFile(stats);
  if (stats.size === 0) return null;
  const head = new TextDecoder().decode(await peek(fs, target, 32));
  if (TEXT_OUTPUT_HEADS.some((h) => head.startsWith(h))) return null;
  return `a file of ${stats.size} bytes that does not start with their header line`;
}

function describeFile(stats: Stats): string {
  return stats.isFile() ? `a file of ${stats.size} bytes` : 'not a regular file (a device, socket or pipe)';
}

/** Hadoop's side files: the job's success marker and the checksum of each file. */
function isHadoopSideFile(name: string): boolean {
  return name === '_SUCCESS' || /^\..+\.crc$/.test(name);
}

/** Why a directory is not a Spark model of ours to replace, or null when it is. */
async function sparkModelProblem(fs: Fs, p: Path, dir: string): Promise<string | null> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (SPARK_DIRS.includes(entry.name)) {
      if (!entry.isDirectory()) return `${entry.name} is not a directory`;
    } else if (!(entry.isFile() && isHadoopSideFile(entry.name))) {
      return `it also holds ${entry.name}${entry.isDirectory() ? '/' : ''}`;
    }
  }
  for (const sub of SPARK_DIRS) {
    if (!entries.some((e) => e.name === sub)) return `it has no ${sub}/`;
    for (const entry of await fs.readdir(p.join(dir, sub), { withFileTypes: true })) {
      if (!entry.isFile()) return `${sub}/${entry.name} is not a file`;
      if (!entry.name.startsWith('part-') && !isHadoopSideFile(entry.name)) return `${sub}/ also holds ${entry.name}`;
    }
  }
  let line: string;
  try {
    line = new TextDecoder().decode(await peek(fs, p.join(dir, 'metadata', 'part-00000'), METADATA_PEEK)).split('\n')[0]!;
  } catch {
    return 'it has no metadata/part-00000';
  }
  let metadata: unknown;
  try {
    metadata = JSON.parse(line);
  } catch {
    return 'metadata/part-00000 is not a JSON line';
  }
  if ((metadata as { class?: unknown } | null)?.class !== ALS_MODEL_CLASS)
    return `metadata/part-00000 does not name an ${ALS_MODEL_CLASS}`;
  return null;
}

/** A short listing of what a directory holds, for the hint ("holding notes.txt, photos/ and 3 more"). */
async function listing(fs: Fs, dir: string): Promise<string> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 'that cannot be listed';
  }
  if (entries.length === 0) return 'empty';
  const names = entries.map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).sort();
  const shown = names.slice(0, 4).join(', ');
  return `holding ${shown}${names.length > 4 ? ` and ${names.length - 4} more` : ''}`;
}

async function peek(fs: Fs, path: string, length: number): Promise<Uint8Array> {
  const handle = await fs.open(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/**
 * Any failure as a FILE_ERROR naming the path (coded errors pass through); the original is
 * the cause. `hintFor` overrides the hint of an errno code (EISDIR when reading a model).
 */
export function fileError(
  action: 'write' | 'read',
  path: string,
  cause: unknown,
  hintFor: Readonly<Record<string, string>> = {},
): AlsError {
  if (cause instanceof AlsError) return cause;
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  const hints: Record<string, string> = {
    ENOSPC: 'The disk is full.',
    EDQUOT: 'The disk quota is used up.',
    EACCES: 'No permission: check the permissions of the file and its directory.',
    EPERM: 'Not permitted: check the permissions of the file and its directory.',
    EROFS: 'The file system is read-only.',
    EISDIR: 'It is a directory.',
    ENOENT: 'Check the path.',
    ENAMETOOLONG: 'The name is too long.',
  };
  const hint = (code && (hintFor[code] ?? hints[code])) || 'Check the path and its permissions.';
  return new AlsError(
    ErrorCode.FILE_ERROR,
    `Cannot ${action} ${path} (${code ?? (cause instanceof Error ? cause.message : String(cause))}).`,
    hint,
    { cause },
  );
}

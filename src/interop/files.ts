/**
 * Node file helpers for the interop formats. node:fs is imported only when one of these
 * runs, by a name bundlers leave alone, so the interop entry still bundles for browsers.
 */
import { AlsError, ErrorCode } from '../errors.js';
import type { ALSModel } from '../model/model.js';
import { readImplicitModel, readNpyFactors, writeImplicitModel, type ImplicitReadOptions } from './implicit.js';
import { readSparkModel, writeSparkModel, type SparkReadOptions, type SparkWriteOptions } from './spark.js';
import type { AlsOptions } from '../train/options.js';

const NODE_FS = 'node:fs/promises';
type Fs = typeof import('node:fs/promises');
const fs = async () => (await import(NODE_FS)) as Fs;

/** The directories of a Spark model that hold data; anything else (e.g. Hadoop side files) is not read. */
const SPARK_DIRS = ['metadata', 'userFactors', 'itemFactors'];

/** Node: reads a Spark ALSModel directory (as written by model.save(path) in Spark). */
export async function loadSparkModel(dir: string, options: SparkReadOptions = {}): Promise<ALSModel> {
  const { readdir, readFile } = await fs();
  const files = new Map<string, Uint8Array>();
  for (const sub of SPARK_DIRS) {
    let names: string[];
    try {
      names = await readdir(`${dir}/${sub}`);
    } catch (cause) {
      throw fileError(`${dir}/${sub}`, cause, `Is ${dir} a saved Spark ALSModel (holding metadata/, userFactors/, itemFactors/)?`);
    }
    for (const name of names) {
      if (!name.startsWith('part-') || name.endsWith('.crc')) continue;
      files.set(`${sub}/${name}`, await readBytes(readFile, `${dir}/${sub}/${name}`));
    }
  }
  return readSparkModel(files, { name: dir, ...options });
}

/** Node: writes the model as a Spark ALSModel directory. Refuses an existing directory unless `overwrite`. */
export async function saveSparkModel(model: ALSModel, dir: string, options: SparkWriteOptions & { overwrite?: boolean } = {}): Promise<void> {
  const { mkdir, rm, writeFile, stat } = await fs();
  const exists = await stat(dir).then(() => true, () => false);
  if (exists && !options.overwrite) {
    throw new AlsError(ErrorCode.FILE_ERROR, `${dir} already exists.`, 'Choose a new directory, or pass overwrite: true (as Spark\'s write.overwrite()).');
  }
  const files = writeSparkModel(model, options);
  if (exists) await rm(dir, { recursive: true, force: true });
  for (const [path, bytes] of files) {
    const full = `${dir}/${path}`;
    await mkdir(full.slice(0, full.lastIndexOf('/')), { recursive: true });
    await writeFile(full, bytes);
  }
}

/** Node: reads an `implicit` model (.npz). */
export async function loadImplicitModel(path: string, options: ImplicitReadOptions = {}): Promise<ALSModel> {
  const { readFile } = await fs();
  return readImplicitModel(await readBytes(readFile, path), { name: path, ...options });
}

/** Node: writes the model as an `implicit` .npz. */
export async function saveImplicitModel(model: ALSModel, path: string, options: { ids?: boolean; compress?: boolean } = {}): Promise<void> {
  const { writeFile } = await fs();
  await writeFile(path, writeImplicitModel(model, options));
}

/** Node: reads two .npy factor matrices. */
export async function loadNpyFactors(paths: { userFactors: string; itemFactors: string }, options: ImplicitReadOptions & { conventions?: AlsOptions } = {}): Promise<ALSModel> {
  const { readFile } = await fs();
  return readNpyFactors(
    { userFactors: await readBytes(readFile, paths.userFactors), itemFactors: await readBytes(readFile, paths.itemFactors) },
    { name: paths.userFactors.replace(/[^/]*$/, ''), ...options },
  );
}

async function readBytes(readFile: Fs['readFile'], path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw fileError(path, cause, 'Check the path.');
  }
}

function fileError(path: string, cause: unknown, hint: string): AlsError {
  return new AlsError(ErrorCode.FILE_ERROR, `Cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? String(cause)}).`, hint, { cause });
}

/**
 * Node file helpers for the interop formats. node:fs is imported only when one of these
 * runs, by a name bundlers leave alone, so the interop entry still bundles for browsers.
 */
import { ErrorCode, fail } from '../errors.js';
import { writeDirectoryAtomically, writeFileAtomically } from '../io/atomic-write.js';
import { nodeFs, type Fs } from '../io/node-modules.js';
import { checkOutput, checkPath, fileError } from '../io/output-target.js';
import type { ALSModel } from '../model/model.js';
import { boolean, checkIsObject, checkOptions, describe, integer } from '../validate.js';
import { readImplicitModel, readNpyFactors, writeImplicitModel, type ImplicitReadOptions } from './implicit.js';
import { readSparkModel, writeSparkModel, type SparkReadOptions, type SparkWriteOptions } from './spark.js';
import type { AlsOptions } from '../train/options.js';

const fs = nodeFs;

/** The directories of a Spark model that hold data; anything else (e.g. Hadoop side files) is not read. */
const SPARK_DIRS = ['metadata', 'userFactors', 'itemFactors'];

export interface SparkSaveOptions extends SparkWriteOptions {
  /**
   * Replace an existing directory (as Spark's write.overwrite()). Only a Spark ALSModel
   * directory is ever replaced; anything else is refused. Default false.
   */
  overwrite?: boolean;
}

export interface ImplicitSaveOptions {
  /** Write user_ids / item_ids when the IDs are not row indices. Default true. */
  ids?: boolean;
  /** Deflate the arrays. Default false (as numpy.savez). */
  compress?: boolean;
  /** Replace an existing file; only an .npz, an als-wasm model or an empty file is ever replaced. Default false. */
  overwrite?: boolean;
}

/** Node: reads a Spark ALSModel directory (as written by model.save(path) in Spark). */
export async function loadSparkModel(dir: string, options: SparkReadOptions = {}): Promise<ALSModel> {
  checkPath(dir);
  checkIsObject('loadSparkModel options', options);
  const { readdir, readFile } = await fs();
  const files = new Map<string, Uint8Array>();
  for (const sub of SPARK_DIRS) {
    let names: string[];
    try {
      names = await readdir(`${dir}/${sub}`);
    } catch (cause) {
      throw fileError('read', `${dir}/${sub}`, cause, {
        ENOENT: `Is ${dir} a saved Spark ALSModel (holding metadata/, userFactors/, itemFactors/)?`,
        ENOTDIR: `Is ${dir} a saved Spark ALSModel (a directory holding metadata/, userFactors/, itemFactors/)?`,
      });
    }
    for (const name of names) {
      // Parts and their Hadoop checksums (.part-….crc): the reader verifies every part that has one.
      const checksum = name.startsWith('.part-') && name.endsWith('.crc');
      if (!checksum && (!name.startsWith('part-') || name.endsWith('.crc'))) continue;
      files.set(`${sub}/${name}`, await readBytes(readFile, `${dir}/${sub}/${name}`));
    }
  }
  return readSparkModel(files, { name: dir, ...options });
}

/**
 * Node: writes the model as a Spark ALSModel directory, atomically (built beside it, then
 * renamed into place). An existing path is refused unless `overwrite`, which replaces only a
 * Spark ALSModel directory and never anything else.
 */
export async function saveSparkModel(model: ALSModel, dir: string, options: SparkSaveOptions = {}): Promise<void> {
  const { overwrite, ...write } = checkOptions('saveSparkModel options', options, [
    'sparkVersion',
    'uid',
    'timestamp',
    'overwrite',
  ]);
  if (write.sparkVersion !== undefined) nonEmptyString('sparkVersion', write.sparkVersion);
  if (write.uid !== undefined) nonEmptyString('uid', write.uid);
  if (write.timestamp !== undefined) integer('timestamp', write.timestamp, 0, Number.MAX_SAFE_INTEGER);
  const target = {
    overwrite: overwrite === undefined ? false : boolean('overwrite', overwrite),
    overwriteFlag: "overwrite: true (as Spark's write.overwrite())",
  };
  await checkOutput(dir, 'spark', target); // before encoding: a refused path costs nothing
  await writeDirectoryAtomically(dir, writeSparkModel(model, write), target);
}

/** Node: reads an `implicit` model (.npz). */
export async function loadImplicitModel(path: string, options: ImplicitReadOptions = {}): Promise<ALSModel> {
  checkPath(path);
  checkIsObject('loadImplicitModel options', options);
  const { readFile } = await fs();
  return readImplicitModel(await readBytes(readFile, path), { name: path, ...options });
}

/**
 * Node: writes the model as an `implicit` .npz, atomically (a temporary file beside it,
 * renamed into place). An existing file is refused unless `overwrite`, which replaces only an
 * .npz, an als-wasm model or an empty file.
 */
export async function saveImplicitModel(model: ALSModel, path: string, options: ImplicitSaveOptions = {}): Promise<void> {
  const { overwrite, ...write } = checkOptions('saveImplicitModel options', options, ['ids', 'compress', 'overwrite']);
  if (write.ids !== undefined) boolean('ids', write.ids);
  if (write.compress !== undefined) boolean('compress', write.compress);
  const target = { overwrite: overwrite === undefined ? false : boolean('overwrite', overwrite) };
  await checkOutput(path, 'file', target);
  await writeFileAtomically(path, writeImplicitModel(model, write), target);
}

/** Node: reads two .npy factor matrices. */
export async function loadNpyFactors(
  paths: { userFactors: string; itemFactors: string },
  options: ImplicitReadOptions & { conventions?: AlsOptions } = {},
): Promise<ALSModel> {
  const p = checkOptions('loadNpyFactors paths', paths, ['userFactors', 'itemFactors']);
  checkPath(p.userFactors);
  checkPath(p.itemFactors);
  checkIsObject('loadNpyFactors options', options);
  const { readFile } = await fs();
  return readNpyFactors(
    { userFactors: await readBytes(readFile, p.userFactors), itemFactors: await readBytes(readFile, p.itemFactors) },
    { name: p.userFactors.replace(/[^/]*$/, ''), ...options },
  );
}

async function readBytes(readFile: Fs['readFile'], path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw fileError('read', path, cause);
  }
}

function nonEmptyString(name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '')
    fail(ErrorCode.INVALID_OPTION, `${name} must be a non-empty string (got ${describe(value)}).`);
}

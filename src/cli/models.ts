/**
 * Model files for the command line: this library's .als, a Spark ALSModel directory or an
 * `implicit` .npz, told apart by --from/--to or by the path (a directory is Spark's layout).
 */
import { statSync } from 'node:fs';
import { AlsError, ErrorCode } from '../errors.js';
import { ALSModel } from '../model/model.js';
import type { Id } from '../data/id-map.js';
import { loadImplicitModel, loadSparkModel, saveImplicitModel, saveSparkModel } from '../interop/files.js';
import { checkOutput } from '../io/output-target.js';
import type { SparkReadOptions } from '../interop/spark.js';

export type ModelFormat = 'als' | 'spark' | 'npz';
export const MODEL_FORMATS: readonly ModelFormat[] = ['als', 'spark', 'npz'];

export function modelFormat(path: string, given: string | undefined, forWriting: boolean): ModelFormat {
  if (given !== undefined) {
    if (!MODEL_FORMATS.includes(given as ModelFormat))
      throw new AlsError(ErrorCode.INVALID_OPTION, `Unknown model format '${given}'.`, `Use one of ${MODEL_FORMATS.join(', ')}.`);
    return given as ModelFormat;
  }
  if (/\.npz$/i.test(path)) return 'npz';
  if (/\.als$/i.test(path)) return 'als';
  if (!forWriting) {
    try {
      if (statSync(path).isDirectory()) return 'spark';
    } catch {
      // a missing file is reported by the loader, with its path
    }
  }
  return 'als'; // Spark's layout is a directory: it is written only when asked for (--to spark)
}

export async function loadModel(path: string, format: ModelFormat, spark: SparkReadOptions = {}): Promise<ALSModel> {
  if (format === 'spark') return loadSparkModel(path, spark);
  if (format === 'npz') return loadImplicitModel(path);
  return ALSModel.load(path);
}

const OVERWRITE = { overwriteFlag: '--overwrite' };

/**
 * Refuses an output that cannot be written (no such directory, a directory where a file goes,
 * an existing output without --overwrite, or one that is not ours): run before anything is
 * read or trained, so a bad -o costs nothing.
 */
export async function checkModelOutput(path: string, format: ModelFormat, overwrite: boolean): Promise<void> {
  await checkOutput(path, format === 'spark' ? 'spark' : 'file', { overwrite, ...OVERWRITE });
}

/** Writes the model atomically; --overwrite replaces only an output of ours (see io/output-target.ts). */
export async function saveModel(model: ALSModel, path: string, format: ModelFormat, overwrite: boolean): Promise<void> {
  if (format === 'spark') return saveSparkModel(model, path, { overwrite });
  if (format === 'npz') return saveImplicitModel(model, path, { overwrite });
  return model.save(path, { overwrite });
}

/**
 * An ID typed on the command line is a string; the model may know it as a number (IDs read
 * from a file of numbers). Take the string when the model knows it, else the number.
 */
export function idFor(model: ALSModel, side: 'user' | 'item', raw: string): Id {
  const index = (id: Id) => (side === 'user' ? model.userIndex(id) : model.itemIndex(id));
  if (index(raw) >= 0) return raw;
  const n = Number(raw);
  if (raw.trim() !== '' && Number.isFinite(n) && index(n) >= 0) return n;
  throw new AlsError(
    ErrorCode.UNKNOWN_ID,
    `The model has no ${side} '${raw}'.`,
    `It has ${side === 'user' ? model.numUsers : model.numItems} ${side}s; check the ID.`,
  );
}

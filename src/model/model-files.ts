/**
 * The glue between ALSModel and its bytes: toBytes through the format (docs/model-format.md),
 * and save/load in Node. The file code (io/model-file.ts) and node:fs are imported only when
 * save or load runs, by names bundlers leave alone, so serving carries none of it.
 */
import { ErrorCode, fail } from '../errors.js';
import { boolean, checkOptions } from '../validate.js';
import { encodeModel } from './format.js';
import type { ModelParts } from './model.js';

const NODE_FS = 'node:fs/promises';
const MODEL_FILE = '../io/model-file.js';

/** toBytes: the parts encoded, with the users' seen items unless `seen: false`. */
export function modelBytes(parts: ModelParts, options: { seen?: boolean }): Uint8Array {
  const o = checkOptions('toBytes options', options, ['seen']);
  return encodeModel(parts, o.seen === undefined ? true : boolean('seen', o.seen));
}

/** save: the model's bytes written atomically (see io/model-file.ts). */
export async function saveModel(
  model: { toBytes(options: { seen?: boolean }): Uint8Array },
  path: string,
  options: { seen?: boolean; overwrite?: boolean },
): Promise<void> {
  await ((await import(MODEL_FILE)) as typeof import('../io/model-file.js')).saveModelFile(model, path, options);
}

/** load: a model file's bytes; FILE_ERROR naming the path when it cannot be read. */
export async function readModelFile(path: string): Promise<Uint8Array> {
  if (typeof path !== 'string' || path === '')
    fail(ErrorCode.INVALID_OPTION, `ALSModel.load needs a file path (got ${path === '' ? 'an empty string' : typeof path}).`);
  const { readFile } = (await import(NODE_FS)) as typeof import('node:fs/promises');
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const hint =
      code === 'EISDIR'
        ? 'It is a directory: a Spark model? Load it with loadSparkModel (the CLI: --from spark).'
        : 'Check the path.';
    fail(ErrorCode.FILE_ERROR, `Cannot read model file ${path} (${code ?? String(cause)}).`, hint, cause);
  }
}

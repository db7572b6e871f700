/**
 * model.save(path): the .als file in Node. model.ts imports this only when save runs, by a
 * name bundlers leave alone, so als-wasm/serve carries none of it.
 */
import { boolean, checkOptions } from '../validate.js';
import { writeFileAtomically } from './atomic-write.js';
import { checkOutput } from './output-target.js';

export interface SaveOptions {
  /** Keep each user's seen items in the file (for excludeSeen after loading). Default true. */
  seen?: boolean;
  /**
   * Replace an existing file. Only an als-wasm model, an .npz or an empty file is ever
   * replaced; anything else is refused. Default false: an existing file is refused.
   */
  overwrite?: boolean;
}

/** Writes model.toBytes() to `path` atomically (see atomic-write.ts). */
export async function saveModelFile(
  model: { toBytes(options: { seen?: boolean }): Uint8Array },
  path: string,
  options: SaveOptions | undefined,
): Promise<void> {
  const o = checkOptions('save options', options, ['seen', 'overwrite']);
  const seen = o.seen === undefined ? true : boolean('seen', o.seen);
  const overwrite = o.overwrite === undefined ? false : boolean('overwrite', o.overwrite);
  await checkOutput(path, 'file', { overwrite }); // before encoding: a refused path costs nothing
  await writeFileAtomically(path, model.toBytes({ seen }), { overwrite });
}

/**
 * Text outputs of the command line (predictions, everyone's recommendations) to stdout or a
 * file. A file is written as the model files are (io/atomic-write.ts): checked before any work,
 * written in full under a temporary name beside the target, synced, renamed into place. An
 * existing file is replaced only with --overwrite and only when it is one of these outputs
 * (it starts with one of their header lines, or is empty: io/output-target.ts, kind 'text'):
 * `predict model ratings.csv -o ratings.csv` must never destroy the data.
 */
import { once } from 'node:events';
import { writeFileAtomically } from '../io/atomic-write.js';
import { checkOutput } from '../io/output-target.js';

/** Appends text to the output; pieces are gathered into writes of about 1 MiB. */
export type WriteText = (text: string) => Promise<void>;

const FLUSH_CHARS = 1 << 20;
const OPTIONS = (overwrite: boolean) => ({ overwrite, overwriteFlag: '--overwrite' });

/**
 * Refuses an output path that cannot take a text output: its directory is missing or not
 * writable, it is a directory, or it holds something else (or, without --overwrite, anything).
 * Run before the model is read and anything is computed.
 */
export async function checkTextOutput(path: string, overwrite: boolean): Promise<void> {
  await checkOutput(path, 'text', OPTIONS(overwrite));
}

/**
 * Runs `produce` with a writer to `path` (written atomically; when `produce` throws, the
 * target is left as it was) or to stdout when there is no path.
 */
export async function writeTextOutput(
  path: string | undefined,
  overwrite: boolean,
  produce: (write: WriteText) => Promise<void>,
): Promise<void> {
  if (path === undefined) {
    await buffered(async (text) => {
      if (!process.stdout.write(text)) await once(process.stdout, 'drain');
    }, produce);
    return;
  }
  await writeFileAtomically(
    path,
    (file) => buffered(async (text) => void (await file.write(text)), produce),
    OPTIONS(overwrite),
    'text',
  );
}

async function buffered(sink: (text: string) => Promise<void>, produce: (write: WriteText) => Promise<void>): Promise<void> {
  let pending = '';
  await produce(async (text) => {
    pending += text;
    if (pending.length >= FLUSH_CHARS) {
      const chunk = pending;
      pending = '';
      await sink(chunk);
    }
  });
  if (pending !== '') await sink(pending);
}

#!/usr/bin/env node
/**
 * The `als-wasm` command. Human output by default, progress bars on stderr when it is a
 * terminal; `--json` prints one JSON object per line (one per iteration, then a summary).
 * Exit codes (EXIT_CODES, also in the help): 0 ok; 1 a usage error or an AlsError of any code
 * (one line "als-wasm: CODE: message", in the CLI's terms, never a stack); 2 an internal
 * error, i.e. a bug (the stack is printed). Every output is checked before anything is read
 * or trained, and written atomically (io/atomic-write.ts, text-output.ts). One file per
 * command under commands/.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { AlsError } from '../errors.js';
import { registerBench } from './commands/bench.js';
import { registerConvert } from './commands/convert.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerPredict } from './commands/predict.js';
import { registerRecommend } from './commands/recommend.js';
import { registerTrain } from './commands/train.js';
import { cliMessage } from './messages.js';
import { NUMBER_FORMS } from './numbers.js';

/** What a non-zero exit means; stated in the help and relied on by scripts. */
export const EXIT_CODES = { ok: 0, userError: 1, internalError: 2 } as const;

const HELP_NOTES = `
Numbers: ${NUMBER_FORMS}
Outputs: checked before anything is read or trained (the directory exists, nothing is there
  unless --overwrite), written under a temporary name beside the target and renamed into place.
  --overwrite replaces only an als-wasm .als file, an .npz file or a Spark ALSModel directory
  (metadata/, userFactors/, itemFactors/ and Hadoop side files), or a CSV / JSONL file that
  predict or recommend --all wrote; anything else is left alone.
Exit codes: 0 ok; 1 a usage error, or an error in the input, options or files (one line
  "als-wasm: CODE: message"); 2 an internal error, a bug (the message and a stack).`;

/** The package's version, from the package.json beside src/ or dist/. */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

export function program(): Command {
  const prog = new Command('als-wasm')
    .description(
      'Matrix factorization by Alternating Least Squares (WebAssembly SIMD): train, evaluate, tune, recommend, predict, convert.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText('afterAll', HELP_NOTES);
  registerTrain(prog);
  registerRecommend(prog);
  registerPredict(prog);
  registerConvert(prog);
  registerEvaluate(prog);
  registerBench(prog);
  return prog;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed.
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.help'
        ? EXIT_CODES.ok
        : EXIT_CODES.userError;
    }
    if (isAlsError(error)) {
      // The message is written for the user; a stack would only bury it.
      process.stderr.write(`als-wasm: ${error.code}: ${cliMessage(error.message.replace(/\s*\n\s*/g, ' '))}\n`);
      return EXIT_CODES.userError;
    }
    process.stderr.write(
      `als-wasm: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_CODES.internalError;
  }
}

/** An AlsError, also one from another copy of the package (a worker's, a second install). */
function isAlsError(error: unknown): error is AlsError {
  return (
    error instanceof AlsError ||
    (error instanceof Error && error.name === 'AlsError' && typeof (error as { code?: unknown }).code === 'string')
  );
}

function invokedDirectly(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  process.exitCode = await main(process.argv.slice(2));
}

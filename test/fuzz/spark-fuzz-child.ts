/**
 * Child process of the Spark part fuzzer (spark-fuzz.ts): loads the real Spark model once,
 * then for each case flips one byte of one part, loads the directory with readSparkModel and
 * writes one JSON line per case to stdout, synchronously, so the parent knows exactly which
 * case was running if this process aborts or hangs.
 *
 * stdin: JSON { root, part, cases: [[byte, mask, withCrc], …] }.
 */
import { readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AlsError } from '../../src/errors.js';
import type { ALSModel } from '../../src/model/model.js';
import { readSparkModel } from '../../src/interop/spark.js';

interface Job {
  root: string;
  part: string;
  cases: [number, number, boolean][];
}

const job = JSON.parse(readFileSync(0, 'utf8')) as Job;
const files = new Map<string, Uint8Array>();
for (const sub of ['metadata', 'userFactors', 'itemFactors']) {
  for (const name of readdirSync(join(job.root, sub)))
    files.set(`${sub}/${name}`, new Uint8Array(readFileSync(join(job.root, sub, name))));
}
const original = files.get(job.part)!;
const checksum = job.part.replace(/[^/]*$/, (base) => `.${base}.crc`);
const reference = await readSparkModel(files);

function same(a: ALSModel, b: ALSModel): boolean {
  const bits = (f: Float32Array) => new Uint32Array(f.buffer, f.byteOffset, f.length);
  const equal = (x: ArrayLike<unknown>, y: ArrayLike<unknown>) =>
    x.length === y.length && Array.prototype.every.call(x, (v, i) => v === y[i]);
  return (
    a.factors === b.factors &&
    equal(a.userIds, b.userIds) &&
    equal(a.itemIds, b.itemIds) &&
    equal(bits(a.userFactors), bits(b.userFactors)) &&
    equal(bits(a.itemFactors), bits(b.itemFactors)) &&
    JSON.stringify(a.options) === JSON.stringify(b.options)
  );
}

/** One line to the parent, now: a pipe may be full (EAGAIN), so wait and retry rather than die. */
function report(line: string): void {
  const bytes = Buffer.from(`${line}\n`);
  let written = 0;
  while (written < bytes.length) {
    try {
      written += writeSync(1, bytes, written);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

// The harness's self-test: on these bytes, die as V8 does on a fatal error, or spin forever.
const abortOn = Number(process.env.SPARK_FUZZ_ABORT_ON ?? -1);
const spinOn = Number(process.env.SPARK_FUZZ_SPIN_ON ?? -1);

for (const [byte, mask, withCrc] of job.cases) {
  if (byte === abortOn) process.kill(process.pid, 'SIGKILL'); // no core file, unlike abort()
  if (byte === spinOn) for (;;);
  const flipped = original.slice();
  flipped[byte] ^= mask;
  const input = new Map(files);
  input.set(job.part, flipped);
  if (!withCrc) input.delete(checksum);
  let outcome: string;
  let detail = '';
  const start = performance.now();
  try {
    outcome = same(await readSparkModel(input), reference) ? 'identical' : 'different';
  } catch (e) {
    if (e instanceof AlsError) {
      outcome = e.code;
      // A coded error that wraps something other than the reader's own checks is a bug caught late.
      const cause = (e as { cause?: unknown }).cause;
      if (cause !== undefined && !(cause instanceof AlsError) && (cause as Error)?.name !== 'ParquetError')
        detail = `wraps ${(cause as Error)?.name}: ${(cause as Error)?.message}`;
    } else {
      outcome = 'uncoded';
      detail = `${(e as Error)?.name}: ${(e as Error)?.message}`;
    }
  }
  const ms = performance.now() - start;
  report(JSON.stringify({ byte, mask, withCrc, outcome, ms, detail }));
}

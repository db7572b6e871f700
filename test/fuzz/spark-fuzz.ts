/**
 * Fuzzing the Spark model reader with single-byte flips of one real part, every load in a
 * child process (spark-fuzz-child.ts) so that an abort or a hang is recorded as a failed case
 * instead of killing the test runner. Cases run in batches in one child; when a child dies or
 * stops answering, the case it was on is recorded (crash / hang) and a new child goes on after it.
 *
 * As a script, the full sweep (every byte × XOR 0xff and 0x01 × with and without the .crc):
 *
 *   node --import tsx test/fuzz/spark-fuzz.ts [--bytes N] [--json]
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFooter } from '../../src/interop/parquet-footer.js';
import { scanPages } from '../../src/interop/parquet-pages.js';

export type FuzzCase = [byte: number, mask: number, withCrc: boolean];

export interface CaseResult {
  byte: number;
  mask: number;
  withCrc: boolean;
  /** 'identical', 'different', an ErrorCode, 'uncoded', 'crash' or 'hang'. */
  outcome: string;
  ms: number;
  detail: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
export const SPARK_MODEL = join(repo, '..', 'shared', 'data', 'spark-alsmodel-ml100k', 'als_model');
/** A case slower than this fails; a child silent for longer than HANG_MS is a hang. */
export const SLOW_MS = 1000;
const HANG_MS = 5000;
/** Starting a child (tsx, reading the model, the reference load) may take this long. */
const STARTUP_MS = 60_000;

/** The fuzzed part: userFactors part-00000 (directory-relative path). */
export function fuzzedPart(root = SPARK_MODEL): string {
  const name = readdirSync(join(root, 'userFactors')).find((f) => f.startsWith('part-00000'))!;
  return `userFactors/${name}`;
}

/**
 * The byte ranges of the part that hold page payloads (levels and values, compressed): a
 * flip there may change the numbers without breaking the structure, which only a checksum
 * can catch.
 */
export function dataRanges(bytes: Uint8Array): [number, number][] {
  const footer = readFooter(bytes);
  const ranges: [number, number][] = [];
  for (const group of footer.rowGroups)
    for (const chunk of group.columns)
      for (const page of scanPages(bytes, chunk)) ranges.push([page.start, page.start + page.compressedSize]);
  return ranges;
}

export interface RunOptions {
  root?: string;
  part?: string;
  /** Silence after which a child is killed and its case recorded as a hang. Default 5 s. */
  hangMs?: number;
  /** Extra environment for the children (the harness's self-test makes them abort or spin). */
  env?: Record<string, string>;
}

/** Runs the cases in child processes; one result per case, in order. */
export async function runCases(cases: FuzzCase[], options: RunOptions = {}): Promise<CaseResult[]> {
  const root = options.root ?? SPARK_MODEL;
  const part = options.part ?? fuzzedPart(root);
  const results: CaseResult[] = [];
  while (results.length < cases.length) {
    const batch = cases.slice(results.length);
    const { done, failure } = await runChild(batch, root, part, options.hangMs ?? HANG_MS, options.env ?? {});
    results.push(...done);
    if (failure) {
      const [byte, mask, withCrc] = batch[done.length]!;
      results.push({ byte, mask, withCrc, outcome: failure.outcome, ms: failure.ms, detail: failure.detail });
    }
  }
  return results;
}

function runChild(
  batch: FuzzCase[],
  root: string,
  part: string,
  hangMs: number,
  env: Record<string, string>,
): Promise<{ done: CaseResult[]; failure?: { outcome: string; ms: number; detail: string } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'spark-fuzz-child.ts')], {
      cwd: repo,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const done: CaseResult[] = [];
    let pending = '';
    let stderr = '';
    let hung = false;
    let last = performance.now();
    let timer = setTimeout(onSilence, STARTUP_MS);
    function onSilence() {
      hung = true;
      child.kill('SIGKILL');
    }
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      pending += text;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        done.push(JSON.parse(pending.slice(0, newline)) as CaseResult);
        pending = pending.slice(newline + 1);
        last = performance.now();
        clearTimeout(timer);
        timer = setTimeout(onSilence, hangMs);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (done.length === batch.length) return resolve({ done });
      if (done.length === 0 && !hung && code !== 0 && !/Fatal|abort/i.test(stderr)) {
        // The child could not start (or failed before its first case): not a fuzz result.
        return reject(new Error(`the fuzz child failed to start (exit ${code ?? signal}): ${stderr}`));
      }
      const ms = performance.now() - last;
      resolve({
        done,
        failure: hung
          ? { outcome: 'hang', ms, detail: `no answer in ${hangMs} ms` }
          : {
              outcome: 'crash',
              ms,
              detail: `exit ${code ?? signal}: ${
                stderr
                  .trim()
                  .split('\n')
                  .filter((l) => /error|fatal/i.test(l))
                  .slice(0, 3)
                  .join(' | ') || stderr.trim().slice(-300)
              }`,
            },
      });
    });
    child.stdin.end(JSON.stringify({ root, part, cases: batch }));
  });
}

export interface Summary {
  inputs: number;
  /** Outcome → count; 'different' split by whether the byte lies in a page payload. */
  counts: Record<string, number>;
  worstMs: number;
  worstCase: string;
  /** Cases that break the promise: crash, hang, uncoded, over SLOW_MS, a coded error wrapping an internal one, a different model outside the data bytes or with a checksum. */
  failures: CaseResult[];
}

export function summarize(results: CaseResult[], ranges: [number, number][]): Summary {
  const counts: Record<string, number> = {};
  const failures: CaseResult[] = [];
  let worst = results[0]!;
  const inData = (byte: number) => ranges.some(([a, b]) => byte >= a && byte < b);
  for (const r of results) {
    let category = r.outcome;
    if (r.outcome === 'different')
      category = r.withCrc
        ? 'different (with crc!)'
        : inData(r.byte)
          ? 'different model (no crc, data byte)'
          : 'different (no crc, structure byte!)';
    counts[category] = (counts[category] ?? 0) + 1;
    if (r.ms > worst.ms) worst = r;
    const bad = ['crash', 'hang', 'uncoded'].includes(r.outcome) || r.ms > SLOW_MS || r.detail !== '' || category.endsWith('!)');
    if (bad) failures.push(r);
  }
  return {
    inputs: results.length,
    counts,
    worstMs: worst?.ms ?? 0,
    worstCase: worst ? `byte ${worst.byte} ^ 0x${worst.mask.toString(16)}${worst.withCrc ? ' with .crc' : ''}` : '',
    failures,
  };
}

/** Every byte of the part × XOR 0xff and 0x01, with the .crc or without. */
export function allCases(length: number, withCrc: boolean): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (let byte = 0; byte < length; byte++) for (const mask of [0xff, 0x01]) cases.push([byte, mask, withCrc]);
  return cases;
}

async function main() {
  if (!existsSync(SPARK_MODEL)) {
    console.error(`${SPARK_MODEL} is absent; nothing to fuzz.`);
    process.exit(1);
  }
  const part = fuzzedPart();
  const bytes = new Uint8Array(readFileSync(join(SPARK_MODEL, part)));
  const limit = process.argv.includes('--bytes') ? Number(process.argv[process.argv.indexOf('--bytes') + 1]) : bytes.length;
  const ranges = dataRanges(bytes);
  const report: Record<string, Summary> = {};
  for (const withCrc of [true, false]) {
    const started = performance.now();
    const results = await runCases(allCases(Math.min(limit, bytes.length), withCrc));
    const summary = summarize(results, ranges);
    report[withCrc ? 'with .crc' : 'without .crc'] = summary;
    if (!process.argv.includes('--json')) {
      console.log(
        `${part} (${bytes.length} bytes), ${withCrc ? 'with' : 'without'} its .crc: ${summary.inputs} inputs in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      for (const [outcome, n] of Object.entries(summary.counts).sort((a, b) => b[1] - a[1]))
        console.log(`  ${outcome.padEnd(40)} ${n}`);
      console.log(`  worst load ${summary.worstMs.toFixed(1)} ms (${summary.worstCase}); failures ${summary.failures.length}`);
      for (const f of summary.failures.slice(0, 20)) console.log(`    ${JSON.stringify(f)}`);
    }
  }
  if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 2));
  process.exit(Object.values(report).some((s) => s.failures.length) ? 1 : 0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();

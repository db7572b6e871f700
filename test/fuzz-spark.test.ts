/**
 * Single-byte flips of a real Spark part (userFactors part-00000 of the MovieLens model), each
 * loaded with readSparkModel in a child process (test/fuzz/spark-fuzz.ts): never an abort, a
 * hang or a load over a second; with the part's .crc every flip is CORRUPT_MODEL; without it a
 * flip is a coded error, an identical model, or — only for a byte inside a page's data — a
 * model with other numbers (nothing but a checksum can catch those).
 *
 * Every byte × XOR 0xff and 0x01, with and without the .crc (19,600 loads, about 25 s on two
 * cores). The same sweep as a script, with its counts: node --import tsx test/fuzz/spark-fuzz.ts
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allCases, dataRanges, fuzzedPart, runCases, SLOW_MS, SPARK_MODEL, summarize } from './fuzz/spark-fuzz.js';

const haveSpark = existsSync(SPARK_MODEL);
if (!haveSpark) console.warn(`fuzz-spark: ${SPARK_MODEL} is absent; the Spark part fuzzing is skipped.`);

describe.skipIf(!haveSpark)('fuzzing a Spark part, one flipped byte at a time, in child processes', () => {
  it('the harness records a child that aborts or hangs as that case, and goes on after it', async () => {
    const cases = [0, 1, 2, 3, 4, 5].map((byte): [number, number, boolean] => [byte, 0xff, true]);
    const results = await runCases(cases, { hangMs: 1500, env: { SPARK_FUZZ_ABORT_ON: '1', SPARK_FUZZ_SPIN_ON: '3' } });
    expect(results.map((r) => [r.byte, r.outcome])).toEqual([
      [0, 'CORRUPT_MODEL'],
      [1, 'crash'],
      [2, 'CORRUPT_MODEL'],
      [3, 'hang'],
      [4, 'CORRUPT_MODEL'],
      [5, 'CORRUPT_MODEL'],
    ]);
  }, 120_000);

  const part = haveSpark ? fuzzedPart() : '';
  const bytes = haveSpark ? new Uint8Array(readFileSync(join(SPARK_MODEL, part))) : new Uint8Array(0);

  it('with its .crc, every byte XOR 0xff and XOR 0x01 is CORRUPT_MODEL, none over a second', async () => {
    const results = await runCases(allCases(bytes.length, true));
    const summary = summarize(results, dataRanges(bytes));
    console.log(`fuzz-spark with .crc: ${JSON.stringify(summary.counts)}; worst ${summary.worstMs.toFixed(1)} ms`);
    expect(summary.failures).toEqual([]);
    expect(summary.counts).toEqual({ CORRUPT_MODEL: 2 * bytes.length });
    expect(summary.worstMs).toBeLessThan(SLOW_MS);
  }, 120_000);

  it('without its .crc, every flip is a coded error, an identical load, or other numbers only from a data byte', async () => {
    const results = await runCases(allCases(bytes.length, false));
    const summary = summarize(results, dataRanges(bytes));
    console.log(`fuzz-spark without .crc: ${JSON.stringify(summary.counts)}; worst ${summary.worstMs.toFixed(1)} ms`);
    expect(summary.failures).toEqual([]);
    // The two flips of the issue: a V8 abort and a hang before.
    const outcome = (byte: number, mask: number) => results.find((r) => r.byte === byte && r.mask === mask)!.outcome;
    expect([outcome(488, 0xff), outcome(4321, 0x01)]).toEqual(['CORRUPT_MODEL', 'CORRUPT_MODEL']);
    const allowed = [
      'CORRUPT_MODEL',
      'UNSUPPORTED_FORMAT',
      'NON_FINITE_VALUE',
      'identical',
      'different model (no crc, data byte)',
    ];
    for (const category of Object.keys(summary.counts)) expect(allowed, category).toContain(category);
    expect(summary.worstMs).toBeLessThan(SLOW_MS);
  }, 120_000);
});

/**
 * Single-byte flips of a real Spark part (userFactors part-00000 of the MovieLens model), each
 * loaded with readSparkModel in a child process (test/fuzz/spark-fuzz.ts): never an abort, a
 * hang or a load over a second; with the part's .crc every flip is CORRUPT_MODEL; without it a
 * flip is a coded error, an identical model, or — only for a byte inside a page's data — a
 * model with other numbers (nothing but a checksum can catch those).
 *
 * CI runs every byte with the .crc and a seeded sample without; the full sweep without is
 *   node --import tsx test/fuzz/spark-fuzz.ts
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Prng } from '../src/train/prng.js';
import { allCases, dataRanges, fuzzedPart, runCases, SLOW_MS, SPARK_MODEL, summarize, type FuzzCase } from './fuzz/spark-fuzz.js';

const haveSpark = existsSync(SPARK_MODEL);
if (!haveSpark) console.warn(`fuzz-spark: ${SPARK_MODEL} is absent; the Spark part fuzzing is skipped.`);

/** Without the .crc: this many of the 2 × length flips, drawn with a fixed seed, plus the two from the issue. */
const SAMPLE = 2500;

describe.skipIf(!haveSpark)('fuzzing a Spark part, one flipped byte at a time, in child processes', () => {
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

  it('without its .crc, a seeded sample of flips: coded errors, identical loads, or other numbers only from data bytes', async () => {
    const rng = new Prng(20251130);
    const all = allCases(bytes.length, false);
    const picked = new Set<number>();
    while (picked.size < SAMPLE) picked.add(Math.floor(rng.next() * all.length));
    const cases: FuzzCase[] = [[488, 0xff, false], [4321, 0x01, false], ...[...picked].sort((a, b) => a - b).map((i) => all[i]!)];
    const results = await runCases(cases);
    const summary = summarize(results, dataRanges(bytes));
    console.log(`fuzz-spark without .crc (${cases.length} of ${all.length}): ${JSON.stringify(summary.counts)}; worst ${summary.worstMs.toFixed(1)} ms`);
    expect(summary.failures).toEqual([]);
    expect(results.slice(0, 2).map((r) => r.outcome)).toEqual(['CORRUPT_MODEL', 'CORRUPT_MODEL']);
    const allowed = ['CORRUPT_MODEL', 'UNSUPPORTED_FORMAT', 'NON_FINITE_VALUE', 'identical', 'different model (no crc, data byte)'];
    for (const category of Object.keys(summary.counts)) expect(allowed, category).toContain(category);
    expect(summary.worstMs).toBeLessThan(SLOW_MS);
  }, 120_000);
});

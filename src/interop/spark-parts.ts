/**
 * The parts of one directory of a Spark model (metadata/, userFactors/, itemFactors/), checked
 * as a set before any is read:
 *
 * - Spark numbers a DataFrame's parts part-00000, part-00001, … (one per task, so one per
 *   partition); a gap means a part was lost in copying, and loading the rest would give a
 *   model with silently fewer users or items. So is a part whose Hadoop checksum file
 *   (`.part-….crc`) is there but which is not.
 * - A part with its checksum file is verified against it (hadoop-checksum.ts), so a flipped or
 *   cut byte is refused before the part is parsed.
 */
import { AlsError, ErrorCode } from '../errors.js';
import { checkHadoopChecksum } from './hadoop-checksum.js';

export interface SparkPart {
  /** Path within the model directory (dir/part-…). */
  path: string;
  bytes: Uint8Array;
}

const PART_NUMBER = /^part-(?:[a-z]-)?(\d+)/;

/** The data parts of `dir` in Spark's order, every one present and matching its checksum when it has one. */
export function sparkParts(files: ReadonlyMap<string, Uint8Array>, dir: string, name: string): SparkPart[] {
  const parts: (SparkPart & { base: string; number: number })[] = [];
  const checksums = new Map<string, Uint8Array>();
  for (const [path, bytes] of files) {
    const slash = path.lastIndexOf('/');
    if (path.slice(0, slash) !== dir) continue;
    const base = path.slice(slash + 1);
    if (base.startsWith('.part-') && base.endsWith('.crc')) checksums.set(base.slice(1, -4), bytes);
    else if (base.startsWith('part-') && !base.endsWith('.crc')) {
      const number = PART_NUMBER.exec(base);
      if (!number)
        throw new AlsError(
          ErrorCode.CORRUPT_MODEL,
          `${name}: ${path} is not named as Spark names its parts (part-NNNNN…).`,
          'Remove files you added to the model directory, or copy it again.',
        );
      parts.push({ path, bytes, base, number: Number(number[1]) });
    }
  }
  for (const target of checksums.keys()) {
    if (!parts.some((p) => p.base === target)) {
      throw new AlsError(
        ErrorCode.CORRUPT_MODEL,
        `${name}: ${dir}/${target} is missing; its checksum file ${dir}/.${target}.crc is there.`,
        'Copy the whole model directory again.',
      );
    }
  }
  parts.sort((a, b) => a.number - b.number || (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  // Part numbers run 0, 1, … with none left out (several files of one number are one task's).
  let expected = 0;
  for (const part of parts) {
    if (part.number > expected) {
      const width = PART_NUMBER.exec(part.base)![1]!.length;
      const missing = `part-${String(expected).padStart(width, '0')}`;
      throw new AlsError(
        ErrorCode.CORRUPT_MODEL,
        `${name}: ${dir}/${missing} is missing (the parts there are ${parts.map((p) => p.number).join(', ')}); loading the others would lose its rows.`,
        'Copy the whole model directory again.',
      );
    }
    if (part.number === expected) expected++;
  }
  for (const part of parts) {
    const checksum = checksums.get(part.base);
    if (!checksum) continue;
    const problem = checkHadoopChecksum(part.bytes, checksum);
    if (problem) {
      throw new AlsError(
        problem.truncated ? ErrorCode.TRUNCATED_MODEL : ErrorCode.CORRUPT_MODEL,
        `${name}: ${part.path} is damaged: ${problem.message}.`,
        'Copy the model directory again.',
      );
    }
  }
  return parts.map(({ path, bytes }) => ({ path, bytes }));
}

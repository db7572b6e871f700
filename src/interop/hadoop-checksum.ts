/**
 * Hadoop's checksum side files: beside every `part-x` a Hadoop (or Spark) job writes on a
 * local or mounted file system, `.part-x.crc` holds
 *
 *   "crc\0", bytesPerChecksum (u32 big-endian, 512 by default), then one big-endian CRC per
 *   chunk of bytesPerChecksum bytes of the part.
 *
 * Hadoop's ChecksumFileSystem writes CRC-32 (zlib's polynomial; the files Spark 3.0.2 wrote
 * beside the MovieLens model here are CRC-32); HDFS itself uses CRC-32C, so a file whose first
 * chunk matches CRC-32C instead is read as CRC-32C throughout. Verifying them turns every
 * flipped or cut byte of a part into a clear refusal instead of a model with other numbers.
 */

export { crc32, crc32c } from '../crc.js';
import { crc32, crc32c } from '../crc.js';

export interface ChecksumProblem {
  /** The part is shorter than its checksum file says: cut off in copying. */
  truncated: boolean;
  message: string;
}

/** What is wrong with `data` according to its Hadoop checksum file, or null when every chunk matches. */
export function checkHadoopChecksum(data: Uint8Array, checksum: Uint8Array): ChecksumProblem | null {
  const corrupt = (message: string) => ({ truncated: false, message });
  if (checksum.length < 8 || checksum[0] !== 0x63 || checksum[1] !== 0x72 || checksum[2] !== 0x63 || checksum[3] !== 0) {
    return corrupt('its checksum file is not a Hadoop checksum file (no "crc\\0" header)');
  }
  const view = new DataView(checksum.buffer, checksum.byteOffset, checksum.byteLength);
  const chunk = view.getUint32(4, false);
  if (chunk === 0 || (checksum.length - 8) % 4)
    return corrupt(`its checksum file is damaged (${chunk} bytes per checksum, ${checksum.length} bytes)`);
  const stored = (checksum.length - 8) / 4;
  const chunks = Math.ceil(data.length / chunk);
  if (stored !== chunks) {
    const covered = `its checksum file covers ${stored} chunks of ${chunk} bytes; the part has ${data.length} bytes (${chunks} chunks)`;
    return { truncated: stored > chunks, message: covered };
  }
  let crc = crc32;
  for (let c = 0; c < chunks; c++) {
    const bytes = data.subarray(c * chunk, Math.min(data.length, (c + 1) * chunk));
    const expected = view.getUint32(8 + 4 * c, false);
    if (c === 0 && crc(bytes) !== expected && crc32c(bytes) === expected) crc = crc32c;
    if (crc(bytes) !== expected) return corrupt(`bytes ${c * chunk}–${c * chunk + bytes.length - 1} fail their checksum`);
  }
  return null;
}

/** The checksum file Hadoop writes beside `data`: CRC-32 per 512-byte chunk. */
export function hadoopChecksumFile(data: Uint8Array, bytesPerChecksum = 512): Uint8Array {
  const chunks = Math.ceil(data.length / bytesPerChecksum);
  const out = new Uint8Array(8 + 4 * chunks);
  const view = new DataView(out.buffer);
  out.set([0x63, 0x72, 0x63, 0]);
  view.setUint32(4, bytesPerChecksum, false);
  for (let c = 0; c < chunks; c++)
    view.setUint32(8 + 4 * c, crc32(data.subarray(c * bytesPerChecksum, (c + 1) * bytesPerChecksum)), false);
  return out;
}

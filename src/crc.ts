/**
 * The cyclic redundancy checks the file formats use, table-driven: CRC-32 (zlib's polynomial:
 * our model file, zip/.npz members, parquet page checksums, Hadoop's .crc files) and CRC-32C
 * (Castagnoli: HDFS checksums). Each catches every single-byte change.
 */

const tableOf = (polynomial: number) => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? polynomial ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
};
let crc32Table: Uint32Array | undefined;
let crc32cTable: Uint32Array | undefined;

function crcWith(table: Uint32Array, bytes: Uint8Array): number {
  let c = ~0;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 (ISO-HDLC / IEEE 802.3, as zlib, zip and PNG). */
export function crc32(bytes: Uint8Array): number {
  return crcWith((crc32Table ??= tableOf(0xedb88320)), bytes);
}

/** CRC-32C (Castagnoli, HDFS). */
export function crc32c(bytes: Uint8Array): number {
  return crcWith((crc32cTable ??= tableOf(0x82f63b78)), bytes);
}

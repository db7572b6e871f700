/**
 * Dense-ID triples for the benches that time kernels on a real file (half-step.ts,
 * short-rows.ts, whiten-items.ts): an ALSCOO01 file viewed in place, or a MovieLens-style CSV
 * (header, then user,item,rating) with IDs numbered in order of appearance. fit-one.ts keeps
 * its own copy: bench/compiled-fit-one.ts compiles it alone, without bundling its imports.
 */
import { readFileSync } from 'node:fs';

export interface DenseTriples {
  numUsers: number;
  numItems: number;
  users: Int32Array;
  items: Int32Array;
  values: Float32Array;
}

/** An ALSCOO01 file's arrays as views of one copy of the file (layout: ../shared/data/synthetic/README.md). */
export function readAlscoo(path: string): DenseTriples {
  const buf = readFileSync(path);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  const dv = new DataView(ab);
  const nnz = Number(dv.getBigUint64(16, true));
  return {
    numUsers: dv.getUint32(8, true),
    numItems: dv.getUint32(12, true),
    users: new Int32Array(ab, 32, nnz),
    items: new Int32Array(ab, 32 + 4 * nnz, nnz),
    values: new Float32Array(ab, 32 + 8 * nnz, nnz),
  };
}

export function readCsv(path: string): DenseTriples {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '');
  const userIds = new Map<string, number>();
  const itemIds = new Map<string, number>();
  const dense = (ids: Map<string, number>, id: string) => ids.get(id) ?? (ids.set(id, ids.size), ids.size - 1);
  const users = new Int32Array(lines.length);
  const items = new Int32Array(lines.length);
  const values = new Float32Array(lines.length);
  lines.forEach((line, e) => {
    const [u, i, r] = line.split(',');
    users[e] = dense(userIds, u!);
    items[e] = dense(itemIds, i!);
    values[e] = Number(r);
  });
  return { numUsers: userIds.size, numItems: itemIds.size, users, items, values };
}

/** readCsv for a .csv path, else readAlscoo. */
export function readTriplesFile(path: string): DenseTriples {
  return path.endsWith('.csv') ? readCsv(path) : readAlscoo(path);
}

/**
 * ALSCOO01 binary triples: read from a path, from bytes and from a stream to the same Ratings
 * as the same triples written as text; hostile headers refused before anything is viewed.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRatingsFile, parseTriplesFile } from '../src/data/loaders/file.node.js';
import { loadRatings, parseTriples } from '../src/data/loaders/load.js';
import { ErrorCode } from '../src/errors.js';
import { run } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'als-alscoo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An ALSCOO01 file as gen_data.py writes it: header, then users, items, values. */
function alscoo(
  users: number[],
  items: number[],
  values: number[],
  shape: { numUsers?: number; numItems?: number; nnz?: number; reserved?: number } = {},
): Uint8Array {
  const n = values.length;
  const bytes = new Uint8Array(32 + 12 * n);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode('ALSCOO01'));
  view.setUint32(8, shape.numUsers ?? Math.max(...users) + 1, true);
  view.setUint32(12, shape.numItems ?? Math.max(...items) + 1, true);
  view.setBigUint64(16, BigInt(shape.nnz ?? n), true);
  view.setBigUint64(24, BigInt(shape.reserved ?? 0), true);
  for (let e = 0; e < n; e++) {
    view.setInt32(32 + 4 * e, users[e]!, true);
    view.setInt32(32 + 4 * n + 4 * e, items[e]!, true);
    view.setFloat32(32 + 8 * n + 4 * e, values[e]!, true);
  }
  return bytes;
}

// Three users × four items; user 1 rated nothing, item 2 was rated by nobody.
const users = [0, 0, 2, 2, 2];
const items = [3, 0, 1, 0, 3];
const values = [5, 1.5, 2, 4, 0.25];
const file = alscoo(users, items, values, { numUsers: 3, numItems: 4 });

const rowsOf = (r: { byUser: { indptr: Int32Array; indices: Int32Array | Uint16Array; values: Float32Array } }) => ({
  indptr: [...r.byUser.indptr],
  indices: [...r.byUser.indices],
  values: [...r.byUser.values],
});
// By hand: user 0 → items 0 (1.5), 3 (5); user 1 → none; user 2 → items 0 (4), 1 (2), 3 (0.25).
const expected = { indptr: [0, 2, 2, 5], indices: [0, 3, 0, 1, 3], values: [1.5, 5, 4, 2, 0.25] };

describe('ALSCOO01 binary triples', () => {
  it('loadRatingsFile reads a .alscoo file to the hand-built rows, with its IDs the dense indices', async () => {
    const path = join(dir, 'small.alscoo');
    writeFileSync(path, file);
    const { ratings, triples } = await loadRatingsFile(path);
    expect(rowsOf(ratings)).toEqual(expected);
    expect([ratings.numUsers, ratings.numItems]).toEqual([3, 4]);
    expect(ratings.userIds).toEqual([0, 1, 2]);
    expect([...triples.users]).toEqual(users);
    expect(triples.source).toBe(path);
  });

  it('is recognised by its magic, not its name, and the text options do not apply', async () => {
    const path = join(dir, 'ratings.dat');
    writeFileSync(path, file);
    const { ratings } = await loadRatingsFile(path, { delimiter: '\t', header: true });
    expect(rowsOf(ratings)).toEqual(expected);
  });

  it('reads the same from bytes, an ArrayBuffer and a stream cut inside the header', async () => {
    expect(rowsOf((await loadRatings(file)).ratings)).toEqual(expected);
    expect(rowsOf((await loadRatings(file.slice().buffer)).ratings)).toEqual(expected);
    const chunks = [file.subarray(0, 11), file.subarray(11, 40), file.subarray(40)];
    expect(rowsOf((await loadRatings(chunks)).ratings)).toEqual(expected);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of chunks) c.enqueue(chunk);
        c.close();
      },
    });
    expect(rowsOf((await loadRatings(stream)).ratings)).toEqual(expected);
  });

  it('reads an ALSCOO01 Buffer that is a view into a shared pool (unaligned offset)', async () => {
    // Node's small Buffers share one pool; place the file at an odd offset inside a larger buffer.
    const pool = new Uint8Array(file.length + 3).fill(0xee);
    pool.set(file, 1);
    const view = Buffer.from(pool.buffer, 1, file.length);
    const parsed = await parseTriples(view);
    expect([...parsed.items]).toEqual(items);
    expect([...parsed.values]).toEqual(values);
    // The triples are the caller's to keep: changing the input afterwards changes nothing.
    pool.fill(0);
    expect([...parsed.users]).toEqual(users);
  });

  it('refuses a header that claims more ratings than the bytes hold, before viewing anything', async () => {
    const lying = alscoo(users, items, values, { nnz: 2 ** 40 });
    await expect(parseTriples(lying)).rejects.toMatchObject({ code: ErrorCode.CORRUPT_INPUT });
    const cut = file.subarray(0, file.length - 4);
    await expect(parseTriples(cut)).rejects.toMatchObject({
      code: ErrorCode.CORRUPT_INPUT,
      message: expect.stringContaining('header says 5 ratings'),
    });
    await expect(parseTriples(file.subarray(0, 20))).rejects.toMatchObject({
      code: ErrorCode.CORRUPT_INPUT,
      message: expect.stringContaining('shorter than the 32-byte header'),
    });
  });

  it('refuses an index outside the header’s shape, naming the rating', async () => {
    const bad = alscoo([0, 3], [0, 1], [1, 1], { numUsers: 3, numItems: 2 });
    await expect(parseTriples(bad)).rejects.toMatchObject({
      code: ErrorCode.CORRUPT_INPUT,
      message: expect.stringContaining('rating 1 has user 3'),
    });
    const negative = alscoo([0, 1], [0, -1], [1, 1], { numUsers: 2, numItems: 2 });
    await expect(parseTriples(negative)).rejects.toMatchObject({ code: ErrorCode.CORRUPT_INPUT });
  });

  it('refuses a reserved field that is not 0 as a format it does not read', async () => {
    const newer = alscoo(users, items, values, { reserved: 1 });
    await expect(parseTriples(newer)).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_FORMAT });
  });

  it('a non-finite value is refused when the Ratings is built', async () => {
    const nan = alscoo([0], [0], [Number.NaN]);
    await expect(loadRatings(nan)).rejects.toMatchObject({ code: ErrorCode.NON_FINITE_VALUE });
  });

  it('the command line trains on a .alscoo file', async () => {
    const path = join(dir, 'cli.alscoo');
    writeFileSync(path, file);
    const r = await run('train', path, '--implicit', '--factors', '2', '--iterations', '2', '--threads', '1', '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ iterations: 2, ratings: 5, users: 3, items: 4 });
  });
});

const synth1m = fileURLToPath(new URL('../../shared/data/synthetic/synth_1m.alscoo', import.meta.url));
if (!existsSync(synth1m))
  console.warn(`Skipping the synth_1m test: ${synth1m} is absent (read from ../shared/data next to the repo).`);

describe.skipIf(!existsSync(synth1m))('synth_1m.alscoo (../shared/data, read in place)', () => {
  it('has the shape its README gives, and user 0’s row is the file’s first ratings', async () => {
    const parsed = await parseTriplesFile(synth1m);
    expect([parsed.userMap.size, parsed.itemMap.size, parsed.values.length]).toEqual([20_000, 10_000, 1_000_000]);
    const { ratings } = await loadRatingsFile(synth1m);
    const end = ratings.byUser.indptr[1]!;
    // The file is sorted by user, items ascending within a user: row 0 is the file's first `end` entries.
    expect([...ratings.byUser.indices.subarray(0, end)]).toEqual([...parsed.items.subarray(0, end)]);
    expect([...ratings.byUser.values.subarray(0, end)]).toEqual([...parsed.values.subarray(0, end)]);
    expect(end).toBeGreaterThanOrEqual(5); // at least 5 ratings a user (README)
  });
});

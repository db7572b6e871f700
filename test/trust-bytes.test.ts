/**
 * Issue 11 ("Trust"), the byte readers: the .als model file, .npy, .npz / implicit models and
 * the ratings loaders. Each test is named after the bug it pins.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { zlibSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { ALS, ALSModel, AlsError, ErrorCode, Ratings } from '../src/index.js';
import { loadRatings, parseTriples } from '../src/data/loaders/load.js';
import { loadRatingsFile, parseTriplesFile } from '../src/data/loaders/file.node.js';
import type { ParsedTriples } from '../src/data/loaders/parse.js';
import {
  parseNpy,
  readImplicitModel,
  readNpyFactors,
  readNpz,
  writeImplicitModel,
  writeNpy,
  writeNpz,
} from '../src/interop/index.js';
import { crc32 } from '../src/model/format.js';
import { Prng } from '../src/train/prng.js';
import {
  alsErrorOf,
  asyncCodeOf,
  codeOf,
  concat,
  craftZip,
  deflateWithZeros,
  npyHeader,
  storedMember,
  viewAt,
} from './bytes-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'als-trust-bytes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/**
 * A pooled Buffer of these bytes: Node serves allocations under 4 KiB from one shared 8 KiB
 * pool; a larger file gets the same shape, a Buffer over part of a larger ArrayBuffer.
 */
function pooled(bytes: Uint8Array): Buffer {
  const b = bytes.length < 4096 ? Buffer.from(bytes) : Buffer.from(viewAt(bytes, 3).buffer, 3, bytes.length);
  expect(b.buffer.byteLength).toBeGreaterThan(b.byteLength); // really a view into a larger pool
  return b;
}

async function smallModel(ids: 'dense' | 'string' | 'number', biases = false) {
  const rng = new Prng(5);
  const users: (string | number)[] = [];
  const items: (string | number)[] = [];
  const values: number[] = [];
  const id = (prefix: string, n: number) => (ids === 'string' ? `${prefix}${n}é` : ids === 'number' ? n * 10 + 0.5 : n);
  for (let u = 0; u < 3; u++)
    for (let i = 0; i < 4; i++)
      if (rng.next() < 0.7 || i === u)
        users.push(id('u', u)), items.push(id('i', i)), values.push(1 + Math.round(4 * rng.next()));
  const ratings = Ratings.fromTriples({ users, items, values }, { denseIds: ids === 'dense' });
  return new ALS({ factors: 4, iterations: 2, biases, threads: 1 }).fit(ratings);
}

function expectSameModel(a: ALSModel, b: ALSModel) {
  expect(b.userIds).toEqual(a.userIds);
  expect(b.itemIds).toEqual(a.itemIds);
  expect(b.userFactors).toEqual(a.userFactors);
  expect(b.itemFactors).toEqual(a.itemFactors);
}

function rows(p: ParsedTriples): [unknown, unknown, number][] {
  const users = p.userMap.ids();
  const items = p.itemMap.ids();
  return Array.from(p.values, (v, e) => [users[p.users[e]!], items[p.items[e]!], v]);
}

describe('Node Buffers and views at odd offsets (item 1)', () => {
  it('fromBytes reads a Node Buffer that is a view into a shared pool (dense IDs, seen: false: was 2,048 floats and predict 5e28)', async () => {
    const model = await smallModel('dense');
    const bytes = model.toBytes({ seen: false });
    const path = file('dense.als', bytes);
    const buffer = readFileSync(path);
    expect(buffer.buffer.byteLength).toBeGreaterThan(buffer.byteLength); // readFileSync of a small file: a pool view
    const back = ALSModel.fromBytes(buffer);
    expect(back.userFactors.length).toBe(model.numUsers * 4);
    expect(back.toBytes({ seen: false })).toEqual(bytes);
    expect(back.predict(0, 1)).toBe(model.predict(0, 1));
  });

  it.each(['string', 'number', 'dense'] as const)(
    'fromBytes reads pooled Buffers and odd-offset views (%s IDs, seen items, biases: was CORRUPT_MODEL)',
    async (ids) => {
      const model = await smallModel(ids, true);
      const bytes = model.toBytes();
      for (const view of [pooled(bytes), viewAt(bytes, 3), viewAt(bytes, 5), viewAt(bytes, 7)]) {
        const back = ALSModel.fromBytes(view);
        expect(back.toBytes()).toEqual(bytes);
        expect(back.seen).toEqual(model.seen);
      }
    },
  );

  it('the model never aliases the caller’s buffer', async () => {
    const bytes = (await smallModel('string')).toBytes();
    const view = viewAt(bytes, 5);
    const back = ALSModel.fromBytes(view);
    const before = back.userFactors.slice();
    view.fill(0);
    expect(back.userFactors).toEqual(before);
  });

  it('parseNpy reads a pooled Buffer (readFileSync of a small .npy) and odd-offset views', () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => i / 3 - 1);
    const bytes = writeNpy({ dtype: '<f4', shape: [3, 4], data });
    const fromFile = readFileSync(file('small.npy', bytes));
    expect(fromFile.byteOffset + fromFile.byteLength).toBeLessThanOrEqual(fromFile.buffer.byteLength);
    for (const view of [fromFile, pooled(bytes), viewAt(bytes, 3), viewAt(bytes, 5), viewAt(bytes, 7)]) {
      const array = parseNpy(view);
      expect(array.shape).toEqual([3, 4]);
      expect(array.data).toEqual(data);
    }
    // Every dtype path copies exactly its own bytes.
    for (const array of [
      { dtype: '<f8', shape: [3], data: Float64Array.of(1.5, -2, 3) },
      { dtype: '>i4', shape: [2], data: Int32Array.of(7, -9) },
      { dtype: '<U3', shape: [2], data: ['ab', 'é'] },
      { dtype: '|b1', shape: [3], data: Uint8Array.of(1, 0, 1) },
    ]) {
      const written = writeNpy(array.dtype.startsWith('>') ? { ...array, dtype: '<i4' } : array);
      expect(parseNpy(viewAt(written, 7)).data).toEqual(array.data);
      expect(parseNpy(pooled(written)).data).toEqual(array.data);
    }
  });

  it('readNpyFactors reads pooled Buffers and odd-offset views', () => {
    const users = writeNpy({ dtype: '<f4', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
    const items = writeNpy({ dtype: '<f8', shape: [1, 3], data: Float64Array.of(0.5, -1, 2) });
    const reference = readNpyFactors({ userFactors: users, itemFactors: items });
    for (const [u, i] of [
      [pooled(users), pooled(items)],
      [viewAt(users, 3), viewAt(items, 5)],
    ] as const) {
      expectSameModel(reference, readNpyFactors({ userFactors: u, itemFactors: i }));
    }
    expect(Array.from(reference.userFactors)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('readImplicitModel and readNpz read pooled Buffers and odd-offset views (stored and deflated members)', async () => {
    const model = ALSModel.fromFactors({
      userIds: ['a', 'b'],
      itemIds: [10, 20, 30],
      userFactors: [1, 2, 3, 4],
      itemFactors: [1, 0, 0, 1, 1, 1],
    });
    for (const compress of [false, true]) {
      const bytes = writeImplicitModel(model, { compress });
      for (const view of [
        pooled(bytes),
        viewAt(bytes, 3),
        viewAt(bytes, 5),
        viewAt(bytes, 7),
        readFileSync(file(`m${compress}.npz`, bytes)),
      ]) {
        expectSameModel(model, readImplicitModel(view));
        expect([...readNpz(view).keys()]).toContain('user_factors');
      }
    }
  });

  it('the loaders read pooled Buffers and odd-offset views', async () => {
    const bytes = new TextEncoder().encode('user,item,rating\nann,x,4\nbob,y,2.5\n');
    const expected = [
      ['ann', 'x', 4],
      ['bob', 'y', 2.5],
    ];
    for (const view of [pooled(bytes), viewAt(bytes, 3), viewAt(bytes, 7)]) {
      expect(rows(await parseTriples(view))).toEqual(expected);
      expect((await loadRatings(view)).ratings.nnz).toBe(2);
      expect(rows(await parseTriples([view.subarray(0, 10), view.subarray(10)]))).toEqual(expected);
    }
    expect(rows(await parseTriplesFile(file('small.csv', bytes)))).toEqual(expected);
    // Other views are read by their own bytes too (a DataView over the middle of a buffer).
    const odd = viewAt(bytes, 5);
    expect(rows(await parseTriples(new DataView(odd.buffer, odd.byteOffset, odd.byteLength) as never))).toEqual(expected);
  });
});

describe('zip bombs (item 6)', () => {
  const npyOf = (rows: number, k: number) => writeNpy({ dtype: '<f4', shape: [rows, k], data: new Float32Array(rows * k) });
  const items = writeNpy({ dtype: '<f4', shape: [2, 4], data: Float32Array.of(1, 0, 0, 0, 0, 1, 0, 0) });

  it('an .npz whose header declares a 67 M-user model is refused with TOO_LARGE before anything is inflated', () => {
    const header = npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (67108864, 4), }");
    const size = header.length + 67108864 * 16;
    // A member declaring its true size (1 GiB + header) from a few bytes of deflate: nothing is inflated.
    const bomb = craftZip([
      { name: 'user_factors.npy', data: deflateWithZeros(header, 1000), method: 8, size, crc: 0 },
      storedMember('item_factors.npy', items),
    ]);
    expect(bomb.length).toBeLessThan(2000);
    const started = performance.now();
    expect(codeOf(() => readImplicitModel(bomb))).toBe(ErrorCode.TOO_LARGE);
    expect(codeOf(() => readNpz(bomb))).toBe(ErrorCode.TOO_LARGE);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('the total is capped, not each member: several members under the limit add up to TOO_LARGE', () => {
    const user = npyOf(1 << 14, 16); // 1 MiB each
    const member = (name: string) => ({
      name,
      data: zlibSync(user).subarray(2, -4),
      method: 8 as const,
      size: user.length,
      crc: crc32(user),
    });
    const zip = craftZip([
      member('user_factors.npy'),
      member('a.npy'),
      member('b.npy'),
      storedMember('item_factors.npy', writeNpy({ dtype: '<f4', shape: [2, 16], data: new Float32Array(32) })),
    ]);
    expect(codeOf(() => readNpz(zip, 'x', { maxBytes: 3 << 20 }))).toBe(ErrorCode.TOO_LARGE);
    expect(readNpz(zip, 'x', { maxBytes: 4 << 20 }).get('a')!.shape).toEqual([1 << 14, 16]);
  });

  it('maxBytes bounds a highly compressible model; the default (1 GiB) reads it', () => {
    const user = npyOf(1 << 16, 16); // 4 MiB of zeros, deflated about 1000:1
    const zip = craftZip([
      { name: 'user_factors.npy', data: deflateRawSync(user, { level: 9 }), method: 8, size: user.length, crc: crc32(user) },
      storedMember('item_factors.npy', writeNpy({ dtype: '<f4', shape: [2, 16], data: new Float32Array(32) })),
    ]);
    expect(zip.length).toBeLessThan(user.length / 500);
    expect(codeOf(() => readImplicitModel(zip, { maxBytes: 2 << 20 }))).toBe(ErrorCode.TOO_LARGE);
    expect(readImplicitModel(zip).numUsers).toBe(1 << 16);
  });

  it('a member whose declared size disagrees with its .npy header is CORRUPT_MODEL (declared larger or smaller)', () => {
    const user = npyOf(4, 4);
    for (const size of [user.length - 16, user.length + 16, 0x7fffffff]) {
      const zip = craftZip([
        {
          name: 'user_factors.npy',
          data: deflateWithZeros(user.subarray(0, 128), user.length - 128),
          method: 8,
          size,
          crc: crc32(user),
        },
        storedMember('item_factors.npy', items),
      ]);
      expect(codeOf(() => readImplicitModel(zip, { maxBytes: 2 ** 32 }))).toBe(ErrorCode.CORRUPT_MODEL);
    }
  });

  it('inflation stops at the declared size: a member that inflates far beyond it is CORRUPT_MODEL at once', () => {
    const user = npyOf(4, 4);
    // The .npy header and the declared size agree (192 bytes); the stream goes on for 256 MiB.
    const zip = craftZip([
      {
        name: 'user_factors.npy',
        data: deflateWithZeros(user.subarray(0, 128), 256 << 20),
        method: 8,
        size: user.length,
        crc: crc32(user),
      },
      storedMember('item_factors.npy', items),
    ]);
    const started = performance.now();
    const error = codeOf(() => readImplicitModel(zip));
    expect(error).toBe(ErrorCode.CORRUPT_MODEL);
    expect(performance.now() - started).toBeLessThan(500);
    // A small member (inflated in one call) that runs on past its declared size.
    const small = craftZip([
      {
        name: 'user_factors.npy',
        data: deflateWithZeros(user.subarray(0, 128), 64 + 5000),
        method: 8,
        size: user.length,
        crc: crc32(user),
      },
      storedMember('item_factors.npy', items),
    ]);
    expect(codeOf(() => readImplicitModel(small))).toBe(ErrorCode.CORRUPT_MODEL);
  });

  it('a member that inflates to less than declared, or a stored member whose sizes differ, is CORRUPT_MODEL', () => {
    const user = npyOf(4, 4);
    const short = craftZip([
      {
        name: 'user_factors.npy',
        data: deflateWithZeros(user.subarray(0, 128), 32),
        method: 8,
        size: user.length,
        crc: crc32(user),
      },
      storedMember('item_factors.npy', items),
    ]);
    expect(codeOf(() => readImplicitModel(short))).toBe(ErrorCode.CORRUPT_MODEL);
    const stored = craftZip([
      { ...storedMember('user_factors.npy', user), size: user.length + 8 },
      storedMember('item_factors.npy', items),
    ]);
    expect(codeOf(() => readImplicitModel(stored))).toBe(ErrorCode.CORRUPT_MODEL);
  });

  it('zip64 sizes in the central directory are read (and checked) like 32-bit ones', () => {
    const user = writeNpy({ dtype: '<f4', shape: [2, 4], data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8) });
    const plain = craftZip([storedMember('user_factors.npy', user), storedMember('item_factors.npy', items)]);
    const zip64 = craftZip([storedMember('user_factors.npy', user, true), storedMember('item_factors.npy', items, true)]);
    expectSameModel(readImplicitModel(plain), readImplicitModel(zip64));
    const lying = craftZip([
      { ...storedMember('user_factors.npy', user, true), size: 2 ** 40 },
      storedMember('item_factors.npy', items),
    ]);
    expect(codeOf(() => readImplicitModel(lying))).toBe(ErrorCode.TOO_LARGE);
  });

  it('a member whose CRC-32 does not match is CORRUPT_MODEL (deflated too)', () => {
    const user = writeNpy({ dtype: '<f4', shape: [2, 4], data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8) });
    const zip = craftZip([
      { name: 'user_factors.npy', data: zlibSync(user).subarray(2, -4), method: 8, size: user.length, crc: crc32(user) ^ 1 },
      storedMember('item_factors.npy', items),
    ]);
    expect(codeOf(() => readImplicitModel(zip))).toBe(ErrorCode.CORRUPT_MODEL);
  });
});

describe('the model file refuses bad headers and saves only what loads (items 9, 10)', () => {
  /** The model file with its header JSON replaced (sections moved to stay aligned) and a valid checksum. */
  async function withHeader(edit: (header: Record<string, unknown>) => unknown): Promise<Uint8Array> {
    const bytes = (await smallModel('dense', true)).toBytes();
    const length = new DataView(bytes.buffer).getUint32(12, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + length))) as Record<string, unknown>;
    const json = new TextEncoder().encode(JSON.stringify(edit(header)) ?? '');
    const pad8 = (n: number) => Math.ceil(n / 8) * 8;
    const sections = bytes.subarray(pad8(24 + length), bytes.length - 4);
    const out = new Uint8Array(pad8(24 + json.length) + sections.length + 4);
    out.set(bytes.subarray(0, 24));
    out.set(json, 24);
    out.set(sections, pad8(24 + json.length));
    const view = new DataView(out.buffer);
    view.setUint32(12, json.length, true);
    view.setBigUint64(16, BigInt(out.length), true);
    view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
    return out;
  }

  it('an .als header whose JSON is null (or not an object, or has fields of the wrong types) is CORRUPT_MODEL, not a TypeError', async () => {
    const edits: ((h: Record<string, unknown>) => unknown)[] = [
      () => null,
      () => [],
      () => 'model',
      () => 7,
      () => ({}),
      (h) => ({ ...h, factors: '4' }),
      (h) => ({ ...h, numUsers: null }),
      (h) => ({ ...h, numItems: 2.5 }),
      (h) => ({ ...h, biases: 'no' }),
      (h) => ({ ...h, biases: 1 }),
      (h) => ({ ...h, globalMean: '3' }),
      (h) => ({ ...h, globalMean: null }),
      (h) => ({ ...h, seenNnz: '3' }),
      (h) => ({ ...h, seenNnz: undefined }),
      (h) => ({ ...h, options: null }),
      (h) => ({ ...h, options: [] }),
      (h) => ({ ...h, options: 'x' }),
      (h) => ({ ...h, userIds: null }),
      (h) => ({ ...h, options: { ...(h.options as object), feedback: 'both' } }),
    ];
    for (const edit of edits) {
      const bad = await withHeader(edit);
      expect(
        codeOf(() => ALSModel.fromBytes(bad)),
        String(edit),
      ).toBe(ErrorCode.CORRUPT_MODEL);
    }
    // The unchanged header, re-padded, still loads.
    expect(ALSModel.fromBytes(await withHeader((h) => h)).numUsers).toBe(3);
  });

  it('toBytes refuses fromFactors({ globalMean: NaN }) with a coded error naming the field (it wrote a file fromBytes refuses)', async () => {
    const error = await alsErrorOf(() =>
      ALSModel.fromFactors({
        userIds: [1],
        itemIds: [2],
        userFactors: [1],
        itemFactors: [1],
        userBiases: [0],
        itemBiases: [0],
        globalMean: NaN,
      }).toBytes(),
    );
    expect([ErrorCode.NON_FINITE_VALUE, ErrorCode.INVALID_OPTION]).toContain(error.code);
    expect(error.message).toContain('globalMean');
  });

  it('toBytes checks what fromBytes checks: non-finite factors, wrong lengths, one bias side, bad options, lone surrogates', async () => {
    const make = () => ALSModel.fromFactors({ userIds: ['a', 'b'], itemIds: ['x'], userFactors: [1, 2], itemFactors: [3] });
    const cases: [string, (m: ALSModel) => void, string][] = [
      ['userFactors[1] is NaN', (m) => (m.userFactors[1] = NaN), ErrorCode.NON_FINITE_VALUE],
      ['itemFactors[0] is Infinity', (m) => (m.itemFactors[0] = Infinity), ErrorCode.NON_FINITE_VALUE],
      ['userFactors has 3 values', (m) => (m.userFactors = new Float32Array(3)), ErrorCode.LENGTH_MISMATCH],
      ['biases, not both', (m) => (m.userBiases = new Float32Array(2)), ErrorCode.LENGTH_MISMATCH],
    ];
    for (const [why, spoil, code] of cases) {
      const model = make();
      spoil(model);
      const error = await alsErrorOf(() => model.toBytes());
      expect(error.code, why).toBe(code);
      expect(error.message, why).toContain(why.split(' ')[0]!.replace(/\[.*/, ''));
    }
    // Options a reader cannot resolve (fromFactors may refuse them itself; either way nothing unloadable is written).
    const badOptions = await alsErrorOf(() =>
      ALSModel.fromFactors({
        userIds: [1],
        itemIds: [2],
        userFactors: [1],
        itemFactors: [1],
        options: { regularization: -1 },
      }).toBytes(),
    );
    expect(badOptions.code).toBe(ErrorCode.INVALID_OPTION);
    // Two IDs with lone surrogates became the same U+FFFD on save: the file then failed to load.
    const surrogates = await alsErrorOf(() =>
      ALSModel.fromFactors({ userIds: ['\uD800', '\uDBFF'], itemIds: [2], userFactors: [1, 2], itemFactors: [1] }).toBytes(),
    );
    expect(surrogates.code).toBe(ErrorCode.INVALID_ID);
    // And a model that saves, loads.
    const ok = make();
    expect(ALSModel.fromBytes(ok.toBytes()).toBytes()).toEqual(ok.toBytes());
  });
});

describe('the loaders: gzip, UTF-8, headers and option values (items 9, 10)', () => {
  it('a .gz that is not gzip is CORRUPT_INPUT naming the file (zlib error escaped, the CLI printed a stack)', async () => {
    const path = file('plain.csv.gz', '1,2,3\n4,5,6\n');
    const error = await alsErrorOf(() => loadRatingsFile(path));
    expect(error.code).toBe(ErrorCode.CORRUPT_INPUT);
    expect(error.message).toContain(path);
  });

  it('a .gz cut short is CORRUPT_INPUT naming the file', async () => {
    const whole = gzipSync(Buffer.from('1,2,3\n'.repeat(5000)));
    for (const cut of [whole.length - 4, Math.floor(whole.length / 2), 12]) {
      const path = file(`cut${cut}.csv.gz`, whole.subarray(0, cut));
      const error = await alsErrorOf(() => parseTriplesFile(path, { onBadLine: 'skip' }));
      expect(error.code, `cut at ${cut}`).toBe(ErrorCode.CORRUPT_INPUT);
      expect(error.message).toContain(path);
    }
    expect((await parseTriplesFile(file('whole.csv.gz', whole))).values.length).toBe(5000);
  });

  it('loader option defaultValue: NaN is refused (and Infinity, 1e39, a string)', async () => {
    for (const defaultValue of [NaN, Infinity, -Infinity, 1e39, '1']) {
      expect(
        await asyncCodeOf(() => parseTriples('a,b\n', { columns: { value: null }, defaultValue: defaultValue as number })),
      ).toBe(ErrorCode.INVALID_OPTION);
    }
    expect(rows(await parseTriples('a,b\n', { columns: { value: null }, defaultValue: 2 }))).toEqual([['a', 'b', 2]]);
  });

  it('a first data row with a non-numeric rating is MALFORMED_LINE, not silently taken for a header', async () => {
    const error = await alsErrorOf(() => parseTriples('1,2,x\n3,4,5\n'));
    expect(error.code).toBe(ErrorCode.MALFORMED_LINE);
    expect(error.message).toContain('<input>:1:');
    expect(error.message).toContain('"1,2,x"');
    expect(await asyncCodeOf(() => parseTriples(`${'ann,book,five\n'.replace('five', '5')}bob,x,y\n`))).toBe(
      ErrorCode.MALFORMED_LINE,
    );
    // A header when said so, or when no field of the first line is a number.
    expect(rows(await parseTriples('1,2,x\n3,4,5\n', { header: true }))).toEqual([[3, 4, 5]]);
    expect(rows(await parseTriples('user,item,rating\n3,4,5\n'))).toEqual([[3, 4, 5]]);
    expect(rows(await parseTriples('user\titem\trating\t2020\n3\t4\t5\t9\n', { header: true }))).toEqual([[3, 4, 5]]);
    // Skipping bad lines keeps and counts the row rather than losing it as a header.
    const skipped = await parseTriples('1,2,x\n3,4,5\n', { onBadLine: 'skip' });
    expect([skipped.skipped, skipped.header]).toEqual([1, null]);
  });

  it('invalid UTF-8 in IDs is CORRUPT_INPUT with the line (distinct IDs collapsed into U+FFFD)', async () => {
    const bytes = concat([
      new TextEncoder().encode('a,b,1\nx'),
      Uint8Array.of(0xff),
      new TextEncoder().encode(',y,2\nx'),
      Uint8Array.of(0xfe),
      new TextEncoder().encode(',y,3\n'),
    ]);
    const error = await alsErrorOf(() => parseTriples(bytes));
    expect(error.code).toBe(ErrorCode.CORRUPT_INPUT);
    expect(error.message).toContain('<input>:2:');
    expect(error.message).toContain('user ID');
    // Long IDs (past the ASCII fast path), item IDs, header names, and files.
    const long = concat([new TextEncoder().encode(`1,${'é'.repeat(40)}`), Uint8Array.of(0xc3), new TextEncoder().encode(',5\n')]);
    expect((await alsErrorOf(() => parseTriples(long))).message).toContain('item ID');
    const header = concat([
      new TextEncoder().encode('user,it'),
      Uint8Array.of(0x80),
      new TextEncoder().encode('em,rating\n1,2,3\n'),
    ]);
    expect(await asyncCodeOf(() => parseTriples(header, { header: true }))).toBe(ErrorCode.CORRUPT_INPUT);
    const path = file('latin1.csv', bytes);
    expect((await alsErrorOf(() => loadRatingsFile(path))).message).toContain(`${path}:2:`);
    // Valid multi-byte UTF-8 split across chunks still reads.
    const good = new TextEncoder().encode('zoë,日本,5\n');
    expect(rows(await parseTriples([good.subarray(0, 3), good.subarray(3, 8), good.subarray(8)]))).toEqual([['zoë', '日本', 5]]);
  });

  it('text input with a lone surrogate is CORRUPT_INPUT with the line; a pair split between string chunks is joined', async () => {
    const error = await alsErrorOf(() => parseTriples('a,b,1\nc,d,2\n\uD800x,e,3\n'));
    expect(error.code).toBe(ErrorCode.CORRUPT_INPUT);
    expect(error.message).toContain('<input>:3:');
    expect(await asyncCodeOf(() => parseTriples(['a,b,1\nc\uDC00,d,2\n']))).toBe(ErrorCode.CORRUPT_INPUT);
    expect(await asyncCodeOf(() => parseTriples(['a,b,1\nc\uD834']))).toBe(ErrorCode.CORRUPT_INPUT);
    expect(rows(await parseTriples(['a,b,1\nc\uD834', '\uDD1E,d,2\n']))).toEqual([
      ['a', 'b', 1],
      ['c𝄞', 'd', 2],
    ]);
  });
});

describe('options objects refuse unknown keys and wrong types (item 4)', () => {
  const refused = async (f: () => unknown, hint?: string) => {
    const error = await alsErrorOf(f);
    expect(error.code).toBe(ErrorCode.INVALID_OPTION);
    if (hint) expect(error.hint).toContain(hint);
  };

  it('loader options (ParseOptions, LoadOptions, FormatOptions, columns) refuse unknown keys with a did-you-mean hint', async () => {
    const path = file('ok.csv', '1,2,3\n');
    await refused(() => parseTriples('1,2,3\n', { delimeter: ',' } as never), "'delimiter'");
    await refused(() => loadRatings('1,2,3\n', { duplicate: 'sum' } as never), "'duplicates'");
    await refused(() => loadRatings('1,2,3\n', { columns: { usr: 0 } } as never), "'user'");
    await refused(() => parseTriplesFile(path, { fromat: 'movielens-100k' } as never), "'format'");
    await refused(() => loadRatingsFile(path, { onBadLines: 'skip' } as never), "'onBadLine'");
    await refused(() => loadRatingsFile(path, { sep: ',' } as never), "'delimiter'");
    await refused(() => loadRatings('1,2,3\n', null as never));
    await refused(() => loadRatingsFile(path, 'movielens-100k' as never));
  });

  it('loader options check their types and enums', async () => {
    const bad: Record<string, unknown>[] = [
      { header: 'yes' },
      { header: 1 },
      { delimiter: 'tab' },
      { format: 'movielens100k' },
      { onBadLine: 'skipp' },
      { source: 5 },
      { sizeHint: -1 },
      { sizeHint: NaN },
      { onProgress: 5 },
      { columns: null },
      { columns: { user: null } },
      { columns: { item: -1 } },
      { columns: { value: 1.5 } },
      { columns: { timestamp: '' } },
      { duplicates: 'first' },
      { duplicates: true },
    ];
    for (const options of bad) await refused(() => loadRatings('1,2,3\n', options as never));
    await refused(() => loadRatings('1,2,3\n', { format: 'movielens100k' } as never), "'movielens-100k'");
    await refused(() => loadRatingsFile(5 as never));
    expect((await loadRatings('1,2,3\n', { header: 'auto', duplicates: 'sum', onProgress: () => {} })).ratings.nnz).toBe(1);
  });

  it('readImplicitModel, readNpyFactors and writeImplicitModel options refuse unknown keys and check types', async () => {
    const model = ALSModel.fromFactors({ userIds: [0, 1], itemIds: [0], userFactors: [1, 2], itemFactors: [3] });
    const npz = writeImplicitModel(model);
    const users = writeNpy({ dtype: '<f4', shape: [2, 1], data: Float32Array.of(1, 2) });
    const items = writeNpy({ dtype: '<f4', shape: [1, 1], data: Float32Array.of(3) });
    await refused(() => readImplicitModel(npz, { userids: [0, 1] } as never), "'userIds'");
    await refused(() => readImplicitModel(npz, { user_ids: [0, 1] } as never), "'userIds'");
    await refused(() => readImplicitModel(npz, { maxbytes: 10 } as never), "'maxBytes'");
    await refused(() => readImplicitModel(npz, { maxBytes: -1 }));
    await refused(() => readImplicitModel(npz, { maxBytes: '1e9' as never }));
    await refused(() => readImplicitModel(npz, { userIds: 'ab' as never }));
    await refused(() => readImplicitModel(npz, { name: 5 as never }));
    await refused(() => readImplicitModel(npz, null as never));
    await refused(() => readNpyFactors({ userFactors: users, itemFactors: items }, { convention: {} } as never), "'conventions'");
    await refused(() => readNpyFactors({ userFactors: users, itemFactors: items }, { conventions: 5 as never }));
    await refused(() => readNpyFactors({ userFactors: users, itemFactor: items } as never), "'itemFactors'");
    await refused(() => readNpyFactors({ userFactors: users, itemFactors: 'items.npy' as never }));
    await refused(() => writeImplicitModel(model, { compress: 'yes' as never }));
    await refused(() => writeImplicitModel(model, { id: false } as never), "'ids'");
    await refused(() => readNpz(npz, 'x', { pickle: 'skip' } as never), "'pickled'");
    await refused(() => writeNpz({}, { compresss: true } as never), "'compress'");
    expect(await asyncCodeOf(async () => readImplicitModel(npz, { userIds: [{}, 1] as never }))).toBe(ErrorCode.INVALID_ID);
    expect(codeOf(() => readNpyFactors({ userFactors: users, itemFactors: items }, { maxBytes: 100 }))).toBe(ErrorCode.TOO_LARGE);
    expectSameModel(model, readImplicitModel(npz, { maxBytes: 10_000, name: 'm.npz' }));
  });
});

describe('npy headers that lie about their shape', () => {
  it('a shape whose product overflows is refused (Infinity × 0 passed the size check as NaN)', () => {
    const huge = 2 ** 52;
    const header = (shape: string) => npyHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`);
    for (const shape of [`(${huge}, ${huge}, ${huge}, ${huge}, ${huge}, ${huge})`, `(${huge}, 3)`]) {
      expect(codeOf(() => parseNpy(header(shape)))).toBe(ErrorCode.CORRUPT_MODEL);
    }
    // A zero axis is an honest empty array, whatever the other axes say.
    for (const shape of [`(${huge}, ${huge}, ${huge}, ${huge}, ${huge}, ${huge}, 0)`, '(0, 9007199254740991)']) {
      expect(parseNpy(header(shape)).data.length).toBe(0);
    }
  });

  it('a non-scalar implicit parameter is CORRUPT_MODEL, not INVALID_OPTION', () => {
    const arrays = readNpz(
      writeImplicitModel(ALSModel.fromFactors({ userIds: [0], itemIds: [0], userFactors: [1], itemFactors: [1] })),
    );
    arrays.set('alpha', { dtype: '<f8', shape: [2], data: Float64Array.of(1, 2) });
    expect(codeOf(() => readImplicitModel(writeNpz(arrays)))).toBe(ErrorCode.CORRUPT_MODEL);
    arrays.delete('alpha');
    arrays.set('als_wasm_options', { dtype: '<U4', shape: [], data: ['null'] });
    expect(codeOf(() => readImplicitModel(writeNpz(arrays)))).toBe(ErrorCode.CORRUPT_MODEL);
  });

  it('a refused input is an AlsError, never a crash', () => {
    expect(() => parseNpy('not bytes' as never)).toThrow(AlsError);
  });
});

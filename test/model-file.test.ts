import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALS, ALSModel, AlsError, ErrorCode, Ratings } from '../src/index.js';
import { crc32 } from '../src/model/format.js';
import { Prng } from '../src/train/prng.js';

function refusal(bytes: Uint8Array): string {
  try {
    ALSModel.fromBytes(bytes);
  } catch (e) {
    if (!(e instanceof AlsError)) throw e; // anything else (a crash) fails the test
    return e.code;
  }
  return 'accepted';
}

async function smallModel(ids: 'string' | 'number' | 'dense', biases = true) {
  const rng = new Prng(5);
  const users: (string | number)[] = [];
  const items: (string | number)[] = [];
  const values: number[] = [];
  const id = (prefix: string, n: number) => (ids === 'string' ? `${prefix}-${n}-é` : ids === 'number' ? n * 10 + 0.5 : n);
  for (let u = 0; u < 6; u++)
    for (let i = 0; i < 5; i++)
      if (rng.next() < 0.6) users.push(id('u', u)), items.push(id('i', i)), values.push(1 + Math.round(4 * rng.next()));
  const ratings = Ratings.fromTriples({ users, items, values }, { denseIds: ids === 'dense' });
  return new ALS({ factors: 3, iterations: 3, biases, threads: 1 }).fit(ratings);
}

describe('the model file', () => {
  it.each(['string', 'number', 'dense'] as const)('round-trips bit-identically (%s IDs), seen items included', async (ids) => {
    const model = await smallModel(ids);
    const bytes = model.toBytes();
    const back = ALSModel.fromBytes(bytes);
    expect(back.toBytes()).toEqual(bytes);
    expect(back.userIds).toEqual(model.userIds);
    expect(back.itemIds).toEqual(model.itemIds);
    expect(back.userFactors).toEqual(model.userFactors);
    expect(back.itemBiases).toEqual(model.itemBiases);
    expect(back.globalMean).toBe(model.globalMean);
    expect(back.options).toEqual(model.options);
    const user = model.userIds[0]!;
    expect(back.recommend(user, { n: 3 })).toEqual(model.recommend(user, { n: 3 }));
  });

  it('can leave the seen items out; then nothing is excluded by default, and excludeSeen: true needs them passed', async () => {
    const model = await smallModel('string', false);
    const back = ALSModel.fromBytes(model.toBytes({ seen: false }));
    expect(back.seen).toBeNull();
    expect(back.toBytes().length).toBeLessThan(model.toBytes().length);
    const user = model.userIds[0]!;
    expect(back.recommend(user, { n: 5 })).toEqual(model.recommend(user, { n: 5, excludeSeen: false }));
    expect(() => back.recommend(user, { excludeSeen: true })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_OPTION }),
    );
    const seen = model.seen!.indices.subarray(model.seen!.indptr[0]!, model.seen!.indptr[1]!);
    const seenItems = Array.from(seen, (i) => model.itemIds[i]!);
    expect(back.recommend(user, { n: 5, seenItems })).toEqual(model.recommend(user, { n: 5 }));
  });

  it('refuses every single-byte corruption and every truncation (exhaustive, small model)', async () => {
    const bytes = (await smallModel('string')).toBytes();
    for (let at = 0; at < bytes.length; at++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const bad = bytes.slice();
        bad[at]! ^= flip;
        expect([ErrorCode.CORRUPT_MODEL, ErrorCode.TRUNCATED_MODEL]).toContain(refusal(bad));
      }
    }
    for (let length = 0; length < bytes.length; length++) {
      const code = refusal(bytes.slice(0, length));
      expect(code).toBe(length < 28 ? ErrorCode.CORRUPT_MODEL : ErrorCode.TRUNCATED_MODEL);
    }
  });

  it('refuses random corruptions and truncations of a large model', async () => {
    const rng = new Prng(11);
    const n = 3000;
    const model = ALSModel.fromFactors({
      userIds: Array.from({ length: n }, (_, u) => `user${u}`),
      itemIds: Array.from({ length: 500 }, (_, i) => i),
      userFactors: Float32Array.from({ length: n * 16 }, () => rng.normal()),
      itemFactors: Float32Array.from({ length: 500 * 16 }, () => rng.normal()),
    });
    const bytes = model.toBytes();
    expect(ALSModel.fromBytes(bytes).toBytes()).toEqual(bytes);
    for (let trial = 0; trial < 300; trial++) {
      const bad = bytes.slice();
      bad[rng.int(bad.length)]! ^= 1 + rng.int(255);
      expect(refusal(bad)).toBe(ErrorCode.CORRUPT_MODEL);
      expect(refusal(bytes.slice(0, 28 + rng.int(bytes.length - 28)))).toBe(ErrorCode.TRUNCATED_MODEL);
    }
  });

  it('says which: not a model, a newer version, trailing bytes', async () => {
    const bytes = (await smallModel('dense')).toBytes();
    expect(refusal(new TextEncoder().encode('userId,movieId,rating\n1,2,3\n1,3,4\n'))).toBe(ErrorCode.CORRUPT_MODEL);
    // A well-formed file of version 2: the checksum is valid, the version is not ours.
    const v2 = bytes.slice();
    new DataView(v2.buffer).setUint32(8, 2, true);
    new DataView(v2.buffer).setUint32(v2.length - 4, crc32(v2.subarray(0, v2.length - 4)), true);
    expect(refusal(v2)).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expect(refusal(longer)).toBe(ErrorCode.CORRUPT_MODEL);
  });

  it('refuses a crafted file whose checksum is valid but whose sizes lie', async () => {
    const bytes = (await smallModel('dense')).toBytes();
    const view = new DataView(bytes.buffer);
    const headerLength = view.getUint32(12, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + headerLength)));
    for (const lie of [{ numUsers: 1e9 }, { factors: 0 }, { numItems: -1 }, { seenNnz: 3 }, { userIds: 'weird' }]) {
      const json = new TextEncoder().encode(
        JSON.stringify({ ...header, ...lie })
          .padEnd(headerLength, ' ')
          .slice(0, headerLength),
      );
      if (json.length !== headerLength) continue;
      const bad = bytes.slice();
      bad.set(json, 24);
      new DataView(bad.buffer).setUint32(bad.length - 4, crc32(bad.subarray(0, bad.length - 4)), true);
      expect(refusal(bad)).toBe(ErrorCode.CORRUPT_MODEL);
    }
  });

  it('save and load in Node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'als-model-'));
    try {
      const model = await smallModel('string');
      await model.save(join(dir, 'm.als'));
      const back = await ALSModel.load(join(dir, 'm.als'));
      expect(back.toBytes()).toEqual(model.toBytes());
      await expect(ALSModel.load(join(dir, 'missing.als'))).rejects.toMatchObject({ code: ErrorCode.FILE_ERROR });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

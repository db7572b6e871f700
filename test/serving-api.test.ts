/**
 * Issue 12, the serving API a new user meets in the first hour: clipped explicit scores,
 * minItemRatings, factor views and a printable model, foldIn vectors that remember their
 * items, coldStart 'drop', Ratings.fromCsr, and explain on explicit models.
 */
import { existsSync, readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ALS, ALSModel, AlsError, ErrorCode, Ratings, recommendAllThreaded } from '../src/index.js';
import { loadRatingsFile } from '../src/node.js';
import { crc32 } from '../src/model/format.js';
import { loadWasmModule } from '../src/wasm/load.js';

await loadWasmModule();

function error(fn: () => unknown): AlsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AlsError);
    return e as AlsError;
  }
  throw new Error('nothing was thrown');
}
const code = (fn: () => unknown) => error(fn).code;

/**
 * k = 1, one user with x = 2; items a, b, c, d with y = 3, 2.75, 1, -1: raw scores 6, 5.5, 2, -2.
 * Trained on values in [1, 5].
 */
function clipModel(extra: Partial<Parameters<typeof ALSModel.fromFactors>[0]> = {}): ALSModel {
  return ALSModel.fromFactors({
    userIds: ['u', 'v'],
    itemIds: ['a', 'b', 'c', 'd'],
    userFactors: [2, 1],
    itemFactors: [3, 2.75, 1, -1],
    valueRange: [1, 5],
    ...extra,
  });
}

/** A model file with its header JSON changed by `edit`, re-laid out and re-checksummed. */
function withHeader(bytes: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + h))) as Record<string, unknown>;
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const pad8 = (n: number) => Math.ceil(n / 8) * 8;
  const rest = bytes.subarray(pad8(24 + h), bytes.length - 4);
  const out = new Uint8Array(pad8(24 + json.length) + rest.length + 4);
  out.set(bytes.subarray(0, 12));
  const o = new DataView(out.buffer);
  o.setUint32(12, json.length, true);
  o.setBigUint64(16, BigInt(out.length), true);
  out.set(json, 24);
  out.set(rest, pad8(24 + json.length));
  o.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

describe('predictions are clipped to the training range (item 1)', () => {
  it('predict of an explicit model clips a raw 6 to 5 and a raw -2 to 1; clip: false and score(u, i) stay raw', () => {
    const model = clipModel();
    expect(model.valueRange).toEqual([1, 5]);
    expect(model.clip).toBe('auto');
    expect(model.clipRange).toEqual([1, 5]);
    expect(model.predict('u', 'a')).toBe(5);
    expect(model.predict('u', 'd')).toBe(1);
    expect(model.predict('u', 'c')).toBe(2);
    expect(model.predict('u', 'a', { clip: false })).toBe(6);
    expect(model.predict('u', 'd', { clip: false })).toBe(-2);
    expect(model.score(0, 0)).toBe(6);
    expect(model.predict('u', 'a', { clip: [0, 5.75] })).toBe(5.75);
  });

  it('model.clip = false turns clipping off for every call; [min, max] sets another range; bad settings are INVALID_OPTION', () => {
    const model = clipModel();
    model.clip = false;
    expect(model.predict('u', 'a')).toBe(6);
    expect(model.clipRange).toBeNull();
    model.clip = [0, 4];
    expect(model.predict('u', 'a')).toBe(4);
    expect(model.predict('u', 'a', { clip: 'auto' })).toBe(5);
    for (const bad of [true, 'yes', [5, 1], [1], [0, NaN], [0, Infinity], ['1', '5'], null, 0]) {
      expect(code(() => (model.clip = bad as never))).toBe(ErrorCode.INVALID_OPTION);
      expect(code(() => model.predict('u', 'a', { clip: bad as never }))).toBe(ErrorCode.INVALID_OPTION);
    }
    expect(error(() => model.predict('u', 'a', { clip: true as never })).hint).toMatch(/'auto'/);
  });

  it("coldStart 'bias' predictions are clipped too, NaN stays NaN", () => {
    const model = clipModel({ userBiases: [0, 0], itemBiases: [0, 0, 0, 0], globalMean: 7 });
    expect(model.predict('nobody', 'a', { coldStart: 'bias' })).toBe(5);
    expect(model.predict('nobody', 'a', { coldStart: 'bias', clip: false })).toBe(7);
    expect(model.predict('nobody', 'a')).toBeNaN();
  });

  it('recommend ranks by the raw score (6 before 5.5) and shows both clipped to 5', () => {
    const model = clipModel();
    const top = model.recommend('u', { n: 4, excludeSeen: false });
    expect(top.items).toEqual(['a', 'b', 'c', 'd']);
    expect(Array.from(top.scores)).toEqual([5, 5, 2, 1]);
    expect(Array.from(model.recommend('u', { n: 2, excludeSeen: false, clip: false }).scores)).toEqual([6, 5.5]);
    expect(Array.from(model.recommendBatch(['u', 'v'], { n: 1, excludeSeen: false })[1]!.scores)).toEqual([3]);
  });

  it('model.recommendAll and threaded recommendAll clip scores, keep the raw order, and pad with NaN unclipped', async () => {
    const model = clipModel();
    const want = { indices: [0, 1, 2, 3, 0, 1, 2, 3], scores: [5, 5, 2, 1, 3, 2.75, 1, 1] };
    const one = model.recommendAll({ n: 4 });
    expect(Array.from(one.indices)).toEqual(want.indices);
    expect(Array.from(one.scores)).toEqual(want.scores);
    for (const threads of [1, 2]) {
      const all = await recommendAllThreaded(model, { n: 4, threads });
      expect(Array.from(all.indices)).toEqual(want.indices);
      expect(Array.from(all.scores)).toEqual(want.scores);
      expect(Array.from((await recommendAllThreaded(model, { n: 1, threads, clip: false })).scores)).toEqual([6, 3]);
    }
    expect(Array.from(model.recommendAll({ n: 1, clip: false }).scores)).toEqual([6, 3]);
  });

  it('recommendUsers and recommendAllUsers clip scores', () => {
    const model = clipModel();
    expect(Array.from(model.recommendUsers('a').scores)).toEqual([5, 3]);
    expect(Array.from(model.recommendUsers('a', { clip: false }).scores)).toEqual([6, 3]);
    expect(Array.from(model.recommendAllUsers({ n: 1 }).scores)).toEqual([5, 5, 2, 1]);
  });

  it('implicit models and models without a known range are not clipped unless clip: [min, max] is given', () => {
    const implicit = clipModel({ options: { feedback: 'implicit' } });
    expect(implicit.clipRange).toBeNull();
    expect(implicit.predict('u', 'a')).toBe(6);
    expect(implicit.predict('u', 'a', { clip: [0, 1] })).toBe(1);
    const unknown = clipModel({ valueRange: undefined });
    expect(unknown.valueRange).toBeNull();
    expect(unknown.predict('u', 'a')).toBe(6);
    expect(code(() => clipModel({ valueRange: [5, 1] }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => clipModel({ valueRange: false as never }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('fit records the range of the training values (2 … 4), and the model file keeps it', async () => {
    const ratings = Ratings.fromTriples(
      { users: [0, 0, 1, 1, 2], items: [0, 1, 0, 2, 1], values: [2, 3, 4, 2.5, 3] },
      { denseIds: true },
    );
    const model = await new ALS({ factors: 2, iterations: 3, regularization: 0.1, biases: false, threads: 1 }).fit(ratings);
    expect(model.valueRange).toEqual([2, 4]);
    const back = ALSModel.fromBytes(model.toBytes());
    expect(back.valueRange).toEqual([2, 4]);
    expect(ALSModel.fromBytes(model.toBytes({ seen: false })).valueRange).toEqual([2, 4]);
    for (let u = 0; u < 3; u++)
      for (let i = 0; i < 3; i++) expect(back.predict(u, i)).toBe(Math.min(Math.max(model.score(u, i), 2), 4));
  });

  it('a model file without valueRange (as written before it existed) loads with no clipping; a bad one is CORRUPT_MODEL', () => {
    const bytes = clipModel().toBytes();
    const old = withHeader(bytes, (h) => delete h.valueRange);
    const loaded = ALSModel.fromBytes(old);
    expect(loaded.valueRange).toBeNull();
    expect(loaded.predict('u', 'a')).toBe(6);
    expect(ALSModel.fromBytes(withHeader(bytes, () => {})).predict('u', 'a')).toBe(5);
    for (const bad of [[5, 1], [1], 'x', [1, null], null]) {
      expect(code(() => ALSModel.fromBytes(withHeader(bytes, (h) => (h.valueRange = bad))))).toBe(ErrorCode.CORRUPT_MODEL);
    }
    // A model without a range writes no field: its file is what it was before valueRange existed.
    const plain = clipModel({ valueRange: undefined }).toBytes();
    expect(new TextDecoder().decode(plain)).not.toContain('valueRange');
  });
});

describe('minItemRatings (item 2)', () => {
  // Items w, x, y, z rated 0, 3, 1, 2 times.
  const seen = new Map<string, string[]>([
    ['a', ['x', 'z']],
    ['b', ['x']],
    ['c', ['x', 'y', 'z']],
  ]);
  const make = () =>
    ALSModel.fromFactors({
      userIds: ['a', 'b', 'c'],
      itemIds: ['w', 'x', 'y', 'z'],
      userFactors: [1, 1, 1],
      itemFactors: [4, 3, 2, 1],
      seen,
    });

  it('itemRatingCounts of a hand-made model are 0, 3, 1, 2, counted from the seen items', () => {
    const model = make();
    expect(Array.from(model.itemRatingCounts!)).toEqual([0, 3, 1, 2]);
    model.itemRatingCounts![0] = 99; // a copy
    expect(model.itemRatingCounts![0]).toBe(0);
  });

  it('recommend leaves out items with fewer ratings than minItemRatings (w: 0, y: 1), and seen items still', () => {
    const model = make();
    expect(model.recommend('b', { n: 4 }).items).toEqual(['w', 'y', 'z']);
    expect(model.recommend('b', { n: 4, minItemRatings: 2 }).items).toEqual(['z']);
    expect(model.recommend('b', { n: 4, minItemRatings: 1 }).items).toEqual(['y', 'z']);
    expect(model.recommend('b', { n: 4, minItemRatings: 2, excludeSeen: false }).items).toEqual(['x', 'z']);
    expect(model.recommend('b', { n: 4, minItemRatings: 0 }).items).toEqual(['w', 'y', 'z']);
    expect(model.recommend('b', { n: 4, minItemRatings: 4 }).items).toEqual([]);
    expect(model.recommend('a', { minItemRatings: 2, excludeSeen: false, candidates: ['y', 'z', 'w'] }).items).toEqual(['z']);
    const vector = new Float32Array([1]);
    expect(model.recommend(vector, { minItemRatings: 2 }).items).toEqual(['x', 'z']);
  });

  it('recommendBatch, model.recommendAll and threaded recommendAll (1 and 2 threads) give the lists of recommend', async () => {
    const model = make();
    const users = ['a', 'b', 'c'];
    const single = users.map((u) => model.recommend(u, { n: 3, minItemRatings: 2 }));
    expect(model.recommendBatch(users, { n: 3, minItemRatings: 2 })).toEqual(single);
    const flat = (lists: { items: unknown[] }[]) =>
      lists.flatMap((r) => [...r.items.map((id) => model.itemIndex(id as string)), ...Array(3 - r.items.length).fill(-1)]);
    const want = flat(single);
    expect(want).toEqual([-1, -1, -1, 3, -1, -1, -1, -1, -1]);
    expect(Array.from(model.recommendAll({ n: 3, minItemRatings: 2 }).indices)).toEqual(want);
    const noSeen = users.map((u) => model.recommend(u, { n: 3, minItemRatings: 1, excludeSeen: false }));
    for (const threads of [1, 2]) {
      expect(Array.from((await recommendAllThreaded(model, { n: 3, threads, minItemRatings: 2 })).indices)).toEqual(want);
      const all = await recommendAllThreaded(model, { n: 3, threads, minItemRatings: 1, excludeSeen: false });
      expect(Array.from(all.indices)).toEqual(flat(noSeen));
      expect(Array.from(all.scores)).toEqual(noSeen.flatMap((r) => Array.from(r.scores)));
      const none = await recommendAllThreaded(model, { n: 2, threads, minItemRatings: 9 });
      expect(Array.from(none.indices)).toEqual([-1, -1, -1, -1, -1, -1]);
      expect(Array.from(none.scores).every(Number.isNaN)).toBe(true);
    }
    expect(code(() => model.recommendAll({ minItemRatings: -1 }))).toBe(ErrorCode.INVALID_OPTION);
    await expect(recommendAllThreaded(model, { of: 'items', minItemRatings: 2 })).rejects.toMatchObject({
      code: ErrorCode.INVALID_OPTION,
    });
  });

  it('with biases, the threaded recommendAll over the eligible items gives the lists and scores of model.recommendAll', async () => {
    const model = ALSModel.fromFactors({
      userIds: ['a', 'b', 'c'],
      itemIds: ['w', 'x', 'y', 'z'],
      userFactors: [1, -1, 0.5],
      itemFactors: [4, 3, 2, 1],
      seen,
      userBiases: [0.1, 0.2, 0.3],
      itemBiases: [-3, 0.5, 4, 2],
      globalMean: 1,
    });
    const want = model.recommendAll({ n: 4, minItemRatings: 1, excludeSeen: false, clip: false });
    // a: y 6, x 3.5, z 3; b: y 2, z 1, x −2.5; c: y 5, z 2.5, x 2 (w, never rated, left out).
    expect(Array.from(want.indices)).toEqual([2, 1, 3, -1, 2, 3, 1, -1, 2, 3, 1, -1]);
    for (const threads of [1, 2]) {
      const got = await recommendAllThreaded(model, { n: 4, threads, minItemRatings: 1, excludeSeen: false, clip: false });
      expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
    }
  });

  it('a model without seen items (from Spark or implicit, or saved with seen: false) refuses minItemRatings ≥ 1 with INVALID_OPTION', async () => {
    const model = ALSModel.fromBytes(make().toBytes({ seen: false }));
    expect(model.itemRatingCounts).toBeNull();
    const e = error(() => model.recommend('a', { minItemRatings: 2 }));
    expect(e.code).toBe(ErrorCode.INVALID_OPTION);
    expect(e.message).toMatch(/does not keep its training ratings/);
    expect(code(() => model.recommendBatch(['a'], { minItemRatings: 1 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.recommendAll({ minItemRatings: 1 }))).toBe(ErrorCode.INVALID_OPTION);
    await expect(recommendAllThreaded(model, { minItemRatings: 1 })).rejects.toMatchObject({ code: ErrorCode.INVALID_OPTION });
    expect(model.recommend('a', { minItemRatings: 0 }).items).toEqual(['w', 'x', 'y', 'z']);
  });

  it('minItemRatings must be an integer ≥ 0', () => {
    const model = make();
    for (const bad of [-1, 1.5, '2', NaN, null, true])
      expect(code(() => model.recommend('a', { minItemRatings: bad as never }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('partialFit changes the counts: a user whose seen items are replaced no longer counts for them', () => {
    const model = make();
    model.partialFit({ users: { users: ['c'], items: ['w'], values: [1] } });
    expect(Array.from(model.itemRatingCounts!)).toEqual([1, 2, 0, 1]);
    expect(model.recommend('b', { minItemRatings: 1 }).items).toEqual(['w', 'z']);
  });
});

describe('factor views and a printable model (item 3)', () => {
  const model = ALSModel.fromFactors({
    userIds: ['ann', 'bob'],
    itemIds: ['dune', 'heat', 'up'],
    userFactors: [1, 2, 3, 4],
    itemFactors: [5, 6, 7, 8, 9, 10],
    valueRange: [1, 5],
  });

  it('userVector and itemVector are views of the factor rows (same buffer, no copy)', () => {
    const v = model.userVector('bob');
    expect(Array.from(v)).toEqual([3, 4]);
    expect(v.buffer).toBe(model.userFactors.buffer);
    expect(v.byteOffset).toBe(model.userFactors.byteOffset + 2 * 4);
    const y = model.itemVector('up');
    expect(Array.from(y)).toEqual([9, 10]);
    expect(y.buffer).toBe(model.itemFactors.buffer);
    expect(code(() => model.userVector('nobody'))).toBe(ErrorCode.UNKNOWN_ID);
    expect(code(() => model.itemVector('nothing'))).toBe(ErrorCode.UNKNOWN_ID);
  });

  it('console.log(model) prints a one-line summary, not the ID maps', () => {
    const summary = "ALSModel { numUsers: 2, numItems: 3, factors: 2, feedback: 'explicit', biases: false, clip: [1, 5] }";
    expect(inspect(model)).toBe(summary);
    expect(String(model)).toBe(summary);
    expect(`${model}`).toBe(summary);
    expect(inspect({ model })).toContain(`model: ${summary}`);
    expect(inspect(model)).not.toContain('dune');
    const implicit = ALSModel.fromFactors({
      userIds: [0],
      itemIds: [0],
      userFactors: [1],
      itemFactors: [1],
      options: { feedback: 'implicit' },
    });
    expect(String(implicit)).toBe(
      "ALSModel { numUsers: 1, numItems: 1, factors: 1, feedback: 'implicit', biases: false, clip: false }",
    );
  });

  it('the serving code imports no node:util (the inspect hook is a registered symbol)', () => {
    const source = readFileSync(new URL('../src/model/model.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from 'node:util'|from 'util'/);
  });
});

describe('foldIn vectors remember their items (item 4)', () => {
  // k = 1; items a … d score 4, 3, 2, 1 for any positive x.
  const model = ALSModel.fromFactors({
    userIds: ['u'],
    itemIds: ['a', 'b', 'c', 'd'],
    userFactors: [1],
    itemFactors: [4, 3, 2, 1],
    options: { regularization: 1 },
  });

  it('recommend(foldIn(...)) leaves out the folded-in items by default', () => {
    const x = model.foldIn({ items: ['a', 'c'], values: [5, 4] });
    expect(x[0]!).toBeGreaterThan(0);
    expect(model.recommend(x, { n: 4 }).items).toEqual(['b', 'd']);
  });

  it('excludeSeen: false keeps them, seenItems overrides them, and a copy of the vector remembers nothing', () => {
    const x = model.foldIn({ items: ['a', 'c'], values: [5, 4] });
    expect(model.recommend(x, { n: 4, excludeSeen: false }).items).toEqual(['a', 'b', 'c', 'd']);
    expect(model.recommend(x, { n: 4, seenItems: ['b'] }).items).toEqual(['a', 'c', 'd']);
    expect(model.recommend(Float32Array.from(x), { n: 4 }).items).toEqual(['a', 'b', 'c', 'd']);
  });

  it('the vector is still a plain Float32Array to everyone else', () => {
    const x = model.foldIn({ items: ['a'], values: [4] });
    expect(x).toBeInstanceOf(Float32Array);
    expect(Object.keys(x)).toEqual(['0']);
    expect(x).toEqual(new Float32Array([x[0]!]));
    expect(inspect(x)).toBe(inspect(new Float32Array([x[0]!])));
  });
});

describe("coldStart 'drop' (item 5)", () => {
  const model = ALSModel.fromFactors({
    userIds: ['u'],
    itemIds: ['a'],
    userFactors: [1],
    itemFactors: [2],
    userBiases: [1],
    itemBiases: [1],
    globalMean: 3,
  });

  it("predict with coldStart 'drop' returns NaN for an unknown user or item, and the known pair as usual", () => {
    expect(model.predict('nobody', 'a', { coldStart: 'drop' })).toBeNaN();
    expect(model.predict('u', 'nothing', { coldStart: 'drop' })).toBeNaN();
    expect(model.predict('u', 'a', { coldStart: 'drop', clip: false })).toBe(7);
    model.coldStart = 'drop';
    expect(model.coldStart).toBe('drop');
    expect(model.predict('nobody', 'a')).toBeNaN();
    model.coldStart = 'nan';
  });

  it("coldStart is validated: 'skip' is INVALID_OPTION naming the four choices", () => {
    const e = error(() => model.predict('nobody', 'a', { coldStart: 'skip' as never }));
    expect(e.code).toBe(ErrorCode.INVALID_OPTION);
    expect(e.message).toContain("'nan' or 'bias' or 'throw' or 'drop'");
    expect(code(() => (model.coldStart = 'Drop' as never))).toBe(ErrorCode.INVALID_OPTION);
  });
});

describe('Ratings.fromCsr (item 6)', () => {
  it('reads indptr / indices / values: rows are users, columns items, dense IDs, columns sorted within a row', () => {
    const r = Ratings.fromCsr({ indptr: [0, 2, 2, 3], indices: [1, 0, 2], values: [5, 3, 4] });
    expect(r.numUsers).toBe(3);
    expect(r.numItems).toBe(3);
    expect(Array.from(r.byUser.indptr)).toEqual([0, 2, 2, 3]);
    expect(Array.from(r.byUser.indices)).toEqual([0, 1, 2]);
    expect(Array.from(r.byUser.values)).toEqual([3, 5, 4]);
    expect(r.userIds).toEqual([0, 1, 2]);
  });

  it('values default to 1; numItems includes columns without entries; int64 arrays are read', () => {
    const r = Ratings.fromCsr({ indptr: Int32Array.of(0, 1, 3), indices: Int32Array.of(2, 0, 1), numItems: 5 });
    expect(r.numItems).toBe(5);
    expect(Array.from(r.byUser.values)).toEqual([1, 1, 1]);
    const big = Ratings.fromCsr({
      indptr: BigInt64Array.of(0n, 1n, 3n),
      indices: BigInt64Array.of(2n, 0n, 1n),
      values: Float64Array.of(1, 2, 3),
    });
    expect(Array.from(big.byUser.indices)).toEqual([2, 0, 1]);
    expect(Array.from(big.byUser.values)).toEqual([1, 2, 3]);
  });

  it('gives the same ratings, and the same trained model, as fromTriples of the same entries', async () => {
    const csr = Ratings.fromCsr({ indptr: [0, 2, 4, 5], indices: [0, 2, 1, 2, 0], values: [5, 1, 4, 2, 3] });
    const triples = Ratings.fromTriples(
      { users: [0, 0, 1, 1, 2], items: [0, 2, 1, 2, 0], values: [5, 1, 4, 2, 3] },
      { denseIds: true },
    );
    expect(csr.byUser).toEqual(triples.byUser);
    const options = { factors: 2, iterations: 3, regularization: 0.1, biases: false, threads: 1 } as const;
    const a = await new ALS(options).fit(csr);
    const b = await new ALS(options).fit(triples);
    expect(a.userFactors).toEqual(b.userFactors);
  });

  it('a column repeated within a row is DUPLICATE_RATING, or combined by duplicates: sum / last', () => {
    const csr = { indptr: [0, 3], indices: [4, 1, 4], values: [1, 2, 3] };
    const e = error(() => Ratings.fromCsr(csr));
    expect(e.code).toBe(ErrorCode.DUPLICATE_RATING);
    expect(e.message).toContain('User 0 rated item 4 more than once (entries 0 and 2)');
    expect(Array.from(Ratings.fromCsr(csr, { duplicates: 'sum' }).byUser.values)).toEqual([2, 4]);
    expect(Array.from(Ratings.fromCsr(csr, { duplicates: 'last' }).byUser.values)).toEqual([2, 3]);
    expect(code(() => Ratings.fromCsr(csr, { duplicates: 'first' as never }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('a malformed indptr is refused: not starting at 0, decreasing, fractional, or not ending at the number of entries', () => {
    expect(code(() => Ratings.fromCsr({ indptr: [1, 2], indices: [0, 1] }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => Ratings.fromCsr({ indptr: [0, 2, 1, 2], indices: [0, 1] }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => Ratings.fromCsr({ indptr: [0, 0.5, 2], indices: [0, 1] }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => Ratings.fromCsr({ indptr: [0, 1, 5], indices: [0, 1] }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => Ratings.fromCsr({ indptr: [0, 1], indices: [0, 1] }))).toBe(ErrorCode.LENGTH_MISMATCH);
    expect(code(() => Ratings.fromCsr({ indptr: [], indices: [] }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => Ratings.fromCsr({ indptr: [0, 0], indices: [] }))).toBe(ErrorCode.EMPTY_DATA);
  });

  it('bad column indices and values are refused like fromTriples refuses them', () => {
    expect(code(() => Ratings.fromCsr({ indptr: [0, 2], indices: [0, -1] }))).toBe(ErrorCode.INVALID_ID);
    expect(code(() => Ratings.fromCsr({ indptr: [0, 2], indices: [0, 1.5] }))).toBe(ErrorCode.INVALID_ID);
    expect(code(() => Ratings.fromCsr({ indptr: [0, 2], indices: [0, 7], numItems: 5 }))).toBe(ErrorCode.ID_OUT_OF_RANGE);
    expect(code(() => Ratings.fromCsr({ indptr: [0, 2], indices: [0, 1], values: [1, NaN] }))).toBe(ErrorCode.NON_FINITE_VALUE);
    expect(code(() => Ratings.fromCsr({ indptr: [0, 2], indices: [0, 1], values: [1] }))).toBe(ErrorCode.LENGTH_MISMATCH);
    expect(code(() => Ratings.fromCsr({ indptr: [0, 2], indices: [0, 1], numItems: -1 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => Ratings.fromCsr({ indptr: 'x', indices: [0] } as never))).toBe(ErrorCode.INVALID_OPTION);
  });

  it("scipy's names are refused with a hint that says ours: data → values, shape → numItems", () => {
    const data = error(() => Ratings.fromCsr({ indptr: [0, 1], indices: [0], data: [1] } as never));
    expect(data.code).toBe(ErrorCode.INVALID_OPTION);
    expect(data.hint).toContain('values');
    expect(error(() => Ratings.fromCsr({ indptr: [0, 1], indices: [0], shape: [1, 1] } as never)).hint).toContain('numItems');
  });

  it('2^31 users (indptr length) or 2^30 items is TOO_LARGE within milliseconds, before anything is read or allocated', () => {
    const start = performance.now();
    const huge = { length: 2 ** 31 + 1 } as ArrayLike<number>;
    expect(code(() => Ratings.fromCsr({ indptr: huge, indices: [0] }))).toBe(ErrorCode.TOO_LARGE);
    expect(code(() => Ratings.fromCsr({ indptr: [0, 1], indices: [0], numItems: 2 ** 30 }))).toBe(ErrorCode.TOO_LARGE);
    expect(performance.now() - start).toBeLessThan(200);
  });
});

describe('the README serving snippets on the quick-start model (item 7)', () => {
  const quickStart = async () => {
    const ratings = Ratings.fromTriples({
      users: ['ann', 'ann', 'bob', 'bob', 'cy'],
      items: ['dune', 'heat', 'dune', 'alien', 'heat'],
      values: [5, 3, 4, 5, 2],
    });
    return new ALS({ factors: 16, regularization: 0.05, iterations: 10, biases: false, threads: 1 }).fit(ratings);
  };

  it("model.explain('ann', 'alien') on the explicit quick-start model splits the fold-in score over dune and heat", async () => {
    const model = await quickStart();
    const { score, baseline, contributions } = model.explain('ann', 'alien');
    expect(baseline).toBe(0);
    expect(contributions.map((c) => c.item).sort()).toEqual(['dune', 'heat']);
    expect(Math.abs(baseline + contributions.reduce((a, c) => a + c.contribution, 0) - score)).toBeLessThan(1e-5);
    // The fold-in score: foldIn of ann's ratings, dotted with alien's factors.
    const x = model.foldIn({ items: ['dune', 'heat'], values: [5, 3] });
    const y = model.itemVector('alien');
    const dot = x.reduce((a, v, c) => a + v * y[c]!, 0);
    expect(Math.abs(dot - score)).toBeLessThan(1e-4);
  });

  it('explicit explain matches a hand-solved fold-in: k = 1, λ = 1, y = 1, 2, 3, ratings 2 and 4 → 5 = 1 + 4', () => {
    const model = ALSModel.fromFactors({
      userIds: ['u'],
      itemIds: ['x', 'y', 'z'],
      userFactors: [0],
      itemFactors: [1, 2, 3],
      options: { regularization: 1, regularizationScaling: 'none' },
    });
    const e = model.explain('u', 'z', { items: ['x', 'y'], values: [2, 4] });
    expect(e.score).toBeCloseTo(5, 5);
    expect(e.baseline).toBe(0);
    expect(e.contributions.map((c) => c.item)).toEqual(['y', 'x']);
    expect(e.contributions[0]!.contribution).toBeCloseTo(4, 5);
    expect(e.contributions[1]!.contribution).toBeCloseTo(1, 5);
  });

  it('explicit explain with biases: baseline μ + b_i = 2.5 and contributions 1/6 and −1, score 5/3 (solved by hand)', () => {
    const model = ALSModel.fromFactors({
      userIds: ['u'],
      itemIds: ['x', 'y', 'z'],
      userFactors: [0],
      itemFactors: [1, 2, 3],
      userBiases: [0],
      itemBiases: [0.5, 0, -0.5],
      globalMean: 3,
      options: { regularization: 1, regularizationScaling: 'none' },
    });
    const e = model.explain('u', 'z', { items: ['x', 'y'], values: [4, 2] });
    expect(e.baseline).toBeCloseTo(2.5, 6);
    expect(e.score).toBeCloseTo(5 / 3, 5);
    expect(e.contributions.map((c) => c.item)).toEqual(['x', 'y']);
    expect(e.contributions[0]!.contribution).toBeCloseTo(1 / 6, 5);
    expect(e.contributions[1]!.contribution).toBeCloseTo(-1, 5);
  });

  it("an unknown candidate ('up') is still UNKNOWN_ID, naming it", async () => {
    const model = await quickStart();
    const e = error(() => model.recommend('ann', { exclude: ['dune'], candidates: ['heat', 'alien', 'up'] }));
    expect(e.code).toBe(ErrorCode.UNKNOWN_ID);
    expect(e.message).toContain('Item up is not in the model');
    expect(model.recommend('ann', { exclude: ['dune'], candidates: ['heat', 'alien'] }).items).toEqual(['alien']);
  });
});

const mlSmall = new URL('../../shared/data/ml-latest-small/ratings.csv', import.meta.url);
if (!existsSync(mlSmall))
  console.warn(
    `Skipping the ml-latest-small serving test: ${mlSmall.pathname} is absent (read from ../shared/data next to the repo).`,
  );

describe.skipIf(!existsSync(mlSmall))('ml-latest-small, user 42 (../shared/data, read in place)', () => {
  it('top-10 scores stay within the 0.5–5 rating scale, and minItemRatings: 5 keeps only items rated ≥ 5 times', async () => {
    const { ratings } = await loadRatingsFile(mlSmall.pathname, { format: 'movielens-csv' });
    const model = await new ALS({
      factors: 32,
      iterations: 10,
      regularization: 0.1,
      regularizationScaling: 'count',
      biases: true,
      threads: 1,
    }).fit(ratings);
    expect(model.valueRange).toEqual([0.5, 5]);
    const top = model.recommend(42, { n: 10 });
    for (const s of top.scores) expect(s).toBeLessThanOrEqual(5);
    const counts = model.itemRatingCounts!;
    const filtered = model.recommend(42, { n: 10, minItemRatings: 5 });
    expect(filtered.items).toHaveLength(10);
    for (const id of filtered.items) expect(counts[model.itemIndex(id)]!).toBeGreaterThanOrEqual(5);
  }, 60_000);
});

/**
 * Issue 11 ("Trust"), the serving side: partialFit on dense IDs, limits checked before
 * allocating (fit, fromFactors, serving, recommendAll), n clamped, every serving option
 * checked, values out of range named as such. One regression test per bug, named after it.
 */
import { describe, expect, it } from 'vitest';
import { ALS, ALSModel, AlsError, ErrorCode, Ratings, recommendAllThreaded } from '../src/index.js';
import { IdMap } from '../src/data/id-map.js';
import { DEFAULTS } from '../src/train/options.js';
import { MAX_CONFIDENCE } from '../src/train/value-range.js';
import { MAX_MEMORY_BYTES, planServing } from '../src/wasm/memory-plan.js';
import { loadWasmModule } from '../src/wasm/load.js';

await loadWasmModule();

function caught(fn: () => unknown): AlsError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AlsError)) throw new Error(`expected an AlsError, got ${String(e)}`, { cause: e });
    return e;
  }
  throw new Error('nothing was thrown');
}
const code = (fn: () => unknown) => caught(fn).code;

async function caughtAsync(promise: () => Promise<unknown>): Promise<AlsError> {
  try {
    await promise();
  } catch (e) {
    if (!(e instanceof AlsError)) throw new Error(`expected an AlsError, got ${String(e)}`, { cause: e });
    return e;
  }
  throw new Error('nothing was thrown');
}

/** Milliseconds `fn` takes to throw, and what it threw. */
async function timed(fn: () => unknown): Promise<{ ms: number; error: AlsError }> {
  const start = performance.now();
  const error = await caughtAsync(async () => fn());
  return { ms: performance.now() - start, error };
}

/** 4 users × 4 items, dense IDs, trained (keeps seen items). */
const denseRatings = Ratings.fromTriples(
  { users: [0, 0, 1, 2, 3, 3], items: [0, 1, 1, 2, 3, 0], values: [4, 3, 5, 2, 1, 4] },
  { denseIds: true },
);
const trainDense = () => new ALS({ factors: 2, iterations: 3, threads: 1 }).fit(denseRatings);

/** A model whose factor arrays only claim their length: what serving plans from, without gigabytes. */
function claimedModel(numUsers: number, numItems: number, k: number): ALSModel {
  return new ALSModel({
    users: IdMap.dense(numUsers),
    items: IdMap.dense(numItems),
    factors: k,
    userFactors: { length: numUsers * k } as Float32Array,
    itemFactors: { length: numItems * k } as Float32Array,
    options: DEFAULTS,
  });
}

const small = () =>
  ALSModel.fromFactors({
    userIds: ['a', 'b'],
    itemIds: ['x', 'y', 'z', 'w'],
    userFactors: [1, 0, 0, 1],
    itemFactors: [1, 2, 3, 4, 5, 6, 7, 8],
    seen: new Map([['a', ['x']]]),
  });

describe('partialFit corrupts dense-ID models (item 2)', () => {
  it('partialFit refuses a fractional dense user ID (3.5) with INVALID_ID and numUsers stays 4', async () => {
    const model = await trainDense();
    const before = model.toBytes();
    expect(code(() => model.partialFit({ users: { users: [3.5], items: [0], values: [4] } }))).toBe(ErrorCode.INVALID_ID);
    expect(model.numUsers).toBe(4);
    expect(model.toBytes()).toEqual(before);
  });

  it('partialFit refuses the string \'7\' on a dense-ID model instead of growing it to "71" users', async () => {
    const model = await trainDense();
    const e = caught(() => model.partialFit({ users: { users: ['7'], items: [0], values: [4] } }));
    expect(e.code).toBe(ErrorCode.INVALID_ID);
    expect(e.hint).toMatch(/number/);
    expect(model.numUsers).toBe(4);
  });

  it.each([[-5], ['dee'], [null], [NaN], [2 ** 31], [Infinity]])(
    'partialFit refuses dense user ID %s with INVALID_ID, not a RangeError',
    async (id) => {
      const model = await trainDense();
      const before = model.toBytes();
      expect(code(() => model.partialFit({ users: { users: [id as number], items: [0], values: [4] } }))).toBe(
        ErrorCode.INVALID_ID,
      );
      expect(model.toBytes()).toEqual(before);
    },
  );

  it('partialFit refuses null, NaN and mixed IDs on a string-ID model with INVALID_ID', () => {
    const model = small();
    for (const id of [null, NaN, undefined, {}, 7]) {
      expect(code(() => model.partialFit({ users: { users: [id as string], items: ['x'], values: [4] } }))).toBe(
        ErrorCode.INVALID_ID,
      );
    }
    // The other side's IDs too: a number where the items are strings is never silently "unknown".
    expect(code(() => model.partialFit({ users: { users: ['a'], items: [1 as unknown as string], values: [4] } }))).toBe(
      ErrorCode.INVALID_ID,
    );
    expect(model.numUsers).toBe(2);
    expect(() => model.toBytes()).not.toThrow();
  });

  it('partialFit refuses NaN, Infinity, non-numbers and values beyond float32 with NON_FINITE_VALUE', async () => {
    const model = await trainDense();
    for (const value of [NaN, Infinity, -Infinity, '4', null, 1e39]) {
      expect(code(() => model.partialFit({ users: { users: [1], items: [0], values: [value as number] } }))).toBe(
        ErrorCode.NON_FINITE_VALUE,
      );
    }
  });

  it('partialFit growing a dense model to user 1e8 is TOO_LARGE within milliseconds, and the model is unchanged', async () => {
    const model = await trainDense();
    const before = model.toBytes();
    const { ms, error } = await timed(() => model.partialFit({ users: { users: [1e8], items: [0], values: [4] } }));
    expect(error.code).toBe(ErrorCode.TOO_LARGE);
    expect(error.message).toMatch(/100000001 users/);
    expect(ms).toBeLessThan(1000);
    expect(model.numUsers).toBe(4);
    expect(model.toBytes()).toEqual(before);
  });

  it('a partialFit that fails on its last rating leaves the model byte-identical (validated before mutating)', async () => {
    const model = await trainDense();
    const before = model.toBytes();
    const good = { users: [5, 6, 6], items: [0, 1, 2], values: [4, 3, 2] };
    const failures: [typeof good, string][] = [
      [{ ...good, users: [...good.users, 7], items: [...good.items, 9], values: [...good.values, 1] }, ErrorCode.UNKNOWN_ID],
      [
        { ...good, users: [...good.users, 6], items: [...good.items, 1], values: [...good.values, 1] },
        ErrorCode.DUPLICATE_RATING,
      ],
      [
        { ...good, users: [...good.users, 7], items: [...good.items, 0], values: [...good.values, NaN] },
        ErrorCode.NON_FINITE_VALUE,
      ],
      [{ ...good, users: [...good.users, 7.5], items: [...good.items, 0], values: [...good.values, 1] }, ErrorCode.INVALID_ID],
      [{ ...good, users: [...good.users, 7] }, ErrorCode.LENGTH_MISMATCH],
    ];
    for (const [users, expected] of failures) {
      expect(code(() => model.partialFit({ users }))).toBe(expected);
      expect(model.toBytes()).toEqual(before);
    }
    // And the same input without the bad rating goes through: users 5 and 6 exist, 4 is an empty row.
    model.partialFit({ users: good });
    expect(model.numUsers).toBe(7);
    expect(Array.from(model.userFactors.subarray(4 * 2, 5 * 2))).toEqual([0, 0]);
    expect(model.seen!.indptr).toHaveLength(8);
    expect(ALSModel.fromBytes(model.toBytes()).numUsers).toBe(7);
  });

  it('partialFit refuses unknown keys, both sides at once, neither side and non-array lists with INVALID_OPTION', () => {
    const model = small();
    const ratings = { users: ['a'], items: ['x'], values: [1] };
    expect(code(() => model.partialFit({ user: ratings } as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.partialFit({ users: ratings, items: ratings } as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.partialFit({} as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.partialFit(undefined as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.partialFit({ users: { ...ratings, value: [1] } } as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.partialFit({ users: { users: 'a', items: ['x'], values: [1] } } as never))).toBe(
      ErrorCode.INVALID_OPTION,
    );
  });
});

describe('limits checked before allocating (item 7)', () => {
  // Two ratings among 2^24 users: building it is the Ratings' business (and not timed here).
  let wide: Ratings;
  const wideRatings = () =>
    (wide ??= Ratings.fromTriples({ users: [0, 1], items: [0, 1], values: [4, 5] }, { denseIds: true, numUsers: 2 ** 24 }));

  it('fit of 2^24 users at 64 factors is TOO_LARGE within milliseconds, before drawing random factors', async () => {
    const ratings = wideRatings();
    const { ms, error } = await timed(() => new ALS({ factors: 64, biases: false, threads: 1 }).fit(ratings));
    expect(error.code).toBe(ErrorCode.TOO_LARGE);
    expect(error.message).toMatch(/^Training needs \d+ bytes .*: factors \(16777218 rows of 64 floats\) 4\.00 GiB/);
    expect(ms).toBeLessThan(1000);
  });

  it('fit checks the plan before init: a problem too large with a wrong init is TOO_LARGE, not INVALID_OPTION', async () => {
    const ratings = wideRatings();
    const init = { userFactors: new Float32Array(1), itemFactors: new Float32Array(1) };
    expect((await caughtAsync(() => new ALS({ factors: 64, threads: 1, init }).fit(ratings))).code).toBe(ErrorCode.TOO_LARGE);
  });

  it('fit whose per-thread scratch passes 4 GiB names the scratch and says to use fewer threads', async () => {
    const ratings = Ratings.fromTriples({ users: [0, 1], items: [0, 1], values: [4, 5] }, { denseIds: true });
    const { ms, error } = await timed(() => new ALS({ factors: 4096, threads: 300 }).fit(ratings));
    expect(error.code).toBe(ErrorCode.TOO_LARGE);
    expect(error.message).toMatch(/: per-thread scratch \(300 threads × 0\.06 GiB/);
    expect(error.hint).toMatch(/fewer threads/);
    expect(ms).toBeLessThan(1000);
  });

  it('fromFactors of a model past 4 GiB is TOO_LARGE before copying the factors', async () => {
    const userIds = new Array<number>(2 ** 24).fill(0); // never read: the plan refuses first
    const { ms, error } = await timed(() =>
      ALSModel.fromFactors({ userIds, itemIds: [0], userFactors: { length: 2 ** 30 }, itemFactors: new Float32Array(64) }),
    );
    expect(error.code).toBe(ErrorCode.TOO_LARGE);
    expect(error.message).toMatch(/16777216 users × 1 items × 64 factors/);
    expect(ms).toBeLessThan(1000);
  });

  it('serving a model past 4 GiB is TOO_LARGE within milliseconds, not a plain Error "bytes need … pages"', async () => {
    for (const serve of [
      (m: ALSModel) => m.recommend(0),
      (m: ALSModel) => m.similarItems(0),
      (m: ALSModel) => m.foldIn({ items: [0], values: [1] }),
    ]) {
      const { ms, error } = await timed(() => serve(claimedModel(10_000_000, 1_000_000, 64)));
      expect(error.code).toBe(ErrorCode.TOO_LARGE);
      expect(error.message).toMatch(/^Serving a model of 10000000 users × 1000000 items × 64 factors needs 6700061120 bytes/);
      expect(error.message).toMatch(/unit-length copies/);
      expect(ms).toBeLessThan(1000);
    }
  });

  it('recommendAll whose lists pass 4 GiB is TOO_LARGE naming the lists and n, on threads and on the calling thread', async () => {
    const model = claimedModel(2 ** 20, 1024, 1);
    for (const run of [() => recommendAllThreaded(model, { n: 1024, threads: 2 }), () => model.recommendAll({ n: 1024 })]) {
      const { ms, error } = await timed(run);
      expect(error.code).toBe(ErrorCode.TOO_LARGE);
      expect(error.message).toMatch(/^recommendAll needs \d+ bytes .*the lists \(1048576 × n = 1024/);
      expect(error.hint).toBe('Lower n.');
      expect(ms).toBeLessThan(1000);
    }
  });
});

describe('n clamped and checked; the largest model serving holds (item 8)', () => {
  const model = small();

  it('model.recommendAll({ n: 1e9 }) on a 4-item model returns rows of 4, not an allocation of 1e9 per user', () => {
    const all = model.recommendAll({ n: 1e9, excludeSeen: false });
    expect(all.n).toBe(4);
    expect(all.indices).toHaveLength(2 * 4);
    expect(Array.from(all.indices.subarray(0, 4))).toEqual([3, 2, 1, 0]);
    expect(model.recommendAllUsers({ n: 1e9 }).n).toBe(2);
  });

  it('recommendAllThreaded(model, { n: 1e9 }) on threads clamps n to the items (of users) and the users (of items)', async () => {
    const all = await recommendAllThreaded(model, { n: 1e9, threads: 1, excludeSeen: false });
    expect(all.n).toBe(4);
    expect(all.indices).toEqual(model.recommendAll({ n: 4, excludeSeen: false }).indices);
    expect((await recommendAllThreaded(model, { n: 1e9, of: 'items', threads: 1 })).n).toBe(2);
  });

  it('recommend, recommendBatch, recommendUsers, similarItems and similarUsers clamp n to what exists', () => {
    expect(model.recommend('b', { n: 1e9 }).items).toHaveLength(4);
    expect(model.recommendBatch(['a', 'b'], { n: 1e9 }).map((r) => r.items.length)).toEqual([3, 4]);
    expect(model.recommendUsers('x', { n: 1e9 }).users).toHaveLength(2);
    expect(model.similarItems('x', { n: 1e9 }).items).toHaveLength(4);
    expect(model.similarUsers('a', { n: 1e9 }).users).toHaveLength(2);
  });

  it.each([0, -1, 1.5, '3', NaN, null])('n = %s is INVALID_OPTION in every serving method', async (n) => {
    const o = { n: n as number };
    for (const call of [
      () => model.recommend('a', o),
      () => model.recommendBatch(['a'], o),
      () => model.recommendAll(o),
      () => model.recommendAllUsers(o),
      () => model.recommendUsers('x', o),
      () => model.similarItems('x', o),
      () => model.similarUsers('a', o),
    ]) {
      expect(code(call)).toBe(ErrorCode.INVALID_OPTION);
    }
    expect((await caughtAsync(() => recommendAllThreaded(model, { ...o, threads: 1 }))).code).toBe(ErrorCode.INVALID_OPTION);
  });

  it('the largest model serving holds at k = 64: 6,070,107 users × 1 M items (or 1 M users × 6,070,107 items); 10 M × 1 M only at k ≤ 39', () => {
    expect(planServing(6_070_107, 1_000_000, 64).totalBytes).toBeLessThanOrEqual(MAX_MEMORY_BYTES);
    expect(code(() => planServing(6_070_108, 1_000_000, 64))).toBe(ErrorCode.TOO_LARGE);
    expect(planServing(1_000_000, 6_070_107, 64).totalBytes).toBeLessThanOrEqual(MAX_MEMORY_BYTES);
    expect(code(() => planServing(1_000_000, 6_070_108, 64))).toBe(ErrorCode.TOO_LARGE);
    expect(planServing(10_000_000, 1_000_000, 39).totalBytes).toBeLessThanOrEqual(MAX_MEMORY_BYTES);
    expect(code(() => planServing(10_000_000, 1_000_000, 40))).toBe(ErrorCode.TOO_LARGE);
  });
});

describe('serving options are checked (items 9 and 10)', () => {
  const model = small();

  it("recommend(u, { exclude: 'x' }) is INVALID_OPTION, not a TypeError; so are candidates, seenItems and excludeSeen of the wrong type", () => {
    const e = caught(() => model.recommend('a', { exclude: 'x' as never }));
    expect(e.code).toBe(ErrorCode.INVALID_OPTION);
    expect(e.hint).toBe('Pass ["x"].');
    expect(code(() => model.recommend('a', { candidates: 'x' as never }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.recommend('a', { seenItems: 5 as never }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.recommend('a', { excludeSeen: 'no' as never }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.similarItems('x', { exclude: 'y' as never }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.recommendUsers('x', { exclude: {} as never }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.recommendAll({ excludeSeen: 0 as never }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.recommendBatch('a' as never))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('a misspelt recommend option is refused with a did-you-mean hint instead of being ignored', () => {
    const e = caught(() => model.recommend('a', { excludeSeenItems: false } as never));
    expect(e.code).toBe(ErrorCode.INVALID_OPTION);
    expect(e.message).toMatch(/recommend options have no option 'excludeSeenItems'/);
    expect(e.hint).toBe("Did you mean 'excludeSeen'?");
  });

  it('every serving options object refuses unknown keys with INVALID_OPTION', async () => {
    const bad = { nn: 3 } as never;
    for (const call of [
      () => model.recommend('a', bad),
      () => model.recommendBatch(['a'], bad),
      () => model.recommendAll(bad),
      () => model.recommendAllUsers(bad),
      () => model.recommendUsers('x', bad),
      () => model.similarItems('x', bad),
      () => model.similarUsers('a', bad),
      () => model.predict('a', 'x', bad),
      () => model.toBytes(bad),
      () => model.foldIn({ items: ['x'], values: [1], weights: [1] } as never),
      () => ALSModel.fromFactors({ userIds: ['a'], itemIds: ['x'], userFactors: [1], itemFactors: [1], globalMu: 1 } as never),
      () =>
        ALSModel.fromFactors({
          userIds: ['a'],
          itemIds: ['x'],
          userFactors: [1],
          itemFactors: [1],
          options: { feedbak: 'implicit' } as never,
        }),
    ]) {
      expect(code(call)).toBe(ErrorCode.INVALID_OPTION);
    }
    expect((await caughtAsync(() => recommendAllThreaded(model, { threads: 1, off: 'items' } as never))).code).toBe(
      ErrorCode.INVALID_OPTION,
    );
    expect((await caughtAsync(() => recommendAllThreaded(model, { threads: 1, of: 'item' as never }))).code).toBe(
      ErrorCode.INVALID_OPTION,
    );
  });

  it('explain checks its ratings like foldIn, and refuses unknown keys', async () => {
    const implicit = await new ALS({ factors: 2, iterations: 2, feedback: 'implicit', threads: 1 }).fit(denseRatings);
    expect(code(() => implicit.explain(0, 1, { items: [0], values: [1], extra: 1 } as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => implicit.explain(0, 1, null as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => implicit.explain(0, 1, { items: 0, values: [1] } as never))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('foldIn(undefined) and foldIn(null) are INVALID_OPTION, not a TypeError', () => {
    expect(code(() => model.foldIn(undefined as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.foldIn(null as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.foldIn({ items: ['x'] } as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.foldIn({ items: ['x'], values: ['1'] } as never))).toBe(ErrorCode.NON_FINITE_VALUE);
  });

  it('duplicate candidates come back once, at the place of the best score', () => {
    const once = model.recommend('b', { candidates: ['x', 'y'], excludeSeen: false });
    const twice = model.recommend('b', { candidates: ['x', 'y', 'y', 'x', 'y'], excludeSeen: false });
    expect(twice).toEqual(once);
    expect(twice.items).toEqual(['y', 'x']);
    expect(model.similarItems('x', { candidates: ['y', 'y', 'z'] }).items).toEqual(['y', 'z']);
  });

  it('recommend of a vector with NaN or Infinity is NON_FINITE_VALUE (was [] and NaN scores); the wrong length is INVALID_OPTION', () => {
    expect(code(() => model.recommend([NaN, 1]))).toBe(ErrorCode.NON_FINITE_VALUE);
    expect(code(() => model.recommend(new Float32Array([Infinity, 1])))).toBe(ErrorCode.NON_FINITE_VALUE);
    expect(code(() => model.recommend(['1', 1] as never))).toBe(ErrorCode.NON_FINITE_VALUE);
    expect(code(() => model.recommend([1, 1, 1]))).toBe(ErrorCode.INVALID_OPTION);
    expect(model.recommend([0, 1], { n: 2 }).items).toEqual(['w', 'z']);
  });

  it("coldStart 'zero' is refused by the setter and by predict's option", () => {
    const m = small();
    expect(code(() => (m.coldStart = 'zero' as never))).toBe(ErrorCode.INVALID_OPTION);
    expect(m.coldStart).toBe('nan');
    expect(code(() => m.predict('a', 'nope', { coldStart: 'zero' as never }))).toBe(ErrorCode.INVALID_OPTION);
    m.coldStart = 'throw';
    expect(code(() => m.predict('a', 'nope'))).toBe(ErrorCode.UNKNOWN_ID);
  });

  it("a recommendAll abort says 'recommendAll was aborted', not 'Training was aborted'", async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const e = await caughtAsync(() => recommendAllThreaded(model, { threads: 1, signal: controller.signal }));
    expect(e.code).toBe(ErrorCode.ABORTED);
    expect(e.message).toBe('recommendAll was aborted.');
    expect((await caughtAsync(() => recommendAllThreaded(model, { threads: 1, signal: {} as never }))).code).toBe(
      ErrorCode.INVALID_OPTION,
    );
  });

  it('fromFactors refuses globalMean NaN, mixed user IDs, a seen that is not a Map of arrays, and factors that are not numbers', () => {
    const base = { userIds: ['a', 'b'], itemIds: ['x'], userFactors: [1, 2], itemFactors: [1] };
    expect(code(() => ALSModel.fromFactors({ ...base, globalMean: NaN }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => ALSModel.fromFactors({ ...base, userIds: ['a', 2] }))).toBe(ErrorCode.INVALID_ID);
    expect(code(() => ALSModel.fromFactors({ ...base, userIds: ['a', null as never] }))).toBe(ErrorCode.INVALID_ID);
    expect(code(() => ALSModel.fromFactors({ ...base, seen: { a: ['x'] } as never }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => ALSModel.fromFactors({ ...base, seen: new Map([['a', 'x' as never]]) }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => ALSModel.fromFactors({ ...base, userFactors: ['1', 2] as never }))).toBe(ErrorCode.NON_FINITE_VALUE);
  });
});

describe('values out of range (item 10)', () => {
  it('training on ratings of 1e30 says the values are out of range (NON_FINITE_VALUE), not NOT_POSITIVE_DEFINITE "increase regularization"', () => {
    // Ratings refuses |r| > 2^32 (data/limits.ts), so the fit never starts.
    const e = caught(() =>
      Ratings.fromTriples({ users: [0, 0, 1], items: [0, 1, 1], values: [1e30, 2e30, 1e30] }, { denseIds: true }),
    );
    expect(e.code).toBe(ErrorCode.NON_FINITE_VALUE);
    expect(e.message).toMatch(/out of range/);
    expect(e.hint).toMatch(/Rescale/);
  });

  it('a regularized system that float32 makes singular names the scale of the values, not "increase regularization" alone', async () => {
    // Constant ratings of 4e9 (in range): every Gram is rank one, and λ = 0.1 vanishes beside 1e18.
    const users = Array.from({ length: 400 }, (_, e) => e % 20);
    const items = Array.from({ length: 400 }, (_, e) => Math.floor(e / 20));
    const ratings = Ratings.fromTriples({ users, items, values: users.map(() => 4e9) }, { denseIds: true });
    const e = await caughtAsync(() =>
      new ALS({ factors: 2, iterations: 2, regularization: 0.1, biases: false, threads: 1 }).fit(ratings),
    );
    expect(e.code).toBe(ErrorCode.NOT_POSITIVE_DEFINITE);
    expect(e.message).toMatch(/not positive definite in float32 arithmetic/);
    expect(e.hint).toMatch(/ratings up to 4\.00e\+9, regularization 0\.1 is lost in rounding\. Rescale the ratings toward 1/);
  });

  it('implicit confidence past 2^24 is out of range before training, naming alpha', async () => {
    const ratings = Ratings.fromTriples({ users: [0, 0, 1], items: [0, 1, 1], values: [1, 2, 1] }, { denseIds: true });
    const e = await caughtAsync(() =>
      new ALS({ factors: 2, feedback: 'implicit', alpha: MAX_CONFIDENCE, threads: 1 }).fit(ratings),
    );
    expect(e.code).toBe(ErrorCode.NON_FINITE_VALUE);
    expect(e.hint).toMatch(/Lower alpha/);
    await new ALS({ factors: 2, iterations: 1, feedback: 'implicit', alpha: 1e6, threads: 1 }).fit(ratings);
  });

  it('foldIn and partialFit refuse values out of range for the model', async () => {
    const model = await trainDense();
    expect(code(() => model.foldIn({ items: [0, 1], values: [1e30, 1e30] }))).toBe(ErrorCode.NON_FINITE_VALUE);
    expect(code(() => model.partialFit({ users: { users: [0, 0], items: [0, 1], values: [1e30, 1e30] } }))).toBe(
      ErrorCode.NON_FINITE_VALUE,
    );
  });
});

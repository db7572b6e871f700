/**
 * Issue 11 ("Trust"), the ratings data: every bad input to Ratings, its builder, the ID
 * checks, the weighting helpers and synthetic data is a coded AlsError, sizes are refused
 * before anything is allocated, and values training cannot hold are refused up front.
 */
import { describe, expect, it } from 'vitest';
import { IdMap, checkId, checkIds } from '../src/data/id-map.js';
import {
  MAX_ABS_RATING,
  MAX_RATINGS,
  checkRatingValue,
  checkTrainingSize,
  isRatingValue,
  minimumTrainingBytes,
} from '../src/data/limits.js';
import { loadRatings } from '../src/data/loaders/load.js';
import { Ratings } from '../src/data/ratings.js';
import { syntheticRatings } from '../src/data/synthetic.js';
import { bm25Weight, logScale, tfidfWeight } from '../src/data/weighting.js';
import { AlsError, ErrorCode } from '../src/errors.js';
import { planLayout } from '../src/train/layout.js';
import { MAX_MEMORY_BYTES } from '../src/wasm/memory-plan.js';

/** Expects fn to throw an AlsError with this code (never a TypeError or RangeError); returns it. */
function expectCode(fn: () => unknown, code: string): AlsError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AlsError)) throw new Error(`expected AlsError ${code}, got ${String(e)}`);
    expect(e.code).toBe(code);
    return e;
  }
  throw new Error(`expected AlsError ${code}, nothing was thrown`);
}

/** Runs fn, expects the code, and returns how long the refusal took (ms). */
function timedCode(fn: () => unknown, code: string): { error: AlsError; ms: number } {
  const start = performance.now();
  const error = expectCode(fn, code);
  return { error, ms: performance.now() - start };
}

const one = { users: [0], items: [0], values: [1] };
const any = <T>(x: unknown) => x as T;

describe('item 9: every bad input is a coded AlsError, never a TypeError', () => {
  it('Ratings.fromTriples(null) and other non-triples are INVALID_OPTION, not a TypeError', () => {
    for (const bad of [null, undefined, 5, 'u,i,5', [], {}, { users: [0], items: [0] }]) {
      expectCode(() => Ratings.fromTriples(any(bad)), ErrorCode.INVALID_OPTION);
    }
    // Columns that are not arrays: a number, a string (array-like, but not IDs), an object, null.
    for (const values of [5, '15', {}, null, new DataView(new ArrayBuffer(4))]) {
      const e = expectCode(() => Ratings.fromTriples({ users: [0], items: [0], values: any(values) }), ErrorCode.INVALID_OPTION);
      expect(e.message).toContain('values must be an array or typed array');
    }
    expectCode(() => Ratings.fromTriples({ users: any(7), items: [0], values: [1] }), ErrorCode.INVALID_OPTION);
  });

  it('Ratings.fromTriples with options that are not an object is INVALID_OPTION', () => {
    for (const options of [null, 5, 'dense', [true]])
      expectCode(() => Ratings.fromTriples(one, any(options)), ErrorCode.INVALID_OPTION);
  });

  it('Ratings.fromTriples reads SyntheticRatings, whose extra fields are data, not options', () => {
    const data = syntheticRatings({ numUsers: 30, numItems: 40, nnz: 300, seed: 2 });
    expect(Ratings.fromTriples(data, { denseIds: true }).nnz).toBe(300);
  });

  it('builder.add with a missing or non-number value or an object ID is a coded error and adds nothing', () => {
    const b = Ratings.builder().add('a', 'x', 1);
    expectCode(() => b.add('a', 'y', any(undefined)), ErrorCode.NON_FINITE_VALUE);
    expect(expectCode(() => b.add('a', 'y', any('5')), ErrorCode.NON_FINITE_VALUE).message).toContain('"5", not a number');
    expectCode(() => b.add(any({}), 'y', 1), ErrorCode.INVALID_ID);
    expectCode(() => b.add('a', any(null), 1), ErrorCode.INVALID_ID);
    expectCode(() => b.add(any(undefined), 'y', 1), ErrorCode.INVALID_ID);
    expect(b.size).toBe(1);
    const r = b.add('b', 'y', 2).build();
    expect(r.userIds).toEqual(['a', 'b']);
    expect(r.itemIds).toEqual(['x', 'y']);
  });

  it('Ratings.builder(null) and builder({ numUsers }) are INVALID_OPTION with a hint', () => {
    expectCode(() => Ratings.builder(any(null)), ErrorCode.INVALID_OPTION);
    const e = expectCode(() => Ratings.builder(any({ numUsers: 5 })), ErrorCode.INVALID_OPTION);
    expect(e.hint).toContain('Ratings.fromTriples');
  });

  it('bm25Weight, tfidfWeight and logScale refuse null, ragged, NaN, negative and non-index input with codes', () => {
    const good = { users: [0, 1], items: [0, 0], values: [1, 2] };
    for (const weigh of [(d: unknown) => bm25Weight(any(d)), (d: unknown) => tfidfWeight(any(d))]) {
      expectCode(() => weigh(null), ErrorCode.INVALID_OPTION);
      expectCode(() => weigh({ users: [0], items: [0] }), ErrorCode.INVALID_OPTION);
      expectCode(() => weigh({ ...good, values: [1] }), ErrorCode.LENGTH_MISMATCH);
      expect(expectCode(() => weigh({ ...good, values: [1, NaN] }), ErrorCode.NON_FINITE_VALUE).message).toContain('value 1');
      expectCode(() => weigh({ ...good, values: [1, -2] }), ErrorCode.INVALID_OPTION);
      expectCode(() => weigh({ ...good, users: [0, -1] }), ErrorCode.INVALID_ID);
      expectCode(() => weigh({ ...good, items: [0, 0.5] }), ErrorCode.INVALID_ID);
      expectCode(() => weigh({ ...good, items: [0, 'x'] }), ErrorCode.INVALID_ID);
      expectCode(() => weigh({ users: [], items: [], values: [] }), ErrorCode.EMPTY_DATA);
    }
    expectCode(() => logScale(any(null)), ErrorCode.INVALID_OPTION);
    expectCode(() => logScale([1, NaN]), ErrorCode.NON_FINITE_VALUE);
    expectCode(() => logScale([1, any('2')]), ErrorCode.NON_FINITE_VALUE);
    expectCode(() => logScale([1, -1]), ErrorCode.INVALID_OPTION);
  });

  it('bm25Weight gives 0, not NaN, for zero counts (k1 = 0, or every count 0)', () => {
    const data = { users: [0, 0, 1], items: [0, 1, 1], values: [0, 3, 2] };
    expect([...bm25Weight(data, { k1: 0 })].map((w) => Number.isNaN(w))).toEqual([false, false, false]);
    expect(bm25Weight(data, { k1: 0 })[0]).toBe(0);
    expect([...bm25Weight({ ...data, values: [0, 0, 0] })]).toEqual([0, 0, 0]);
  });

  it('syntheticRatings with fewer than 5 items is refused instead of looping forever', () => {
    const e = expectCode(() => syntheticRatings({ numUsers: 1, numItems: 3, nnz: 5 }), ErrorCode.INVALID_OPTION);
    expect(e.message).toContain('numItems');
    expect(syntheticRatings({ numUsers: 2, numItems: 5, nnz: 10, seed: 1 }).values.length).toBe(10);
  });

  it('syntheticRatings refuses unknown, mistyped and out-of-range options', () => {
    expectCode(() => syntheticRatings(any(null)), ErrorCode.INVALID_OPTION);
    expect(expectCode(() => syntheticRatings(any({ numUser: 10 })), ErrorCode.INVALID_OPTION).hint).toContain("'numUsers'");
    expect(expectCode(() => syntheticRatings(any({ factors: 4 })), ErrorCode.INVALID_OPTION).hint).toContain("'rank'");
    for (const bad of [
      { numUsers: 1.5 },
      { numUsers: 0 },
      { nnz: '100' },
      { rank: 0 },
      { noise: -1 },
      { noise: NaN },
      { seed: 0.5 },
    ]) {
      expectCode(() => syntheticRatings(any(bad)), ErrorCode.INVALID_OPTION);
    }
  });
});

describe('item 7: sizes are refused before anything is allocated', () => {
  it('Ratings.fromTriples with denseIds and numUsers: 2**30 is TOO_LARGE within milliseconds', () => {
    const { error, ms } = timedCode(
      () => Ratings.fromTriples({ users: [0, 1], items: [0, 1], values: [1, 2] }, { denseIds: true, numUsers: 2 ** 30 }),
      ErrorCode.TOO_LARGE,
    );
    expect(error.message).toContain('1073741824 users');
    expect(error.message).toContain('4 GiB');
    expect(ms).toBeLessThan(1000); // was 66 s and 8 GB
  });

  it('a dense ID near 2^31 without numUsers is TOO_LARGE in milliseconds; beyond 2^31 − 1 it is INVALID_ID', () => {
    const { error, ms } = timedCode(
      () => Ratings.fromTriples({ users: [0, 2 ** 31 - 2], items: [0, 1], values: [1, 2] }, { denseIds: true }),
      ErrorCode.TOO_LARGE,
    );
    expect(error.message).toContain('2147483647 users');
    expect(ms).toBeLessThan(1000);
    expectCode(
      () => Ratings.fromTriples({ users: [0, 2 ** 31], items: [0, 1], values: [1, 2] }, { denseIds: true }),
      ErrorCode.INVALID_ID,
    );
    expectCode(
      () => Ratings.fromTriples({ users: new Uint32Array([0, 2 ** 32 - 1]), items: [0, 1], values: [1, 2] }, { denseIds: true }),
      ErrorCode.INVALID_ID,
    );
  });

  it('the builder with a dense ID near 2^31 is TOO_LARGE at build, in milliseconds', () => {
    const b = Ratings.builder({ denseIds: true })
      .add(0, 0, 1)
      .add(2 ** 31 - 2, 0, 1);
    expect(timedCode(() => b.build(), ErrorCode.TOO_LARGE).ms).toBeLessThan(1000);
  });

  it('numUsers / numItems must be integers ≥ 0 (INVALID_OPTION) and cover the IDs (ID_OUT_OF_RANGE)', () => {
    for (const numUsers of [1.5, -1, NaN, Infinity, '5', null]) {
      expectCode(() => Ratings.fromTriples(one, { denseIds: true, numUsers: any(numUsers) }), ErrorCode.INVALID_OPTION);
    }
    expectCode(() => Ratings.fromTriples(one, { denseIds: true, numItems: any(2.5) }), ErrorCode.INVALID_OPTION);
    const e = expectCode(
      () => Ratings.fromTriples({ users: [0, 4], items: [0, 0], values: [1, 1] }, { denseIds: true, numUsers: 4 }),
      ErrorCode.ID_OUT_OF_RANGE,
    );
    expect(e.message).toContain('numUsers is 4');
  });

  it('the TOO_LARGE bound is what planLayout needs at the least, so it never refuses a size fit could train', () => {
    const minimal = (numUsers: number, numItems: number, nnz: number) =>
      planLayout({ numUsers, numItems, nnz, stride: 8, maxUserNnz: 1, maxItemNnz: 1, threads: 1, userChunks: 1, itemChunks: 1 })
        .totalBytes;
    for (const [u, i, n] of [
      [1, 1, 1],
      [1000, 500, 20_000],
      [6_000_000, 1_000_000, 50_000_000],
    ] as const) {
      expect(minimumTrainingBytes(u, i, n)).toBeLessThanOrEqual(minimal(u, i, n));
      expect(minimal(u, i, n) - minimumTrainingBytes(u, i, n)).toBeLessThan(2 ** 20 + ((u + i) / 4096) * 256 + 1024);
    }
    // The largest user count checkTrainingSize passes with one item and rating also passes planLayout.
    const maxUsers = Math.floor((MAX_MEMORY_BYTES - 44 - 16) / 44);
    expect(() => checkTrainingSize('Ratings', maxUsers, 1, 1)).not.toThrow();
    expectCode(() => checkTrainingSize('Ratings', maxUsers + 1, 1, 1), ErrorCode.TOO_LARGE);
    expect(MAX_RATINGS).toBe(2 ** 28);
    expectCode(() => checkTrainingSize('Ratings', 0, 0, MAX_RATINGS + 1), ErrorCode.TOO_LARGE);
  });

  it('a ratings array longer than any fit could hold is TOO_LARGE before it is read', () => {
    const huge = { length: 2 ** 29 }; // an array-like that would take minutes to walk
    const { error, ms } = timedCode(
      () => Ratings.fromTriples({ users: any(huge), items: any(huge), values: any(huge) }),
      ErrorCode.TOO_LARGE,
    );
    expect(error.message).toContain('536870912 ratings');
    expect(ms).toBeLessThan(1000);
  });

  it('bm25Weight with an index near 2^31 is TOO_LARGE before allocating per-user arrays', () => {
    const data = { users: [0, 2 ** 31 - 2], items: [0, 0], values: [1, 1] };
    expect(timedCode(() => bm25Weight(data), ErrorCode.TOO_LARGE).ms).toBeLessThan(1000);
    expect(
      timedCode(() => tfidfWeight({ ...data, users: [0, 1], items: [0, 2 ** 31 - 2] }), ErrorCode.TOO_LARGE).ms,
    ).toBeLessThan(1000);
  });

  it('syntheticRatings with sizes no fit could train is TOO_LARGE in milliseconds', () => {
    expect(
      timedCode(() => syntheticRatings({ numUsers: 2 ** 30, numItems: 1000, nnz: 2 ** 32 }), ErrorCode.TOO_LARGE).ms,
    ).toBeLessThan(1000);
    expect(
      timedCode(() => syntheticRatings({ numUsers: 1_000_000, numItems: 1000, nnz: 5_000_000, rank: 4096 }), ErrorCode.TOO_LARGE)
        .ms,
    ).toBeLessThan(1000);
  });
});

describe('item 10: values training cannot hold are refused up front', () => {
  it('builder.add(…, 1e39) is NON_FINITE_VALUE naming the rating, not stored as Infinity', () => {
    const b = Ratings.builder().add('a', 'x', 1);
    const e = expectCode(() => b.add('ann', 'y', 1e39), ErrorCode.NON_FINITE_VALUE);
    expect(e.message).toBe('Rating 1 (user ann, item y) has value 1e+39, beyond float32 range. Ratings must be finite numbers.');
    expect(b.size).toBe(1);
    expectCode(
      () => Ratings.fromTriples({ users: [0, 1], items: [0, 0], values: new Float64Array([1, -1e39]) }),
      ErrorCode.NON_FINITE_VALUE,
    );
  });

  it("duplicates: 'sum' beyond the value range is NON_FINITE_VALUE naming the pair, not a stored Infinity", () => {
    const t = { users: ['a', 'ann', 'ann', 'ann'], items: ['x', 'y', 'y', 'y'], values: [1, 2 ** 31, 2 ** 31, 2 ** 31] };
    const e = expectCode(() => Ratings.fromTriples(t, { duplicates: 'sum' }), ErrorCode.NON_FINITE_VALUE);
    expect(e.message).toContain('The ratings of user ann for item y sum to 6442450944');
    expect(e.hint).toContain('Rescale');
    const b = Ratings.builder({ duplicates: 'sum' });
    for (let e = 0; e < 3; e++) b.add(7, 9, 2 ** 31);
    expect(expectCode(() => b.build(), ErrorCode.NON_FINITE_VALUE).message).toContain('user 7 for item 9');
    // Sums within the range are kept.
    expect(Ratings.fromTriples({ ...t, values: [1, 2 ** 30, 2 ** 30, 2 ** 30] }, { duplicates: 'sum' }).byUser.values[1]).toBe(
      3 * 2 ** 30,
    );
  });

  it('ratings of 1e30 are refused as out of range with a hint to rescale, not NOT_POSITIVE_DEFINITE', () => {
    const e = expectCode(
      () => Ratings.fromTriples({ users: [0, 1], items: [0, 0], values: [3, 1e30] }),
      ErrorCode.NON_FINITE_VALUE,
    );
    expect(e.message).toContain('Rating 1 has value 1e+30, out of range');
    expect(e.hint).toContain('Rescale the values');
    expectCode(() => Ratings.builder().add('a', 'b', -1e30), ErrorCode.NON_FINITE_VALUE);
  });

  it('MAX_ABS_RATING is 2^32, checked on the float32 the value becomes', () => {
    expect(MAX_ABS_RATING).toBe(2 ** 32);
    expect(checkRatingValue(2 ** 32, 'Rating 0')).toBe(2 ** 32);
    expect(checkRatingValue(-(2 ** 32), 'Rating 0')).toBe(-(2 ** 32));
    expect(checkRatingValue(2 ** 32 + 1, 'Rating 0')).toBe(2 ** 32 + 1); // stored as 2^32
    expectCode(() => checkRatingValue(2 ** 32 * (1 + 2 ** -23), 'Rating 0'), ErrorCode.NON_FINITE_VALUE);
    expect(Ratings.fromTriples({ users: [0], items: [0], values: [2 ** 32] }).byUser.values[0]).toBe(2 ** 32);
    expect([2 ** 32, -3, 0].map(isRatingValue)).toEqual([true, true, true]);
    expect([2 ** 33, NaN, Infinity, '5', null, 1e39].map(isRatingValue)).toEqual([false, false, false, false, false, false]);
  });

  it('a loaded file with a rating of 1e30 is refused as out of range (Ratings checks what loaders pass)', async () => {
    await expect(loadRatings('1,1,5\n2,1,1e30\n')).rejects.toMatchObject({ code: ErrorCode.NON_FINITE_VALUE });
  });
});

describe('item 2 support: one ID check for Ratings and partialFit', () => {
  it('checkId refuses what partialFit let through: 3.5, -5, NaN, null and "7" for dense IDs', () => {
    for (const id of [3.5, -5, NaN, null, undefined, '7', 'dee', Infinity, 2 ** 31, {}, true]) {
      expectCode(() => checkId(id, 'dense', 'user', 0), ErrorCode.INVALID_ID);
    }
    expect(checkId(7, 'dense', 'user', 0)).toBe(7);
    expect(expectCode(() => checkId(3.5, 'dense', 'user', 2), ErrorCode.INVALID_ID).message).toContain(
      'Rating 2 has user ID 3.5, which is not an integer',
    );
  });

  it('checkId keeps a map to one kind: numbers for number IDs, strings for string IDs', () => {
    expectCode(() => checkId('7', 'number', 'item', 0), ErrorCode.INVALID_ID);
    expectCode(() => checkId(NaN, 'number', 'item', 0), ErrorCode.INVALID_ID);
    expect(checkId(-2.5, 'number', 'item', 0)).toBe(-2.5);
    expect(expectCode(() => checkId(7, 'string', 'item', 0), ErrorCode.INVALID_ID).hint).toContain("'7'");
    expect(checkId('7', 'string', 'item', 0)).toBe('7');
    for (const id of [null, NaN, -Infinity, {}, [1]]) expectCode(() => checkId(id, 'any', 'item', 0), ErrorCode.INVALID_ID);
    expect(checkId('x', 'any', 'item', 0)).toBe('x');
    expect(checkId(1.5, 'any', 'item', 0)).toBe(1.5);
  });

  it('checkIds returns the IDs as a plain array and refuses a non-array with INVALID_OPTION', () => {
    expect(checkIds(new Int32Array([3, 1]), 'dense', 'user')).toEqual([3, 1]);
    expect(checkIds(['a', 'b'], 'string', 'user')).toEqual(['a', 'b']);
    expect(expectCode(() => checkIds([1, 2, 'x'], 'number', 'user'), ErrorCode.INVALID_ID).message).toContain('Rating 2');
    for (const bad of [null, 5, 'ab']) expectCode(() => checkIds(bad, 'any', 'user'), ErrorCode.INVALID_OPTION);
  });

  it("IdMap.kind names the IDs a map takes: 'dense', 'number', 'string', or 'any' when mixed or empty", () => {
    expect(IdMap.dense(3).kind).toBe('dense');
    expect(IdMap.fromIds([1, 2]).kind).toBe('number');
    expect(IdMap.fromIds(['a']).kind).toBe('string');
    expect(IdMap.fromIds(['a', 1]).kind).toBe('any');
    expect(IdMap.empty().kind).toBe('any');
    const grown = IdMap.fromIds(['a']).clone();
    grown.add(2);
    expect(grown.kind).toBe('any');
    expect(Ratings.fromTriples({ users: ['u'], items: [5], values: [1] }).items.kind).toBe('number');
  });

  it('a string ID with a lone surrogate is refused: it could not be saved and loaded back', () => {
    expectCode(() => Ratings.fromTriples({ users: ['ok', 'bad\uD800'], items: [0, 0], values: [1, 1] }), ErrorCode.INVALID_ID);
    expectCode(() => Ratings.builder().add('a', '\uDC00', 1), ErrorCode.INVALID_ID);
    expect(Ratings.fromTriples({ users: ['😀'], items: [0], values: [1] }).userIds).toEqual(['😀']);
  });

  it('IdMap.fromIds with a repeated ID is an AlsError (INVALID_ID), not a plain Error', () => {
    expectCode(() => IdMap.fromIds(['a', 'a']), ErrorCode.INVALID_ID);
  });
});

describe('item 4: options objects refuse unknown keys and wrong types', () => {
  it('Ratings options refuse unknown keys with a did-you-mean hint', () => {
    expect(expectCode(() => Ratings.fromTriples(one, any({ denseId: true })), ErrorCode.INVALID_OPTION).hint).toBe(
      "Did you mean 'denseIds'?",
    );
    expect(expectCode(() => Ratings.fromTriples(one, any({ duplicate: 'sum' })), ErrorCode.INVALID_OPTION).hint).toBe(
      "Did you mean 'duplicates'?",
    );
    expect(expectCode(() => Ratings.fromTriples(one, any({ numUser: 3, denseIds: true })), ErrorCode.INVALID_OPTION).hint).toBe(
      "Did you mean 'numUsers'?",
    );
    expect(expectCode(() => Ratings.builder(any({ denseIDs: true })), ErrorCode.INVALID_OPTION).hint).toBe(
      "Did you mean 'denseIds'?",
    );
  });

  it("denseIds: 'yes' is refused, not read as true", () => {
    for (const denseIds of ['yes', 1, 'false', null]) {
      expectCode(() => Ratings.fromTriples(one, any({ denseIds })), ErrorCode.INVALID_OPTION);
      expectCode(() => Ratings.builder(any({ denseIds })), ErrorCode.INVALID_OPTION);
    }
  });

  it("duplicates must be one of 'error', 'sum', 'last'", () => {
    expect(expectCode(() => Ratings.fromTriples(one, any({ duplicates: 'Sum' })), ErrorCode.INVALID_OPTION).hint).toBe(
      "Did you mean 'sum'?",
    );
    expectCode(() => Ratings.fromTriples(one, any({ duplicates: true })), ErrorCode.INVALID_OPTION);
    expectCode(() => Ratings.builder(any({ duplicates: 'max' })), ErrorCode.INVALID_OPTION);
  });

  it('weighting options refuse unknown keys and non-finite values', () => {
    const data = { users: [0, 1], items: [0, 0], values: [1, 2] };
    expect(expectCode(() => bm25Weight(data, any({ K1: 1 })), ErrorCode.INVALID_OPTION).hint).toBe("Did you mean 'k1'?");
    expectCode(() => bm25Weight(data, any(null)), ErrorCode.INVALID_OPTION);
    expectCode(() => bm25Weight(data, { k1: Infinity }), ErrorCode.INVALID_OPTION);
    expectCode(() => bm25Weight(data, { b: 1.5 }), ErrorCode.INVALID_OPTION);
    expectCode(() => bm25Weight(data, any({ b: '0.5' })), ErrorCode.INVALID_OPTION);
    expect(expectCode(() => logScale([1], any({ eps: 2 })), ErrorCode.INVALID_OPTION).hint).toBe("Did you mean 'epsilon'?");
    expectCode(() => logScale([1], { epsilon: 0 }), ErrorCode.INVALID_OPTION);
    expectCode(() => logScale([1], { epsilon: Infinity }), ErrorCode.INVALID_OPTION);
  });
});

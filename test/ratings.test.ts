import { describe, expect, it } from 'vitest';
import { Ratings } from '../src/data/ratings.js';
import { AlsError, ErrorCode } from '../src/errors.js';

/** Expects fn to throw an AlsError with this code; returns it for message checks. */
function expectCode(fn: () => unknown, code: string): AlsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AlsError);
    expect((e as AlsError).code).toBe(code);
    return e as AlsError;
  }
  throw new Error(`expected AlsError ${code}, nothing was thrown`);
}

/** The CSR as a plain { user: { item: value } } object, by external IDs. */
function asObject(r: Ratings): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const { indptr, indices, values } = r.byUser;
  for (let u = 0; u < r.numUsers; u++) {
    const row: Record<string, number> = {};
    for (let e = indptr[u]!; e < indptr[u + 1]!; e++) row[String(r.items.id(indices[e]!))] = values[e]!;
    out[String(r.users.id(u))] = row;
  }
  return out;
}

describe('Ratings.fromTriples', () => {
  it('maps arbitrary IDs in order of first appearance and keeps the mapping', () => {
    const r = Ratings.fromTriples({ users: ['bob', 'ann', 'bob', 7], items: ['x', 'y', 'y', 'x'], values: [5, 3, 4, 1] });
    expect(r.userIds).toEqual(['bob', 'ann', 7]);
    expect(r.itemIds).toEqual(['x', 'y']);
    expect(r.userIndex('ann')).toBe(1);
    expect(r.userIndex('7')).toBe(-1); // 7 and '7' are different IDs
    expect(r.userIndex(7)).toBe(2);
    expect(r.nnz).toBe(4);
    expect(asObject(r)).toEqual({ bob: { x: 5, y: 4 }, ann: { y: 3 }, 7: { x: 1 } });
  });

  it('builds CSR by user and CSC by item with ascending indices', () => {
    const r = Ratings.fromTriples(
      { users: [2, 0, 1, 0, 2], items: [1, 2, 0, 0, 0], values: [1, 2, 3, 4, 5] },
      { denseIds: true },
    );
    expect([...r.byUser.indptr]).toEqual([0, 2, 3, 5]);
    expect([...r.byUser.indices]).toEqual([0, 2, 0, 0, 1]);
    expect([...r.byUser.values]).toEqual([4, 2, 3, 5, 1]);
    expect([...r.byItem.indptr]).toEqual([0, 3, 4, 5]);
    expect([...r.byItem.indices]).toEqual([0, 1, 2, 2, 0]);
    expect([...r.byItem.values]).toEqual([4, 3, 5, 1, 2]);
  });

  it('dense IDs: index = ID, typed arrays read in place, numUsers/numItems add empty rows', () => {
    const users = new Int32Array([0, 3]);
    const items = new Int32Array([1, 1]);
    const r = Ratings.fromTriples(
      { users, items, values: new Float32Array([2, 4]) },
      { denseIds: true, numUsers: 5, numItems: 3 },
    );
    expect(r.numUsers).toBe(5);
    expect(r.numItems).toBe(3);
    expect(r.users.isDense).toBe(true);
    expect(r.userIndex(3)).toBe(3);
    expect(r.userIds).toEqual([0, 1, 2, 3, 4]);
    expect([...r.byUser.indptr]).toEqual([0, 1, 1, 1, 2, 2]);
  });

  it('duplicates: error by default, naming both rows', () => {
    const e = expectCode(
      () => Ratings.fromTriples({ users: ['a', 'b', 'a'], items: ['x', 'x', 'x'], values: [1, 2, 3] }),
      ErrorCode.DUPLICATE_RATING,
    );
    expect(e.message).toContain('rows 0 and 2');
    expect(e.hint).toContain("duplicates: 'sum'");
  });

  it("duplicates: 'sum' adds and 'last' keeps the last in input order", () => {
    const t = { users: [0, 1, 0, 0], items: [4, 4, 4, 2], values: [1, 2, 3, 5] };
    expect(asObject(Ratings.fromTriples(t, { denseIds: true, duplicates: 'sum' }))[0]).toEqual({ 2: 5, 4: 4 });
    const last = Ratings.fromTriples(t, { denseIds: true, duplicates: 'last' });
    expect(asObject(last)[0]).toEqual({ 2: 5, 4: 3 });
    expect(last.nnz).toBe(3);
    expect([...last.byItem.indptr]).toEqual([0, 0, 0, 1, 1, 3]);
  });

  it('refuses bad input with coded errors naming the row', () => {
    expectCode(() => Ratings.fromTriples({ users: [], items: [], values: [] }), ErrorCode.EMPTY_DATA);
    expectCode(() => Ratings.fromTriples({ users: [1], items: [1, 2], values: [1] }), ErrorCode.LENGTH_MISMATCH);
    expect(
      expectCode(() => Ratings.fromTriples({ users: [1, 2], items: [1, 2], values: [1, NaN] }), ErrorCode.NON_FINITE_VALUE)
        .message,
    ).toContain('Rating 1');
    expectCode(() => Ratings.fromTriples({ users: [1], items: [1], values: [Infinity] }), ErrorCode.NON_FINITE_VALUE);
    expectCode(() => Ratings.fromTriples({ users: [1], items: [1], values: [1e39] }), ErrorCode.NON_FINITE_VALUE);
    expect(
      expectCode(
        () => Ratings.fromTriples({ users: [0, -1], items: [0, 0], values: [1, 1] }, { denseIds: true }),
        ErrorCode.INVALID_ID,
      ).message,
    ).toContain('Rating 1');
    expectCode(
      () => Ratings.fromTriples({ users: [0, 1.5], items: [0, 0], values: [1, 1] }, { denseIds: true }),
      ErrorCode.INVALID_ID,
    );
    expectCode(
      () => Ratings.fromTriples({ users: new Int32Array([0, -3]), items: [0, 0], values: [1, 1] }, { denseIds: true }),
      ErrorCode.INVALID_ID,
    );
    expectCode(
      () => Ratings.fromTriples({ users: [0, 5], items: [0, 0], values: [1, 1] }, { denseIds: true, numUsers: 5 }),
      ErrorCode.ID_OUT_OF_RANGE,
    );
    expectCode(() => Ratings.fromTriples({ users: [null as unknown as string], items: [0], values: [1] }), ErrorCode.INVALID_ID);
    expectCode(() => Ratings.fromTriples({ users: [0], items: [0], values: [1] }, { numUsers: 3 }), ErrorCode.INVALID_OPTION);
    expectCode(
      () => Ratings.fromTriples({ users: [0], items: [0], values: [1] }, { duplicates: 'max' as 'sum' }),
      ErrorCode.INVALID_OPTION,
    );
  });
});

describe('RatingsBuilder', () => {
  it('collects ratings one at a time, growing past its first buffer', () => {
    const b = Ratings.builder();
    for (let e = 0; e < 3000; e++) b.add(`u${e % 7}`, e, e % 5);
    const r = b.build();
    expect(r.numUsers).toBe(7);
    expect(r.numItems).toBe(3000);
    expect(r.nnz).toBe(3000);
    expect(r.byUser.values[r.byUser.indptr[1]!]).toBe(1); // user u1's first item is item 1, value 1
  });

  it('refuses bad ratings as they come, and an empty build', () => {
    expectCode(() => Ratings.builder().build(), ErrorCode.EMPTY_DATA);
    expectCode(() => Ratings.builder().add('a', 'b', NaN), ErrorCode.NON_FINITE_VALUE);
    expectCode(() => Ratings.builder({ denseIds: true }).add(-1, 0, 1), ErrorCode.INVALID_ID);
    expectCode(() => Ratings.builder().add('a', 'b', 1).add('a', 'b', 2).build(), ErrorCode.DUPLICATE_RATING);
  });
});

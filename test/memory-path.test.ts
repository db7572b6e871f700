/**
 * Issue 14 §4: large ratings are built in a memory of their own, and their first fit trains in
 * it (no second copy of the ratings, factors as views). The threshold is lowered here so small
 * data takes that path; every result is compared with the ordinary path's, bit for bit.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALS, ALSModel, AlsError, ErrorCode, Ratings, type AlsOptions } from '../src/index.js';
import { syntheticRatings } from '../src/data/synthetic.js';
import { setInMemoryMinRatings } from '../src/data/ratings-memory.js';
import { buildRows, buildRowsInto, type SparseRows } from '../src/data/sparse.js';
import { Prng } from '../src/train/prng.js';
import { combineDuplicates } from '../src/cli/data.js';
import { IdMap } from '../src/data/id-map.js';
import type { ParsedTriples } from '../src/data/loaders/parse.js';
import { writeImplicitModel, writeSparkModel } from '../src/interop/index.js';
import { recommendAllThreaded } from '../src/index.js';
import { randomFactors } from '../src/train/random-factors.js';

// Threaded fits run the built workers (dist/) and the threads build.
const built =
  existsSync(new URL('../dist/parallel/worker.node.js', import.meta.url)) &&
  existsSync(new URL('../build/als-threads.wasm', import.meta.url));
if (!built) console.warn('dist/ or build/ is missing (run `npm run build`): the fits in a Ratings memory are skipped.');

const data = syntheticRatings({ numUsers: 700, numItems: 300, nnz: 12_000, seed: 3 });
const shape = { denseIds: true, numUsers: data.numUsers, numItems: data.numItems } as const;

/** The ordinary Ratings (JS heap) and one built in its own memory, from the same triples. */
function both(triples = data, options: Parameters<typeof Ratings.fromTriples>[1] = shape): [Ratings, Ratings] {
  const plain = Ratings.fromTriples(triples, options);
  const old = setInMemoryMinRatings(0);
  try {
    return [plain, Ratings.fromTriples(triples, options)];
  } finally {
    setInMemoryMinRatings(old);
  }
}

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function expectSameRows(a: SparseRows, b: SparseRows): void {
  expect(bytes(a.indptr).equals(bytes(b.indptr))).toBe(true);
  // The same columns, whatever width each holds them in (a Ratings' memory keeps 2-byte ones).
  expect(bytes(Int32Array.from(a.indices)).equals(bytes(Int32Array.from(b.indices)))).toBe(true);
  expect(bytes(a.values).equals(bytes(b.values))).toBe(true);
}

function expectSameModel(a: ALSModel, b: ALSModel): void {
  expect(bytes(a.userFactors).equals(bytes(b.userFactors))).toBe(true);
  expect(bytes(a.itemFactors).equals(bytes(b.itemFactors))).toBe(true);
  expect(a.userBiases).toEqual(b.userBiases);
  expect(a.itemBiases).toEqual(b.itemBiases);
}

/** Random COO with repeated pairs and long rows (several merge passes of the row sort). */
function cooWithRepeats(seed: number) {
  const rng = new Prng(seed);
  const n = 20_000;
  const rows = new Int32Array(n);
  const cols = new Int32Array(n);
  const values = new Float32Array(n);
  for (let e = 0; e < n; e++) {
    // Row 0 is long (≈ 5,000 entries), the rest short; 400 columns make repeats common.
    rows[e] = rng.next() < 0.25 ? 0 : 1 + rng.int(199);
    cols[e] = rng.int(400);
    values[e] = 1 + rng.int(5);
  }
  return { rows, cols, values };
}

describe('building the CSR without a full-size temporary', () => {
  it.each(['sum', 'last'] as const)(
    "buildRowsInto stores exactly the rows buildRows stores, repeats combined by '%s'",
    (policy) => {
      const { rows, cols, values } = cooWithRepeats(7);
      const expected = buildRows(rows, cols, values, 200, 400, policy) as SparseRows;
      const out = { indptr: new Int32Array(201), indices: new Int32Array(rows.length), values: new Float32Array(rows.length) };
      const got = buildRowsInto(rows, cols, values, 200, policy, out) as SparseRows;
      expectSameRows(got, expected);
      expect(got.indices.length).toBeLessThan(rows.length);
    },
  );

  it("buildRowsInto reports the same repeated pair as buildRows under 'error'", () => {
    const { rows, cols, values } = cooWithRepeats(8);
    const out = { indptr: new Int32Array(201), indices: new Int32Array(rows.length), values: new Float32Array(rows.length) };
    expect(buildRowsInto(rows, cols, values, 200, 'error', out)).toEqual(buildRows(rows, cols, values, 200, 400, 'error'));
  });

  it.each(['sum', 'last'] as const)(
    "the CLI's combineDuplicates ('%s') keeps the pairs buildRows keeps, with the latest timestamp",
    (policy) => {
      const { rows, cols, values } = cooWithRepeats(9);
      const timestamps = Float64Array.from(rows, (_, e) => (e * 7919) % 1000);
      const parsed = { users: rows, items: cols, values, timestamps, userMap: IdMap.dense(200), itemMap: IdMap.dense(400) };
      const got = combineDuplicates('f', parsed as unknown as ParsedTriples, policy);
      const expected = buildRows(rows, cols, values, 200, 400, policy) as SparseRows;
      expect(Array.from(got.items)).toEqual(Array.from(expected.indices));
      expect(Array.from(got.values)).toEqual(Array.from(expected.values));
      expect(got.timestamps!.length).toBe(got.users.length);
      for (let e = 0; e < got.users.length; e += 97) {
        let latest = -1;
        for (let f = 0; f < rows.length; f++)
          if (rows[f] === got.users[e] && cols[f] === got.items[e]) latest = Math.max(latest, timestamps[f]!);
        expect(got.timestamps![e]).toBe(latest);
      }
    },
  );

  it('a Ratings of large data lives in its own memory with the same CSR, CSC, mean and range', () => {
    const [plain, own] = both();
    expect(plain.home).toBeNull();
    expect(own.home).not.toBeNull();
    expect(own.byUser.indices.buffer).toBe(own.byUser.values.buffer);
    // 300 items: their indices fit in 2 bytes in the memory, and stay 4 on the JS heap.
    expect(own.byUser.indices).toBeInstanceOf(Uint16Array);
    expect(plain.byUser.indices).toBeInstanceOf(Int32Array);
    expectSameRows(own.byUser, plain.byUser);
    expectSameRows(own.byItem, plain.byItem);
    expect(own.mean()).toBe(plain.mean());
    expect(own.valueRange()).toEqual(plain.valueRange());
  });

  it('a repeated pair in large data is refused with the same code and message as on the JS heap', () => {
    const users = [0, 1, 2, 1];
    const items = [0, 1, 2, 1];
    const values = [1, 2, 3, 4];
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(AlsError);
        return [(e as AlsError).code, (e as AlsError).message];
      }
      throw new Error('nothing was thrown');
    };
    const plain = message(() => Ratings.fromTriples({ users, items, values }));
    const old = setInMemoryMinRatings(0);
    try {
      expect(message(() => Ratings.fromTriples({ users, items, values }))).toEqual(plain);
      expect(plain[0]).toBe(ErrorCode.DUPLICATE_RATING);
      // 'sum' stores fewer entries than were given: the CSR is a prefix of the reserved room.
      const summed = Ratings.fromTriples({ users, items, values }, { duplicates: 'sum' });
      expect(summed.nnz).toBe(3);
      expect(Array.from(summed.byUser.values)).toEqual([1, 6, 3]);
    } finally {
      setInMemoryMinRatings(old);
    }
  });
});

describe.runIf(built)('a fit in the Ratings’ own memory', () => {
  const cases: AlsOptions[] = [
    { feedback: 'implicit', solver: 'cg', confidence: 'alpha', alpha: 2 },
    { feedback: 'implicit', solver: 'cholesky' },
    // Biases: stride k + 8 ≠ k, so the factor views are packed in place.
    { feedback: 'explicit', solver: 'cholesky', biases: true, regularizationScaling: 'count', regularization: 0.05 },
  ];
  let restore = 0;
  beforeAll(() => {
    restore = setInMemoryMinRatings(0);
  });
  afterAll(() => {
    setInMemoryMinRatings(restore);
  });

  it.each(cases)('gives the factors of the ordinary fit bit for bit, on 1 and 2 threads: %o', async (options) => {
    for (const threads of [1, 2]) {
      const [plain, own] = both();
      const fit = (r: Ratings) => new ALS({ factors: 12, iterations: 3, seed: 5, threads, ...options }).fit(r);
      const expected = await fit(plain);
      const got = await fit(own);
      expect(own.home!.claimed).toBe(true);
      // Views of the Ratings' shared memory, not copies.
      expect(got.userFactors.buffer).toBeInstanceOf(SharedArrayBuffer);
      expectSameModel(got, expected);
      // The items' CSC the fit built in that memory is the Ratings' byItem from now on.
      expectSameRows(own.byItem, plain.byItem);
    }
  });

  it('draws the starting factors randomFactors draws (no init given = init: randomFactors(seed))', async () => {
    const [, own] = both();
    const o = { factors: 8, iterations: 2, seed: 9, threads: 2 } as const;
    const drawn = await new ALS(o).fit(own);
    const init = randomFactors(data.numUsers, data.numItems, 8, 9);
    const given = await new ALS({ ...o, init }).fit(Ratings.fromTriples(data, shape));
    expectSameModel(drawn, given);
  });

  it('a second fit of the same Ratings leaves the first model’s factors as they were', async () => {
    const [, own] = both();
    const first = await new ALS({ factors: 8, iterations: 2, seed: 1, threads: 2 }).fit(own);
    const kept = first.userFactors.slice();
    const second = await new ALS({ factors: 16, iterations: 2, seed: 2, threads: 2 }).fit(own);
    expect(bytes(first.userFactors).equals(bytes(kept))).toBe(true);
    expect(second.userFactors.buffer).not.toBe(first.userFactors.buffer);
    // The second fit read the same ratings as an ordinary fit would.
    const plain = await new ALS({ factors: 16, iterations: 2, seed: 2, threads: 2 }).fit(Ratings.fromTriples(data, shape));
    expectSameModel(second, plain);
  });

  it('a fit aborted in the Ratings’ memory leaves the Ratings whole: the next fit equals an ordinary fit', async () => {
    const [plain, own] = both();
    const controller = new AbortController();
    const aborted = new ALS({
      factors: 8,
      iterations: 5,
      threads: 2,
      signal: controller.signal,
      onIteration: () => controller.abort(),
    }).fit(own);
    await expect(aborted).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    expect(own.home!.claimed).toBe(true);
    expectSameRows(own.byUser, plain.byUser);
    const o = { factors: 8, iterations: 2, seed: 3, threads: 2 } as const;
    expectSameModel(await new ALS(o).fit(own), await new ALS(o).fit(plain));
  });

  it('a model whose factors are views of the memory saves to the same bytes and loads back', async () => {
    const [plain, own] = both();
    const o = { factors: 8, iterations: 2, seed: 4, threads: 2, feedback: 'implicit' } as const;
    const a = await new ALS(o).fit(plain);
    const b = await new ALS(o).fit(own);
    const saved = b.toBytes();
    expect(Buffer.from(saved).equals(Buffer.from(a.toBytes()))).toBe(true);
    const loaded = ALSModel.fromBytes(saved);
    expectSameModel(loaded, a);
    expect(b.recommend(data.users[0]!, { n: 5 })).toEqual(a.recommend(data.users[0]!, { n: 5 }));
  });

  it('a model of views exports to implicit and Spark files and ranks on threads exactly as a model of copies', async () => {
    const [plain, own] = both();
    const o = { factors: 8, iterations: 2, seed: 6, threads: 2, feedback: 'implicit' } as const;
    const a = await new ALS(o).fit(plain);
    const b = await new ALS(o).fit(own);
    expect(Buffer.from(writeImplicitModel(b)).equals(Buffer.from(writeImplicitModel(a)))).toBe(true);
    const sparkA = writeSparkModel(a);
    const sparkB = writeSparkModel(b);
    expect([...sparkB.keys()]).toEqual([...sparkA.keys()]);
    // The metadata holds the time of writing; the factor files are compared.
    for (const [name, file] of sparkA)
      if (!name.startsWith('metadata/')) expect(Buffer.from(sparkB.get(name)!).equals(Buffer.from(file))).toBe(true);
    const topA = await recommendAllThreaded(a, { n: 5, threads: 2 });
    const topB = await recommendAllThreaded(b, { n: 5, threads: 2 });
    expect(topB).toEqual(topA);
  });
});

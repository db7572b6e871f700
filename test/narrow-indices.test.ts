/**
 * Issue 14 §4: the kernels' memory holds a CSR's column indices in 2 bytes: the column itself
 * where the other side has at most 65,536 rows (data/ratings-memory.ts columnIndexBytes), or,
 * in training's CSC of the items, the user's low 16 bits with a split per block of 65,536
 * users (splitIndexBlocks). Every kernel widens a row's indices before reading them
 * (assembly/columns.ts). The arithmetic is the
 * same, so every fit must give the factors of 4-byte indices bit for bit, on every backend and
 * solver path that reads the ratings; and a model whose seen items are 2-byte views must
 * serve, save and update as one holding 4-byte copies. (What it saves is resident memory:
 * bench/memory.ts.)
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ALS, ALSModel, Ratings, type AlsOptions } from '../src/index.js';
import { columnIndexBytes, narrowColumnIndices, setInMemoryMinRatings, splitIndexBlocks } from '../src/data/ratings-memory.js';
import { syntheticRatings } from '../src/data/synthetic.js';
import { planLayout, planTraining } from '../src/train/layout.js';

const built =
  existsSync(new URL('../dist/parallel/worker.node.js', import.meta.url)) &&
  existsSync(new URL('../build/als-threads.wasm', import.meta.url));
if (!built) console.warn('dist/ or build/ is missing (run `npm run build`): the two-thread fits are skipped.');

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

afterEach(() => {
  narrowColumnIndices.enabled = true;
});

/** The same fit with 4-byte and with 2-byte column indices, and each one's loss by iteration. */
async function bothWidths(ratings: () => Ratings, options: AlsOptions): Promise<[ALSModel, ALSModel, number[][]]> {
  const losses: number[][] = [[], []];
  const fit = (q: number) => new ALS({ ...options, onIteration: (info) => void losses[q]!.push(info.loss) }).fit(ratings());
  narrowColumnIndices.enabled = false;
  const wide = await fit(0);
  narrowColumnIndices.enabled = true;
  const narrow = await fit(1);
  return [wide, narrow, losses];
}

function expectSameFactors(a: ALSModel, b: ALSModel): void {
  expect(bytes(a.userFactors).equals(bytes(b.userFactors))).toBe(true);
  expect(bytes(a.itemFactors).equals(bytes(b.itemFactors))).toBe(true);
  if (a.userBiases) expect(bytes(a.userBiases).equals(bytes(b.userBiases!))).toBe(true);
  if (a.itemBiases) expect(bytes(a.itemBiases).equals(bytes(b.itemBiases!))).toBe(true);
}

describe('column indices in 2 bytes', () => {
  it('are planned where the other side has at most 65,536 rows, per side', () => {
    const sizes = { nnz: 10, stride: 8, maxUserNnz: 1, maxItemNnz: 1, threads: 1, userChunks: 1, itemChunks: 1 };
    const both = planLayout({ ...sizes, numUsers: 65_536, numItems: 3 });
    expect([both.users.indexBytes, both.items.indexBytes]).toEqual([2, 2]);
    const mixed = planLayout({ ...sizes, numUsers: 65_537, numItems: 3 });
    expect([mixed.users.indexBytes, mixed.items.indexBytes]).toEqual([2, 4]);
    // Beyond 65,536 users the items' indices split into blocks where the splits cost at most a
    // quarter of what they save (here 3 items × 1 split against 1,000 ratings), after all else.
    const split = planLayout({ ...sizes, numUsers: 100_000, numItems: 3, nnz: 1_000 });
    expect([split.users.indexBytes, split.items.indexBytes, split.items.indexBlocks]).toEqual([2, 2, 2]);
    expect(split.items.indexSplits).toBe(split.totalBytes - 64);
    expect(splitIndexBlocks(100_000, 3, 23)).toBe(1);
    expect(splitIndexBlocks(100_000, 3, 24)).toBe(2);
    expect(splitIndexBlocks(200_000, 3, 1_000)).toBe(4);
    // The regions keep their 4-byte size and every offset (ratings-memory.ts columnIndexBytes):
    // the 2-byte indices fill half of theirs, and the rest is never touched.
    narrowColumnIndices.enabled = false;
    const wide = planLayout({ ...sizes, numUsers: 65_536, numItems: 3, nnz: 1_000_000 });
    narrowColumnIndices.enabled = true;
    const narrow = planLayout({ ...sizes, numUsers: 65_536, numItems: 3, nnz: 1_000_000 });
    expect({ ...narrow, users: { ...narrow.users, indexBytes: 4 }, items: { ...narrow.items, indexBytes: 4 } }).toEqual(wide);
    expect(columnIndexBytes(65_536)).toBe(2);
    expect(columnIndexBytes(65_537)).toBe(4);
  });

  const small = syntheticRatings({ numUsers: 500, numItems: 240, nnz: 9_000, seed: 11 });
  const smallRatings = () => Ratings.fromTriples(small, { denseIds: true, numUsers: 500, numItems: 240 });
  const paths: [string, AlsOptions][] = [
    ['explicit Cholesky with biases (short rows)', { feedback: 'explicit', solver: 'cholesky', biases: true, factors: 12 }],
    ['explicit CG', { feedback: 'explicit', solver: 'cg', factors: 12 }],
    ['implicit Cholesky (YᵀY)', { feedback: 'implicit', solver: 'cholesky', factors: 12 }],
    ['implicit CG, rows four at a time', { feedback: 'implicit', solver: 'cg', factors: 16 }],
    ['implicit CG in the whitened basis', { feedback: 'implicit', solver: 'cg', factors: 48 }],
    ['implicit Cholesky against whitened rows', { feedback: 'implicit', solver: 'cholesky', factors: 64 }],
    ['iALS++ (subspace)', { feedback: 'implicit', solver: 'subspace', blockSize: 4, factors: 12 }],
    ['Bayesian ALS (gibbs)', { solver: 'gibbs', factors: 8, samples: 3, burnIn: 1, biases: true }],
  ];
  for (const backend of ['wasm', 'js'] as const) {
    it.each(paths)(`${backend}: %s gives the factors and losses of 4-byte indices bit for bit`, async (_, options) => {
      const [wide, narrow, losses] = await bothWidths(smallRatings, { iterations: 2, seed: 3, threads: 1, backend, ...options });
      expectSameFactors(wide, narrow);
      expect(losses[1]).toEqual(losses[0]);
      expect(losses[0]!.every(Number.isFinite)).toBe(true);
    });
  }

  // 70,000 users: the items' indices take the users' low 16 bits and a split per item, or,
  // where items are too many for splits to pay, stay 4 bytes beside the users' 2.
  const split = syntheticRatings({ numUsers: 70_000, numItems: 40, nnz: 420_000, seed: 5 });
  const mixed = syntheticRatings({ numUsers: 70_000, numItems: 50_000, nnz: 350_000, seed: 6 });
  const ratingsOf = (d: typeof split) => () =>
    Ratings.fromTriples(d, { denseIds: true, numUsers: d.numUsers, numItems: d.numItems });

  it.runIf(built)('on two threads too, with split 2-byte indices and beside 4-byte ones (70,000 users)', async () => {
    const splitLayout = planTraining(ratingsOf(split)(), 16, 2);
    expect([splitLayout.users.indexBytes, splitLayout.items.indexBytes, splitLayout.items.indexBlocks]).toEqual([2, 2, 2]);
    const mixedLayout = planTraining(ratingsOf(mixed)(), 16, 2);
    expect([mixedLayout.users.indexBytes, mixedLayout.items.indexBytes, mixedLayout.items.indexBlocks]).toEqual([2, 4, 1]);
    for (const data of [split, mixed])
      for (const options of [
        { feedback: 'implicit', solver: 'cg' },
        { feedback: 'explicit', solver: 'cholesky', biases: true },
      ] as const) {
        const [wide, narrow, losses] = await bothWidths(ratingsOf(data), {
          factors: 8,
          iterations: 2,
          seed: 1,
          threads: 2,
          ...options,
        });
        expectSameFactors(wide, narrow);
        expect(losses[1]).toEqual(losses[0]);
      }
  });

  it('js: split 2-byte indices give the factors and losses of 4-byte ones', async () => {
    for (const options of [
      { feedback: 'implicit', solver: 'cg' },
      { solver: 'gibbs', samples: 2, burnIn: 0, biases: true },
    ] as const) {
      const [wide, narrow, losses] = await bothWidths(ratingsOf(split), {
        factors: 4,
        iterations: 2,
        seed: 1,
        threads: 1,
        backend: 'js',
        ...options,
      });
      expectSameFactors(wide, narrow);
      expect(losses[1]).toEqual(losses[0]);
    }
  });

  it.runIf(built)('a Ratings whose fit split the items’ indices keeps a byItem of user indices', async () => {
    const old = setInMemoryMinRatings(0);
    try {
      const own = ratingsOf(split)();
      await new ALS({ factors: 4, iterations: 1, threads: 2 }).fit(own);
      expect(own.home!.claimed).toBe(true);
      const plain = Ratings.fromTriples(split, { denseIds: true, numUsers: 70_000, numItems: 40 });
      expect(Array.from(own.byItem.indices)).toEqual(Array.from(plain.byItem.indices));
      let largest = 0;
      for (const user of own.byItem.indices) largest = Math.max(largest, user);
      expect(largest).toBeGreaterThan(65_535);
    } finally {
      setInMemoryMinRatings(old);
    }
  });

  it.runIf(built)(
    'a model whose seen items are 2-byte views recommends, explains, saves and updates as one with copies',
    async () => {
      const old = setInMemoryMinRatings(0);
      try {
        const own = smallRatings();
        expect(own.byUser.indices).toBeInstanceOf(Uint16Array);
        const options: AlsOptions = { factors: 8, iterations: 2, seed: 2, threads: 2, biases: true };
        const viewModel = await new ALS(options).fit(own);
        setInMemoryMinRatings(old);
        const plain = smallRatings();
        expect(plain.byUser.indices).toBeInstanceOf(Int32Array);
        const copyModel = await new ALS(options).fit(plain);
        expectSameFactors(viewModel, copyModel);
        expect(bytes(viewModel.toBytes()).equals(bytes(copyModel.toBytes()))).toBe(true);
        expect(viewModel.recommend(7, { n: 10 })).toEqual(copyModel.recommend(7, { n: 10 }));
        expect(viewModel.recommendAll({ n: 5 })).toEqual(copyModel.recommendAll({ n: 5 }));
        const item = copyModel.recommend(7, { n: 1 }).items[0]!;
        expect(viewModel.explain(7, item)).toEqual(copyModel.explain(7, item));
        const update = { users: { users: [7, 500], items: [1, 2], values: [4, 5] } };
        viewModel.partialFit(update);
        copyModel.partialFit(update);
        expectSameFactors(viewModel, copyModel);
        expect(bytes(viewModel.toBytes()).equals(bytes(copyModel.toBytes()))).toBe(true);
        expect(ALSModel.fromBytes(viewModel.toBytes()).recommend(500, { n: 5 })).toEqual(copyModel.recommend(500, { n: 5 }));
      } finally {
        setInMemoryMinRatings(old);
      }
    },
  );
});

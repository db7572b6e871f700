import { describe, expect, it } from 'vitest';
import { ALS, ALSModel, AlsError, ErrorCode, Ratings, recommendAllThreaded } from '../src/index.js';
import { Prng } from '../src/train/prng.js';
import { loadWasmModule } from '../src/wasm/load.js';

// Serving runs on the WASM kernels once the module is compiled in this realm.
await loadWasmModule();

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AlsError);
    return (e as AlsError).code;
  }
  throw new Error('nothing was thrown');
}

describe("Spark's recommendForAll fixture (rank 2)", () => {
  const model = ALSModel.fromFactors({
    userIds: [0, 1, 2],
    itemIds: [3, 4, 5, 6],
    userFactors: [6, 4, 3, 4, 3, 6],
    itemFactors: [5, 6, 6, 2, 3, 6, 4, 1],
  });
  const users = {
    0: [
      [3, 54],
      [4, 44],
      [5, 42],
      [6, 28],
    ],
    1: [
      [3, 39],
      [5, 33],
      [4, 26],
      [6, 16],
    ],
    2: [
      [3, 51],
      [5, 45],
      [4, 30],
      [6, 18],
    ],
  } as Record<number, number[][]>;
  const items = {
    3: [
      [0, 54],
      [2, 51],
      [1, 39],
    ],
    4: [
      [0, 44],
      [2, 30],
      [1, 26],
    ],
    5: [
      [2, 45],
      [0, 42],
      [1, 33],
    ],
    6: [
      [0, 28],
      [2, 18],
      [1, 16],
    ],
  } as Record<number, number[][]>;

  it.each([2, 4, 6])('top %i items per user, and n beyond the count returns all', (n) => {
    for (const u of [0, 1, 2]) {
      const got = model.recommend(u, { n, excludeSeen: false });
      const want = users[u]!.slice(0, n);
      expect(got.items).toEqual(want.map(([i]) => i));
      expect(Array.from(got.scores)).toEqual(want.map(([, s]) => s));
    }
  });

  it.each([2, 3, 4])('top %i users per item', (n) => {
    for (const i of [3, 4, 5, 6]) {
      const got = model.recommendUsers(i, { n });
      const want = items[i]!.slice(0, n);
      expect(got.users).toEqual(want.map(([u]) => u));
      expect(Array.from(got.scores)).toEqual(want.map(([, s]) => s));
    }
  });

  it('a model without seen items ranks everything by default, and refuses an explicit excludeSeen', () => {
    expect(model.recommend(0, { n: 2 }).items).toEqual([3, 4]);
    expect(code(() => model.recommend(0, { excludeSeen: true }))).toBe(ErrorCode.INVALID_OPTION);
  });
});

describe('the checkerboard (the `implicit` library fixture)', async () => {
  // 50 × 50, user i likes item j iff i ≡ j (mod 2), the diagonal withheld.
  const size = 50;
  const users: number[] = [];
  const items: number[] = [];
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) if (i !== j && (i - j) % 2 === 0) users.push(i), items.push(j);
  const ratings = Ratings.fromTriples({ users, items, values: users.map(() => 1) }, { denseIds: true });
  const rng = new Prng(7);
  const init = {
    userFactors: Float32Array.from({ length: size * 32 }, () => 0.01 * rng.next()),
    itemFactors: Float32Array.from({ length: size * 32 }, () => 0.01 * rng.next()),
  };
  const common = {
    factors: 32,
    feedback: 'implicit',
    confidence: 'alpha',
    alpha: 1,
    solver: 'cholesky',
    iterations: 15,
    init,
    threads: 1,
  } as const;
  const model = await new ALS({ ...common, regularization: 0 }).fit(ratings);
  const smooth = await new ALS({ ...common, regularization: 1 }).fit(ratings);

  it("each user's top-1 recommendation is its own withheld item", () => {
    for (let u = 0; u < size; u++) expect(model.recommend(u, { n: 1 }).items).toEqual([u]);
  });

  it('the batch form equals single calls', () => {
    const ids = Array.from({ length: size }, (_, u) => u);
    const batch = model.recommendBatch(ids, { n: 5 });
    ids.forEach((u) => expect(batch[u]).toEqual(model.recommend(u, { n: 5 })));
  });

  it('exclude and candidates are honoured; liked candidates come last when not excluded', () => {
    expect(model.recommend(4, { n: 3, exclude: [4] }).items).not.toContain(4);
    const liked = [0, 2, 6];
    const got = model.recommend(4, { n: 10, candidates: [1, ...liked, 4, 3], excludeSeen: false });
    expect(got.items[0]).toBe(4);
    expect(got.items).toHaveLength(6);
    expect(got.items.slice(-3).sort()).toEqual(liked);
    expect(model.recommend(4, { n: 10, candidates: [1, ...liked, 4, 3] }).items.sort()).toEqual([1, 3, 4]);
  });

  it("fold-in of a user's own row gives the same top-1 and scores within 1e-3", () => {
    for (const u of [0, 7, 30]) {
      const liked = Array.from({ length: size }, (_, j) => j).filter((j) => j !== u && (u - j) % 2 === 0);
      const vector = model.foldIn({ items: liked, values: liked.map(() => 1) });
      const folded = model.recommend(vector, { n: 5, seenItems: liked });
      const trained = model.recommend(u, { n: 5 });
      expect(folded.items[0]).toBe(u);
      folded.scores.forEach((s, q) => expect(Math.abs(s - trained.scores[q]!)).toBeLessThan(1e-3));
    }
  });

  it('with λ = 1, similar items and users share the query parity, the query first with ≈ 1', () => {
    for (const q of [0, 1, 12, 33]) {
      const items = smooth.similarItems(q, { n: 10 });
      expect(items.items[0]).toBe(q);
      expect(items.scores[0]).toBeCloseTo(1, 4);
      for (const i of items.items) expect((i as number) % 2).toBe(q % 2);
      const users = smooth.similarUsers(q, { n: 10 });
      expect(users.users[0]).toBe(q);
      for (const u of users.users) expect((u as number) % 2).toBe(q % 2);
    }
  });

  it('explain: the contributions sum to the score and equal a fold-in recomputation', () => {
    for (const [u, i] of [
      [3, 3],
      [3, 8],
      [10, 21],
    ] as const) {
      const { score, contributions } = smooth.explain(u, i);
      expect(Math.abs(contributions.reduce((a, c) => a + c.contribution, 0) - score)).toBeLessThan(1e-4);
      const liked = Array.from({ length: size }, (_, j) => j).filter((j) => j !== u && (u - j) % 2 === 0);
      const vector = smooth.foldIn({ items: liked, values: liked.map(() => 1) });
      let dot = 0;
      for (let c = 0; c < 32; c++) dot += vector[c]! * smooth.itemFactors[i * 32 + c]!;
      expect(Math.abs(dot - score)).toBeLessThan(1e-4 * Math.max(1, Math.abs(dot)));
      expect(contributions).toHaveLength(liked.length);
    }
  });
});

describe('predict, fold-in and their errors', () => {
  const model = ALSModel.fromFactors({
    userIds: ['a', 'b'],
    itemIds: ['x', 'y', 'z'],
    userFactors: [1, 0, 0, 1],
    itemFactors: [1, 2, 3, 4, 5, 6],
    userBiases: [0.5, -0.5],
    itemBiases: [0.1, 0.2, 0.3],
    globalMean: 3,
  });

  it('predict = μ + b_u + b_i + x·y; coldStart nan (default), bias, throw, and the model default', () => {
    expect(model.predict('a', 'y')).toBeCloseTo(3 + 0.5 + 0.2 + 3, 5);
    expect(model.predict('new', 'y')).toBeNaN();
    expect(model.predict('new', 'y', { coldStart: 'bias' })).toBeCloseTo(3.2, 5);
    expect(model.predict('a', 'new', { coldStart: 'bias' })).toBeCloseTo(3.5, 5);
    expect(code(() => model.predict('a', 'new', { coldStart: 'throw' }))).toBe(ErrorCode.UNKNOWN_ID);
    model.coldStart = 'bias';
    expect(model.predict('new', 'new')).toBe(3);
    model.coldStart = 'nan';
  });

  it('refuses unknown users and items, bad n, bad vectors and bad fold-in input', () => {
    expect(code(() => model.recommend('nobody', { excludeSeen: false }))).toBe(ErrorCode.UNKNOWN_ID);
    expect(code(() => model.recommend('a', { excludeSeen: false, candidates: ['w'] }))).toBe(ErrorCode.UNKNOWN_ID);
    expect(code(() => model.recommend('a', { excludeSeen: false, n: -1 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.recommend(new Float32Array(3)))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => model.similarItems('w'))).toBe(ErrorCode.UNKNOWN_ID);
    expect(code(() => model.foldIn({ items: ['x', 'w'], values: [1, 2] }))).toBe(ErrorCode.UNKNOWN_ID);
    expect(code(() => model.foldIn({ items: ['x'], values: [1, 2] }))).toBe(ErrorCode.LENGTH_MISMATCH);
    expect(code(() => model.foldIn({ items: ['x', 'x'], values: [1, 2] }))).toBe(ErrorCode.DUPLICATE_RATING);
    expect(code(() => model.foldIn({ items: ['x'], values: [NaN] }))).toBe(ErrorCode.NON_FINITE_VALUE);
    expect(code(() => model.explain('a', 'x'))).toBe(ErrorCode.INVALID_OPTION);
    expect(code(() => ALSModel.fromFactors({ userIds: ['a'], itemIds: ['x', 'x'], userFactors: [1], itemFactors: [1, 2] }))).toBe(
      ErrorCode.INVALID_ID,
    );
    expect(code(() => ALSModel.fromFactors({ userIds: ['a'], itemIds: ['x'], userFactors: [1, 2], itemFactors: [1] }))).toBe(
      ErrorCode.INVALID_OPTION,
    );
    expect(code(() => ALSModel.fromFactors({ userIds: ['a'], itemIds: ['x'], userFactors: [NaN], itemFactors: [1] }))).toBe(
      ErrorCode.NON_FINITE_VALUE,
    );
  });

  it('explicit fold-in with biases solves [x_u, b_u] jointly: it reproduces a trained user', async () => {
    const rng = new Prng(3);
    const t = { users: [] as number[], items: [] as number[], values: [] as number[] };
    for (let u = 0; u < 40; u++)
      for (let i = 0; i < 30; i++)
        if (rng.next() < 0.5) t.users.push(u), t.items.push(i), t.values.push(1 + Math.round(4 * rng.next()));
    const trained = await new ALS({ factors: 4, biases: true, regularization: 0.1, iterations: 300, threads: 1 }).fit(
      Ratings.fromTriples(t, { denseIds: true }),
    );
    // After convergence (300 iterations), re-solving user 5 with the items fixed gives back its factors.
    const mine = t.users.map((u, e) => (u === 5 ? e : -1)).filter((e) => e >= 0);
    const vector = trained.foldIn({ items: mine.map((e) => t.items[e]!), values: mine.map((e) => t.values[e]!) });
    for (let c = 0; c < 4; c++) expect(Math.abs(vector[c]! - trained.userFactors[5 * 4 + c]!)).toBeLessThan(1e-3);
  });
});

describe('recommendAll and partialFit', async () => {
  const rng = new Prng(21);
  const t = { users: [] as string[], items: [] as string[], values: [] as number[] };
  for (let u = 0; u < 60; u++)
    for (let i = 0; i < 40; i++)
      if (rng.next() < 0.3) t.users.push(`u${u}`), t.items.push(`i${i}`), t.values.push(1 + Math.round(4 * rng.next()));
  const train = () =>
    new ALS({ factors: 5, regularization: 1, biases: false, iterations: 200, threads: 1 }).fit(Ratings.fromTriples(t));

  it('recommendAll equals recommend for every user; recommendAllUsers equals recommendUsers', async () => {
    const model = await train();
    const all = model.recommendAll({ n: 7 });
    expect(all.indices).toHaveLength(model.numUsers * 7);
    model.userIds.forEach((id, u) => {
      const one = model.recommend(id, { n: 7 });
      const row = Array.from(all.indices.subarray(u * 7, u * 7 + one.items.length), (i) => model.itemIds[i]);
      expect(row).toEqual(one.items);
      expect(Array.from(all.scores.subarray(u * 7, u * 7 + one.items.length))).toEqual(Array.from(one.scores));
    });
    const byItem = model.recommendAllUsers({ n: 3 });
    model.itemIds.forEach((id, i) => {
      const one = model.recommendUsers(id, { n: 3 });
      expect(Array.from(byItem.indices.subarray(i * 3, i * 3 + 3), (u) => model.userIds[u])).toEqual(one.users);
    });
  });

  it('recommendAll on 1 and 2 worker threads gives exactly the single-threaded lists', async () => {
    const model = await train();
    const serial = model.recommendAll({ n: 6 });
    const serialUsers = model.recommendAllUsers({ n: 4 });
    for (const threads of [1, 2]) {
      const parallel = await recommendAllThreaded(model, { n: 6, threads });
      expect(parallel.indices).toEqual(serial.indices);
      expect(parallel.scores).toEqual(serial.scores);
      const byItem = await recommendAllThreaded(model, { n: 4, of: 'items', threads });
      expect(byItem.indices).toEqual(serialUsers.indices);
    }
  });

  it('partialFit on a converged model reproduces its rows, and grows it for new users and items', async () => {
    const model = await train();
    const u7 = t.users.map((u, e) => (u === 'u7' ? e : -1)).filter((e) => e >= 0);
    const before = model.userFactors.slice(7 * 5, 8 * 5);
    model.partialFit({
      users: { users: u7.map(() => 'u7'), items: u7.map((e) => t.items[e]!), values: u7.map((e) => t.values[e]!) },
    });
    model.userFactors.slice(7 * 5, 8 * 5).forEach((v, c) => expect(Math.abs(v - before[c]!)).toBeLessThan(1e-3));

    // A new user who rated what u7 rated, the same way: it gets (nearly) u7's factors and recommendations.
    model.partialFit({
      users: { users: u7.map(() => 'newcomer'), items: u7.map((e) => t.items[e]!), values: u7.map((e) => t.values[e]!) },
    });
    expect(model.numUsers).toBe(61);
    expect(model.recommend('newcomer', { n: 5 }).items).toEqual(model.recommend('u7', { n: 5 }).items);
    expect(model.seen!.indptr).toHaveLength(62);

    // A new item rated by three users.
    model.partialFit({ items: { users: ['u1', 'u2', 'u3'], items: ['fresh', 'fresh', 'fresh'], values: [5, 4, 5] } });
    expect(model.numItems).toBe(41);
    expect(Number.isFinite(model.predict('u1', 'fresh'))).toBe(true);
    expect(model.similarItems('fresh', { n: 1 }).items).toEqual(['fresh']);
    expect(code(() => model.partialFit({ users: { users: ['x'], items: ['nope'], values: [1] } }))).toBe(ErrorCode.UNKNOWN_ID);
  });
});

/**
 * Rendle et al.'s iALS conventions (issue 15): unobservedWeight α₀, regularizationExponent ν and
 * initStd σ, checked against a float64 reference of the published algorithm written out plainly
 * here (their normal equations, not our mapping onto the confidence kernels).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImplicitModel, loadSparkModel, saveImplicitModel, saveSparkModel } from '../src/interop/index.js';
import { trainingConventions } from '../src/interop/conventions.js';
import { describe, expect, it } from 'vitest';
import { ALS, ALSModel, AlsError, ErrorCode, Ratings, type AlsOptions } from '../src/index.js';
import { Prng } from '../src/train/prng.js';
import { randomFactors } from '../src/train/random-factors.js';
import { kernelAlpha, regularizationWeight, weightMode } from '../src/train/weights.js';
import { resolveOptions } from '../src/train/options.js';
import { WeightMode } from '../src/kernels/types.js';
import { crc32 } from '../src/model/format.js';

const wasmBuilt = existsSync(new URL('../build/als.wasm', import.meta.url));
if (!wasmBuilt) console.warn('build/als.wasm is missing (run `npm run build:wasm`): the wasm backend is skipped.');
const backends = (wasmBuilt ? ['wasm', 'js'] : ['js']) as ('wasm' | 'js')[];

const USERS = 14;
const ITEMS = 10;
const K = 4;

/** A small binary matrix (about 40% dense), every user and item with at least one positive. */
function positives(): boolean[][] {
  const rng = new Prng(7);
  const m = Array.from({ length: USERS }, () => Array.from({ length: ITEMS }, () => rng.next() < 0.4));
  for (let u = 0; u < USERS; u++) m[u]![u % ITEMS] = true;
  return m;
}

function ratingsOf(m: boolean[][]): Ratings {
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  m.forEach((row, u) =>
    row.forEach((on, i) => {
      if (on) {
        users.push(u);
        items.push(i);
        values.push(1);
      }
    }),
  );
  return Ratings.fromTriples({ users, items, values }, { denseIds: true, numUsers: USERS, numItems: ITEMS });
}

/** Solves the dense symmetric system A x = b (Gaussian elimination with partial pivoting, f64). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let j = c; j <= n; j++) M[r]![j]! -= f * M[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let j = r + 1; j < n; j++) s -= M[r]![j]! * x[j]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

/**
 * One side of the published iALS, in f64: for each row u with observed set O_u,
 * (Σ_{i∈O_u} y_i y_iᵀ + α₀ YᵀY + λ(|O_u| + α₀·|Y|)^ν I) x_u = Σ_{i∈O_u} y_i.
 */
function iALSHalfStep(Y: number[][], observed: number[][], a0: number, lambda: number, nu: number): number[][] {
  const G = Array.from({ length: K }, (_, a) => Array.from({ length: K }, (_, b) => Y.reduce((s, y) => s + y[a]! * y[b]!, 0)));
  return observed.map((items) => {
    const reg = lambda * (items.length + a0 * Y.length) ** nu;
    const A = G.map((row, a) => row.map((g, b) => a0 * g + (a === b ? reg : 0)));
    const rhs = new Array<number>(K).fill(0);
    for (const i of items) {
      for (let a = 0; a < K; a++) {
        rhs[a]! += Y[i]![a]!;
        for (let b = 0; b < K; b++) A[a]![b]! += Y[i]![a]! * Y[i]![b]!;
      }
    }
    return solve(A, rhs);
  });
}

function rows(f: Float32Array, n: number): number[][] {
  return Array.from({ length: n }, (_, r) => Array.from(f.subarray(r * K, (r + 1) * K)));
}

/** max |a − b| / max |b| over all entries. */
function relative(a: number[][], b: number[][]): number {
  let diff = 0;
  let scale = 0;
  a.forEach((row, r) =>
    row.forEach((v, c) => {
      diff = Math.max(diff, Math.abs(v - b[r]![c]!));
      scale = Math.max(scale, Math.abs(b[r]![c]!));
    }),
  );
  return diff / scale;
}

function scores(U: number[][], V: number[][]): number[][] {
  return U.map((x) => V.map((y) => x.reduce((s, v, a) => s + v * y[a]!, 0)));
}

const m = positives();
const byUser = m.map((row) => row.flatMap((on, i) => (on ? [i] : [])));
const byItem = Array.from({ length: ITEMS }, (_, i) => m.flatMap((row, u) => (row[i] ? [u] : [])));
const init = randomFactors(USERS, ITEMS, K, 3, 0.5);

const cases = [
  { a0: 0.1, nu: 1, lambda: 0.05 },
  { a0: 0.5, nu: 0.5, lambda: 0.1 },
  { a0: 2, nu: 0, lambda: 1 },
];

describe.each(backends)('iALS conventions on the %s backend', (backend) => {
  it.each(cases)('α₀ = $a0, ν = $nu: factors and scores match the f64 iALS reference', async ({ a0, nu, lambda }) => {
    const epochs = 4;
    const model = await new ALS({
      feedback: 'implicit',
      factors: K,
      iterations: epochs,
      unobservedWeight: a0,
      regularizationExponent: nu,
      regularization: lambda,
      init,
      backend,
      threads: 1,
    }).fit(ratingsOf(m));
    let U = rows(init.userFactors, USERS);
    let V = rows(init.itemFactors, ITEMS);
    for (let e = 0; e < epochs; e++) {
      U = iALSHalfStep(V, byUser, a0, lambda, nu);
      V = iALSHalfStep(U, byItem, a0, lambda, nu);
    }
    const ourU = rows(model.userFactors, USERS);
    const ourV = rows(model.itemFactors, ITEMS);
    expect(relative(ourU, U)).toBeLessThan(1e-4);
    expect(relative(ourV, V)).toBeLessThan(1e-4);
    expect(relative(scores(ourU, ourV), scores(U, V))).toBeLessThan(1e-4);
  });

  it('the reported loss is (iALS objective/α₀ − P/(1 + α₀)) per rating', async () => {
    const a0 = 0.5;
    const nu = 0.5;
    const lambda = 0.1;
    const losses: number[] = [];
    const model = await new ALS({
      feedback: 'implicit',
      factors: K,
      iterations: 2,
      unobservedWeight: a0,
      regularizationExponent: nu,
      regularization: lambda,
      init,
      backend,
      threads: 1,
      onIteration: ({ loss }) => void losses.push(loss),
    }).fit(ratingsOf(m));
    const U = rows(model.userFactors, USERS);
    const V = rows(model.itemFactors, ITEMS);
    const S = scores(U, V);
    let objective = 0;
    S.forEach((row, u) => row.forEach((s, i) => (objective += (m[u]![i] ? (1 - s) ** 2 : 0) + a0 * s * s)));
    const norm2 = (x: number[]) => x.reduce((s, v) => s + v * v, 0);
    U.forEach((x, u) => (objective += lambda * (byUser[u]!.length + a0 * ITEMS) ** nu * norm2(x)));
    V.forEach((y, i) => (objective += lambda * (byItem[i]!.length + a0 * USERS) ** nu * norm2(y)));
    const nnz = byUser.reduce((s, r) => s + r.length, 0);
    // The confidence form differs from J/α₀ by a constant per positive rating: P/(1 + α₀).
    const expected = (objective / a0 - nnz / (1 + a0)) / nnz;
    expect(Math.abs(losses[1]! / expected - 1)).toBeLessThan(1e-5);
  });

  it('fold-in solves the same row equations as training under α₀ and ν', async () => {
    const options = { unobservedWeight: 0.3, regularizationExponent: 0.7, regularization: 0.2 };
    // One iteration: the users are solved against the starting item factors.
    const model = await new ALS({ feedback: 'implicit', factors: K, iterations: 1, init, backend, threads: 1, ...options }).fit(
      ratingsOf(m),
    );
    const served = ALSModel.fromFactors({
      userIds: Array.from({ length: USERS }, (_, u) => u),
      itemIds: Array.from({ length: ITEMS }, (_, i) => i),
      userFactors: model.userFactors,
      itemFactors: init.itemFactors,
      options: { feedback: 'implicit', factors: K, ...options },
    });
    const reference = iALSHalfStep(rows(init.itemFactors, ITEMS), byUser, 0.3, 0.2, 0.7);
    for (let u = 0; u < USERS; u++) {
      const folded = served.foldIn({ items: byUser[u]!, values: byUser[u]!.map(() => 1) });
      // Same equations; the JS twin's fused solve and fold-in's separate kernels round alike to ~1 ulp.
      expect(relative([Array.from(folded)], [Array.from(model.userFactors.subarray(u * K, (u + 1) * K))])).toBeLessThan(1e-6);
      expect(relative([Array.from(folded)], [reference[u]!])).toBeLessThan(1e-4);
    }
  });
});

describe('iALS conventions: options', () => {
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      return e instanceof AlsError ? e.code : String(e);
    }
    return undefined;
  };
  const refused = (o: AlsOptions) => code(() => new ALS(o));

  it('refuses unobservedWeight beside alpha or confidence, with explicit feedback, or ≤ 0', () => {
    expect(refused({ feedback: 'implicit', unobservedWeight: 0.1, alpha: 2 })).toBe(ErrorCode.INVALID_OPTION);
    expect(refused({ feedback: 'implicit', unobservedWeight: 0.1, confidence: 'alpha' })).toBe(ErrorCode.INVALID_OPTION);
    expect(refused({ unobservedWeight: 0.1 })).toBe(ErrorCode.INVALID_OPTION);
    expect(refused({ feedback: 'implicit', unobservedWeight: 0 })).toBe(ErrorCode.INVALID_OPTION);
    expect(refused({ feedback: 'implicit', unobservedWeight: Number.NaN })).toBe(ErrorCode.INVALID_OPTION);
    try {
      new ALS({ feedback: 'implicit', unobservedWeight: 0.1, alpha: 2 });
    } catch (e) {
      expect((e as AlsError).hint).toMatch(/1 \+ 1\/α₀/);
    }
  });

  it('refuses a regularizationScaling that contradicts regularizationExponent, and ν < 0', () => {
    expect(refused({ regularizationScaling: 'none', regularizationExponent: 0.5 })).toBe(ErrorCode.INVALID_OPTION);
    expect(refused({ regularizationScaling: 'count', regularizationExponent: 0 })).toBe(ErrorCode.INVALID_OPTION);
    expect(refused({ regularizationExponent: -1 })).toBe(ErrorCode.INVALID_OPTION);
    expect(refused({ regularizationScaling: 'count', regularizationExponent: 0.5 })).toBeUndefined();
  });

  it('resolves the scaling from the exponent and the exponent from the scaling', () => {
    expect(resolveOptions({ regularizationScaling: 'count' })).toMatchObject({ regularizationExponent: 1, regularization: 0.1 });
    expect(resolveOptions({})).toMatchObject({ regularizationScaling: 'none', regularizationExponent: 0, regularization: 10 });
    expect(resolveOptions({ regularizationExponent: 0.5 })).toMatchObject({ regularizationScaling: 'count' });
    expect(resolveOptions({ regularizationExponent: 0 })).toMatchObject({ regularizationScaling: 'none' });
  });

  it("solver subspace starts from Rendle et al.'s normal(0, 0.1/√k) unless initStd or init is given", () => {
    expect(resolveOptions({ solver: 'subspace' }).initStd).toBe(0.1);
    expect(resolveOptions({ solver: 'subspace', initStd: null }).initStd).toBe(0.1);
    expect(resolveOptions({ solver: 'subspace', initStd: 0.5 }).initStd).toBe(0.5);
    expect(resolveOptions({ solver: 'subspace', init }).initStd).toBeNull();
    // The other solvers keep Spark's unit rows.
    for (const solver of ['cholesky', 'cg', 'gibbs'] as const) expect(resolveOptions({ solver }).initStd).toBeNull();
  });

  it('refuses initStd ≤ 0 and initStd beside init; suggests the names of their code', () => {
    expect(refused({ initStd: 0 })).toBe(ErrorCode.INVALID_OPTION);
    expect(refused({ initStd: 0.1, init })).toBe(ErrorCode.INVALID_OPTION);
    expect(refused({ unobserved_weight: 0.1 } as AlsOptions)).toBe(ErrorCode.INVALID_OPTION);
    try {
      new ALS({ unobservedWeigth: 0.1 } as AlsOptions);
    } catch (e) {
      expect((e as AlsError).hint).toBe("Did you mean 'unobservedWeight'?");
    }
  });

  it('maps α₀ onto the kernels: mode Unobserved, scalar 1/α₀, λ weight (n_u + α₀N)^ν / α₀', () => {
    const o = resolveOptions({ feedback: 'implicit', unobservedWeight: 0.25, regularizationExponent: 0.5 });
    expect(weightMode(o)).toBe(WeightMode.Unobserved);
    expect(kernelAlpha(o)).toBe(4);
    expect(regularizationWeight(o, [1, 0, 2, 1], 0, 4, 20)).toBe((3 + 0.25 * 20) ** 0.5 / 0.25);
    const count = resolveOptions({ feedback: 'implicit', regularizationScaling: 'count' });
    expect(regularizationWeight(count, [1, 0, 2, 1], 0, 4, 20)).toBe(3);
    expect(kernelAlpha(count)).toBe(1);
  });

  it('initStd draws normal(0, σ/√k) from the seeded stream, users then items', () => {
    const f = randomFactors(3, 2, 4, 11, 0.2);
    const rng = new Prng(11);
    const expected = Float32Array.from({ length: 20 }, () => rng.normal() * (0.2 / 2));
    expect(Array.from(f.userFactors)).toEqual(Array.from(expected.subarray(0, 12)));
    expect(Array.from(f.itemFactors)).toEqual(Array.from(expected.subarray(12)));
  });
});

describe('iALS conventions: model files', () => {
  it('Spark and implicit files keep the unobservedWeight conventions (no alpha placeholder beside α₀)', async () => {
    const model = await new ALS({
      feedback: 'implicit',
      factors: K,
      iterations: 2,
      unobservedWeight: 0.3,
      regularizationExponent: 0.7,
      initStd: 0.1,
      backend: 'js',
      threads: 1,
    }).fit(ratingsOf(m));
    const conventions = trainingConventions(model.options);
    expect(conventions).toMatchObject({ unobservedWeight: 0.3, regularizationExponent: 0.7, initStd: 0.1 });
    expect(conventions).not.toHaveProperty('alpha');
    expect(conventions).not.toHaveProperty('confidence');
    // What a foreign file carries must be accepted by new ALS() as it is.
    expect(() => resolveOptions(conventions)).not.toThrow();
    const dir = mkdtempSync(join(tmpdir(), 'ials-'));
    try {
      await saveSparkModel(model, join(dir, 'spark'));
      const back = await loadSparkModel(join(dir, 'spark'));
      expect(back.options).toMatchObject({ unobservedWeight: 0.3, regularizationExponent: 0.7 });
      const items = byUser[0]!;
      expect(Array.from(back.foldIn({ items, values: items.map(() => 1) }))).toEqual(
        Array.from(model.foldIn({ items, values: items.map(() => 1) })),
      );
      await saveImplicitModel(model, join(dir, 'm.npz'));
      const npz = await loadImplicitModel(join(dir, 'm.npz'));
      expect(npz.options).toMatchObject({ unobservedWeight: 0.3, regularizationExponent: 0.7 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('toBytes/fromBytes keeps unobservedWeight, regularizationExponent and initStd', async () => {
    const model = await new ALS({
      feedback: 'implicit',
      factors: K,
      iterations: 2,
      unobservedWeight: 0.3,
      regularizationExponent: 0.7,
      initStd: 0.1,
      backend: 'js',
      threads: 1,
    }).fit(ratingsOf(m));
    const back = ALSModel.fromBytes(model.toBytes());
    expect(back.options).toMatchObject({
      unobservedWeight: 0.3,
      regularizationExponent: 0.7,
      regularizationScaling: 'count',
      initStd: 0.1,
    });
    const items = byUser[0]!;
    expect(Array.from(back.foldIn({ items, values: items.map(() => 1) }))).toEqual(
      Array.from(model.foldIn({ items, values: items.map(() => 1) })),
    );
  });

  it('a model file written without the new fields loads with their defaults', async () => {
    const model = await new ALS({ feedback: 'implicit', factors: K, iterations: 1, backend: 'js', threads: 1 }).fit(ratingsOf(m));
    // The header's options as an older version wrote them (no new keys).
    const old = ALSModel.fromBytes(withoutNewKeys(model.toBytes()));
    expect(old.options).toMatchObject({ unobservedWeight: null, regularizationExponent: 0, initStd: null });
  });
});

/** The model file with the header's new option keys blanked to spaces (still valid JSON), CRC rewritten. */
function withoutNewKeys(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const text = new TextDecoder('latin1').decode(out);
  for (const key of ['"regularizationExponent":0,', '"unobservedWeight":null,', '"initStd":null,']) {
    const at = text.indexOf(key);
    if (at < 0) throw new Error(`header has no ${key}`);
    out.fill(0x20, at, at + key.length);
  }
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/**
 * Issue 11, item 4 and part of item 9: mistyped or unknown options are refused with
 * INVALID_OPTION and a hint, never silently ignored, and a wrong type is never read by
 * truthiness. Each test is named after the input that used to be accepted.
 */
import { describe, expect, it } from 'vitest';
import { ALS, AlsError, ErrorCode, init, type AlsOptions } from '../src/index.js';
import {
  crossValidate,
  fitBaseline,
  fitWithEarlyStopping,
  grid,
  leaveKOut,
  perUserSplit,
  rankingMetrics,
  popularityScorer,
  randomSplit,
  tune,
  timeSplit,
  type EvalData,
} from '../src/eval/index.js';
import { closest } from '../src/validate.js';

function refusal(run: () => unknown): AlsError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(AlsError);
    return e as AlsError;
  }
  throw new Error('expected an AlsError, but nothing was thrown');
}

async function refusalAsync(run: () => Promise<unknown>): Promise<AlsError> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(AlsError);
    return e as AlsError;
  }
  throw new Error('expected an AlsError, but nothing was thrown');
}

/** 4 users × 4 items, every user rates three items: small enough to train in milliseconds. */
const data: EvalData = {
  users: Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]),
  items: Int32Array.from([0, 1, 2, 1, 2, 3, 0, 2, 3, 0, 1, 3]),
  values: Float32Array.from([5, 3, 4, 4, 2, 5, 3, 5, 4, 1, 2, 3]),
  numUsers: 4,
  numItems: 4,
};

describe('ALS options', () => {
  it("new ALS({ implicit: true }) is refused instead of training explicit, and says feedback: 'implicit'", () => {
    const e = refusal(() => new ALS({ implicit: true } as AlsOptions));
    expect(e.code).toBe(ErrorCode.INVALID_OPTION);
    expect(e.message).toContain("'implicit'");
    expect(e.hint).toBe("Use feedback: 'implicit'.");
  });

  it.each([
    ['regularisation', 'regularization'],
    ['factor', 'factors'],
    ['numThreads', 'threads'],
    ['iteration', 'iterations'],
    ['cgsteps', 'cgSteps'],
    ['bias', 'biases'],
  ])('the mistyped option %s is refused with "did you mean %s"', (typo, meant) => {
    const e = refusal(() => new ALS({ [typo]: 5 } as AlsOptions));
    expect(e.code).toBe(ErrorCode.INVALID_OPTION);
    expect(e.message).toContain(`'${typo}'`);
    expect(e.hint).toMatch(new RegExp(`\\b${meant}\\b`));
  });

  it('an unknown option far from every name lists the known options', () => {
    const e = refusal(() => new ALS({ zzzzzzzz: 1 } as AlsOptions));
    expect(e.hint).toContain('factors, iterations, regularization');
  });

  it("biases: 'no' is refused rather than turning biases on", () => {
    const e = refusal(() => new ALS({ biases: 'no' } as unknown as AlsOptions));
    expect(e.code).toBe(ErrorCode.INVALID_OPTION);
    expect(e.message).toContain('biases must be true or false');
  });

  it("an enum option names its values and the nearest one (solver: 'CG')", () => {
    const e = refusal(() => new ALS({ solver: 'Cg' } as unknown as AlsOptions));
    expect(e.message).toContain("'cholesky' or 'cg'");
    expect(e.hint).toBe("Did you mean 'cg'?");
  });

  it('new ALS(null) is an AlsError, not a TypeError', () => {
    expect(refusal(() => new ALS(null as unknown as AlsOptions)).code).toBe(ErrorCode.INVALID_OPTION);
    expect(refusal(() => new ALS(7 as unknown as AlsOptions)).code).toBe(ErrorCode.INVALID_OPTION);
    expect(refusal(() => new ALS([] as unknown as AlsOptions)).code).toBe(ErrorCode.INVALID_OPTION);
  });

  it('onIteration: 5 is refused when ALS is built, not mid-training', () => {
    const e = refusal(() => new ALS({ onIteration: 5 } as unknown as AlsOptions));
    expect(e.message).toContain('onIteration must be a function');
  });

  it('signal: {} is refused (it is not an AbortSignal)', () => {
    const e = refusal(() => new ALS({ signal: {} } as unknown as AlsOptions));
    expect(e.code).toBe(ErrorCode.INVALID_OPTION);
    expect(e.message).toContain('signal must be an AbortSignal');
    expect(() => new ALS({ signal: new AbortController().signal })).not.toThrow();
  });

  it('init that is not { userFactors, itemFactors } of Float32Array is refused', () => {
    expect(refusal(() => new ALS({ init: { userFactors: [1], itemFactors: [1] } } as unknown as AlsOptions)).code).toBe(
      ErrorCode.INVALID_OPTION,
    );
    expect(
      refusal(
        () =>
          new ALS({
            init: { userFactors: new Float32Array(1), itemFactors: new Float32Array(1), extra: 1 },
          } as unknown as AlsOptions),
      ).code,
    ).toBe(ErrorCode.INVALID_OPTION);
  });

  it('the options a trained model reports are exactly the ones accepted (every default key round-trips)', () => {
    const o = new ALS({ factors: 4 }).options;
    expect(() => new ALS(o)).not.toThrow();
  });
});

describe('evaluation options', () => {
  it('tune(…, { space: { lambda: [1, 2] } }) is refused before any training instead of reporting a "best" lambda', async () => {
    const started = performance.now();
    const e = await refusalAsync(() => tune(data, { space: { lambda: [1, 2] } as never, folds: 2 }));
    expect(e.code).toBe(ErrorCode.INVALID_OPTION);
    expect(e.message).toContain("'lambda'");
    expect(e.hint).toBe('Use regularization.');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('tune refuses a bad value anywhere in the space before the first candidate trains', async () => {
    let trials = 0;
    const e = await refusalAsync(() =>
      tune(data, {
        space: { factors: [2, -1] },
        folds: 2,
        base: { iterations: 1, threads: 1 },
        onTrial: () => trials++,
      }),
    );
    expect(e.message).toContain('factors must be an integer');
    expect(trials).toBe(0);
  });

  it('tune and crossValidate refuse unknown and mistyped keys', async () => {
    expect((await refusalAsync(() => tune(data, { space: { factors: [2] }, fold: 2 } as never))).hint).toBe(
      "Did you mean 'folds'?",
    );
    expect((await refusalAsync(() => crossValidate(data, { factors: 2 }, { fols: 2 } as never))).hint).toBe(
      "Did you mean 'folds'?",
    );
    expect((await refusalAsync(() => crossValidate(data, { factors: 2 }, { baseline: 'no' } as never))).message).toContain(
      'baseline must be true or false',
    );
    expect(
      (await refusalAsync(() => crossValidate(data, { factors: 2 }, { earlyStopping: { patiense: 3 } } as never))).hint,
    ).toBe("Did you mean 'patience'?");
    expect((await refusalAsync(() => tune(data, { space: { factors: [2] }, strategy: 'randm' } as never))).hint).toBe(
      "Did you mean 'random'?",
    );
  });

  it('tune still runs a valid search (validation refuses only what is wrong)', async () => {
    const result = await tune(data, {
      space: { regularization: [0.1, 1] },
      folds: 2,
      base: { factors: 2, iterations: 2, threads: 1 },
      earlyStopping: false,
    });
    expect(result.table).toHaveLength(2);
    expect([0.1, 1]).toContain(result.best.regularization);
  });

  it('fitWithEarlyStopping refuses a mistyped stopping option', async () => {
    const split = randomSplit(data, 0.25, 1);
    const e = await refusalAsync(() => fitWithEarlyStopping(split, 4, 4, { factors: 2 }, { evalEvry: 2 } as never));
    expect(e.hint).toBe("Did you mean 'evalEvery'?");
  });

  it('rankingMetrics refuses unknown keys and a non-boolean auc', () => {
    const scorer = popularityScorer(data, 4);
    expect(refusal(() => rankingMetrics(scorer, data, { K: 5 } as never)).hint).toBe("Did you mean 'k'?");
    expect(refusal(() => rankingMetrics(scorer, data, { auc: 1 } as never)).message).toContain('auc must be true or false');
  });

  it('splits and the baseline refuse unknown keys', () => {
    expect(refusal(() => perUserSplit(data, 0.2, { sed: 1 } as never)).hint).toBe("Did you mean 'seed'?");
    expect(refusal(() => leaveKOut(data, 1, { timestamp: [] } as never)).hint).toBe("Did you mean 'timestamps'?");
    expect(refusal(() => timeSplit(data, new Float64Array(12), { cut: 1, testFraction: 0.2 } as never)).code).toBe(
      ErrorCode.INVALID_OPTION,
    );
    expect(refusal(() => fitBaseline(data, 4, 4, { userReg: 1 } as never)).code).toBe(ErrorCode.INVALID_OPTION);
    expect(refusal(() => grid(null as never)).code).toBe(ErrorCode.INVALID_OPTION);
  });

  it('init() refuses an unknown option key before loading anything', async () => {
    const e = await refusalAsync(() => init({ wasm: undefined, simdd: 'auto' } as never));
    expect(e.code).toBe(ErrorCode.INVALID_OPTION);
    expect(e.hint).toBe("Did you mean 'simd'?");
  });
});

describe('did-you-mean', () => {
  it('suggests the nearest name only when it is near', () => {
    expect(closest('regularisation', ['factors', 'regularization'])).toBe('regularization');
    expect(closest('alpah', ['alpha', 'seed'])).toBe('alpha');
    expect(closest('zzz', ['alpha', 'seed'])).toBeNull();
  });
});

describe('options of the interop entry points', () => {
  it('ALS.sparkCompatible(null) and implicitCompatible(null) are INVALID_OPTION, not a TypeError', () => {
    expect(refusal(() => ALS.sparkCompatible(null as never)).code).toBe(ErrorCode.INVALID_OPTION);
    expect(refusal(() => ALS.implicitCompatible('x' as never)).code).toBe(ErrorCode.INVALID_OPTION);
  });

  it('an implicit .npz recording regularization -1 is CORRUPT_MODEL (the file is wrong, not the caller)', async () => {
    const { readImplicitModel } = await import('../src/interop/index.js');
    const { writeNpz } = await import('../src/interop/npz.js');
    const f32 = (shape: number[], data: number[]) => ({
      dtype: '<f4',
      shape,
      data: Float32Array.from(data),
      fortranOrder: false,
    });
    const bytes = writeNpz({
      user_factors: f32([2, 2], [1, 0, 0, 1]),
      item_factors: f32([2, 2], [1, 1, 0, 1]),
      regularization: { dtype: '<f8', shape: [], data: Float64Array.from([-1]), fortranOrder: false },
    } as never);
    const e = refusal(() => readImplicitModel(bytes));
    expect(e.code).toBe(ErrorCode.CORRUPT_MODEL);
    expect(e.message).toContain('regularization');
  });
});

describe('loaders', () => {
  it('loadRatings(null) and loadRatings(undefined) are INVALID_OPTION, not a TypeError', async () => {
    const { loadRatings } = await import('../src/index.js');
    expect((await refusalAsync(() => loadRatings(null as never))).code).toBe(ErrorCode.INVALID_OPTION);
    expect((await refusalAsync(() => loadRatings(undefined as never))).code).toBe(ErrorCode.INVALID_OPTION);
  });
});

import { describe, expect, it } from 'vitest';
import { ALSModel, recommendAll, recommendAllThreaded } from '../src/index.js';

const model = ALSModel.fromFactors({
  userIds: ['ann', 'bob'],
  itemIds: ['x', 'y', 'z'],
  userFactors: [1, 0, 0, 1],
  itemFactors: [3, 0, 0, 2, 1, 1],
});

describe('the threaded recommendAll has a name of its own', () => {
  it('recommendAllThreaded gives the lists of the synchronous model.recommendAll', async () => {
    const threaded = await recommendAllThreaded(model, { n: 2, threads: 1 });
    const serial = model.recommendAll({ n: 2 });
    expect(Array.from(threaded.indices)).toEqual([0, 2, 1, 2]);
    expect(threaded.indices).toEqual(serial.indices);
    expect(threaded.scores).toEqual(serial.scores);
  });

  it('the deprecated recommendAll alias answers as recommendAllThreaded', async () => {
    const old = await recommendAll(model, { n: 2, threads: 1, of: 'items' });
    const renamed = await recommendAllThreaded(model, { n: 2, threads: 1, of: 'items' });
    expect(old).toEqual(renamed);
  });
});

/**
 * recommendAllThreaded with threads: 'auto' on a small catalogue ran on 2 workers at 350 ms
 * where the calling thread took 160 ms (lastfm-2k, k = 64): starting the pool cost more than it
 * saved. 'auto' now stays on one thread below RANKING_THREADS_MIN_FLOPS of scoring.
 */
import { describe, expect, it } from 'vitest';
import { ALSModel, recommendAllThreaded } from '../src/index.js';
import { RANKING_THREADS_MIN_FLOPS, rankingThreads } from '../src/model/recommend-all.js';
import { resolveThreads } from '../src/parallel/threads.js';

describe('recommendAllThreaded picks its threads by the work', () => {
  it("'auto' scores lastfm-2k's 1,892 users × 17,632 items at k = 64 on the calling thread", async () => {
    expect(2 * 1892 * 17632 * 64).toBeLessThan(RANKING_THREADS_MIN_FLOPS);
    expect(await rankingThreads('auto', 1892, 17632, 64)).toBe(1);
  });

  it("'auto' uses every core for 100,000 users × 20,000 items at k = 64", async () => {
    expect(await rankingThreads('auto', 100_000, 20_000, 64)).toBe(await resolveThreads('auto'));
  });

  it('a number of threads is honoured whatever the work', async () => {
    expect(await rankingThreads(2, 10, 10, 4)).toBe(await resolveThreads(2));
    expect(await rankingThreads(1, 100_000, 20_000, 64)).toBe(1);
  });

  it("a small model under 'auto' gives the lists of model.recommendAll", async () => {
    const k = 4;
    const model = ALSModel.fromFactors({
      userIds: [10, 11, 12],
      itemIds: ['a', 'b', 'c', 'd', 'e'],
      userFactors: Float32Array.from({ length: 3 * k }, (_, e) => Math.sin(e + 1)),
      itemFactors: Float32Array.from({ length: 5 * k }, (_, e) => Math.cos(e + 2)),
      options: { feedback: 'implicit' },
    });
    const all = await recommendAllThreaded(model, { n: 2 });
    const sync = model.recommendAll({ n: 2 });
    expect(Array.from(all.indices)).toEqual(Array.from(sync.indices));
    expect(Array.from(all.scores)).toEqual(Array.from(sync.scores));
  });
});

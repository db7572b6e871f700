import { resolveThreads } from '../parallel/threads.js';

/**
 * The threads a fit runs on. Starting workers costs 0.1–0.3 s, so 'auto' trains small
 * problems (under ~2·10⁹ flops of Gram work in all, well under a second on one core) on the
 * calling thread; a number is honoured. `passes` is ALS's iterations or Gibbs's burn-in +
 * samples: each costs about one Gram per rating.
 */
export async function trainingThreads(requested: number | 'auto', nnz: number, k: number, passes: number): Promise<number> {
  const available = await resolveThreads(requested);
  return requested === 'auto' && 2 * passes * nnz * k * k < 2e9 ? 1 : available;
}

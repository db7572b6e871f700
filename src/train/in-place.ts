/**
 * A fit inside a Ratings' own memory (data/ratings-memory.ts): the memory that already holds
 * the users' CSR grows once to the training plan and becomes the kernels' memory, so the
 * ratings are never copied and the process holds them once (issue 14 §4).
 */
import type { Ratings } from '../data/ratings.js';
import type { Backend } from '../kernels/select.js';
import { createWasmKernels } from '../kernels/wasm.js';
import { backendChoice, loadWasmModule, simdSupported } from '../wasm/load.js';
import type { Layout } from './layout.js';

/**
 * Whether this fit can train in the Ratings' memory: it has one no fit has claimed, and the
 * kernels are WASM with SIMD (the threads build, whose memory import is shared like the
 * Ratings' memory, runs any number of threads including one). Anything else (the JS kernels,
 * a second fit of the same Ratings) takes the ordinary path: a memory of its own, ratings
 * copied in.
 */
export function canTrainInPlace(ratings: Ratings, asked: 'auto' | 'wasm' | 'js'): boolean {
  const home = ratings.home;
  if (!home || home.claimed) return false;
  const name = asked === 'auto' ? backendChoice() : asked;
  return name !== 'js' && simdSupported();
}

/**
 * Claims the Ratings' memory, grows it to the layout planned with `inPlace`, and binds the
 * kernels to it. Null (the memory untouched and unclaimed) when the threads build cannot be
 * had (e.g. init() was given only the single-threaded build: the ordinary path then loads
 * what it needs, or says why not) or the memory cannot grow. The module is loaded first; from
 * the claim on nothing awaits, so a fit started at the same time finds the memory claimed.
 */
export async function backendInRatingsMemory(ratings: Ratings, layout: Layout): Promise<Backend | null> {
  const home = ratings.home!;
  let module: WebAssembly.Module;
  try {
    module = await loadWasmModule({ threads: true });
  } catch {
    return null;
  }
  if (home.claimed || !home.growTo(layout.totalBytes)) return null;
  home.claimed = true;
  const memory = home.memory;
  return { kernels: createWasmKernels(module, memory), buffer: memory.buffer, memory, module };
}

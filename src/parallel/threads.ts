import { AlsError, ErrorCode } from '../errors.js';

let warned = false;
const NODE_OS = 'node:os';

/** Whether this runtime can run worker threads on one shared memory, and if not, why. */
export function threadsUnavailableReason(): string | null {
  const g = globalThis as {
    SharedArrayBuffer?: unknown;
    Worker?: unknown;
    crossOriginIsolated?: boolean;
    process?: { versions?: { node?: string } };
  };
  const node = typeof g.process?.versions?.node === 'string';
  if (typeof g.SharedArrayBuffer !== 'function') {
    return g.crossOriginIsolated === false
      ? 'this page is not cross-origin isolated, so SharedArrayBuffer is off: serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp'
      : 'this runtime has no SharedArrayBuffer';
  }
  if (!node && typeof g.Worker !== 'function') return 'this runtime has no Worker';
  return null;
}

/**
 * The `threads` option: an explicit count is honoured (more than the cores is allowed);
 * 'auto' is os.availableParallelism() in Node and navigator.hardwareConcurrency in a
 * cross-origin-isolated page; 1 where threads are impossible, with one warning naming the fix.
 */
export async function resolveThreads(requested: number | 'auto'): Promise<number> {
  const reason = threadsUnavailableReason();
  if (reason) {
    if (!warned && requested !== 1) {
      warned = true;
      console.warn(`als-wasm: training on one thread because ${reason}.`);
    }
    return 1;
  }
  if (requested !== 'auto') return requested;
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { versions?: { node?: string } } };
  if (typeof g.process?.versions?.node === 'string') {
    // A specifier in a variable: bundlers for the browser leave this Node-only import alone.
    const os = (await import(NODE_OS)) as typeof import('node:os');
    return os.availableParallelism();
  }
  const cores = g.navigator?.hardwareConcurrency;
  if (typeof cores === 'number' && cores > 0) return cores;
  return 1;
}

export function checkThreads(value: unknown): number | 'auto' {
  if (value === 'auto') return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1024) {
    throw new AlsError(ErrorCode.INVALID_OPTION, `threads must be 'auto' or an integer in [1, 1024] (got ${String(value)}).`);
  }
  return value;
}

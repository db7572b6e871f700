/** Memory housekeeping for the command line, a process that owns its whole heap. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, so arrays the command has dropped (a file's triples, once the
 * Ratings holds them) are returned before a fit instead of staying resident through it. V8
 * would not collect them by itself: a fit's memory is a WebAssembly.Memory and it allocates
 * little on the JS heap, so nothing triggers a major collection (synth_5m: 57 MiB of triples
 * held through the fit). The function is taken from a fresh context after exposing it, as
 * jest's leak detector does; if the runtime refuses, the collection is simply skipped.
 */
export function collectDroppedArrays(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // Not fatal: the fit runs the same, with the dropped arrays still resident.
  }
}

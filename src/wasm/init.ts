/**
 * `init()`: where the WebAssembly kernels come from and which build to use, for runtimes and
 * deployments where the default place does not work (a CDN, a custom bundler, an embedder
 * that hands over a compiled module). Optional everywhere else: without it the first fit or
 * `recommend` loads the build as the package's conditions say (see docs/runtimes.md).
 */
import { AlsError, ErrorCode } from '../errors.js';
import {
  backendChoice,
  compileSource,
  configureWasm,
  isWasmModule,
  isWasmSource,
  loadedBuilds,
  loadWasmModule,
  markUnused,
  relaxedSimdSupported,
  servingBackend,
  sharedMemorySupported,
  simdChoice,
  simdSupported,
  wasmUsed,
  type BackendChoice,
  type BuildName,
  type SimdChoice,
  type WasmSource,
} from './load.js';
import { threadsUnavailableReason } from '../parallel/threads.js';
import { checkOptions, oneOf } from '../validate.js';

export type { BackendChoice, BuildName, SimdChoice, WasmSource, WasmLoadOptions } from './load.js';

/** The options form of `init(options)`. */
export interface InitOptions {
  /**
   * The single-threaded build (`als-wasm/als.wasm`, or `als-wasm/als-relaxed.wasm`): a
   * `WebAssembly.Module` (from any realm: `instanceof` is not used), its bytes, a `Response`,
   * or a URL. Default: the runtime's default place (next to the package's `dist/`, or the
   * Worker's bundled module).
   */
  wasm?: WasmSource | PromiseLike<WasmSource>;
  /**
   * The shared-memory build for worker threads (`als-wasm/als-threads.wasm` or
   * `als-wasm/als-relaxed-threads.wasm`), loaded when a fit first uses more than one thread.
   * Default: the runtime's default place.
   */
  threadsWasm?: WasmSource | PromiseLike<WasmSource>;
  /**
   * Which build to load from the default place: `'auto'` (relaxed-SIMD fused multiply-add
   * where the runtime validates it, else plain SIMD), `'simd'` (fixed-width SIMD: bit-identical
   * results in every runtime), `'relaxed'` (relaxed SIMD or an error). Ignored for builds
   * passed as `wasm` / `threadsWasm`. Default `'auto'`.
   */
  simd?: SimdChoice;
  /**
   * Which kernels run where nothing more specific is asked (fits with `backend: 'auto'`,
   * serving, recommendAll, evaluation): `'auto'` (default) WebAssembly where it runs, else the
   * JavaScript kernels; `'wasm'` WebAssembly or a `BACKEND_UNAVAILABLE` error; `'js'` the
   * JavaScript kernels everywhere, and nothing is loaded. A fit's own `backend` option wins.
   */
  backend?: BackendChoice;
}

/** What this runtime offers and what was loaded, from `init()` and `wasmInfo()`. */
export interface WasmInfo {
  /** The single-threaded build in use: `'simd'`, `'relaxed-simd'`, `'custom'` (given to init), `'js'` (no WebAssembly SIMD: the JavaScript kernels), or null (not loaded yet). */
  build: BuildName | null;
  /** The shared-memory build loaded for worker threads, or null (none loaded yet). */
  threadsBuild: BuildName | null;
  /** The runtime validates fixed-width WebAssembly SIMD. */
  simd: boolean;
  /** The runtime validates relaxed SIMD (fused multiply-add). */
  relaxedSimd: boolean;
  /** Worker threads on one shared memory are possible here. */
  threads: boolean;
  /** Why not, when `threads` is false. */
  threadsUnavailable: string | null;
  /** The choice of build in force (`init({ simd })`, default `'auto'`). */
  simdChoice: SimdChoice;
  /**
   * What the latest model's serving (recommend, predict, similarItems, recommendAll on the
   * calling thread) runs on: `'wasm'`, `'js'`, or null (no model served yet). Node, Deno and
   * Bun serve on WASM by themselves (the build is read and compiled synchronously when
   * needed); a browser serves on WASM once a build is loaded (`await init()` or a fit), on the
   * JavaScript kernels before that.
   */
  serving: 'wasm' | 'js' | null;
  /** The kernels init() asked for (`init({ backend })`, default `'auto'`). */
  backend: BackendChoice;
}

let initialized: Promise<WasmInfo> | null = null;

/** What this runtime offers and which builds are loaded so far. Never loads anything. */
export function wasmInfo(): WasmInfo {
  const loaded = loadedBuilds();
  const simd = simdSupported();
  const reason =
    threadsUnavailableReason() ?? (sharedMemorySupported() ? null : 'this runtime cannot create a shared WebAssembly memory');
  return {
    build: backendChoice() === 'js' ? 'js' : (loaded.single ?? (!simd && wasmUsed() ? 'js' : null)),
    threadsBuild: loaded.threads,
    simd,
    relaxedSimd: relaxedSimdSupported(),
    threads: reason === null,
    threadsUnavailable: reason,
    simdChoice: simdChoice(),
    serving: servingBackend(),
    backend: backendChoice(),
  };
}

function isOptions(value: unknown): value is InitOptions {
  return (
    typeof value === 'object' &&
    value !== null &&
    !isWasmSource(value) &&
    typeof (value as PromiseLike<unknown>).then !== 'function'
  );
}

const SIMD_CHOICES: readonly SimdChoice[] = ['simd', 'auto', 'relaxed'];
const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'wasm', 'js'];

/**
 * Sets where the WebAssembly kernels come from, then loads (compiles) the single-threaded
 * build, so that errors surface here and serving (`recommend`, `predict`) runs on WASM at once.
 * Call it before the first fit or model use; after that it throws `INIT_AFTER_USE`.
 *
 * @param source a `WebAssembly.Module` (from this realm or another), the `.wasm` bytes, a
 * `Response` (e.g. `fetch(url)`), a URL, a promise of any of these, or {@link InitOptions};
 * nothing: the default place of this runtime.
 * @returns what was loaded and what the runtime offers.
 * @throws AlsError `INIT_AFTER_USE` after first use; `INVALID_WASM_SOURCE` for a source that
 * is not a module or cannot be fetched or compiled here.
 *
 * @example
 * // Cloudflare Workers (the workerd condition does this by itself):
 * import wasm from 'als-wasm/als.wasm';
 * await init(wasm);
 * // A CDN, with relaxed SIMD where the browser has it:
 * await init({ wasm: fetch('https://cdn.example/als-relaxed.wasm'), simd: 'auto' });
 */
export function init(source?: WasmSource | PromiseLike<WasmSource> | InitOptions): Promise<WasmInfo> {
  // A repeated init() without arguments is harmless: it returns the first one's result.
  if (source === undefined && initialized) return initialized;
  let options: InitOptions;
  if (source === undefined) options = {};
  else if (isOptions(source)) options = source;
  else if (isWasmSource(source) || typeof (source as PromiseLike<unknown>).then === 'function')
    options = { wasm: source as WasmSource };
  else {
    return Promise.reject(
      new AlsError(
        ErrorCode.INVALID_WASM_SOURCE,
        `init() cannot load the WebAssembly module from ${Object.prototype.toString.call(source)}.`,
        'Pass a WebAssembly.Module, the bytes of als.wasm, a Response, a URL, or { wasm, threadsWasm, simd }.',
      ),
    );
  }
  try {
    checkOptions('init options', options, ['wasm', 'threadsWasm', 'simd', 'backend']);
    if (options.simd !== undefined) oneOf('simd', options.simd, SIMD_CHOICES);
    if (options.backend !== undefined) oneOf('backend', options.backend, BACKEND_CHOICES);
  } catch (error) {
    return Promise.reject(error);
  }
  // Checked after the options, so a mistyped option is reported as such even after first use.
  if (wasmUsed()) {
    return Promise.reject(
      new AlsError(
        ErrorCode.INIT_AFTER_USE,
        initialized
          ? 'init() was already called.'
          : 'init() was called after the WebAssembly kernels were first used (by a fit, a model or loadWasmModule).',
        'Call init() once, before training or loading any model (e.g. at the top of your module or Worker).',
      ),
    );
  }
  const backend = options.backend ?? 'auto';
  if (backend === 'wasm' && !simdSupported() && options.wasm === undefined) {
    return Promise.reject(
      new AlsError(
        ErrorCode.BACKEND_UNAVAILABLE,
        'This runtime has no WebAssembly SIMD.',
        "Use init({ backend: 'auto' }) or 'js' (slower), or a runtime with WASM SIMD (Node ≥ 16.4, current browsers).",
      ),
    );
  }
  configureWasm({
    simd: options.simd,
    backend,
    // A module is kept as it is; anything else is compiled once, here or on first threaded fit.
    single: options.wasm === undefined ? null : isWasmModule(options.wasm) ? options.wasm : compileSource(options.wasm, null),
    threads: options.threadsWasm === undefined ? null : options.threadsWasm,
  });
  const pending = (async () => {
    if (backend !== 'js' && (simdSupported() || options.wasm !== undefined)) await loadWasmModule();
    return wasmInfo();
  })();
  initialized = pending;
  // A failed init may be retried with another source.
  pending.catch(() => {
    initialized = null;
    resetAfterFailedInit();
  });
  return pending;
}

function resetAfterFailedInit(): void {
  configureWasm({ simd: 'auto', backend: 'auto', single: null, threads: null });
  markUnused();
}

/**
 * Locating, compiling and caching the kernel module, and feature probes.
 *
 * Four builds ship as files in dist/: als.wasm (SIMD), als-threads.wasm (SIMD, shared memory
 * import, for worker threads) and their relaxed-SIMD twins (f32x4.relaxed_madd, a real FMA).
 * Where they come from by default depends on the runtime, chosen by package.json conditions
 * through the "#wasm-source" import:
 *   node, default  Node, Deno, Bun: read with node:fs (imported by a variable specifier, so
 *                  this file bundles for browsers too); elsewhere fetched next to dist/.
 *   browser        fetched from `new URL('./als.wasm', import.meta.url)`: next to the bundle,
 *                  or the asset a bundler (Vite, webpack) emitted for it.
 *   workerd        a precompiled WebAssembly.Module imported by the Worker (workerd refuses to
 *                  compile bytes).
 *   edge-light     a WebAssembly.Module from `import … from './als.wasm?module'` (Vercel).
 * `init()` (src/wasm/init.ts) overrides the source and the choice of build, before first use.
 * Each build is compiled once and cached; the Module is instantiated per memory / per worker.
 */
import { AlsError, ErrorCode } from '../errors.js';
import { boolean, checkOptions } from '../validate.js';

export interface WasmLoadOptions {
  /** The build whose memory import is shared (for worker threads). */
  threads?: boolean;
  /** The relaxed-SIMD build (f32x4.relaxed_madd). Unset: as chosen by `init({ simd })`. */
  relaxed?: boolean;
}

/**
 * Where a build comes from: a compiled `WebAssembly.Module` (from any realm), its bytes, a
 * `Response` (e.g. `fetch(url)`), or a URL (a `URL` or a string; `file:` URLs are read with
 * node:fs in Node, anything else is fetched).
 */
export type WasmSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView | Response | URL | string;

/**
 * Which SIMD build to pick when loading from the default place:
 * - `'auto'` (the default): the relaxed-SIMD build (fused multiply-add, ~25% more peak
 *   FLOP/s) where the runtime validates it and it is shipped (Chromium, Deno, Bun, Node ≥ 22),
 *   else plain SIMD;
 * - `'simd'`: fixed-width SIMD everywhere, so a model trains to the same bits in every
 *   runtime (fused multiply-add rounds differently in the last bits);
 * - `'relaxed'`: the relaxed-SIMD build, or an error where it does not validate.
 */
export type SimdChoice = 'simd' | 'auto' | 'relaxed';

/** Which build serves this runtime, as reported by `wasmInfo()`. */
export type BuildName = 'relaxed-simd' | 'simd' | 'custom' | 'js';

export type WasmFile = 'als.wasm' | 'als-threads.wasm' | 'als-relaxed.wasm' | 'als-relaxed-threads.wasm';

type Pending = WasmSource | PromiseLike<WasmSource>;

/**
 * Which kernels to use when nothing more specific is asked (a fit's `backend: 'auto'`,
 * serving, recommendAll, evaluation): `'auto'` WASM where it runs, `'wasm'` WASM or an error,
 * `'js'` the JavaScript kernels everywhere (nothing is loaded).
 */
export type BackendChoice = 'auto' | 'wasm' | 'js';

interface State {
  simd: SimdChoice;
  backend: BackendChoice;
  /** Sources given to init(), by memory kind; they override the default place. */
  single: Pending | null;
  threads: Pending | null;
  /** Set on the first load (or init); init() after it is refused. */
  used: boolean;
}

const state: State = { simd: 'auto', backend: 'auto', single: null, threads: null, used: false };
const cache = new Map<string, Promise<WebAssembly.Module>>();
const compiled = new Map<string, WebAssembly.Module>();
const builds = new Map<string, BuildName>();
const NODE_FS = 'node:fs/promises';
const NODE_FS_SYNC = 'node:fs';

type SourceOf = (file: WasmFile) => Pending | null | undefined;
/** The runtime-specific default source of each build (see the comment above); null until known. */
let runtimeSource: SourceOf = () => null;
/**
 * A dynamic import, started when this module loads: bundlers resolve it by condition (and
 * inline it), while an unbundled page whose import map lacks "#wasm-source" just keeps the
 * default (next to dist/) instead of failing to load.
 */
const sourceReady: Promise<void> = import('#wasm-source').then(
  (module: { wasmSource: SourceOf }) => {
    runtimeSource = module.wasmSource;
  },
  () => undefined,
);

type SyncFs = Pick<typeof import('node:fs'), 'readFileSync'>;
/**
 * node:fs for reading a build without awaiting (serving is synchronous): Node ≥ 20.16, Deno and
 * Bun hand it over at once through process.getBuiltinModule; older runtimes get the copy
 * imported here at start-up (by a variable specifier, so browser bundles leave it alone).
 */
let importedFs: SyncFs | null = null;
if (isNode()) {
  import(NODE_FS_SYNC).then(
    (fs: SyncFs) => {
      importedFs = fs;
    },
    () => undefined,
  );
}

function syncFs(): SyncFs | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const fs = p?.getBuiltinModule?.(NODE_FS_SYNC) as SyncFs | undefined;
    if (fs && typeof fs.readFileSync === 'function') return fs;
  } catch {
    // A runtime whose getBuiltinModule refuses node:fs: fall back to the imported copy.
  }
  return importedFs;
}

/** @internal Whether any build has been requested (init() is refused from then on). */
export function wasmUsed(): boolean {
  return state.used;
}

/** @internal After a failed init(): forget its sources, so init() may be tried again. */
export function markUnused(): void {
  state.used = false;
  for (const key of [...cache.keys()]) {
    if (key.startsWith('custom')) {
      cache.delete(key);
      compiled.delete(key);
      builds.delete(key);
    }
  }
}

/** @internal Set by init(): the choice of build and sources that override the default place. */
export function configureWasm(config: {
  simd?: SimdChoice;
  backend?: BackendChoice;
  single?: Pending | null;
  threads?: Pending | null;
}): void {
  if (config.simd !== undefined) state.simd = config.simd;
  if (config.backend !== undefined) state.backend = config.backend;
  if (config.single !== undefined) state.single = config.single;
  if (config.threads !== undefined) state.threads = config.threads;
}

function useRelaxed(options: WasmLoadOptions): boolean {
  if (options.relaxed !== undefined) return options.relaxed;
  if (state.simd === 'simd') return false;
  // 'auto' also needs the relaxed build to be shipped for this runtime (Workers bundle one).
  if (state.simd === 'auto')
    return relaxedSimdSupported() && runtimeSource(fileName(options.threads === true, true)) !== undefined;
  if (!relaxedSimdSupported()) {
    throw new AlsError(
      ErrorCode.BACKEND_UNAVAILABLE,
      'This runtime does not validate relaxed SIMD.',
      "Use init({ simd: 'auto' }) to fall back to plain SIMD where relaxed SIMD is missing.",
    );
  }
  return true;
}

function fileName(threads: boolean, relaxed: boolean): WasmFile {
  return `als${relaxed ? '-relaxed' : ''}${threads ? '-threads' : ''}.wasm` as WasmFile;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

const tag = (value: unknown): string => Object.prototype.toString.call(value);

/** A WebAssembly.Module of this realm or another (instanceof fails across realms). */
export function isWasmModule(value: unknown): value is WebAssembly.Module {
  return (typeof WebAssembly === 'object' && value instanceof WebAssembly.Module) || tag(value) === '[object WebAssembly.Module]';
}

function isBytes(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return ArrayBuffer.isView(value) || tag(value) === '[object ArrayBuffer]' || tag(value) === '[object SharedArrayBuffer]';
}

function isResponse(value: unknown): value is Response {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Response).arrayBuffer === 'function' &&
    typeof (value as Response).status === 'number'
  );
}

function isUrl(value: unknown): value is URL | string {
  return typeof value === 'string' || tag(value) === '[object URL]' || (typeof URL === 'function' && value instanceof URL);
}

/** Whether `value` can be passed as a WasmSource (a Module, bytes, a Response or a URL). */
export function isWasmSource(value: unknown): value is WasmSource {
  return isWasmModule(value) || isBytes(value) || isResponse(value) || isUrl(value);
}

function invalid(message: string, hint: string, cause?: unknown): AlsError {
  return new AlsError(ErrorCode.INVALID_WASM_SOURCE, message, hint, cause === undefined ? undefined : { cause });
}

const SOURCE_HINT =
  'Pass a WebAssembly.Module, the bytes of als.wasm (ArrayBuffer or Uint8Array), a Response, or a URL of the file.';
const WORKERS_HINT =
  "Runtimes that refuse to compile bytes (Cloudflare Workers, Vercel Edge) need the precompiled module: import wasm from 'als-wasm/als.wasm' (Vercel: 'als-wasm/als.wasm?module') and init(wasm).";

async function readUrl(url: URL, file: WasmFile | null): Promise<ArrayBuffer | Uint8Array> {
  if (isNode() && url.protocol === 'file:') {
    // Node 20's fetch cannot read file: URLs.
    // A specifier in a variable: bundlers for the browser leave this Node-only import alone.
    const fs = (await import(NODE_FS)) as typeof import('node:fs/promises');
    try {
      return new Uint8Array(await fs.readFile(url));
    } catch (error) {
      // In the repository (not in the package), dist/ may not have its copy yet: use build/.
      const fallback = file && (error as { code?: string }).code === 'ENOENT' ? new URL(`../build/${file}`, url) : null;
      if (!fallback) throw error;
      return new Uint8Array(await fs.readFile(fallback));
    }
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not fetch ${url.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** A Module from any source; bytes are compiled here (refused by Workers: see WORKERS_HINT). */
export async function compileSource(pending: Pending, file: WasmFile | null): Promise<WebAssembly.Module> {
  let source: unknown;
  try {
    source = await pending;
  } catch (cause) {
    throw invalid(`Could not get the WebAssembly module: ${String((cause as Error)?.message ?? cause)}`, SOURCE_HINT, cause);
  }
  if (isWasmModule(source)) return source;
  let bytes: ArrayBuffer | ArrayBufferView;
  let where = '';
  try {
    if (isBytes(source)) bytes = source;
    else if (isResponse(source)) {
      const response = source as Response;
      if (!response.ok) throw new Error(`HTTP ${response.status}${response.url ? ` for ${response.url}` : ''}`);
      where = response.url ? ` from ${response.url}` : '';
      bytes = await response.arrayBuffer();
    } else if (isUrl(source)) {
      const url =
        typeof source === 'string' ? new URL(source, (globalThis as { location?: { href: string } }).location?.href) : source;
      where = ` from ${url.href}`;
      bytes = await readUrl(url, file);
    } else {
      throw invalid(`init() cannot load the WebAssembly module from ${tag(source)}.`, SOURCE_HINT);
    }
  } catch (cause) {
    if (cause instanceof AlsError) throw cause;
    throw invalid(
      `Could not read the WebAssembly module${where}: ${String((cause as Error)?.message ?? cause)}`,
      SOURCE_HINT,
      cause,
    );
  }
  try {
    return await WebAssembly.compile(bytes as BufferSource);
  } catch (cause) {
    const message = String((cause as Error)?.message ?? cause);
    const refused = /code generation|disallowed|not allowed|embedder/i.test(message);
    throw invalid(`Could not compile the WebAssembly module${where}: ${message}`, refused ? WORKERS_HINT : SOURCE_HINT, cause);
  }
}

/** The default place of a build in this runtime: '#wasm-source' for this condition, else next to dist/. */
function defaultSource(file: WasmFile): Pending {
  // From the TypeScript source (vitest, tsx): the fresh build in build/. '#wasm-source' resolves
  // through package.json to dist/, which `npm run build:wasm` alone leaves stale: a benchmark
  // run with tsx after it timed the previous kernels. (Bundled for workerd or the edge,
  // import.meta.url is undefined.)
  if (fromTypeScriptSource()) return new URL(`../../build/${file}`, import.meta.url);
  const own = runtimeSource(file);
  if (own === undefined) {
    throw invalid(
      `${file} is not bundled for this runtime.`,
      `Import it yourself (import wasm from 'als-wasm/${file}') and pass it to init(), or use the default build.`,
    );
  }
  if (own !== null) return own;
  // The builds sit in dist/wasm/, reached the same way from dist/wasm/load.js (tsc's module)
  // and from the bundles' dist/chunks/.
  return new URL(`../wasm/${file}`, import.meta.url);
}

/** Whether this module runs as src/wasm/load.ts (vitest, tsx), not from dist/ or a bundle. */
function fromTypeScriptSource(): boolean {
  const url: unknown = import.meta.url;
  return typeof url === 'string' && url.endsWith('.ts');
}

function variantKey(threads: boolean, relaxed: boolean): string {
  const given = threads ? state.threads : state.single;
  return given !== null ? (threads ? 'custom-threads' : 'custom') : fileName(threads, relaxed);
}

/** The module if it is compiled already (or given as a Module), else null: never waits. */
export function loadedWasmModule(options: WasmLoadOptions = {}): WebAssembly.Module | null {
  state.used = true;
  const threads = options.threads === true;
  let relaxed: boolean;
  try {
    relaxed = useRelaxed(options);
  } catch {
    return null;
  }
  const key = variantKey(threads, relaxed);
  const done = compiled.get(key);
  if (done) return done;
  // A precompiled module (Workers' import, or init(module)) needs no waiting.
  const given = threads ? state.threads : state.single;
  let source: Pending;
  try {
    source = given ?? defaultSource(fileName(threads, relaxed));
  } catch {
    return null;
  }
  if (isWasmModule(source)) {
    remember(key, source, given !== null ? 'custom' : relaxed ? 'relaxed-simd' : 'simd');
    return source;
  }
  return null;
}

/** The kernel module serving runs on, and whether its memory import is shared (the threads build). */
export interface ServingModule {
  module: WebAssembly.Module;
  shared: boolean;
}

/**
 * @internal The module for serving, obtained without waiting, in this order: the single-threaded
 * build when it is compiled already (or was given as a Module); the threads build when that is
 * the one compiled (after a multi-threaded fit: it serves on a shared memory of its own); the
 * single-threaded build compiled here and now from its file where the runtime reads files
 * synchronously (Node, Deno, Bun, from the default place only: a source given to init() is
 * never replaced). null: nothing at hand (a browser before `await init()`, a runtime without
 * WebAssembly SIMD, or `init({ backend: 'js' })`): serving runs on the JavaScript kernels.
 */
export function servingWasmModule(): ServingModule | null {
  state.used = true;
  if (state.backend === 'js' || !simdSupported()) return null;
  const single = loadedWasmModule();
  if (single) return { module: single, shared: false };
  const relaxedThreads = useRelaxedQuietly(true);
  const threads = relaxedThreads === null ? undefined : compiled.get(variantKey(true, relaxedThreads));
  if (threads) return { module: threads, shared: true };
  const relaxed = useRelaxedQuietly(false);
  const module = relaxed === null ? null : compileDefaultNow(relaxed);
  return module ? { module, shared: false } : null;
}

function useRelaxedQuietly(threads: boolean): boolean | null {
  try {
    return useRelaxed({ threads });
  } catch {
    return null;
  }
}

/** The default single-threaded build read from its file and compiled synchronously, or null. */
function compileDefaultNow(relaxed: boolean): WebAssembly.Module | null {
  if (state.single !== null) return null;
  const key = variantKey(false, relaxed);
  const file = fileName(false, relaxed);
  let source: Pending;
  try {
    source = defaultSource(file);
  } catch {
    return null;
  }
  const fs = syncFs();
  if (!fs || !isUrl(source)) return null;
  const url = typeof source === 'string' ? null : source;
  if (url?.protocol !== 'file:') return null;
  try {
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(url);
    } catch (error) {
      // In the repository (not in the package), dist/ may not have its copy yet: use build/.
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
      bytes = fs.readFileSync(new URL(`../build/${file}`, url));
    }
    const module = new WebAssembly.Module(bytes as BufferSource);
    remember(key, module, relaxed ? 'relaxed-simd' : 'simd');
    return module;
  } catch {
    return null;
  }
}

let lastServing: 'wasm' | 'js' | null = null;

/** @internal Set by each serving engine built: what `wasmInfo().serving` reports. */
export function noteServingBackend(backend: 'wasm' | 'js'): void {
  lastServing = backend;
}

/** @internal The backend the latest serving engine runs on, or null before the first. */
export function servingBackend(): 'wasm' | 'js' | null {
  return lastServing;
}

/** @internal The backend init() asked for ('auto' unless told). */
export function backendChoice(): BackendChoice {
  return state.backend;
}

function remember(key: string, module: WebAssembly.Module, build: BuildName): void {
  compiled.set(key, module);
  if (!cache.has(key)) cache.set(key, Promise.resolve(module));
  builds.set(key, build);
}

/** The compiled kernel module (cached per build). */
export function loadWasmModule(options: WasmLoadOptions = {}): Promise<WebAssembly.Module> {
  try {
    checkOptions('loadWasmModule options', options, ['threads', 'relaxed']);
    if (options.threads !== undefined) boolean('threads', options.threads);
    if (options.relaxed !== undefined) boolean('relaxed', options.relaxed);
  } catch (error) {
    return Promise.reject(error);
  }
  state.used = true;
  return sourceReady.then(() => loadNow(options));
}

function loadNow(options: WasmLoadOptions): Promise<WebAssembly.Module> {
  const threads = options.threads === true;
  const relaxed = useRelaxed(options);
  const key = variantKey(threads, relaxed);
  let pending = cache.get(key);
  if (!pending) {
    const given = threads ? state.threads : state.single;
    const file = fileName(threads, relaxed);
    pending = Promise.resolve()
      .then(() => compileSource(given ?? defaultSource(file), given !== null ? null : file))
      .then((module) => {
        remember(key, module, given !== null ? 'custom' : relaxed ? 'relaxed-simd' : 'simd');
        return module;
      });
    // A failed load is not cached, so a later call can retry.
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}

/** @internal The builds compiled so far, by kind of memory. */
export function loadedBuilds(): { single: BuildName | null; threads: BuildName | null } {
  let single: BuildName | null = null;
  let threads: BuildName | null = null;
  for (const [key, build] of builds) {
    if (key.includes('threads')) threads ??= build;
    else single ??= build;
  }
  return { single, threads };
}

/** @internal The choice of build init() made (or the default). */
export function simdChoice(): SimdChoice {
  return state.simd;
}

function validates(bytes: number[]): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
// (func (result v128) …): type section with one func type () → v128, one function of it.
const V128_FUNC = [0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00];

/** A precompiled module is at hand (Workers' import, init(module)): proof that WASM SIMD runs here. */
function precompiled(): boolean {
  const source = state.single ?? runtimeSource('als.wasm');
  return isWasmModule(source);
}

/** Fixed-width SIMD: i32.const 0; i8x16.splat; i8x16.popcnt. */
export function simdSupported(): boolean {
  return (
    validates([...HEADER, ...V128_FUNC, 0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x62, 0x0b]) || precompiled()
  );
}

/** Relaxed SIMD: i8x16.relaxed_swizzle of two splats (off by default on Node 20). */
export function relaxedSimdSupported(): boolean {
  return validates([
    ...HEADER,
    ...V128_FUNC,
    0x0a,
    0x0f,
    0x01,
    0x0d,
    0x00,
    0x41,
    0x01,
    0xfd,
    0x0f,
    0x41,
    0x02,
    0xfd,
    0x0f,
    0xfd,
    0x80,
    0x02,
    0x0b,
  ]);
}

/** Shared memories (the threads build) can be created here. */
export function sharedMemorySupported(): boolean {
  try {
    return (
      typeof SharedArrayBuffer === 'function' &&
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor).buffer instanceof
        SharedArrayBuffer
    );
  } catch {
    return false;
  }
}

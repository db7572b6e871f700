/**
 * als-wasm/serve: inference only — load a model, predict, recommend, find similar items,
 * fold in new users. No training loop, no worker code, no Node built-ins (save/load import
 * node:fs only when called, and only in Node).
 *
 * `await init()` sets up the WASM kernels (from a source of your choice where the default
 * place does not work: see init).
 *
 * @module
 */
import { loadWasmModule as loadWasm, type WasmLoadOptions } from './wasm/load.js';

export { ALSModel } from './model/model.js';
export type {
  ColdStart,
  FactorsInput,
  RecommendOptions,
  Recommendations,
  AllRecommendations,
  PartialRatings,
  PartialFitInput,
  RowInput,
  Clip,
  Explanation,
  ModelRecommendAllOptions,
} from './model/model.js';
export { AlsError, ErrorCode } from './errors.js';
export type { Id } from './data/id-map.js';
export { simdSupported } from './wasm/load.js';
export { init, wasmInfo } from './wasm/init.js';
export type { BackendChoice, InitOptions, WasmInfo, WasmSource, SimdChoice, BuildName, WasmLoadOptions } from './wasm/init.js';

/** @deprecated Use {@link init}, the one way to set up the WebAssembly kernels. Still compiles a build and resolves with it. */
export function loadWasmModule(options?: WasmLoadOptions): Promise<WebAssembly.Module> {
  return loadWasm(options);
}

/**
 * als-wasm/serve: inference only — load a model, predict, recommend, find similar items,
 * fold in new users. No training loop, no worker code, no Node built-ins (save/load import
 * node:fs only when called, and only in Node).
 *
 * Serving uses the WASM kernels once the module is compiled in this realm (`await
 * loadWasmModule()`), else the JavaScript twin.
 */
export { ALSModel } from './model/model.js';
export type {
  ColdStart,
  FactorsInput,
  RecommendOptions,
  Recommendations,
  AllRecommendations,
  PartialRatings,
  Clip,
  Explanation,
  ModelRecommendAllOptions,
} from './model/model.js';
export { AlsError, ErrorCode } from './errors.js';
export type { Id } from './data/id-map.js';
export { loadWasmModule, simdSupported } from './wasm/load.js';
export { init, wasmInfo } from './wasm/init.js';
export type { InitOptions, WasmInfo, WasmSource, SimdChoice, BuildName, WasmLoadOptions } from './wasm/init.js';

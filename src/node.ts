/**
 * als-wasm/node: what only Node (and Deno and Bun, through their node: modules) can do —
 * read rating files from disk, plain or gzipped. The main entry and als-wasm/serve stay free
 * of node:fs so they bundle for browsers and Workers as they are. Models save and load
 * through `model.save(path)` and `ALSModel.load(path)`; other formats are in als-wasm/interop.
 *
 * @module
 */
export { parseTriplesFile, loadRatingsFile } from './data/loaders/file.node.js';
export type { LoadOptions, LoadedRatings } from './data/loaders/load.js';
export type { ParseOptions, ParsedTriples } from './data/loaders/parse.js';

/**
 * als-wasm/interop: models from and for other systems — Spark MLlib's ALSModel directories
 * (parquet), the Python `implicit` library's .npz, plain numpy .npy matrices — and the
 * table of their conventions. Byte-level readers and writers run anywhere; the load/save
 * helpers need Node.
 */
export { readSparkModel, writeSparkModel } from './spark.js';
export type { SparkModelFiles, SparkReadOptions, SparkWriteOptions } from './spark.js';
export { readImplicitModel, writeImplicitModel, readNpyFactors } from './implicit.js';
export type { ImplicitReadOptions, ImplicitWriteOptions, NpyFactorsReadOptions } from './implicit.js';
export { parseNpy, writeNpy, toFloat32, scalarOf, halfToFloat32 } from './npy.js';
export type { NpyArray, NpyData } from './npy.js';
export { readNpz, writeNpz } from './npz.js';
export type { NpzArrays, NpzReadOptions } from './npz.js';
export { sparkOptions, implicitOptions } from './conventions.js';
export type { SparkParams, ImplicitParams } from './conventions.js';
export { loadSparkModel, saveSparkModel, loadImplicitModel, saveImplicitModel, loadNpyFactors } from './files.js';
export type { ImplicitSaveOptions, SparkSaveOptions } from './files.js';

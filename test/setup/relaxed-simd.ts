/**
 * Node 20 validates relaxed SIMD only behind a V8 flag. The 'relaxed-simd' test project sets
 * it in its own worker processes before any module compiles, so the conformance suites also
 * check the relaxed-SIMD (FMA) builds against the float64 reference. (vitest's execArgv does
 * not reach project pools here; setting the flag at run time does.)
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--experimental-wasm-relaxed-simd');

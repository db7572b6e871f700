// Compiles the AssemblyScript kernels (assembly/) into build/*.wasm with asc 0.28.
//   build/als.wasm                 SIMD, imports a non-shared env.memory
//   build/als-threads.wasm         SIMD, imports a shared env.memory (max 65536 pages)
//   build/als-relaxed.wasm         + relaxed SIMD (f32x4.relaxed_madd); needs Node ≥ 22 or
//   build/als-relaxed-threads.wasm   --experimental-wasm-relaxed-simd on Node 20: optional
//   build/peak.wasm, peak-relaxed  bench-only peak probe (assembly/bench/peak.ts)
// Options live in asconfig.json (one target per output) and assembly/bench/asconfig.json.
// Every output must be relocatable across instances: no data segments, no mutable globals,
// a single import (env.memory); test/wasm-module.test.ts checks that.
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root); // asc reads ./asconfig.json relative to the working directory

const builds = [
  ['asconfig.json', 'release'],
  ['asconfig.json', 'threads'],
  ['asconfig.json', 'relaxed'],
  ['asconfig.json', 'relaxed-threads'],
  ['assembly/bench/asconfig.json', 'release'],
  ['assembly/bench/asconfig.json', 'relaxed'],
];

await mkdir(resolve(root, 'build'), { recursive: true });
// One at a time: asc keeps some Binaryen settings process-global.
const results = [];
for (const [config, target] of builds) {
  const { error, stderr } = await asc.main(['--config', config, '--target', target]);
  results.push({ config, target, error, stderr: stderr.toString() });
}
let failed = false;
for (const { config, target, error, stderr } of results) {
  if (error) {
    failed = true;
    console.error(`asc ${config} --target ${target} failed: ${error.message}\n${stderr}`);
  } else {
    // Binaryen's optimizer reports "Last converge was suboptimal." when its fixed-point
    // iteration stops early; the output is still valid and optimized, so the line only
    // alarms people installing the package. Anything else asc says is shown.
    const rest = stderr.split('\n').filter((line) => line.trim() && line.trim() !== 'Last converge was suboptimal.');
    if (rest.length) console.error(rest.join('\n'));
  }
}
if (failed) process.exit(1);
console.log(`built ${results.length} modules into build/`);

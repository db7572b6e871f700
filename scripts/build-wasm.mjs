// Compiles the AssemblyScript kernels (assembly/) into build/*.wasm with asc 0.28.
//   build/als.wasm                 SIMD, imports a non-shared env.memory
//   build/als-threads.wasm         SIMD, imports a shared env.memory (max 65536 pages)
//   build/als-relaxed.wasm         + relaxed SIMD (f32x4.relaxed_madd); needs Node ≥ 22 or
//   build/als-relaxed-threads.wasm   --experimental-wasm-relaxed-simd on Node 20: optional
//   build/peak.wasm, peak-relaxed  bench-only peak probe (assembly/bench/peak.ts)
// Options live in asconfig.json (one target per output) and assembly/bench/asconfig.json.
// First, assembly/abi.ts (the kernels' view of the parameter blocks) is generated from
// src/kernels/abi.ts: see generateAssemblyAbi below.
// Every output must be relocatable across instances: no data segments, no mutable globals,
// a single import (env.memory); test/wasm-module.test.ts checks that.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const builds = [
  ['asconfig.json', 'release'],
  ['asconfig.json', 'threads'],
  ['asconfig.json', 'relaxed'],
  ['asconfig.json', 'relaxed-threads'],
  ['assembly/bench/asconfig.json', 'release'],
  ['assembly/bench/asconfig.json', 'relaxed'],
];

/**
 * The text of assembly/abi.ts, from the declaration in src/kernels/abi.ts. That file imports
 * nothing, so TypeScript's transpileModule (types stripped, no type-check, no resolution) turns
 * it into a module evaluated here: no compiler beyond the typescript devDependency the build
 * already uses. test/abi.test.ts calls this too, to fail when the checked-in file is stale.
 */
export async function generateAssemblyAbi() {
  const source = await readFile(resolve(root, 'src/kernels/abi.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const abi = await import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);
  return abi.assemblyAbiSource();
}

// Only when run as the build (the test imports generateAssemblyAbi alone).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await build();

async function build() {
  const abiPath = resolve(root, 'assembly/abi.ts');
  const abiText = await generateAssemblyAbi();
  if ((await readFile(abiPath, 'utf8').catch(() => '')) !== abiText) await writeFile(abiPath, abiText);

  await mkdir(resolve(root, 'build'), { recursive: true });
  process.chdir(root); // asc reads ./asconfig.json relative to the working directory
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
}

/**
 * The JS twin mirrors assembly/ file by file: src/kernels/js/<name>.ts for assembly/<name>.ts,
 * the same kernels in the same order with the same parameter names, so a reader of one finds
 * the other by name.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCgKernels } from '../src/kernels/js/cg.js';
import { createCholeskyKernels } from '../src/kernels/js/cholesky.js';
import { createGramKernels } from '../src/kernels/js/gram.js';
import { createJsKernels } from '../src/kernels/js/index.js';
import { createLossKernels } from '../src/kernels/js/loss.js';
import { type JsMemory, viewMemory } from '../src/kernels/js/memory.js';
import { createScoreKernels } from '../src/kernels/js/score.js';
import { createSolveKernels } from '../src/kernels/js/solve.js';
import { createSubspaceKernels } from '../src/kernels/js/subspace.js';
import { createScoreBatchKernels } from '../src/kernels/js/score-batch.js';
import { createSampleKernels } from '../src/kernels/js/sample.js';
import { createShortRowsKernels } from '../src/kernels/js/short-rows.js';
import { createWeightsKernels } from '../src/kernels/js/weights.js';

const source = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** name → parameter names of every `function name(…)` in a source file, in order. */
function signatures(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of text.matchAll(/function (\w+)\(([^)]*)\)/g)) {
    out.set(
      m[1]!,
      m[2]!
        .split(',')
        .map((p) => p.split(':')[0]!.trim())
        .filter((p) => p !== ''),
    );
  }
  return out;
}

/** The exported function names of an AssemblyScript file, in order. */
const asExports = (text: string) => [...text.matchAll(/^export function (\w+)/gm)].map((m) => m[1]!);

const memory = viewMemory(new ArrayBuffer(64));
const TWINS: Record<string, (m: JsMemory) => object> = {
  gram: createGramKernels,
  cholesky: createCholeskyKernels,
  cg: createCgKernels,
  subspace: (m) => createSubspaceKernels(m, createCholeskyKernels(m)),
  weights: createWeightsKernels,
  solve: (m) => createSolveKernels(m, createJsKernels(m.F.buffer)),
  loss: createLossKernels,
  score: createScoreKernels,
  'score-batch': createScoreBatchKernels,
  sample: (m) => createSampleKernels(m, createJsKernels(m.F.buffer)),
  'short-rows': (m) => createShortRowsKernels(m),
};

describe('the JS twin mirrors assembly/ by file name', () => {
  it('every assembly kernel file but the SIMD helpers has a twin of the same name', () => {
    const reexported = [...source('assembly/index.ts').matchAll(/from '\.\/([\w-]+)'/g)].map((m) => m[1]!);
    expect(reexported.sort()).toEqual(Object.keys(TWINS).sort());
  });

  for (const [name, create] of Object.entries(TWINS)) {
    it(`js/${name}.ts exports the kernels of assembly/${name}.ts in order, with the same parameters`, () => {
      const wasmSide = source(`assembly/${name}.ts`);
      const names = asExports(wasmSide);
      expect(Object.keys(create(memory))).toEqual(names);
      const asSig = signatures(wasmSide),
        jsSig = signatures(source(`src/kernels/js/${name}.ts`));
      for (const kernel of names) expect([kernel, jsSig.get(kernel)]).toEqual([kernel, asSig.get(kernel)]);
    });
  }

  it('createJsKernels assembles exactly the kernels assembly/index.ts exports', () => {
    const exported = [...source('assembly/index.ts').matchAll(/export \{([^}]*)\}/g)].flatMap((m) =>
      m[1]!.split(',').map((s) => s.trim()),
    );
    expect(Object.keys(createJsKernels(new ArrayBuffer(64))).filter((k) => k !== 'backend')).toEqual(exported);
  });
});

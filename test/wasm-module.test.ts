import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels } from '../src/kernels/wasm.js';
import type { Kernels } from '../src/kernels/types.js';
import { loadWasmModule, simdSupported } from '../src/wasm/load.js';
import { createMemory } from '../src/wasm/memory.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const buildFile = (name: string) => fileURLToPath(new URL(`../build/${name}`, import.meta.url));
const VARIANTS = ['als.wasm', 'als-threads.wasm', 'als-relaxed.wasm', 'als-relaxed-threads.wasm'];

const KERNEL_NAMES = [
  'gramBlock',
  'rowWeights',
  'gramRow',
  'cholesky',
  'choleskySolve',
  'cgSolve',
  'solveRows',
  'dataLoss',
  'penalty',
  'scoreTopK',
  'scoreTopKRanks',
  'rankQueries',
] satisfies (keyof Omit<Kernels, 'backend'>)[];

beforeAll(() => {
  if (!VARIANTS.every((v) => existsSync(buildFile(v)))) {
    execFileSync(process.execPath, ['scripts/build-wasm.mjs'], { cwd: root, stdio: 'inherit' });
  }
}, 120_000);

/** Reads an unsigned LEB128 at bytes[pos]; returns [value, next position]. */
function leb(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++]!;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [value, pos];
  }
}

interface Sections {
  ids: number[];
  dataCount: number;
  mutableGlobals: number;
}

/** Walks the top-level sections of a module binary. */
function sections(bytes: Uint8Array): Sections {
  expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const out: Sections = { ids: [], dataCount: 0, mutableGlobals: 0 };
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos++]!;
    const [size, start] = leb(bytes, pos);
    out.ids.push(id);
    if (id === 11 || id === 12) {
      out.dataCount += leb(bytes, start)[0];
    } else if (id === 6) {
      let [count, p] = leb(bytes, start);
      for (let g = 0; g < count; g++) {
        p++; // value type (a one-byte numeric or vector type here)
        if (bytes[p++] === 1) out.mutableGlobals++;
        // constant init expression: opcode, immediate, end
        const op = bytes[p++]!;
        if (op === 0x41 || op === 0x42 || op === 0x23) p = leb(bytes, p)[1];
        else if (op === 0x43) p += 4;
        else if (op === 0x44) p += 8;
        else if (op === 0xfd) p += 1 + 16; // v128.const
        expect(bytes[p++]).toBe(0x0b);
      }
    }
    pos = start + size;
  }
  return out;
}

describe.each(VARIANTS)('%s', (name) => {
  it('has no data segments, no mutable globals, imports only env.memory, exports every kernel', () => {
    const bytes = new Uint8Array(readFileSync(buildFile(name)));
    const s = sections(bytes);
    expect(s.dataCount).toBe(0);
    expect(s.mutableGlobals).toBe(0);
    if (name.includes('relaxed')) return; // Node 20 cannot compile relaxed SIMD without a flag
    const module = new WebAssembly.Module(bytes);
    const imports = WebAssembly.Module.imports(module);
    expect(imports).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const exports = WebAssembly.Module.exports(module);
    for (const k of KERNEL_NAMES) expect(exports).toContainEqual({ name: k, kind: 'function' });
  });
});

describe('feature probes and loading', () => {
  it('detects WebAssembly and SIMD on Node 20', () => {
    expect(simdSupported()).toBe(true);
  });

  it('caches one compiled module per variant', async () => {
    const a = await loadWasmModule();
    expect(await loadWasmModule({})).toBe(a);
    const t = await loadWasmModule({ threads: true });
    expect(t).not.toBe(a);
    expect(await loadWasmModule({ threads: true })).toBe(t);
  });

  it('createMemory sizes in whole pages, fixed, shared on request, and refuses > 4 GiB', () => {
    const m = createMemory(65537, false);
    expect(m.buffer.byteLength).toBe(2 * 65536);
    expect(m.grow(0)).toBe(2);
    expect(() => m.grow(1)).toThrow();
    expect(createMemory(10, true).buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(() => createMemory(2 ** 32 + 1, false)).toThrow(Error);
  });
});

/** A kernel instance over a fresh memory with a bump allocator (16-byte aligned, 0 kept free). */
async function setup(threads: boolean) {
  const memory = createMemory(1 << 20, threads);
  const k = createWasmKernels(await loadWasmModule({ threads }), memory);
  const f32 = new Float32Array(memory.buffer);
  const i32 = new Int32Array(memory.buffer);
  let next = 64;
  const alloc = (floats: number) => {
    const at = next;
    next += Math.ceil(floats / 16) * 64;
    return at;
  };
  const f32s = (values: number[]) => {
    const at = alloc(values.length);
    f32.set(values, at >> 2);
    return at;
  };
  const i32s = (values: number[]) => {
    const at = alloc(values.length);
    i32.set(values, at >> 2);
    return at;
  };
  return { k, f32, i32, alloc, f32s, i32s };
}

/** Factor rows padded to `stride` floats. */
function padded(rows: number[][], stride: number): number[] {
  return rows.flatMap((r) => [...r, ...new Array(stride - r.length).fill(0)]);
}

describe.each([false, true])('known answers (threads build: %s)', (threads) => {
  const stride = 8;

  it("gramRow: Spark's weighted Gram", async () => {
    const { k, f32, alloc, f32s, i32s } = await setup(threads);
    const Y = f32s(
      padded(
        [
          [1, 2],
          [4, 5],
          [7, 8],
        ],
        stride,
      ),
    );
    const A = alloc(stride * stride);
    const b = alloc(stride);
    const scratch = alloc(2 * 32 * stride);
    const upper = () => [f32[A >> 2]!, f32[(A >> 2) + 1]!, f32[(A >> 2) + stride + 1]!];
    const rhs = () => [f32[b >> 2]!, f32[(b >> 2) + 1]!];

    k.gramRow(Y, stride, 2, i32s([0, 1]), f32s([1, 2]), f32s([3, 12]), 2, 0, A, b, scratch);
    expect(upper()).toEqual([33, 42, 54]);
    expect(rhs()).toEqual([51, 66]);

    k.gramRow(Y, stride, 2, i32s([0, 1, 2]), f32s([1, 2, 1]), f32s([3, 12, 9]), 3, 0, A, b, scratch);
    expect(upper()).toEqual([82, 98, 118]);
    expect(rhs()).toEqual([114, 138]);
    expect([...f32.subarray((b >> 2) + 2, (b >> 2) + stride)]).toEqual(new Array(stride - 2).fill(0));
  });

  it.each([
    [0, [-8.333333, 6.0]],
    [1.5, [-0.1155556, 3.28]],
  ])('Cholesky (Spark), λ = %s', async (lambda, expected) => {
    const { k, f32, alloc, f32s, i32s } = await setup(threads);
    const Y = f32s(
      padded(
        [
          [1, 2],
          [1, 3],
          [1, 4],
        ],
        stride,
      ),
    );
    const A = alloc(stride * stride);
    const b = alloc(stride);
    const x = alloc(stride);
    const scratch = alloc(2 * 32 * stride);
    k.gramRow(Y, stride, 2, i32s([0, 1, 2]), f32s([1, 1, 1]), f32s([4, 9, 16]), 3, 0, A, b, scratch);
    expect(k.cholesky(A, stride, 2, lambda)).toBe(-1);
    k.choleskySolve(A, stride, 2, b, x);
    const got = [f32[x >> 2]!, f32[(x >> 2) + 1]!];
    for (let i = 0; i < 2; i++) expect(Math.abs(got[i]! - expected[i]!) / Math.abs(expected[i]!)).toBeLessThan(1e-6);
    // in place (x aliases b)
    k.choleskySolve(A, stride, 2, b, b);
    expect([f32[b >> 2], f32[(b >> 2) + 1]]).toEqual(got);
  });

  it('cholesky reports the first non-positive pivot', async () => {
    const { k, alloc, f32s } = await setup(threads);
    // [[1, 2], [2, 4]] is singular: the second pivot is 0.
    const A = f32s(
      padded(
        [
          [1, 2],
          [2, 4],
        ],
        stride,
      ),
    );
    expect(k.cholesky(A, stride, 2, 0)).toBe(1);
    const B = f32s(
      padded(
        [
          [-1, 0],
          [0, 1],
        ],
        stride,
      ),
    );
    expect(k.cholesky(B, stride, 2, 0)).toBe(0);
    void alloc;
  });
});

/**
 * A/B set-up for kernel benches: this tree's build/als.wasm and another build as two instances
 * on one memory (the builds have no data segments and no globals, test/wasm-module.test.ts, so
 * they share it safely), and a bump allocator over that memory.
 */
import { readFileSync } from 'node:fs';
import { createWasmKernels } from '../src/kernels/wasm.js';
import { roundUp, type Kernels } from '../src/kernels/types.js';

export function twoBuilds(memory: WebAssembly.Memory, basePath: string): { name: string; K: Kernels }[] {
  const module = (path: string | URL) => new WebAssembly.Module(readFileSync(path));
  return [
    { name: 'new', K: createWasmKernels(module(new URL('../build/als.wasm', import.meta.url)), memory) },
    { name: 'base', K: createWasmKernels(module(basePath), memory) },
  ];
}

/** Byte offsets of successive 64-byte-aligned blocks of `floats` floats, from byte 64 on. */
export function bumpAllocator(): (floats: number) => number {
  let next = 64;
  return (floats) => {
    const at = next;
    next += roundUp(floats * 4, 64);
    return at;
  };
}

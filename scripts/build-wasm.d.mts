/** The text of assembly/abi.ts, generated from src/kernels/abi.ts (see build-wasm.mjs). */
export function generateAssemblyAbi(): Promise<string>;

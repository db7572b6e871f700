/** Running the CLI in-process for the cli-*.test.ts files: exit code, stdout and stderr. */
import { vi } from 'vitest';
import { main } from '../src/cli/main.js';

export async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** Runs with stderr claiming to be a terminal, as when a person watches. */
export async function runOnTerminal(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const had = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true, writable: true });
  try {
    return await run(...argv);
  } finally {
    if (had) Object.defineProperty(process.stderr, 'isTTY', had);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
  }
}

export const jsonLines = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A prediction as the CLI's text outputs write it (7 significant digits). */
export const asWritten = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(7))) : String(x));

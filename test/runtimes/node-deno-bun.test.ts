/**
 * Node 20, Deno and Bun (both installed from npm: their binaries come as optionalDependencies)
 * run the same file, test/runtimes/fixtures/smoke.mjs, in a project where als-wasm is installed
 * from the packed tarball: import by name, train on 1 and 2 threads, recommend, serve.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, packed, report, root } from './pack.js';

const run = promisify(execFile);

interface Smoke {
  runtime: string;
  build: string;
  threadsBuild: string | null;
  relaxedSimd: boolean;
  threadsAvailable: boolean;
  threads: number;
  threadsError: string | null;
  recommended: number[];
  ms: number;
}

const RUNTIMES: { name: string; command: () => string; args: string[] }[] = [
  { name: 'node', command: () => process.execPath, args: [] },
  { name: 'deno', command: () => bin('deno'), args: ['run', '--allow-all', '--no-prompt'] },
  { name: 'bun', command: () => bin('bun'), args: [] },
];

describe('the Node test file in Node, Deno and Bun (packed package)', () => {
  let app = '';
  let denoDir = '';
  const results = new Map<string, Smoke>();

  beforeAll(() => {
    app = packed().app;
    copyFileSync(join(root, 'test', 'runtimes', 'fixtures', 'smoke.mjs'), join(app, 'smoke.mjs'));
    denoDir = mkdtempSync(join(tmpdir(), 'als-wasm-deno-'));
  }, 240_000);

  afterAll(() => {
    if (denoDir) rmSync(denoDir, { recursive: true, force: true });
  });

  for (const runtime of RUNTIMES) {
    it(`${runtime.name}: imports als-wasm by name, trains on 1 and 2 threads, recommends`, async () => {
      const command = runtime.command();
      expect(existsSync(command), `${command} is missing: npm install (deno and bun are devDependencies)`).toBe(true);
      const started = performance.now();
      const { stdout, stderr } = await run(command, [...runtime.args, 'smoke.mjs'], {
        cwd: app,
        timeout: 60_000,
        env: { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
      }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`${runtime.name} smoke.mjs failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
      });
      const line = stdout.trim().split('\n').pop()!;
      const result = JSON.parse(line) as Smoke;
      results.set(runtime.name, result);
      expect(result.threadsError, stderr).toBeNull();
      expect(['simd', 'relaxed-simd']).toContain(result.build);
      // init({ simd: 'auto' }) takes relaxed SIMD exactly where the runtime validates it.
      expect(result.build).toBe(result.relaxedSimd ? 'relaxed-simd' : 'simd');
      expect(result.threads).toBe(2);
      expect(result.recommended).toHaveLength(5);
      report({
        test: 'runtime',
        runtime: result.runtime,
        build: result.build,
        threadsBuild: result.threadsBuild,
        threads: result.threads,
        scriptMs: result.ms,
        wallMs: Math.round(performance.now() - started),
      });
    }, 90_000);
  }

  it('all three recommend the same items', () => {
    const lists = [...results.values()].map((r) => r.recommended);
    for (const list of lists) expect(list).toEqual(lists[0]);
  });
});

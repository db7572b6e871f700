/**
 * Browsers: Debian's chromium driven by playwright-core (never a downloaded browser), on a page
 * bundled from the packed package:
 * - by esbuild (the page, plus the package's worker entry `als-wasm/worker.browser.js` as
 *   worker.browser.js, and dist/wasm/*.wasm copied next to the bundle, as docs/runtimes.md says):
 *   under COOP/COEP it trains on 2 threads (the page's and one module worker), bit-identical to 1 thread; without the
 *   headers it trains on one thread; both recommend;
 * - by Vite (`vite build`, which turns `new URL('./als.wasm', import.meta.url)` and the
 *   worker into assets by itself): it loads the wasm (not the JS fallback) and trains.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, closeServer, hasChromium, launchChromium, openPage, serveIsolated, type Chromium } from '../chromium.js';
import { bundleBrowser } from './bundle.js';
import { packed, report, root } from './pack.js';

if (!hasChromium)
  console.warn(`${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it): the browser runtime tests are skipped.`);

const DATA = { numUsers: 500, numItems: 250, nnz: 10_000, seed: 5 };
const OPTIONS = {
  factors: 8,
  iterations: 3,
  seed: 1,
  biases: true,
  regularization: 0.05,
  regularizationScaling: 'count',
  backend: 'wasm',
};

interface PageRun {
  crossOriginIsolated: boolean;
  info: { build: string; threadsBuild: string | null; relaxedSimd: boolean; threads: boolean };
  models: { threads: number; backend: string; userFactors: string; itemFactors: string; recommended: number[] }[];
  ms: number;
}

/** /coi/<site>/… and /plain/<site>/… serve <dir>/<site>/…. */
const inside = (dir: string) => (path: string) => {
  const rel = normalize(path);
  return rel.startsWith('..') ? null : join(dir, rel);
};

describe.runIf(hasChromium)('Chromium (Debian chromium + playwright-core, packed package)', () => {
  let server: Server | undefined;
  let browser: Chromium | undefined;
  let sites = '';
  let origin = '';

  beforeAll(async () => {
    const { app } = packed();
    sites = join(app, `sites-${process.pid}`);
    rmSync(sites, { recursive: true, force: true });
    const fixtures = join(root, 'test', 'runtimes', 'fixtures');
    // esbuild: the page, the worker entry next to it, and the .wasm builds next to it.
    const src = join(sites, 'src');
    mkdirSync(src, { recursive: true });
    copyFileSync(join(fixtures, 'page.js'), join(src, 'page.js'));
    copyFileSync(join(fixtures, 'page.html'), join(src, 'index.html'));
    const esb = join(sites, 'esbuild');
    mkdirSync(esb, { recursive: true });
    await bundleBrowser(app, { page: join(src, 'page.js'), 'worker.browser': 'als-wasm/worker.browser.js' }, esb);
    const dist = join(app, 'node_modules', 'als-wasm', 'dist', 'wasm');
    for (const file of readdirSync(dist).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(dist, file), join(esb, file));
    copyFileSync(join(fixtures, 'page.html'), join(esb, 'index.html'));
    // Vite: `vite build` of the same page, nothing copied by hand.
    const { build } = await import('vite');
    await build({
      root: src,
      configFile: false,
      logLevel: 'error',
      // Relative asset URLs: the test server mounts each site under a prefix.
      base: './',
      build: { outDir: join(sites, 'vite'), emptyOutDir: true, target: 'es2022' },
      worker: { format: 'es' },
    });
    ({ server, origin } = await serveIsolated(inside(sites)));
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await closeServer(server);
    if (sites) rmSync(sites, { recursive: true, force: true });
  });

  async function run(path: string, threads: (number | 'auto')[]): Promise<{ run: PageRun; messages: string[]; workers: number }> {
    const { page, messages, workers } = await openPage(browser!.context, `${origin}${path}`);
    try {
      const result = await page.evaluate((arg) => (window as unknown as { alsRun(a: unknown): Promise<PageRun> }).alsRun(arg), {
        data: DATA,
        options: OPTIONS,
        threads,
      });
      return { run: result, messages, workers: workers() };
    } finally {
      await page.close();
    }
  }

  it('esbuild bundle, COOP/COEP: trains on 2 threads, one a worker (bit-identical to 1 thread), and recommends', async () => {
    const t0 = performance.now();
    const { run: page, messages, workers } = await run('/coi/esbuild/index.html', [1, 2]);
    expect(page.crossOriginIsolated, messages.join('\n')).toBe(true);
    expect(page.info.threads).toBe(true);
    expect(page.info.build).toBe(page.info.relaxedSimd ? 'relaxed-simd' : 'simd');
    expect(page.info.threadsBuild).toBe(page.info.build);
    const [one, two] = page.models;
    expect(one!.threads).toBe(1);
    expect(two!.threads).toBe(2);
    expect(workers).toBe(1);
    expect(two!.userFactors).toBe(one!.userFactors);
    expect(two!.itemFactors).toBe(one!.itemFactors);
    expect(two!.recommended).toHaveLength(5);
    expect(messages.filter((m) => /^(error|pageerror|http)/.test(m))).toEqual([]);
    report({
      test: 'runtime',
      runtime: 'chromium (esbuild, COOP/COEP)',
      build: page.info.build,
      threadsBuild: page.info.threadsBuild,
      threads: two!.threads,
      pageMs: Math.round(page.ms),
      wallMs: Math.round(performance.now() - t0),
    });
  }, 90_000);

  it('esbuild bundle without COOP/COEP: trains on one thread, says why once, and recommends', async () => {
    const t0 = performance.now();
    const { run: page, messages, workers } = await run('/plain/esbuild/index.html', ['auto']);
    expect(page.crossOriginIsolated).toBe(false);
    expect(page.info.threads).toBe(false);
    expect(page.models[0]!.threads).toBe(1);
    expect(page.models[0]!.backend).toBe('wasm');
    expect(page.models[0]!.recommended).toHaveLength(5);
    expect(workers).toBe(0);
    expect(messages.filter((m) => m.startsWith('warning:') && m.includes('one thread'))).toHaveLength(1);
    report({
      test: 'runtime',
      runtime: 'chromium (esbuild, not isolated)',
      build: page.info.build,
      threads: 1,
      pageMs: Math.round(page.ms),
      wallMs: Math.round(performance.now() - t0),
    });
  }, 90_000);

  it('the same page built with Vite loads the wasm (and its worker) by itself', async () => {
    const t0 = performance.now();
    const html = readFileSync(join(sites, 'vite', 'index.html'), 'utf8');
    expect(html).toContain('<script type="module"');
    const { run: page, messages } = await run('/coi/vite/index.html', [1, 2]);
    expect(['simd', 'relaxed-simd']).toContain(page.info.build);
    const [one, two] = page.models;
    expect(one!.backend).toBe('wasm');
    expect(two!.threads).toBe(2);
    expect(two!.userFactors).toBe(one!.userFactors);
    expect(one!.recommended).toHaveLength(5);
    expect(messages.filter((m) => /^(error|pageerror|http)/.test(m))).toEqual([]);
    report({
      test: 'runtime',
      runtime: 'chromium (Vite build, COOP/COEP)',
      build: page.info.build,
      threadsBuild: page.info.threadsBuild,
      threads: two!.threads,
      pageMs: Math.round(page.ms),
      wallMs: Math.round(performance.now() - t0),
    });
  }, 90_000);
});

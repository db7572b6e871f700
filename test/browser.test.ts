/**
 * Parallel training in a real browser: Debian's chromium driven by playwright-core (never a
 * downloaded browser) loads test/browser/index.html, which imports the built package
 * (dist/index.js, "#spawn" mapped to the browser build by an import map) and trains on the
 * same seeded synthetic ratings as the Node side. Under /coi/ the server sends COOP/COEP, so
 * the page is cross-origin isolated and trains on 2 module workers sharing one memory;
 * under /plain/ it does not, so 'auto' falls back to one thread with a warning. Either way
 * the factors must be bit-identical to Node's.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALS, Ratings, syntheticRatings, type ALSModel, type AlsOptions, type SyntheticOptions } from '../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('..', import.meta.url));
const hasChromium = existsSync(CHROMIUM);
const built = ['dist/index.js', 'dist/parallel/spawn.browser.js', 'dist/parallel/worker.browser.js', 'dist/parallel/worker.node.js', 'build/als-threads.wasm', 'build/als.wasm'].every((f) => existsSync(join(root, f)));
if (!hasChromium) console.warn(`${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it): the browser tests are skipped.`);
else if (!built) console.warn('dist/ or build/ is missing (run `npm run build`): the browser tests are skipped.');

const DATA: SyntheticOptions = { numUsers: 600, numItems: 300, nnz: 12_000, seed: 7 };
const BASE: AlsOptions = { factors: 8, iterations: 3, seed: 5, backend: 'wasm' };
const CASES: AlsOptions[] = [
  { ...BASE, feedback: 'explicit', solver: 'cholesky', biases: true, regularizationScaling: 'count', regularization: 0.05 },
  { ...BASE, feedback: 'implicit', solver: 'cg', alpha: 3 },
];

interface PageModel {
  threads: number;
  backend: string;
  userFactors: string;
  itemFactors: string;
  userBiases: string | null;
  itemBiases: string | null;
  globalMean: number;
}
interface PageRun {
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  hardwareConcurrency: number;
  results: PageModel[];
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};
const SERVED = ['dist', 'build', join('test', 'browser')];

/** /coi/<path> and /plain/<path> both serve <repo>/<path>; only /coi/ sends COOP/COEP. */
function serve(): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const match = /^\/(coi|plain)\/(.*)$/.exec(url.pathname);
    const rel = match ? normalize(decodeURIComponent(match[2]!)) : '';
    const file = join(root, rel);
    const allowed = match !== null && SERVED.some((dir) => rel.startsWith(dir + sep));
    if (!allowed || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const headers: Record<string, string> = { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
    if (match![1] === 'coi') {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    response.writeHead(200, headers);
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function bytes(array: Float32Array | null): string | null {
  return array ? Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64') : null;
}

function expectSameModel(page: PageModel, node: ALSModel): void {
  expect(page.backend).toBe('wasm');
  expect(page.userFactors).toBe(bytes(node.userFactors));
  expect(page.itemFactors).toBe(bytes(node.itemFactors));
  expect(page.userBiases).toBe(bytes(node.userBiases));
  expect(page.itemBiases).toBe(bytes(node.itemBiases));
  expect(Object.is(page.globalMean, node.globalMean)).toBe(true);
}

describe.runIf(hasChromium && built)('in Chromium (playwright-core, Debian chromium)', () => {
  let server: Server | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let origin = '';
  const node: { one: ALSModel[]; two: ALSModel[] } = { one: [], two: [] };

  beforeAll(async () => {
    server = await serve();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A fresh profile each run; launch() refuses --user-data-dir, launchPersistentContext takes it.
    profile = mkdtempSync(join(tmpdir(), 'als-wasm-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const data = syntheticRatings(DATA);
    const ratings = Ratings.fromTriples(data, { denseIds: true, numUsers: data.numUsers, numItems: data.numItems });
    for (const options of CASES) {
      node.one.push(await new ALS({ ...options, threads: 1 }).fit(ratings));
      node.two.push(await new ALS({ ...options, threads: 2 }).fit(ratings));
    }
  });

  afterAll(async () => {
    await context?.close();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function run(prefix: 'coi' | 'plain', cases: AlsOptions[]): Promise<{ run: PageRun; console: string[]; workers: number }> {
    const page = await context!.newPage();
    const messages: string[] = [];
    let workers = 0;
    page.on('worker', () => void workers++);
    page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => messages.push(`pageerror: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) messages.push(`http ${response.status()}: ${response.url()}`);
    });
    try {
      await page.goto(`${origin}/${prefix}/test/browser/index.html`);
      await page.waitForFunction(() => (window as unknown as { alsReady?: boolean }).alsReady === true, undefined, { timeout: 20_000 }).catch((error: unknown) => {
        throw new Error(`the test page did not load: ${String(error)}\n${messages.join('\n')}`);
      });
      const result = await page.evaluate(
        (arg) => (window as unknown as { alsTrain(a: unknown): Promise<PageRun> }).alsTrain(arg),
        { data: DATA, cases },
      );
      return { run: result, console: messages, workers };
    } finally {
      await page.close();
    }
  }

  it('Node gets the same factors on 1 and 2 threads (the reference for the browser)', () => {
    for (let c = 0; c < CASES.length; c++) {
      expect(node.two[c]!.options.threads).toBe(2);
      expect(bytes(node.two[c]!.userFactors)).toBe(bytes(node.one[c]!.userFactors));
      expect(bytes(node.two[c]!.itemFactors)).toBe(bytes(node.one[c]!.itemFactors));
    }
  });

  it('a cross-origin-isolated page trains on 2 workers, bit-identical to Node (explicit and implicit)', async () => {
    const { run: page, console: messages, workers } = await run('coi', CASES.map((options) => ({ ...options, threads: 2 })));
    expect(page.crossOriginIsolated, messages.join('\n')).toBe(true);
    expect(page.sharedArrayBuffer).toBe(true);
    expect(page.results).toHaveLength(CASES.length);
    page.results.forEach((model, c) => {
      expect(model.threads).toBe(2);
      expectSameModel(model, node.one[c]!);
    });
    // Two module workers per fit really started.
    expect(workers).toBe(2 * CASES.length);
    expect(messages.filter((m) => /^(error|pageerror|http)/.test(m))).toEqual([]);
  });

  it('a page without COOP/COEP trains on one thread, says why once, and still matches', async () => {
    const { run: page, console: messages, workers } = await run('plain', CASES.map((options) => ({ ...options, threads: 'auto' as const })));
    expect(page.crossOriginIsolated).toBe(false);
    expect(page.sharedArrayBuffer).toBe(false);
    page.results.forEach((model, c) => {
      expect(model.threads).toBe(1);
      expectSameModel(model, node.one[c]!);
    });
    expect(workers).toBe(0);
    const warnings = messages.filter((m) => m.startsWith('warning:') && m.includes('one thread'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(warnings[0]).toContain('Cross-Origin-Embedder-Policy: require-corp');
  });
});

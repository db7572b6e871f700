/**
 * Parallel training in a real browser: Debian's chromium driven by playwright-core (never a
 * downloaded browser) loads test/browser/index.html, which imports the built package
 * (dist/index.js, "#spawn" mapped to the browser build by an import map) and trains on the
 * same seeded synthetic ratings as the Node side. Under /coi/ the server sends COOP/COEP, so
 * the page is cross-origin isolated and trains on 2 module workers sharing one memory;
 * under /plain/ it does not, so 'auto' falls back to one thread with a warning. Either way
 * the factors must be bit-identical to Node's.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALS, Ratings, syntheticRatings, type ALSModel, type AlsOptions, type SyntheticOptions } from '../src/index.js';
import { CHROMIUM, closeServer, hasChromium, launchChromium, openPage, serveIsolated, type Chromium } from './chromium.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = [
  'dist/index.js',
  'dist/parallel/spawn.browser.js',
  'dist/parallel/worker.browser.js',
  'dist/parallel/worker.node.js',
  'build/als-threads.wasm',
  'build/als.wasm',
].every((f) => existsSync(join(root, f)));
if (!hasChromium)
  console.warn(`${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it): the browser tests are skipped.`);
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

/** Only the built package and the test page are served, from the repository. */
const SERVED = ['dist', 'build', join('test', 'browser')];
const fileOf = (path: string) => {
  const rel = normalize(path);
  return SERVED.some((dir) => rel.startsWith(dir + sep)) ? join(root, rel) : null;
};

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
  let browser: Chromium | undefined;
  let origin = '';
  const node: { one: ALSModel[]; two: ALSModel[] } = { one: [], two: [] };

  beforeAll(async () => {
    ({ server, origin } = await serveIsolated(fileOf));
    browser = await launchChromium();
    const data = syntheticRatings(DATA);
    const ratings = Ratings.fromTriples(data, { denseIds: true, numUsers: data.numUsers, numItems: data.numItems });
    for (const options of CASES) {
      node.one.push(await new ALS({ ...options, threads: 1 }).fit(ratings));
      node.two.push(await new ALS({ ...options, threads: 2 }).fit(ratings));
    }
  });

  afterAll(async () => {
    await browser?.close();
    await closeServer(server);
  });

  async function run(
    prefix: 'coi' | 'plain',
    cases: AlsOptions[],
  ): Promise<{ run: PageRun; console: string[]; workers: number }> {
    const { page, messages, workers } = await openPage(browser!.context, `${origin}/${prefix}/test/browser/index.html`);
    try {
      const result = await page.evaluate(
        (arg) => (window as unknown as { alsTrain(a: unknown): Promise<PageRun> }).alsTrain(arg),
        { data: DATA, cases },
      );
      return { run: result, console: messages, workers: workers() };
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

  it('a cross-origin-isolated page trains on 2 threads (one a worker), bit-identical to Node (explicit and implicit)', async () => {
    const {
      run: page,
      console: messages,
      workers,
    } = await run(
      'coi',
      CASES.map((options) => ({ ...options, threads: 2 })),
    );
    expect(page.crossOriginIsolated, messages.join('\n')).toBe(true);
    expect(page.sharedArrayBuffer).toBe(true);
    expect(page.results).toHaveLength(CASES.length);
    page.results.forEach((model, c) => {
      expect(model.threads).toBe(2);
      expectSameModel(model, node.one[c]!);
    });
    // One module worker per fit really started (the page's own thread takes the other share).
    expect(workers).toBe(CASES.length);
    expect(messages.filter((m) => /^(error|pageerror|http)/.test(m))).toEqual([]);
  });

  it('a page without COOP/COEP trains on one thread, says why once, and still matches', async () => {
    const {
      run: page,
      console: messages,
      workers,
    } = await run(
      'plain',
      CASES.map((options) => ({ ...options, threads: 'auto' as const })),
    );
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

/**
 * What the browser tests share: Debian's chromium driven by playwright-core (never a
 * downloaded browser), a static server that sends COOP/COEP under /coi/ and not under
 * /plain/, and a page opened with its console, errors, failed requests and workers recorded.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Serves /coi/<path> and /plain/<path> from `fileOf(path)` (null: 404); only /coi/ sends
 * COOP/COEP, which makes the page cross-origin isolated (SharedArrayBuffer, threads).
 */
export function serveIsolated(fileOf: (path: string) => string | null): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const match = /^\/(coi|plain)\/(.*)$/.exec(url.pathname);
    const file = match ? fileOf(decodeURIComponent(match[2]!)) : null;
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const headers: Record<string, string> = {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    };
    if (match![1] === 'coi') {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    response.writeHead(200, headers);
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    );
  });
}

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless chromium with a fresh profile (launch() refuses --user-data-dir; a persistent context takes it). */
export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'als-wasm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface OpenedPage {
  page: Page;
  /** Console lines as `type: text`, page errors, and HTTP errors, in order. */
  messages: string[];
  /** Workers the page started so far. */
  workers(): number;
}

/** Opens `url` and waits until the page sets `window.alsReady`; a page that never does fails with its messages. */
export async function openPage(context: BrowserContext, url: string): Promise<OpenedPage> {
  const page = await context.newPage();
  const messages: string[] = [];
  let workers = 0;
  page.on('worker', () => void workers++);
  page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => messages.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) messages.push(`http ${response.status()}: ${response.url()}`);
  });
  await page.goto(url);
  await page
    .waitForFunction(() => (window as unknown as { alsReady?: boolean }).alsReady === true, undefined, { timeout: 20_000 })
    .catch(async (error: unknown) => {
      await page.close();
      throw new Error(`the page did not load: ${String(error)}\n${messages.join('\n')}`);
    });
  return { page, messages, workers: () => workers };
}

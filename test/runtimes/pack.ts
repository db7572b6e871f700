/**
 * The package as users get it: `npm pack` of this checkout (scripts ignored: dist/ must be
 * built, as `npm test` does first), installed from the tarball into a temporary project
 * (`app/`) that every runtime test then imports by name. Packed once per build: the directory
 * is keyed by a hash of package.json and dist/, and a lock directory lets test files running
 * in parallel wait for the first one.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const bin = (name: string): string => join(root, 'node_modules', '.bin', name);

export interface Packed {
  /** The temporary directory of this build's tarball and app. */
  dir: string;
  tarball: string;
  /** A project with only als-wasm (from the tarball) installed. */
  app: string;
  /** `npm pack --json` output: files and sizes. */
  pack: { size: number; unpackedSize: number; files: { path: string; size: number }[] };
  /** Where the tests append one JSON line per runtime (read for the closing report). */
  reportFile: string;
}

function buildKey(): string {
  const hash = createHash('sha1');
  hash.update(readFileSync(join(root, 'package.json')));
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else hash.update(`${relative(root, path)}:${stat.size}:${stat.mtimeMs}\n`);
    }
  };
  walk(join(root, 'dist'));
  return hash.digest('hex').slice(0, 12);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

/** Removes packs of earlier builds, a day old or more. */
function prune(): void {
  const dayAgo = Date.now() - 86_400_000;
  for (const name of readdirSync(tmpdir())) {
    if (!/^als-wasm-runtimes-[0-9a-f]{12}$/.test(name)) continue;
    const path = join(tmpdir(), name);
    try {
      if (statSync(path).mtimeMs < dayAgo && !existsSync(`${path}.lock`)) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another run may be removing it too.
    }
  }
}

/** The packed and installed package of the current build (made on first call, then reused). */
export function packed(): Packed {
  if (!existsSync(join(root, 'dist', 'index.js')) || !existsSync(join(root, 'dist', 'wasm', 'als.wasm'))) {
    throw new Error('dist/ is not built: run `npm run build` first (npm test does).');
  }
  const dir = join(tmpdir(), `als-wasm-runtimes-${buildKey()}`);
  const lock = `${dir}.lock`;
  const done = join(dir, 'packed.json');
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as Packed;
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      sleep(200);
    }
  }
  try {
    if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as Packed;
    rmSync(dir, { recursive: true, force: true });
    prune();
    mkdirSync(dir, { recursive: true });
    const [pack] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root)) as [
      Packed['pack'] & { filename: string },
    ];
    const tarball = join(dir, pack.filename);
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify(
        { name: 'als-wasm-runtime-app', private: true, type: 'module', dependencies: { 'als-wasm': `file:${tarball}` } },
        null,
        2,
      ),
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error'], app);
    const result: Packed = {
      dir,
      tarball,
      app,
      pack: { size: pack.size, unpackedSize: pack.unpackedSize, files: pack.files.map(({ path, size }) => ({ path, size })) },
      reportFile: join(tmpdir(), 'als-wasm-runtimes-report.jsonl'),
    };
    writeFileSync(done, JSON.stringify(result));
    return result;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** One line of the per-runtime report: printed, and appended to packed().reportFile. */
export function report(line: Record<string, unknown>): void {
  const text = JSON.stringify({ at: new Date().toISOString(), ...line });
  console.log(`runtime report: ${text}`);
  try {
    appendFileSync(join(tmpdir(), 'als-wasm-runtimes-report.jsonl'), `${text}\n`);
  } catch {
    // The report file is a convenience; the console line is the record.
  }
}

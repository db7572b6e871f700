/**
 * Where a file-to-model fit's bytes are (issue 14 §4, docs/memory.md): runs bench/fit-one.ts
 * under plain `node` (tsx's loader thread alone adds ~45 MiB of RSS, more than the ratings'
 * CSR), one fresh process per run, one run at a time, with ALS_MEMORY_PHASES=1, and prints
 * the per-phase table and the peak RSS beside (data + factors) and Node's baseline.
 *
 *   npm run build && npx tsx bench/memory.ts [--data <alscoo>] [--factors 32,64,128] [--threads 2]
 *       [--solver cg] [--iterations 3] [--gc]
 *
 * `--gc` runs node with --expose-gc: fit-one then collects right after dropping its triples,
 * as a caller that frees its COO would see sooner or later (V8 does not collect them on its
 * own while the fit allocates little on the JS heap).
 *
 * `--before <dir>` compares with another build: a checkout, or a folder holding a package.json
 * and a built dist/ (`mkdir /tmp/base && cp package.json /tmp/base && cp -r dist /tmp/base`).
 * Each k then runs before and after in alternating fresh processes, `--repeat` times (default 3),
 * and prints every peak and the medians instead of the per-phase tables.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFitOne } from './compiled-fit-one.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
};
const data = arg('data', `${root}../shared/data/synthetic/synth_5m.alscoo`);
const factors = arg('factors', '64').split(',').map(Number);
const threads = Number(arg('threads', '2'));
const solver = arg('solver', 'cg');
const iterations = Number(arg('iterations', '3'));
const gc = args.includes('--gc');
const before = arg('before', '');
const repeat = Number(arg('repeat', before ? '3' : '1'));
const MiB = 2 ** 20;

const builds = [...(before ? [{ fitOne: compileFitOne(resolve(before)) }] : []), { fitOne: compileFitOne() }];

function maxRssKiB(stderr: string): number {
  return Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)![1]);
}

function run(argv: string[], env: Record<string, string> = {}): { stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'als-mem-'));
  const err = join(dir, 'stderr');
  try {
    const stdout = execFileSync('/bin/sh', ['-c', `/usr/bin/time -v "$@" 2>${err}`, 'sh', ...argv], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const stderr = execFileSync('cat', [err], { encoding: 'utf8' });
    return { stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fitInFreshProcess(compiled: string, k: number): { result: Record<string, number>; stderr: string; peak: number } {
  const config = { data, feedback: 'implicit', solver, cgSteps: 3, factors: k, threads, backend: 'wasm', iterations };
  const { stdout, stderr } = run(['node', ...(gc ? ['--expose-gc'] : []), compiled, JSON.stringify(config)], {
    ALS_MEMORY_PHASES: '1',
  });
  return { result: JSON.parse(stdout.trim().split('\n').pop()!), stderr, peak: maxRssKiB(stderr) / 1024 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Before and after in alternating fresh processes: every peak, and the medians. */
function compare(baseline: number): void {
  console.log(`before: ${resolve(before)}; after: this checkout; ${repeat} runs each, alternating`);
  console.log(
    '| k | data + factors | target | before: peak RSS (runs) | after: peak RSS (runs) | before median | after median | saved |',
  );
  console.log('|---:|---:|---:|---|---|---:|---:|---:|');
  for (const k of factors) {
    const peaks = builds.map(() => [] as number[]);
    let dataFactors = 0;
    for (let r = 0; r < repeat; r++) {
      builds.forEach((build, b) => {
        const { result, peak } = fitInFreshProcess(build.fitOne.path, k);
        dataFactors = (result.dataBytes! + result.factorBytes!) / MiB;
        peaks[b]!.push(peak);
      });
    }
    const [was, now] = peaks.map(median) as [number, number];
    const runs = peaks.map((p) => p.map((x) => x.toFixed(1)).join(', '));
    console.log(
      `| ${k} | ${dataFactors.toFixed(1)} | ${(1.5 * dataFactors + baseline).toFixed(1)} | ${runs[0]} | ${runs[1]} | ` +
        `${was.toFixed(1)} | ${now.toFixed(1)} | ${(was - now).toFixed(1)} |`,
    );
  }
}

try {
  const baseline = maxRssKiB(run(['node', '-e', '']).stderr) / 1024;
  console.log(`Node baseline (node -e ''): ${baseline.toFixed(1)} MiB; data ${data}; ${threads} threads, ${solver}`);
  if (before) compare(baseline);
  for (const k of before ? [] : factors) {
    const { result, stderr, peak } = fitInFreshProcess(builds[0]!.fitOne.path, k);
    const dataFactors = (result.dataBytes + result.factorBytes) / MiB;
    console.log(`\nk = ${k}`);
    console.log('| phase | RSS MiB | peak so far | JS heap | arrayBuffers |');
    console.log('|---|---:|---:|---:|---:|');
    let peakBeforeExit = 0;
    for (const line of stderr.split('\n')) {
      if (!line.startsWith('{"phase"')) continue;
      const p = JSON.parse(line);
      peakBeforeExit = p.peakMiB;
      console.log(`| ${p.phase} | ${p.rssMiB} | ${p.peakMiB} | ${p.heapUsedMiB} | ${p.arrayBuffersMiB} |`);
    }
    const target = 1.5 * dataFactors + baseline;
    console.log(
      `peak RSS ${peak.toFixed(1)} MiB (time -v; ${peakBeforeExit} by the last phase, before Node's exit); data + factors ${dataFactors.toFixed(1)} MiB; ` +
        `target 1.5 × that + baseline = ${target.toFixed(1)} MiB; ${result.secondsPerIteration.toFixed(3)} s/it; ` +
        `final loss ${result.finalLoss}`,
    );
  }
} finally {
  for (const build of builds) build.fitOne.dispose();
}

/**
 * End-to-end fits: seconds per iteration (median) by solver, k, backend and threads, and peak
 * RSS against the bytes of ratings + factors. Each configuration runs in its own process.
 *   npx tsx bench/fit.bench.ts [--quick] [--pin] [--reference bench/out/vs-implicit.json] [--print bench/out/fit.json]
 * Uses ../shared/data/synthetic/synth_{1m,5m}.alscoo when present (the files the reference
 * figures were measured on), else our own generator of the same shape.
 * --reference: the --json output of bench/vs-implicit.ts; its rows fill the "reference" columns
 * (the `implicit` s/it and the ratio als-wasm / `implicit`, both from that side-by-side run,
 * where the two libraries alternated: a ratio across two separate runs would mean little here).
 * --pin: run each 1-thread configuration twice, pinned to CPU 0 and to CPU 1 (`taskset`), and
 * take their mean: on a host whose two vCPUs run at different speeds, a 2-thread run has one of
 * each while an unpinned 1-thread run lands on either, so the speed-up would be a coin toss.
 * Writes bench/out/fit.json and prints a markdown table.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from '../src/cli/training.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = (name: string) => {
  const path = `${root}../shared/data/synthetic/${name}.alscoo`;
  return existsSync(path) ? path : `synthetic-${name.slice(6)}`;
};
const quick = process.argv.includes('--quick');
const pin = process.argv.includes('--pin');
const referenceAt = process.argv.indexOf('--reference');
const referencePath = referenceAt > 0 ? process.argv[referenceAt + 1] : undefined;
if (referenceAt > 0 && (referencePath === undefined || !existsSync(referencePath))) {
  console.error(`fit.bench: --reference needs the JSON file bench/vs-implicit.ts --json wrote (got ${referencePath})`);
  process.exit(1);
}

interface ReferenceRun {
  library: 'als-wasm' | 'implicit';
  solver: string;
  factors: number;
  secondsPerIteration: number;
}
interface Reference {
  data: string;
  threads: number;
  runs: ReferenceRun[];
}
const reference: Reference | undefined = referencePath ? JSON.parse(readFileSync(referencePath, 'utf8')) : undefined;

/** `implicit` s/it and als-wasm / `implicit` from the side-by-side run, for an implicit row on its file. */
function referenceCells(data: string, method: string, factors: number): string {
  const [feedback, solver] = method.split('-');
  if (!reference || feedback !== 'implicit' || data.split('/').pop() !== reference.data.split('/').pop()) return '| |';
  const of = (library: ReferenceRun['library']) =>
    reference.runs
      .filter((r) => r.library === library && r.solver === solver && r.factors === factors)
      .map((r) => r.secondsPerIteration);
  const ours = of('als-wasm');
  const theirs = of('implicit');
  if (ours.length === 0 || theirs.length === 0) return '| |';
  return `${median(theirs).toFixed(3)} | ${(median(ours) / median(theirs)).toFixed(2)} |`;
}
const configs: Record<string, unknown>[] = [];
const solvers = [
  { feedback: 'explicit', solver: 'cholesky' },
  { feedback: 'implicit', solver: 'cholesky' },
  { feedback: 'implicit', solver: 'cg' },
];
for (const data of [shared('synth_1m'), shared('synth_5m')]) {
  const big = data.includes('5m');
  for (const factors of quick ? [64] : [32, 64, 128]) {
    for (const s of solvers) {
      for (const threads of [1, 2]) {
        const pinnedCpus = pin && threads === 1 ? [0, 1] : [undefined];
        for (const cpu of pinnedCpus)
          configs.push({ data, ...s, factors, threads, backend: 'wasm', iterations: big ? 3 : 5, cpu });
        // The JS kernels run ~30× slower: on the 1M set only, k ≤ 64, two iterations.
        if (!big && factors <= 64) configs.push({ data, ...s, factors, threads, backend: 'js', iterations: 2 });
      }
    }
  }
}

// --print <fit.json>: print the table of an earlier run again (e.g. with a new --reference).
const printAt = process.argv.indexOf('--print');
const results: Record<string, number>[] = printAt > 0 ? JSON.parse(readFileSync(process.argv[printAt + 1]!, 'utf8')).results : [];
for (const config of printAt > 0 ? [] : configs) {
  const command = ['npx', 'tsx', `${root}bench/fit-one.ts`, JSON.stringify(config)];
  if (config.cpu !== undefined) command.unshift('taskset', '-c', String(config.cpu));
  const out = execFileSync(command[0]!, command.slice(1), {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const result = JSON.parse(out.trim().split('\n').pop()!);
  results.push(result);
  console.error(
    `${String(config.data).split('/').pop()} ${config.feedback}-${config.solver} k=${config.factors} ${config.backend} t=${config.threads}: ${result.secondsPerIteration.toFixed(3)} s/it, RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
  );
}
if (printAt < 0) {
  mkdirSync(`${root}bench/out`, { recursive: true });
  writeFileSync(
    `${root}bench/out/fit.json`,
    JSON.stringify({ machine: `${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}`, results }, null, 1),
  );
}

console.log(`\nMachine: ${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}\n`);
const refThreads = reference ? `${reference.threads} threads` : '';
console.log(
  `| data | method | k | backend | s/it 1 thread | s/it 2 threads | speed-up | peak RSS (2 threads) | data + factors | reference: \`implicit\` s/it ${refThreads} | ratio (same run) |`,
);
console.log('|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|');
const key = (r: Record<string, unknown>) => `${r.data}|${r.feedback}-${r.solver}|${r.factors}|${r.backend}`;
const groups = new Map<string, Record<string, number>[]>();
for (const r of results) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
for (const [k, rs] of groups) {
  const [data, method, factors, backend] = k.split('|');
  // pinned: the mean over the CPUs; else the one run
  const ones = rs.filter((r) => r.threads === 1);
  const one = { secondsPerIteration: ones.reduce((sum, r) => sum + r.secondsPerIteration!, 0) / ones.length };
  const two = rs.find((r) => r.threads === 2)!;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  console.log(
    `| ${data!.split('/').pop()} | ${method} | ${factors} | ${backend} | ${one.secondsPerIteration.toFixed(3)} | ${two.secondsPerIteration.toFixed(3)} | ${(one.secondsPerIteration / two.secondsPerIteration).toFixed(2)}× | ${mib(two.peakRssBytes)} | ${mib(two.dataBytes + two.factorBytes)} | ${referenceCells(data!, method!, Number(factors))}`,
  );
}

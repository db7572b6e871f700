/**
 * End-to-end fits: seconds per iteration (median) by solver, k, backend and threads, and peak
 * RSS against the bytes of ratings + factors. Each configuration runs in its own process.
 *   npx tsx bench/fit.bench.ts [--quick]
 * Uses ../shared/data/synthetic/synth_{1m,5m}.alscoo when present (the files the reference
 * figures were measured on), else our own generator of the same shape.
 * Writes bench/out/fit.json and prints a markdown table.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = (name: string) => {
  const path = `${root}../shared/data/synthetic/${name}.alscoo`;
  return existsSync(path) ? path : `synthetic-${name.slice(6)}`;
};
const quick = process.argv.includes('--quick');
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
        configs.push({ data, ...s, factors, threads, backend: 'wasm', iterations: big ? 3 : 5 });
        // The JS kernels run ~30× slower: on the 1M set only, k ≤ 64, two iterations.
        if (!big && factors <= 64) configs.push({ data, ...s, factors, threads, backend: 'js', iterations: 2 });
      }
    }
  }
}

const results = [];
for (const config of configs) {
  const out = execFileSync('npx', ['tsx', `${root}bench/fit-one.ts`, JSON.stringify(config)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const result = JSON.parse(out.trim().split('\n').pop()!);
  results.push(result);
  console.error(
    `${String(config.data).split('/').pop()} ${config.feedback}-${config.solver} k=${config.factors} ${config.backend} t=${config.threads}: ${result.secondsPerIteration.toFixed(3)} s/it, RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
  );
}
mkdirSync(`${root}bench/out`, { recursive: true });
writeFileSync(
  `${root}bench/out/fit.json`,
  JSON.stringify({ machine: `${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}`, results }, null, 1),
);

console.log(`\nMachine: ${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}\n`);
console.log(
  '| data | method | k | backend | s/it 1 thread | s/it 2 threads | speed-up | peak RSS (2 threads) | data + factors |',
);
console.log('|---|---|---:|---|---:|---:|---:|---:|---:|');
const key = (r: Record<string, unknown>) => `${r.data}|${r.feedback}-${r.solver}|${r.factors}|${r.backend}`;
const groups = new Map<string, Record<string, number>[]>();
for (const r of results) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
for (const [k, rs] of groups) {
  const [data, method, factors, backend] = k.split('|');
  const one = rs.find((r) => r.threads === 1)!;
  const two = rs.find((r) => r.threads === 2)!;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  console.log(
    `| ${data!.split('/').pop()} | ${method} | ${factors} | ${backend} | ${one.secondsPerIteration.toFixed(3)} | ${two.secondsPerIteration.toFixed(3)} | ${(one.secondsPerIteration / two.secondsPerIteration).toFixed(2)}× | ${mib(two.peakRssBytes)} | ${mib(two.dataBytes + two.factorBytes)} |`,
  );
}

/**
 * Side by side with the Python `implicit` library (0.7.2): the same ALSCOO01 file, the same
 * settings (implicit feedback, c = α·r with α = 1, λ = 0.05, 3 CG steps, seed 1), fresh processes
 * alternating the two libraries, median seconds per iteration and peak RSS of each.
 *
 *   npm run build
 *   npx tsx bench/vs-implicit.ts [--data <alscoo>] [--rounds 3] [--iterations 5] [--threads 2]
 *                                [--factors 32,64,128] [--solvers cg,cholesky] [--out <file.md>] [--json <file>]
 *
 * als-wasm runs bench/fit-one.ts compiled to JavaScript under plain `node --expose-gc` (backend
 * 'wasm'; under tsx its loader thread would add ~45 MiB to our RSS; fit-one collects the file's
 * triples once the Ratings hold them, as Python's reference counting frees the reference's
 * arrays); `implicit` runs bench/reference/implicit_fit.py
 * with the interpreter in IMPLICIT_PYTHON (default /tmp/implicit-ref/venv/bin/python). Build that
 * reference first: bench/reference/README.md. Under load `implicit`'s OpenMP slows more than our
 * pool, which flatters us: measure with nothing else running, and compare ratios, not seconds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { compileFitOne } from './compiled-fit-one.js';
import { median } from '../src/cli/training.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const intList = (value: string) => value.split(',').map((v) => positiveInt(v.trim()));
const solverList = (value: string) => {
  const list = value.split(',').map((v) => v.trim());
  for (const s of list)
    if (s !== 'cg' && s !== 'cholesky') throw new InvalidArgumentError(`unknown solver "${s}" (cg, cholesky)`);
  return list as ('cg' | 'cholesky')[];
};

const program = new Command('vs-implicit')
  .description('als-wasm against the Python `implicit` 0.7.2 on one ALSCOO01 file, alternating fresh processes')
  .addOption(
    new Option('--data <path>', 'ALSCOO01 ratings file').default(
      resolve(root, '../shared/data/synthetic/synth_5m.alscoo'),
      '../shared/data/synthetic/synth_5m.alscoo from the repository root',
    ),
  )
  .addOption(new Option('--rounds <n>', 'processes per library and configuration').default(3).argParser(positiveInt))
  .addOption(new Option('--iterations <n>', 'ALS iterations per fit').default(5).argParser(positiveInt))
  .addOption(new Option('--threads <n>', 'threads for both libraries').default(2).argParser(positiveInt))
  .addOption(new Option('--factors <list>', 'k values, comma-separated').default([32, 64, 128], '32,64,128').argParser(intList))
  .addOption(
    new Option('--solvers <list>', 'solvers, comma-separated').default(['cg', 'cholesky'], 'cg,cholesky').argParser(solverList),
  )
  .option('--out <file>', 'also write the markdown table here')
  .option('--json <file>', 'write every run (both libraries) here as JSON')
  .option('--add-to <file>', "an earlier run's --json: its runs count too, and these rounds follow them")
  .showHelpAfterError();
program.parse();
const opts = program.opts<{
  data: string;
  rounds: number;
  iterations: number;
  threads: number;
  factors: number[];
  solvers: ('cg' | 'cholesky')[];
  out?: string;
  json?: string;
  addTo?: string;
}>();

const fail = (message: string): never => {
  console.error(`vs-implicit: ${message}`);
  process.exit(1);
};

const data = resolve(opts.data);
if (!existsSync(data)) fail(`no ratings file at ${data} (give one with --data)`);
if (!existsSync(`${root}dist/index.js`)) fail('dist/ is missing: run `npm run build` first');

const python = process.env.IMPLICIT_PYTHON ?? '/tmp/implicit-ref/venv/bin/python';
const script = `${root}bench/reference/implicit_fit.py`;
let implicitVersion = '';
try {
  implicitVersion = execFileSync(python, ['-c', 'import implicit, implicit.cpu.als; print(implicit.__version__)'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
} catch (error) {
  const detail = (error as { code?: string }).code === 'ENOENT' ? `${python} does not exist` : `${python} cannot import implicit`;
  fail(
    `the reference Python is absent: ${detail}.\n` +
      'Build it as bench/reference/README.md says (implicit 0.7.2 in /tmp/implicit-ref/venv), ' +
      'or point IMPLICIT_PYTHON at an interpreter that has it.',
  );
}
if (implicitVersion !== '0.7.2') console.error(`vs-implicit: warning: the reference is implicit ${implicitVersion}, not 0.7.2`);

interface Run {
  library: 'als-wasm' | 'implicit';
  solver: string;
  factors: number;
  round: number;
  secondsPerIteration: number;
  iterationSeconds: number[];
  peakRssMiB: number;
}

const lastJsonLine = (out: string) => JSON.parse(out.trim().split('\n').pop()!);

function runAlsWasm(solver: string, factors: number, round: number): Run {
  const config = {
    data,
    feedback: 'implicit',
    solver,
    factors,
    threads: opts.threads,
    backend: 'wasm',
    iterations: opts.iterations,
  };
  const out = execFileSync('node', ['--expose-gc', fitOne.path, JSON.stringify(config)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    cwd: root,
  });
  const r = lastJsonLine(out);
  if (r.backendUsed !== 'wasm' || r.threadsUsed !== opts.threads) {
    console.error(`vs-implicit: warning: als-wasm ran on ${r.backendUsed} with ${r.threadsUsed} threads`);
  }
  return {
    library: 'als-wasm',
    solver,
    factors,
    round,
    secondsPerIteration: r.secondsPerIteration,
    iterationSeconds: r.iterationSeconds,
    peakRssMiB: r.peakRssBytes / 2 ** 20,
  };
}

function runImplicit(solver: string, factors: number, round: number): Run {
  const args = [
    script,
    '--data',
    data,
    '--solver',
    solver,
    '--factors',
    String(factors),
    '--threads',
    String(opts.threads),
    '--iterations',
    String(opts.iterations),
  ];
  const out = execFileSync(python, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    cwd: root,
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
  const r = lastJsonLine(out);
  return {
    library: 'implicit',
    solver,
    factors,
    round,
    secondsPerIteration: r.secondsPerIteration,
    iterationSeconds: r.iterationSeconds,
    peakRssMiB: r.peakRssMiB,
  };
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadBefore = load();
const runs: Run[] = opts.addTo ? (JSON.parse(readFileSync(opts.addTo, 'utf8')) as { runs: Run[] }).runs : [];
const firstRound = runs.reduce((next, r) => Math.max(next, r.round + 1), 0);
const fitOne = compileFitOne();
process.on('exit', () => fitOne.dispose());
for (let round = firstRound; round < firstRound + opts.rounds; round++) {
  for (const factors of opts.factors) {
    for (const solver of opts.solvers) {
      // Alternate which library goes first, so neither always inherits the other's warm caches or heat.
      const order = round % 2 === 0 ? [runAlsWasm, runImplicit] : [runImplicit, runAlsWasm];
      for (const run of order) {
        const r = run(solver, factors, round);
        runs.push(r);
        console.error(
          `round ${round + 1}/${firstRound + opts.rounds} k=${factors} ${solver} ${r.library}: ${r.secondsPerIteration.toFixed(3)} s/it, RSS ${r.peakRssMiB.toFixed(0)} MiB`,
        );
      }
    }
  }
}

const solverName = { cg: 'CG', cholesky: 'Cholesky' } as const;
const lines = [
  `Data: \`${data.split('/').pop()}\`; ${opts.threads} threads, ${opts.iterations} iterations per fit, ${firstRound + opts.rounds} round(s) of fresh processes alternating the two (the rounds column: how many of them ran each row);`,
  `s/it is the median over rounds of each process's median iteration, peak RSS the largest over rounds.`,
  `Implicit feedback, c = α·r with α = 1, λ = 0.05, 3 CG steps, seed 1; \`implicit\` ${implicitVersion}, OPENBLAS_NUM_THREADS=1.`,
  `Machine: ${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}; load average ${loadBefore} before, ${load()} after.`,
  '',
  '| k | solver | rounds | als-wasm s/it | `implicit` s/it | ratio | ratio per round | peak RSS als-wasm | peak RSS `implicit` |',
  '|---:|---|---:|---:|---:|---:|---|---:|---:|',
];
// Every configuration measured, including those of the --add-to file, in k then solver order.
const configs = [...new Set(runs.map((r) => `${r.factors} ${r.solver}`))]
  .map((c) => c.split(' ') as [string, Run['solver']])
  .sort(([k1, s1], [k2, s2]) => Number(k1) - Number(k2) || s1.localeCompare(s2));
for (const [k, solver] of configs) {
  const factors = Number(k);
  const of = (library: Run['library']) =>
    runs.filter((r) => r.library === library && r.factors === factors && r.solver === solver);
  const ours = of('als-wasm');
  const theirs = of('implicit');
  const a = median(ours.map((r) => r.secondsPerIteration));
  const b = median(theirs.map((r) => r.secondsPerIteration));
  const perRound = ours
    .map((o) => o.secondsPerIteration / (theirs.find((t) => t.round === o.round)?.secondsPerIteration ?? Number.NaN))
    .map((x) => x.toFixed(2))
    .join(', ');
  const rss = (rs: Run[]) => `${Math.max(...rs.map((r) => r.peakRssMiB)).toFixed(0)} MiB`;
  lines.push(
    `| ${factors} | ${solverName[solver as 'cg' | 'cholesky']} | ${ours.length} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(2)} | ${perRound} | ${rss(ours)} | ${rss(theirs)} |`,
  );
}
const table = `${lines.join('\n')}\n`;
console.log(table);
if (opts.out) writeFileSync(opts.out, table);
if (opts.json)
  writeFileSync(
    opts.json,
    JSON.stringify(
      { data, threads: opts.threads, iterations: opts.iterations, rounds: opts.rounds, implicitVersion, runs },
      null,
      1,
    ),
  );

/**
 * recommendAll for 100,000 users × 20,000 items at k = 64, n = 10 (the issue 14 §5 figure),
 * two builds of the package in one process, interleaved: `recommendAllThreaded` on 1 and 2
 * threads and the synchronous `model.recommendAll`, seconds per call (medians), and a check
 * that both builds give the same lists; case `one`: a single `model.recommend(user, { n: 10 })`
 * (µs, median of ONE_REPS calls alternating A and B in runs of 50).
 *
 *   cp -r dist package.json /tmp/before/ && ln -s $PWD/node_modules /tmp/before/   (old tree)
 *   npm run build && npx tsx bench/serving-all.ab.ts /tmp/before .
 *
 * Env: ALL_REPS (3), ALL_CASES (one,t1,t2,sync), ALL_USERS (100000), ALL_ITEMS (20000), ONE_REPS (2000).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadAverage, median } from './ab-report.js';

type Pkg = typeof import('../dist/index.js');
const [dirA, dirB] = process.argv.slice(2);
if (!dirA || !dirB) throw new Error('usage: serving-all.ab.ts <A package dir> <B package dir>');
const importPkg = async (dir: string): Promise<Pkg> => import(pathToFileURL(resolve(dir, 'dist/index.js')).href);
const A = await importPkg(dirA);
const B = await importPkg(dirB);
// Serving on WASM in both (a package copy outside the repository cannot always find its
// build synchronously, and would serve on the JS twin).
await A.init();
await B.init();
const REPS = Number(process.env.ALL_REPS ?? 3);
const CASES = (process.env.ALL_CASES ?? 'one,t1,t2,sync').split(',');
const USERS = Number(process.env.ALL_USERS ?? 100_000);
const ITEMS = Number(process.env.ALL_ITEMS ?? 20_000);
const k = 64;
let seed = 1;
const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
const userFactors = Float32Array.from({ length: USERS * k }, rand);
const itemFactors = Float32Array.from({ length: ITEMS * k }, rand);
const make = (P: Pkg) =>
  P.ALSModel.fromFactors({
    userIds: Array.from({ length: USERS }, (_, u) => u),
    itemIds: Array.from({ length: ITEMS }, (_, i) => i),
    userFactors,
    itemFactors,
    options: { feedback: 'implicit', regularization: 0.05, confidence: 'alpha' },
  });
const models = [make(A), make(B)] as const;
const pkgs = [A, B] as const;
console.log(`A = ${dirA}, B = ${dirB}; ${USERS} × ${ITEMS} × ${k}, n = 10, ${REPS} reps; ${loadAverage()}`);
for (const c of CASES) {
  if (c === 'one') {
    const reps = Number(process.env.ONE_REPS ?? 2000);
    const times: [number[], number[]] = [[], []];
    const lists: [string[], string[]] = [[], []];
    for (let j = 0; j < 2; j++) for (let u = 0; u < 200; u++) models[j]!.recommend(u, { n: 10, excludeSeen: false });
    for (let r = 0; r < reps / 50; r++) {
      for (const j of (r % 2 ? [1, 0] : [0, 1]) as (0 | 1)[]) {
        for (let e = 0; e < 50; e++) {
          const u = (r * 50 + e) % USERS;
          const t0 = performance.now();
          const out = models[j].recommend(u, { n: 10, excludeSeen: false });
          times[j].push(performance.now() - t0);
          if (r < 2) lists[j].push(JSON.stringify(out.items));
        }
      }
    }
    const [a, b] = [median(times[0]) * 1000, median(times[1]) * 1000];
    const same = lists[0].every((l, e) => l === lists[1][e]);
    console.log(
      `one: A ${a.toFixed(1)} µs, B ${b.toFixed(1)} µs, A/B ${(a / b).toFixed(2)}×, same lists: ${same}; ${loadAverage()}`,
    );
    continue;
  }
  const run = async (j: 0 | 1) => {
    const t0 = performance.now();
    const out =
      c === 'sync'
        ? models[j].recommendAll({ n: 10, excludeSeen: false })
        : await pkgs[j].recommendAllThreaded(models[j], { n: 10, excludeSeen: false, threads: c === 't1' ? 1 : 2 });
    return { s: (performance.now() - t0) / 1000, out };
  };
  const times: [number[], number[]] = [[], []];
  let same = true;
  for (let r = 0; r < REPS; r++) {
    const order: (0 | 1)[] = r % 2 ? [1, 0] : [0, 1];
    const outs: Int32Array[] = [];
    for (const j of order) {
      const { s, out } = await run(j);
      times[j].push(s);
      outs[j] = out.indices;
    }
    same &&= outs[0]!.every((v, e) => v === outs[1]![e]);
  }
  const [a, b] = [median(times[0]), median(times[1])];
  console.log(
    `${c}: A ${a.toFixed(2)} s, B ${b.toFixed(2)} s, A/B ${(a / b).toFixed(2)}×, same lists: ${same}; ${loadAverage()}`,
  );
}

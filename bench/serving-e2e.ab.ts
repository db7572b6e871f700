/**
 * A/B of serving end to end between two builds of the package in one process, interleaved
 * (issue 14 §5): lastfm-2k at k = 64 after a 2-thread fit, `model.recommendAll({ n: 10 })`
 * (synchronous, calling thread), `recommendAllThreaded` with 1 and 2 threads, and a single
 * `model.recommend(user, { n: 10 })`. The same model bytes are loaded by both builds, and the
 * lists are checked equal.
 *
 *   cp -r dist package.json /tmp/before/ && ln -s $PWD/node_modules /tmp/before/   (old tree)
 *   npm run build && npx tsx bench/serving-e2e.ab.ts /tmp/before .
 *
 * Env: E2E_REPS (default 7), E2E_MODEL (cache of the fitted model, default
 * $TMPDIR/als-lastfm-k64.als), E2E_CASES (default sync,t1,t2,one).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { loadAverage, median } from './ab-report.js';

type Pkg = typeof import('../dist/index.js');
const [dirA, dirB] = process.argv.slice(2);
if (!dirA || !dirB) throw new Error('usage: serving-e2e.ab.ts <A package dir> <B package dir>');
const importPkg = async (dir: string): Promise<Pkg> => import(pathToFileURL(resolve(dir, 'dist/index.js')).href);
const A = await importPkg(dirA);
const B = await importPkg(dirB);
// Older builds served on WASM only after init(); the threaded function was `recommendAll`.
await A.init();
await B.init();
const threaded = (P: Pkg) =>
  P.recommendAllThreaded ?? (P as unknown as { recommendAll: Pkg['recommendAllThreaded'] }).recommendAll;
const REPS = Number(process.env.E2E_REPS ?? 7);
const CASES = (process.env.E2E_CASES ?? 'sync,t1,t2,one').split(',');
const cache = process.env.E2E_MODEL ?? join(tmpdir(), 'als-lastfm-k64.als');

if (!existsSync(cache)) {
  const lastfm = fileURLToPath(new URL('../../shared/data/lastfm-2k/user_artists.dat', import.meta.url));
  if (!existsSync(lastfm)) throw new Error(`${lastfm} is absent`);
  const { loadRatingsFile } = (await import(
    pathToFileURL(resolve(dirB, 'dist/node.js')).href
  )) as typeof import('../dist/node.js');
  const { ratings } = await loadRatingsFile(lastfm, { format: 'lastfm' });
  const fitted = await new B.ALS({ feedback: 'implicit', factors: 64, iterations: 15, seed: 0, threads: 2 }).fit(ratings);
  writeFileSync(cache, fitted.toBytes());
}
const bytes = new Uint8Array(readFileSync(cache));
const mB = B.ALSModel.fromBytes(bytes);
/** A build older than the file format: the same factors and seen items through fromFactors. */
const sameModel = (P: Pkg) => {
  try {
    return P.ALSModel.fromBytes(bytes);
  } catch {
    return P.ALSModel.fromFactors({
      userIds: mB.userIds,
      itemIds: mB.itemIds,
      userFactors: mB.userFactors,
      itemFactors: mB.itemFactors,
      options: { feedback: mB.options.feedback },
      seen: seenMap(),
    } as Parameters<Pkg['ALSModel']['fromFactors']>[0]);
  }
};
function seenMap() {
  const seen = mB.seen;
  if (!seen) return undefined;
  const map = new Map<unknown, unknown[]>();
  mB.userIds.forEach((u, r) => {
    map.set(
      u,
      Array.from(seen.indices.subarray(seen.indptr[r]!, seen.indptr[r + 1]!), (i) => mB.itemIds[i]),
    );
  });
  return map;
}
const mA = sameModel(A);

type Run = { name: string; a: () => Promise<unknown> | unknown; b: () => Promise<unknown> | unknown; reps: number };
const users = mA.numUsers;
const runs: Run[] = [];
if (CASES.includes('sync'))
  runs.push({
    name: 'model.recommendAll({ n: 10 })',
    a: () => mA.recommendAll({ n: 10 }),
    b: () => mB.recommendAll({ n: 10 }),
    reps: REPS,
  });
for (const threads of [1, 2])
  if (CASES.includes(`t${threads}`))
    runs.push({
      name: `recommendAllThreaded({ n: 10, threads: ${threads} })`,
      a: () => threaded(A)(mA, { n: 10, threads }),
      b: () => threaded(B)(mB, { n: 10, threads }),
      reps: REPS,
    });
if (CASES.includes('one')) {
  let u = 0;
  runs.push({
    name: 'model.recommend(user, { n: 10 }) (µs)',
    // Both builds answer the same user; the next repetition moves on to the next user.
    a: () => mA.recommend(mA.userIds[u % users]!, { n: 10 }),
    b: () => mB.recommend(mB.userIds[u++ % users]!, { n: 10 }),
    reps: 400,
  });
}

console.log(
  `A = ${dirA}, B = ${dirB}; lastfm-2k ${mA.numUsers} users × ${mA.numItems} items, k = ${mA.factors}; ${loadAverage()}`,
);
console.log('| case | A median | B median | A/B | A min | B min | A/B (min) | same |');
console.log('|---|---:|---:|---:|---:|---:|---:|---|');
for (const r of runs) {
  const ta: number[] = [];
  const tb: number[] = [];
  const ra = await r.a();
  const rb = await r.b();
  const same =
    JSON.stringify(ra, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v)) ===
    JSON.stringify(rb, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v));
  for (let i = 0; i < r.reps; i++) {
    const order: [() => unknown, number[]][] =
      i % 2 === 0
        ? [
            [r.a, ta],
            [r.b, tb],
          ]
        : [
            [r.b, tb],
            [r.a, ta],
          ];
    for (const [fn, times] of order) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
  }
  const unit = r.name.endsWith('(µs)') ? 1000 : 1;
  const a = median(ta) * unit;
  const b = median(tb) * unit;
  const fmt = (x: number) => (unit === 1 ? `${x.toFixed(1)} ms` : `${x.toFixed(0)} µs`);
  const amin = Math.min(...ta) * unit;
  const bmin = Math.min(...tb) * unit;
  console.log(
    `| ${r.name} | ${fmt(a)} | ${fmt(b)} | ${(a / b).toFixed(2)} | ${fmt(amin)} | ${fmt(bmin)} | ${(amin / bmin).toFixed(2)} | ${same} |`,
  );
}
console.log(`after: ${loadAverage()}`);

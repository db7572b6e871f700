/**
 * One end-to-end fit in a fresh process, so its peak RSS is its own. Prints one JSON line.
 * Usage: tsx bench/fit-one.ts '<json config>'
 *   config: { data: path | 'synthetic-1m' | 'synthetic-5m', feedback, solver, blockSize, cgSteps, factors, threads,
 *             backend, iterations }
 *   data: an ALSCOO01 file, or a MovieLens-style CSV (header, then userId,itemId,rating,…).
 *   blockSize / cgSteps: passed to the solver that reads them ('subspace' / 'cg') when given;
 *   regularization, regularizationScaling, alpha, confidence, initStd override the defaults below.
 */
import { readFileSync } from 'node:fs';
import { ALS, Ratings, syntheticRatings } from '../dist/index.js';

const config = JSON.parse(process.argv[2]!);

/**
 * With ALS_MEMORY_PHASES=1, one JSON line per phase on stderr (stdout keeps its one line):
 * process.memoryUsage() after load, after Ratings, inside the fit (hooked by the library under
 * Symbol.for('als-wasm.memoryPhase'): after layout, after the ratings and factors are in the
 * kernels' memory), during the fit (first iteration) and after the model. `peakMiB` is the
 * process's max RSS so far.
 */
const phases = process.env.ALS_MEMORY_PHASES === '1';
const MiB = 2 ** 20;
function phase(name: string): void {
  if (!phases) return;
  const m = process.memoryUsage();
  const mib = (b: number) => Math.round((b / MiB) * 10) / 10;
  console.error(
    JSON.stringify({
      phase: name,
      rssMiB: mib(m.rss),
      peakMiB: mib(process.resourceUsage().maxRSS * 1024),
      heapUsedMiB: mib(m.heapUsed),
      externalMiB: mib(m.external),
      arrayBuffersMiB: mib(m.arrayBuffers),
    }),
  );
}
if (phases) (globalThis as Record<symbol, unknown>)[Symbol.for('als-wasm.memoryPhase')] = phase;

/** The ALSCOO01 format of ../shared/data/synthetic (32-byte header, then int32 users, int32 items, float32 values). */
function readAlscoo(path: string) {
  const buf = readFileSync(path);
  // The file's own bytes when aligned for Int32Array (a copy would double the data's RSS).
  const aligned = buf.byteOffset % 4 === 0;
  const ab = aligned ? buf.buffer : buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  const at = aligned ? buf.byteOffset : 0;
  const dv = new DataView(ab, at);
  const numUsers = dv.getUint32(8, true);
  const numItems = dv.getUint32(12, true);
  const nnz = Number(dv.getBigUint64(16, true));
  return {
    numUsers,
    numItems,
    users: new Int32Array(ab, at + 32, nnz),
    items: new Int32Array(ab, at + 32 + 4 * nnz, nnz),
    values: new Float32Array(ab, at + 32 + 8 * nnz, nnz),
  };
}

/** A MovieLens-style ratings.csv (header line, then userId,itemId,rating[,…]) as dense triples. */
function readCsv(path: string) {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '');
  const userIds = new Map<string, number>(),
    itemIds = new Map<string, number>();
  const dense = (ids: Map<string, number>, id: string) => ids.get(id) ?? (ids.set(id, ids.size), ids.size - 1);
  const users = new Int32Array(lines.length),
    items = new Int32Array(lines.length),
    values = new Float32Array(lines.length);
  lines.forEach((line, e) => {
    const [u, i, r] = line.split(',');
    users[e] = dense(userIds, u!);
    items[e] = dense(itemIds, i!);
    values[e] = Number(r);
  });
  return { numUsers: userIds.size, numItems: itemIds.size, users, items, values };
}

const shapes: Record<string, { numUsers: number; numItems: number; nnz: number }> = {
  'synthetic-1m': { numUsers: 20_000, numItems: 10_000, nnz: 1_000_000 },
  'synthetic-5m': { numUsers: 100_000, numItems: 20_000, nnz: 5_000_000 },
};
interface Triples {
  numUsers: number;
  numItems: number;
  users: Int32Array;
  items: Int32Array;
  values: Float32Array;
}
let data: Triples | null = shapes[config.data]
  ? syntheticRatings({ ...shapes[config.data], seed: 1 })
  : String(config.data).endsWith('.csv')
    ? readCsv(config.data)
    : readAlscoo(config.data);
phase('after load');
const { numUsers, numItems } = data!;
const nnz = data!.values.length;
const ratings = Ratings.fromTriples(data!, { denseIds: true, numUsers, numItems });
// The triples are the caller's to drop once the Ratings exists: a user with a big file would.
data = null;
// bench/memory.ts --gc: collect the dropped triples now rather than whenever V8 gets to them.
(globalThis as { gc?: () => void }).gc?.();
phase('after Ratings');
const seconds: number[] = [];
const losses: number[] = [];
const implicit = config.feedback === 'implicit';
const model = await new ALS({
  factors: config.factors,
  iterations: config.iterations,
  feedback: config.feedback,
  solver: config.solver,
  ...(config.blockSize !== undefined ? { blockSize: config.blockSize } : {}),
  ...(config.cgSteps !== undefined ? { cgSteps: config.cgSteps } : {}),
  // The reference runs: `implicit` 0.7.2 with ratings as confidences (c = α·r, α = 1), λ = 0.05.
  ...(implicit
    ? { confidence: 'alpha', alpha: 1, regularization: 0.05 }
    : { regularization: 0.05, regularizationScaling: 'count' }),
  // Overrides, for the solver comparisons of docs/ials-plus-plus.md.
  ...(config.regularization !== undefined ? { regularization: config.regularization } : {}),
  ...(config.regularizationScaling !== undefined ? { regularizationScaling: config.regularizationScaling } : {}),
  ...(config.alpha !== undefined ? { alpha: config.alpha } : {}),
  ...(config.confidence !== undefined ? { confidence: config.confidence } : {}),
  ...(config.initStd !== undefined ? { initStd: config.initStd } : {}),
  threads: config.threads,
  backend: config.backend,
  seed: 1,
  onIteration: ({ seconds: s, loss }) => {
    if (seconds.length === 0) phase('during fit');
    seconds.push(s);
    losses.push(loss);
  },
}).fit(ratings);
phase('after model');
const sorted = [...seconds].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    ...config,
    nnz,
    backendUsed: model.options.backend,
    threadsUsed: model.options.threads,
    secondsPerIteration: sorted[Math.floor(sorted.length / 2)],
    iterationSeconds: seconds,
    finalLoss: losses[losses.length - 1],
    losses,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    dataBytes: nnz * 12,
    factorBytes: (numUsers + numItems) * config.factors * 4,
  }),
);

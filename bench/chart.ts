/**
 * Draws bench/results.svg from bench/out/fit.json (npx tsx bench/fit.bench.ts) and
 * bench/out/kernels.json (npm run bench:kernels): seconds per iteration by k, backend and
 * threads on the 5M set (with `implicit`'s from bench/out/vs-implicit.json when there), and Gram
 * GFLOP/s by k, WASM against JS. Hand-written SVG, no deps.
 *   npx tsx bench/chart.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { median } from '../src/cli/training.js';

interface FitResult {
  data: string;
  feedback: string;
  solver: string;
  factors: number;
  threads: number;
  backend: string;
  secondsPerIteration: number;
}
interface KernelRow {
  kernel: string;
  k: number;
  n?: number;
  wasmGflops: number;
  jsGflops?: number;
}

const fit: { machine: string; results: FitResult[] } = JSON.parse(
  readFileSync(new URL('./out/fit.json', import.meta.url), 'utf8'),
);
const kernels: { rows: KernelRow[] } = JSON.parse(readFileSync(new URL('./out/kernels.json', import.meta.url), 'utf8'));

const W = 460;
const H = 300;
const M = { left: 56, right: 150, top: 34, bottom: 44 };
const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

interface Series {
  label: string;
  points: [number, number][];
  dashed?: boolean;
  dotted?: boolean;
  color: string;
}

const dash = (s: Series) => (s.dotted ? ' stroke-dasharray="1 3"' : s.dashed ? ' stroke-dasharray="5 3"' : '');

/** One panel: log2 x (k), log10 y, a legend on the right. */
function panel(x0: number, title: string, yLabel: string, series: Series[]): string {
  const ks = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((y) => y > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...ys)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys)));
  const px = (k: number) =>
    x0 +
    M.left +
    ((Math.log2(k) - Math.log2(ks[0]!)) / Math.max(1e-9, Math.log2(ks.at(-1)!) - Math.log2(ks[0]!))) * (W - M.left - M.right);
  const py = (y: number) =>
    M.top + (1 - (Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - M.top - M.bottom);
  let svg = `<text x="${x0 + M.left}" y="20" font-weight="bold">${title}</text>`;
  for (let d = Math.log10(yMin); d <= Math.log10(yMax) + 1e-9; d++) {
    const y = py(10 ** d);
    svg += `<line x1="${x0 + M.left}" x2="${x0 + W - M.right}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${x0 + M.left - 6}" y="${y + 4}" text-anchor="end">${10 ** d >= 1 ? 10 ** d : (10 ** d).toPrecision(1)}</text>`;
  }
  for (const k of ks) svg += `<text x="${px(k)}" y="${H - M.bottom + 16}" text-anchor="middle">${k}</text>`;
  svg += `<text x="${x0 + (W - M.right + M.left) / 2}" y="${H - 8}" text-anchor="middle">k (factors)</text>`;
  svg += `<text transform="translate(${x0 + 14} ${(H - M.bottom + M.top) / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`;
  series.forEach((s, n) => {
    const path = s.points.map(([k, y], i) => `${i ? 'L' : 'M'}${px(k).toFixed(1)} ${py(y).toFixed(1)}`).join(' ');
    svg += `<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"${dash(s)}/>`;
    for (const [k, y] of s.points) svg += `<circle cx="${px(k)}" cy="${py(y)}" r="3" fill="${s.color}"/>`;
    const ly = M.top + 8 + n * 16;
    svg += `<line x1="${x0 + W - M.right + 10}" x2="${x0 + W - M.right + 30}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash(s)}/><text x="${x0 + W - M.right + 34}" y="${ly + 4}">${s.label}</text>`;
  });
  return svg;
}

const big = fit.results.filter((r) => r.data.includes('5m') && r.backend === 'wasm');
const fitSeries: Series[] = [];
const methods = [...new Set(big.map((r) => `${r.feedback}-${r.solver}`))];
methods.forEach((method, m) => {
  for (const threads of [1, 2]) {
    // the mean per k: fit.bench --pin runs each 1-thread configuration once per CPU
    const runs = big.filter((r) => `${r.feedback}-${r.solver}` === method && r.threads === threads);
    const points = [...new Set(runs.map((r) => r.factors))]
      .map((k) => {
        const at = runs.filter((r) => r.factors === k);
        return [k, at.reduce((sum, r) => sum + r.secondsPerIteration, 0) / at.length] as [number, number];
      })
      .sort((a, b) => a[0] - b[0]);
    if (points.length)
      fitSeries.push({
        label: `${method.replace('explicit-', 'expl. ').replace('implicit-', 'impl. ')} ×${threads}`,
        points,
        dashed: threads === 1,
        color: colors[m]!,
      });
  }
});

// The reference, when bench/vs-implicit.ts --json wrote bench/out/vs-implicit.json: `implicit`
// 0.7.2's median s/it by k on the same file, dotted in its method's colour.
const referenceUrl = new URL('./out/vs-implicit.json', import.meta.url);
if (existsSync(referenceUrl)) {
  const ref: { threads: number; runs: { library: string; solver: string; factors: number; secondsPerIteration: number }[] } =
    JSON.parse(readFileSync(referenceUrl, 'utf8'));
  for (const solver of ['cholesky', 'cg']) {
    const runs = ref.runs.filter((r) => r.library === 'implicit' && r.solver === solver);
    const points = [...new Set(runs.map((r) => r.factors))]
      .map((k) => [k, median(runs.filter((r) => r.factors === k).map((r) => r.secondsPerIteration))] as [number, number])
      .sort((a, b) => a[0] - b[0]);
    if (points.length)
      fitSeries.push({
        label: `implicit ${solver} ×${ref.threads}`,
        points,
        dotted: true,
        color: colors[methods.indexOf(`implicit-${solver}`)] ?? '#444',
      });
  }
}

const gram = kernels.rows.filter((r) => r.kernel === 'gramRow' && r.n === 100);
const gramSeries: Series[] = [
  { label: 'WASM SIMD', points: gram.map((r) => [r.k, r.wasmGflops]), color: colors[0]! },
  { label: 'JS', points: gram.filter((r) => r.jsGflops).map((r) => [r.k, r.jsGflops!]), color: colors[1]!, dashed: true },
];

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 16}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
${panel(0, 'Seconds per iteration, synth_5m (WASM)', 'seconds per iteration', fitSeries)}
${panel(W, 'Gram of one row (n = 100): GFLOP/s', 'GFLOP/s', gramSeries)}
<text x="4" y="${H + 12}" fill="#666">${fit.machine}. Dashed: 1 thread (left), JS (right); dotted: the Python implicit 0.7.2 on the same file.</text>
</svg>
`;
writeFileSync(new URL('./results.svg', import.meta.url), svg);
console.log('wrote bench/results.svg');

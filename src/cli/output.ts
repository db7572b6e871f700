/** What the commands print: lines for people, or one JSON object per line with --json. */
import type { Id } from '../data/id-map.js';
import { titleOf, type Titles } from './titles.js';

export const out = (json: boolean | undefined) => ({
  line(text: string) {
    if (!json) process.stdout.write(`${text}\n`);
  },
  json(object: object) {
    if (json) process.stdout.write(`${JSON.stringify(object)}\n`);
  },
});

export function formatScores(scores: Record<string, number | undefined>): string {
  return Object.entries(scores)
    .map(([k, v]) => `${k} ${v === undefined ? '-' : v.toFixed(4)}`)
    .join('  ');
}

/** A ranked list: rank, ID, score and (with --titles) the name; JSON adds `titles` beside the IDs. */
export function printRanking(
  json: boolean | undefined,
  query: Record<string, unknown>,
  ids: Id[],
  scores: Float32Array,
  what: 'items' | 'users',
  titles: Titles | null = null,
): void {
  const names = titles && what === 'items' ? ids.map((id) => titleOf(titles, id) ?? null) : null;
  out(json).json({ ...query, [what]: ids, scores: Array.from(scores), ...(names && { titles: names }) });
  ids.forEach((id, r) =>
    out(json).line(
      `${String(r + 1).padStart(3)}  ${String(id).padEnd(16)} ${scores[r]!.toFixed(4)}${names?.[r] ? `  ${names[r]}` : ''}`,
    ),
  );
  if (ids.length === 0) out(json).line(`(no ${what})`);
}

/** A CSV field: quoted when it holds a comma, quote or line break. */
export function csvField(value: Id | string): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A score for a text output: 7 significant digits (what float32 holds), NaN as NaN. */
export function formatScore(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(7))) : String(value);
}

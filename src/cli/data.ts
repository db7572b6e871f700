/**
 * Ratings files for the command line: parsed with the data flags, repeated pairs combined by
 * --duplicates, re-weighted by --weighting, and a test file (--test) mapped onto the training
 * file's IDs.
 */
import { AlsError, ErrorCode } from '../errors.js';
import { parseTriplesFile } from '../data/loaders/file.node.js';
import type { Delimiter } from '../data/loaders/presets.js';
import type { ParseOptions, ParsedTriples } from '../data/loaders/parse.js';
import { buildRowsInto, type DuplicatePolicy } from '../data/sparse.js';
import { bm25Weight, logScale, tfidfWeight } from '../data/weighting.js';
import type { EvalData } from '../eval/tune.js';
import type { SplitTriples } from '../eval/split.js';
import type { Common } from './options.js';
import { Progress } from './progress.js';

export interface Loaded {
  data: EvalData & SplitTriples;
  parsed: ParsedTriples;
  /** One per rating (after duplicates are combined), or null. */
  timestamps: Float64Array | null;
}

function column(value: string | undefined): string | number | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** The parser's options from the data flags; `pairsOnly` reads user and item and nothing else (predict). */
export function parseOptions(o: Common, pairsOnly = false): ParseOptions {
  return {
    format: o.format,
    delimiter: o.delimiter === 'tab' || o.delimiter === '\\t' ? '\t' : (o.delimiter as Delimiter | undefined),
    header: o.header,
    columns: {
      ...(o.userCol !== undefined && { user: column(o.userCol)! }),
      ...(o.itemCol !== undefined && { item: column(o.itemCol)! }),
      ...(pairsOnly
        ? { value: null, timestamp: null }
        : {
            ...(o.valueCol !== undefined && { value: o.valueCol === 'none' ? null : column(o.valueCol)! }),
            ...(o.timeCol !== undefined && { timestamp: column(o.timeCol)! }),
          }),
    },
    onBadLine: o.skipBadLines ? 'skip' : 'error',
  };
}

/** Parses a file with a progress bar (megabytes read) on a terminal. */
export async function parseFile(file: string, o: Common, options: ParseOptions): Promise<ParsedTriples> {
  let progress: Progress | null = null;
  try {
    const parsed = await parseTriplesFile(file, {
      ...options,
      onProgress: (p) => {
        const total = (p as { totalBytes?: number }).totalBytes ?? p.bytes;
        progress ??= Progress.start(o, `reading ${file}`, Math.max(1, Math.round(total / 1e6)), 'MB');
        progress?.update(Math.round(p.bytes / 1e6));
      },
    });
    if (parsed.skipped > 0 && !o.json)
      process.stderr.write(
        `als-wasm: ${file}: skipped ${parsed.skipped} malformed line(s), first at line ${parsed.badLines[0]!.line}.\n`,
      );
    return parsed;
  } finally {
    (progress as Progress | null)?.stop();
  }
}

/** A ratings file as training data. */
export async function load(file: string, o: Common): Promise<Loaded> {
  const parsed = await parseFile(file, o, parseOptions(o));
  if (parsed.values.length === 0)
    throw new AlsError(
      ErrorCode.EMPTY_DATA,
      `${file}: no ratings found.`,
      'Check --format, --delimiter and --user-col, --item-col, --value-col.',
    );
  const combined = combineDuplicates(file, parsed, o.duplicates ?? 'error');
  let values: Float32Array = combined.values;
  if (o.weighting === 'bm25') values = bm25Weight(combined);
  else if (o.weighting === 'tfidf') values = tfidfWeight(combined);
  else if (o.weighting === 'log') values = logScale(combined.values);
  return {
    data: { users: combined.users, items: combined.items, values, numUsers: parsed.userMap.size, numItems: parsed.itemMap.size },
    parsed,
    timestamps: combined.timestamps,
  };
}

interface Triples {
  users: Int32Array;
  items: Int32Array;
  values: Float32Array;
  timestamps: Float64Array | null;
}

/**
 * One rating per (user, item): 'error' refuses a repeated pair naming --duplicates; 'sum'
 * adds the values, 'last' keeps the one that comes last in the file (as Ratings does). The
 * file order is kept when nothing repeats; otherwise the ratings come out by user, and a
 * pair's timestamp is its latest.
 */
export function combineDuplicates(file: string, parsed: ParsedTriples, policy: DuplicatePolicy): Triples {
  const { users, items, values, timestamps } = parsed;
  const numUsers = parsed.userMap.size;
  const numItems = parsed.itemMap.size;
  // Rows straight into arrays of the final size (no column-bucket temporary: 8 bytes a rating less at the peak).
  const n = values.length;
  const rows = buildRowsInto(users, items, values, numUsers, policy, {
    indptr: new Int32Array(numUsers + 1),
    indices: new Int32Array(n),
    values: new Float32Array(n),
  });
  if (!('indptr' in rows)) {
    const at: number[] = [];
    for (let e = 0; e < users.length && at.length < 2; e++) if (users[e] === rows.row && items[e] === rows.col) at.push(e + 1);
    throw new AlsError(
      ErrorCode.DUPLICATE_RATING,
      `${file}: user ${String(parsed.userMap.id(rows.row))} rated item ${String(parsed.itemMap.id(rows.col))} more than once (ratings ${at[0]} and ${at[1]} in file order).`,
      'Pass --duplicates sum to add repeated values (counts, plays) or --duplicates last to keep the latest (re-ratings).',
    );
  }
  if (rows.indices.length === values.length) return { users, items, values, timestamps };
  const kept = rows.indices.length;
  const outUsers = new Int32Array(kept);
  for (let u = 0; u < numUsers; u++) outUsers.fill(u, rows.indptr[u]!, rows.indptr[u + 1]!);
  let outTimes: Float64Array | null = null;
  if (timestamps) {
    const latest = new Map<number, number>();
    for (let e = 0; e < users.length; e++) {
      const key = users[e]! * numItems + items[e]!;
      const t = timestamps[e]!;
      const seen = latest.get(key);
      if (seen === undefined || t > seen) latest.set(key, t);
    }
    outTimes = new Float64Array(kept);
    for (let e = 0; e < kept; e++) outTimes[e] = latest.get(outUsers[e]! * numItems + rows.indices[e]!)!;
  }
  // Copies of exactly the kept length, so the arrays of the input's length are not held on to.
  return { users: outUsers, items: Int32Array.from(rows.indices), values: rows.values.slice(), timestamps: outTimes };
}

/**
 * A test file (eval --test) on the training file's dense indices. Pairs whose user or item the
 * training file does not have are left out (as Spark's coldStartStrategy 'drop'), and counted.
 */
export async function loadTestFile(
  file: string,
  o: Common,
  train: ParsedTriples,
): Promise<{ test: SplitTriples; dropped: number; total: number }> {
  const parsed = await parseFile(file, o, parseOptions(o));
  const userOf = remap(parsed.userMap.ids(), train.userMap);
  const itemOf = remap(parsed.itemMap.ids(), train.itemMap);
  const n = parsed.values.length;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const values = new Float32Array(n);
  let kept = 0;
  for (let e = 0; e < n; e++) {
    const u = userOf[parsed.users[e]!]!;
    const i = itemOf[parsed.items[e]!]!;
    if (u < 0 || i < 0) continue;
    users[kept] = u;
    items[kept] = i;
    values[kept++] = parsed.values[e]!;
  }
  return {
    test: { users: users.slice(0, kept), items: items.slice(0, kept), values: values.slice(0, kept) },
    dropped: n - kept,
    total: n,
  };
}

/** Each ID's index in `map`, or -1. Both files are read by the same parser, so 42 is 42 in both. */
function remap(ids: readonly (string | number)[], map: { index(id: string | number): number }): Int32Array {
  return Int32Array.from(ids, (id) => map.index(id));
}

/**
 * Values that read as counts rather than ratings: all whole numbers ≥ 1 and the largest above
 * 100. Rating scales stop at 5, 10 or at most 100 (a percentage); play, click and purchase
 * counts run past 100 in any real log (Last.fm's reach 352,698). Returns the largest, or null.
 */
export function looksLikeCounts(values: ArrayLike<number>): number | null {
  let max = 0;
  for (let e = 0; e < values.length; e++) {
    const v = values[e]!;
    if (!(v >= 1) || !Number.isInteger(v)) return null;
    if (v > max) max = v;
  }
  return max > COUNTS_ABOVE ? max : null;
}

/** The largest value a rating scale has (a percentage); counts go past it. */
export const COUNTS_ABOVE = 100;

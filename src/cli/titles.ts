/**
 * Names for IDs (--titles), so recommendations read as films and artists, not numbers. The
 * files people have: MovieLens movies.csv (`movieId,title,genres`, quoted titles with commas
 * inside), MovieLens 100K u.item (`id|title|date|…`, latin-1) and Last.fm artists.dat
 * (`id\tname\turl\t…`). The ID is the first field and the name the second; the delimiter is
 * told by the first line unless --titles-format says it, and a first line whose ID is a word
 * (movieId, id) is a header. UTF-8 is read as such; a file that is not valid UTF-8 is read as
 * latin-1 (u.item is).
 */
import { promises as fs } from 'node:fs';
import { ErrorCode, fail } from '../errors.js';
import { fileError } from '../io/output-target.js';
import type { Id } from '../data/id-map.js';
import { printable } from './messages.js';

export type TitlesFormat = 'csv' | 'tab' | 'pipe';
export const TITLES_FORMATS: readonly TitlesFormat[] = ['csv', 'tab', 'pipe'];

/** A names file is read whole; anything larger than this is not one. */
export const MAX_TITLES_BYTES = 256 * 1024 * 1024;

/** Name by ID (as text: the model may hold 42 or '42'). */
export type Titles = ReadonlyMap<string, string>;

export async function readTitles(path: string, format?: TitlesFormat): Promise<Titles> {
  let bytes: Uint8Array;
  try {
    const stats = await fs.stat(path);
    if (!stats.isFile())
      fail(
        ErrorCode.FILE_ERROR,
        `${path} is not a file.`,
        'Pass a names file such as movies.csv, u.item or artists.dat to --titles.',
      );
    if (stats.size > MAX_TITLES_BYTES)
      fail(
        ErrorCode.TOO_LARGE,
        `${path} has ${stats.size} bytes, more than a names file (at most ${MAX_TITLES_BYTES}).`,
        'Pass a file of ID and name per line to --titles.',
      );
    bytes = await fs.readFile(path);
  } catch (error) {
    throw fileError('read', path, error);
  }
  return parseTitles(decode(bytes), format);
}

/** UTF-8 when the bytes are UTF-8 (a BOM dropped), else latin-1, which every byte string is. */
export function decode(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

export function parseTitles(text: string, format?: TitlesFormat): Titles {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const titles = new Map<string, string>();
  if (lines.length === 0) return titles;
  const how = format ?? detect(lines[0]!);
  const split = how === 'csv' ? splitCsv : (line: string) => line.split(how === 'tab' ? '\t' : '|');
  const first = split(lines[0]!);
  const second = lines.length > 1 ? split(lines[1]!) : null;
  const header = isHeader(first[0] ?? '', second?.[0]);
  for (let l = header ? 1 : 0; l < lines.length; l++) {
    const fields = split(lines[l]!);
    if (fields.length < 2) continue;
    const id = fields[0]!.trim();
    if (id !== '' && !titles.has(id)) titles.set(id, fields[1]!.trim());
  }
  return titles;
}

/** The name of an ID, printable, or undefined. */
export function titleOf(titles: Titles | null, id: Id): string | undefined {
  const name = titles?.get(String(id));
  return name === undefined ? undefined : printable(name);
}

function detect(line: string): TitlesFormat {
  if (line.includes('\t')) return 'tab';
  if (/^[^,|"]*\|/.test(line)) return 'pipe';
  return 'csv';
}

/** A first line is a header when its ID is a word (movieId, id) where the next line's is a number, or is named like an ID column. */
function isHeader(id: string, next: string | undefined): boolean {
  const word = !/^\s*-?\d+\s*$/.test(id);
  if (word && next !== undefined && /^\s*-?\d+\s*$/.test(next)) return true;
  return /^\s*(?:[a-z]+[_ ]?)?id\s*$/i.test(id);
}

/** One CSV line: fields split at commas outside double quotes; "" inside quotes is a quote. */
export function splitCsv(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let p = 0; p < line.length; p++) {
    const c = line[p]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (line[p + 1] === '"') (field += '"'), p++;
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') fields.push(field), (field = '');
    else field += c;
  }
  fields.push(field);
  return fields;
}

/**
 * The streaming ratings parser: bytes in (any chunking), typed arrays and ID maps out.
 *
 * It works on bytes, never on one big string: a chunk is scanned for '\n', each complete line
 * is split into fields and parsed in place (integers and decimals straight from the bytes;
 * only unusual numbers and non-numeric IDs are decoded), and the unfinished tail of a chunk
 * is carried to the next one. Because lines are only ever cut at '\n' (0x0A, never part of a
 * UTF-8 multi-byte sequence), a chunk boundary inside a multi-byte character is harmless.
 *
 * Results go to fixed-size blocks and are copied once into exact-length arrays at the end, so
 * peak memory is about twice the final arrays (never the 3× of doubling-and-trimming).
 */
import { ErrorCode, fail } from '../../errors.js';
import { callback, checkOptions, describe, nonNegative, oneOf } from '../../validate.js';
import { IdMap, type Id } from '../id-map.js';
import { PRESETS, type Column, type Columns, type Delimiter, type FormatOptions, type PresetName } from './presets.js';

/** Every key of ParseOptions, for checkOptions (LoadOptions adds `duplicates`). */
export const PARSE_KEYS = [
  'format',
  'delimiter',
  'header',
  'columns',
  'onBadLine',
  'source',
  'defaultValue',
  'sizeHint',
  'onProgress',
] as const;
const COLUMN_KEYS = ['user', 'item', 'value', 'timestamp'] as const;
const DELIMITERS: readonly Delimiter[] = [',', '\t', ';', '|', '::', 'whitespace', 'auto'];
/** Names users bring from other tools, with the hint that says ours. */
export const PARSE_ALIASES: Readonly<Record<string, string>> = {
  sep: "Use 'delimiter'.",
  separator: "Use 'delimiter'.",
  skipHeader: 'Use header: true.',
  hasHeader: 'Use header: true.',
};

export interface ParseOptions extends FormatOptions {
  /** A preset for a known file format; `delimiter`, `header` and `columns` given alongside override it. */
  format?: PresetName;
  /** 'error' (default): throw AlsError MALFORMED_LINE; 'skip': skip the line and count it. */
  onBadLine?: 'error' | 'skip';
  /** Name used in messages (a file path). Default '<input>'. */
  source?: string;
  /** The value of every rating when `columns.value` is null. Default 1. */
  defaultValue?: number;
  /**
   * Expected input size in bytes (file loaders pass the file size): the arrays are then
   * allocated once from the first chunk's line length, instead of in blocks copied at the end.
   */
  sizeHint?: number;
  /** Called after each chunk with the bytes and lines consumed so far. */
  onProgress?: (progress: ParseProgress) => void;
}

export interface ParseProgress {
  bytes: number;
  lines: number;
  ratings: number;
}

export interface BadLine {
  /** 1-based line number in the file (blank and header lines count). */
  line: number;
  text: string;
  reason: string;
}

/** What a loader returns: dense indices ready for `Ratings`, plus the ID maps. */
export interface ParsedTriples {
  /** Dense user index of each rating, in file order. */
  users: Int32Array;
  items: Int32Array;
  values: Float32Array;
  /** One per rating when a timestamp column was given, else null. */
  timestamps: Float64Array | null;
  /**
   * External IDs by dense index, in order of first appearance. A field that is a canonical
   * non-negative integer (digits, no leading zero, ≤ 15 digits) becomes a number ID, anything
   * else a string ID, so `42` is the number 42 and `042` or `u42` are strings.
   */
  userMap: IdMap;
  itemMap: IdMap;
  /** Physical lines read, including the header and blank lines. */
  lines: number;
  bytes: number;
  /** Malformed lines skipped under onBadLine: 'skip'. */
  skipped: number;
  /** The first 10 skipped lines. */
  badLines: BadLine[];
  /** Column names from the header, or null. */
  header: string[] | null;
  source: string;
}

const BLOCK = 1 << 16;
/** Text is encoded in pieces of this many UTF-16 units (never one huge byte array). */
const STRING_PIECE = 1 << 20;
const encoder = new TextEncoder();
const MAX_TABLE = 1 << 22; // numeric IDs below this are looked up in a flat table, not a Map
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const enum Mode {
  Byte,
  DoubleColon,
  Blanks,
}

/** Numeric and string IDs → dense indices, in order of first appearance. */
class IdIndex {
  private table = new Int32Array(1024).fill(-1);
  private readonly big = new Map<number, number>();
  private readonly strings = new Map<string, number>();
  readonly ids: Id[] = [];

  number(id: number): number {
    if (id < MAX_TABLE) {
      let table = this.table;
      if (id >= table.length) {
        let size = table.length;
        while (size <= id) size *= 2;
        const grown = new Int32Array(size).fill(-1);
        grown.set(table);
        table = this.table = grown;
      }
      const at = table[id]!;
      if (at >= 0) return at;
      const index = this.ids.length;
      table[id] = index;
      this.ids.push(id);
      return index;
    }
    let index = this.big.get(id);
    if (index === undefined) {
      index = this.ids.length;
      this.big.set(id, index);
      this.ids.push(id);
    }
    return index;
  }

  string(id: string): number {
    let index = this.strings.get(id);
    if (index === undefined) {
      index = this.ids.length;
      this.strings.set(id, index);
      this.ids.push(id);
    }
    return index;
  }

  toMap(): IdMap {
    return IdMap.fromIds(this.ids);
  }
}

/**
 * Blocks of one typed-array type, concatenated once at the end. With a size estimate the first
 * block is one array of the estimated length, handed back without a copy when it is close to
 * full (no 2× peak at the end); past the estimate, fixed-size blocks follow.
 */
class Blocks<T extends Int32Array | Float32Array | Float64Array> {
  private readonly full: T[] = [];
  current: T;
  constructor(private readonly make: (n: number) => T) {
    this.current = make(BLOCK);
  }
  /** Replaces the (still empty) first block by one of `size` entries. */
  reserve(size: number): void {
    this.current = this.make(size);
  }
  next(): void {
    this.full.push(this.current);
    this.current = this.make(BLOCK);
  }
  finish(count: number): T {
    if (this.full.length === 0 && count >= 0.9 * this.current.length) return this.current.subarray(0, count) as T;
    const out = this.make(count);
    let at = 0;
    for (const b of this.full) out.set(b, at), (at += b.length);
    if (at < count) out.set(this.current.subarray(0, count - at), at);
    this.full.length = 0;
    return out;
  }
}

const utf8 = new TextDecoder('utf-8');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const LONE_SURROGATE = /\p{Cs}/u;
const HIGH_SURROGATE = /[\uD800-\uDBFF]$/;

/** Bytes as text for messages and numbers: invalid UTF-8 becomes U+FFFD (IDs go through strictUtf8). */
function decode(buf: Uint8Array, s: number, e: number): string {
  if (e - s < 64) {
    let ascii = true;
    for (let p = s; p < e; p++) if (buf[p]! >= 0x80) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
  }
  return utf8.decode(buf.subarray(s, e));
}

/** A decimal number straight from the bytes ([-+]digits[.digits]); anything else goes through Number(). */
function parseNumber(buf: Uint8Array, s: number, e: number): number {
  if (s >= e) return NaN;
  let p = s;
  let neg = false;
  const first = buf[p]!;
  if (first === 45) (neg = true), p++;
  else if (first === 43) p++;
  let m = 0;
  let digits = 0;
  let frac = 0;
  let c = 0;
  while (p < e && (c = buf[p]! - 48) >= 0 && c <= 9) (m = m * 10 + c), p++, digits++;
  if (p < e && buf[p] === 46) {
    p++;
    while (p < e && (c = buf[p]! - 48) >= 0 && c <= 9) (m = m * 10 + c), p++, digits++, frac++;
  }
  if (p !== e || digits === 0 || digits > 15) {
    // Exponents, 16+ digits, or junk: the exact answer from the engine (NaN for junk).
    const text = decode(buf, s, e).trim();
    return text === '' ? NaN : Number(text);
  }
  // m < 2^53 and 10^frac are exact, so one division rounds correctly.
  const v = frac === 0 ? m : m / POW10[frac]!;
  return neg ? -v : v;
}

export class TripleParser {
  private readonly onBadLine: 'error' | 'skip';
  private readonly source: string;
  private readonly defaultValue: number;
  private readonly onProgress: ParseOptions['onProgress'];
  private delimiter: Delimiter;
  private headerMode: boolean | 'auto';
  private readonly columnSpec: Required<Columns>;
  // Resolved column indices (-1: absent); resolved once the header (if any) is read.
  private userCol = 0;
  private itemCol = 1;
  private valueCol = 2;
  private timeCol = -1;
  private need = 3;
  private mode = Mode.Byte;
  private delimByte = 44;
  private started = false;

  private readonly fs = new Int32Array(256);
  private readonly fe = new Int32Array(256);
  private readonly fq = new Uint8Array(256); // field had "" escapes

  private readonly userIndex = new IdIndex();
  private readonly itemIndex = new IdIndex();
  private readonly u = new Blocks((n) => new Int32Array(n));
  private readonly i = new Blocks((n) => new Int32Array(n));
  private readonly v = new Blocks((n) => new Float32Array(n));
  private readonly t: Blocks<Float64Array> | null;
  private inBlock = 0;
  private blockSize = BLOCK;
  private count = 0;
  private readonly sizeHint: number;

  private pendingSurrogate = '';
  private carry = new Uint8Array(4096);
  private carryLength = 0;
  private lineNo = 0;
  private bytes = 0;
  private skipped = 0;
  private readonly badLines: BadLine[] = [];
  private header: string[] | null = null;

  constructor(options: ParseOptions = {}) {
    checkOptions('Ratings parse options', options, PARSE_KEYS, PARSE_ALIASES);
    const preset =
      options.format !== undefined ? PRESETS[oneOf('format', options.format, Object.keys(PRESETS) as PresetName[])] : undefined;
    this.onBadLine = options.onBadLine === undefined ? 'error' : oneOf('onBadLine', options.onBadLine, ['error', 'skip']);
    if (options.source !== undefined && typeof options.source !== 'string')
      fail(ErrorCode.INVALID_OPTION, `source must be a string (got ${describe(options.source)}).`);
    this.source = options.source ?? '<input>';
    this.defaultValue = options.defaultValue ?? 1;
    if (typeof this.defaultValue !== 'number' || !Number.isFinite(Math.fround(this.defaultValue))) {
      fail(
        ErrorCode.INVALID_OPTION,
        `defaultValue must be a finite number within float32 range (got ${describe(options.defaultValue)}).`,
        'Every rating of a file without a value column gets this value; use 1 (the default).',
      );
    }
    if (options.onProgress !== undefined) callback('onProgress', options.onProgress);
    this.onProgress = options.onProgress;
    this.sizeHint = options.sizeHint === undefined ? 0 : nonNegative('sizeHint', options.sizeHint);
    this.delimiter =
      options.delimiter === undefined ? (preset?.delimiter ?? 'auto') : oneOf('delimiter', options.delimiter, DELIMITERS);
    if (options.columns !== undefined) checkOptions('columns', options.columns, COLUMN_KEYS);
    const cols = { ...(preset?.columns ?? {}), ...(options.columns ?? {}) };
    for (const name of ['user', 'item'] as const) {
      if (cols[name] === null) fail(ErrorCode.INVALID_OPTION, `columns.${name} cannot be null: every rating needs a ${name}.`);
    }
    this.columnSpec = {
      user: cols.user ?? 0,
      item: cols.item ?? 1,
      value: cols.value === undefined ? 2 : cols.value,
      timestamp: cols.timestamp ?? null,
    };
    for (const [name, c] of Object.entries(this.columnSpec)) {
      if (c !== null && !(typeof c === 'string' ? c.length > 0 : Number.isInteger(c) && c >= 0 && c < 256)) {
        fail(ErrorCode.INVALID_OPTION, `columns.${name} must be a column name or an index in [0, 255] (got ${describe(c)}).`);
      }
    }
    const named = Object.values(this.columnSpec).some((c) => typeof c === 'string');
    if (options.header !== undefined && typeof options.header !== 'boolean' && options.header !== 'auto') {
      fail(ErrorCode.INVALID_OPTION, `header must be true, false or 'auto' (got ${describe(options.header)}).`);
    }
    this.headerMode = options.header ?? preset?.header ?? 'auto';
    if (named && this.headerMode === false) {
      fail(
        ErrorCode.INVALID_OPTION,
        'Columns are given by name but header is false.',
        'Pass header: true, or give the columns as 0-based indices.',
      );
    }
    if (named) this.headerMode = true;
    this.t = this.columnSpec.timestamp !== null ? new Blocks((n) => new Float64Array(n)) : null;
    if (!named) this.resolveColumns(null);
  }

  /**
   * Feeds the next chunk of text. A surrogate pair split between chunks is joined; a lone
   * surrogate (text that is not valid Unicode) is CORRUPT_INPUT rather than silently U+FFFD.
   */
  pushText(text: string): void {
    if (this.pendingSurrogate) (text = this.pendingSurrogate + text), (this.pendingSurrogate = '');
    if (HIGH_SURROGATE.test(text)) (this.pendingSurrogate = text.slice(-1)), (text = text.slice(0, -1));
    for (let s = 0; s < text.length; ) {
      let e = Math.min(text.length, s + STRING_PIECE);
      const c = text.charCodeAt(e - 1);
      if (e < text.length && c >= 0xd800 && c <= 0xdbff) e--;
      const piece = text.slice(s, e);
      const lone = LONE_SURROGATE.exec(piece);
      if (lone) this.loneSurrogate(piece.slice(0, lone.index));
      this.push(encoder.encode(piece));
      s = e;
    }
  }

  private loneSurrogate(before: string): never {
    let line = this.lineNo + 1;
    for (let p = before.indexOf('\n'); p >= 0; p = before.indexOf('\n', p + 1)) line++;
    fail(
      ErrorCode.CORRUPT_INPUT,
      `${this.source}:${line}: the text holds a lone surrogate (it is not valid Unicode).`,
      "Pass well-formed text, or the file's bytes.",
    );
  }

  /** Feeds the next chunk of bytes. */
  push(chunk: Uint8Array): void {
    if (this.bytes === 0 && this.sizeHint > chunk.length) this.reserve(chunk);
    this.bytes += chunk.length;
    let start = 0;
    const n = chunk.length;
    if (this.carryLength > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.appendCarry(chunk, 0, n);
        this.progress();
        return;
      }
      this.appendCarry(chunk, 0, nl);
      this.line(this.carry, 0, this.carryLength);
      this.carryLength = 0;
      start = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      this.line(chunk, start, nl);
      start = nl + 1;
    }
    if (start < n) this.appendCarry(chunk, start, n);
    this.progress();
  }

  /** Ends the input (a last line without '\n' is parsed) and returns the arrays. */
  end(): ParsedTriples {
    if (this.pendingSurrogate) this.loneSurrogate('');
    if (this.carryLength > 0) {
      this.line(this.carry, 0, this.carryLength);
      this.carryLength = 0;
    }
    if (
      this.headerMode === true &&
      this.header === null &&
      this.count === 0 &&
      typeof Object.values(this.columnSpec).find((c) => typeof c === 'string') === 'string'
    ) {
      fail(
        ErrorCode.MALFORMED_LINE,
        `${this.source}: no header line found (the input is empty).`,
        'Check the file, or give columns as 0-based indices.',
      );
    }
    const count = this.count;
    return {
      users: this.u.finish(count),
      items: this.i.finish(count),
      values: this.v.finish(count),
      timestamps: this.t ? this.t.finish(count) : null,
      userMap: this.userIndex.toMap(),
      itemMap: this.itemIndex.toMap(),
      lines: this.lineNo,
      bytes: this.bytes,
      skipped: this.skipped,
      badLines: this.badLines,
      header: this.header,
      source: this.source,
    };
  }

  /** Sizes the first block from the size hint and the first chunk's mean line length (+10%). */
  private reserve(chunk: Uint8Array): void {
    let lines = 0;
    for (let p = chunk.indexOf(10); p >= 0; p = chunk.indexOf(10, p + 1)) lines++;
    if (lines < 16) return;
    const size = Math.ceil((this.sizeHint / (chunk.length / lines)) * 1.1) + 1024;
    if (size <= BLOCK || size > 2 ** 28) return;
    this.blockSize = size;
    this.u.reserve(size);
    this.i.reserve(size);
    this.v.reserve(size);
    this.t?.reserve(size);
  }

  private progress(): void {
    this.onProgress?.({ bytes: this.bytes, lines: this.lineNo, ratings: this.count });
  }

  private appendCarry(chunk: Uint8Array, s: number, e: number): void {
    const need = this.carryLength + (e - s);
    if (need > this.carry.length) {
      const grown = new Uint8Array(Math.max(need, this.carry.length * 2));
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
    }
    this.carry.set(chunk.subarray(s, e), this.carryLength);
    this.carryLength = need;
  }

  /** One physical line, [s, e) without its '\n'. */
  private line(buf: Uint8Array, s: number, e: number): void {
    this.lineNo++;
    if (e > s && buf[e - 1] === 13) e--;
    if (!this.started) {
      if (e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
    }
    let p = s;
    while (p < e && (buf[p] === 32 || buf[p] === 9)) p++;
    if (p === e) return; // blank line
    if (!this.started) {
      this.started = true;
      if (this.delimiter === 'auto') this.delimiter = detectDelimiter(buf, s, e);
      this.setMode();
      if (this.headerMode === true || (this.headerMode === 'auto' && this.looksLikeHeader(buf, s, e))) {
        this.readHeader(buf, s, e);
        return;
      }
    }
    const found = this.split(buf, s, e, this.need);
    if (found < this.need) {
      this.bad(buf, s, e, found < 0 ? 'unbalanced quotes' : `expected at least ${this.need} fields, found ${found}`);
      return;
    }
    const fs = this.fs;
    const fe = this.fe;
    let value = this.defaultValue;
    if (this.valueCol >= 0) {
      value = parseNumber(buf, fs[this.valueCol]!, fe[this.valueCol]!);
      if (!Number.isFinite(Math.fround(value))) {
        this.bad(buf, s, e, 'the value is not a finite number');
        return;
      }
    }
    let time = 0;
    if (this.timeCol >= 0) {
      time = parseNumber(buf, fs[this.timeCol]!, fe[this.timeCol]!);
      if (!Number.isFinite(time)) {
        this.bad(buf, s, e, 'the timestamp is not a number');
        return;
      }
    }
    const us = fs[this.userCol]!;
    const ue = fe[this.userCol]!;
    const is = fs[this.itemCol]!;
    const ie = fe[this.itemCol]!;
    if (us === ue || is === ie) {
      this.bad(buf, s, e, us === ue ? 'the user ID is empty' : 'the item ID is empty');
      return;
    }
    const user = this.id(this.userIndex, buf, us, ue, this.fq[this.userCol]!);
    const item = this.id(this.itemIndex, buf, is, ie, this.fq[this.itemCol]!);
    const at = this.inBlock;
    this.u.current[at] = user;
    this.i.current[at] = item;
    this.v.current[at] = value;
    if (this.t) this.t.current[at] = time;
    this.count++;
    if (++this.inBlock === this.blockSize) {
      this.blockSize = BLOCK;
      this.u.next();
      this.i.next();
      this.v.next();
      this.t?.next();
      this.inBlock = 0;
    }
  }

  private id(index: IdIndex, buf: Uint8Array, s: number, e: number, escaped: number): number {
    // A canonical non-negative integer: digits only, no leading zero, at most 15 digits.
    const len = e - s;
    if (len <= 15 && (len === 1 || buf[s] !== 48)) {
      let n = 0;
      let p = s;
      let c = 0;
      while (p < e && (c = buf[p]! - 48) >= 0 && c <= 9) (n = n * 10 + c), p++;
      if (p === e) return index.number(n);
    }
    let text = this.text(buf, s, e, index === this.userIndex ? 'user ID' : 'item ID');
    if (escaped) text = text.replace(/""/g, '"');
    return index.string(text);
  }

  /** A field as text; invalid UTF-8 is CORRUPT_INPUT with the line (never IDs that silently collapse into U+FFFD). */
  private text(buf: Uint8Array, s: number, e: number, what: string): string {
    if (e - s < 64) {
      let ascii = true;
      for (let p = s; p < e; p++) if (buf[p]! >= 0x80) ascii = false;
      if (ascii) return String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
    }
    try {
      return strictUtf8.decode(buf.subarray(s, e));
    } catch {
      fail(
        ErrorCode.CORRUPT_INPUT,
        `${this.source}:${this.lineNo}: the ${what} is not valid UTF-8: ${JSON.stringify(decode(buf, s, Math.min(e, s + 200)))}.`,
        'Convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8 file).',
      );
    }
  }

  private bad(buf: Uint8Array, s: number, e: number, reason: string): void {
    const text = decode(buf, s, Math.min(e, s + 200));
    if (this.onBadLine === 'error') {
      fail(
        ErrorCode.MALFORMED_LINE,
        `${this.source}:${this.lineNo}: ${reason}: ${JSON.stringify(text)}.`,
        "Fix the line, or pass onBadLine: 'skip' (CLI: --skip-bad-lines) to skip and count malformed lines.",
      );
    }
    this.skipped++;
    if (this.badLines.length < 10) this.badLines.push({ line: this.lineNo, text, reason });
  }

  private setMode(): void {
    const d = this.delimiter;
    this.mode = d === '::' ? Mode.DoubleColon : d === 'whitespace' ? Mode.Blanks : Mode.Byte;
    this.delimByte = d.charCodeAt(0);
  }

  /**
   * 'auto' header: the first line is a header only when every one of its fields is not a
   * number (a data row with one bad value must be reported, not silently dropped as a
   * header). Without a numeric column (value or timestamp) there is no telling — IDs may be
   * words — so there is no header: pass header: true.
   */
  private looksLikeHeader(buf: Uint8Array, s: number, e: number): boolean {
    if (this.valueCol < 0 && this.timeCol < 0) return false;
    const found = this.split(buf, s, e, 256);
    if (found <= 0) return false;
    for (let f = 0; f < found; f++) if (!Number.isNaN(parseNumber(buf, this.fs[f]!, this.fe[f]!))) return false;
    return true;
  }

  private readHeader(buf: Uint8Array, s: number, e: number): void {
    const found = this.split(buf, s, e, 256);
    const names: string[] = [];
    for (let f = 0; f < Math.max(found, 0); f++) {
      let name = this.text(buf, this.fs[f]!, this.fe[f]!, 'header');
      if (this.fq[f]) name = name.replace(/""/g, '"');
      names.push(name);
    }
    this.header = names;
    this.resolveColumns(names);
  }

  private resolveColumns(names: string[] | null): void {
    const at = (c: Column | null, what: string): number => {
      if (c === null) return -1;
      if (typeof c === 'number') return c;
      const index = names!.indexOf(c);
      if (index < 0) {
        fail(
          ErrorCode.MISSING_COLUMN,
          `${this.source}: the header has no column '${c}' for the ${what} (it has ${names!.map((n) => `'${n}'`).join(', ')}).`,
          `Pass columns: { ${what}: <name or 0-based index> }.`,
        );
      }
      return index;
    };
    this.userCol = at(this.columnSpec.user, 'user');
    this.itemCol = at(this.columnSpec.item, 'item');
    this.valueCol = at(this.columnSpec.value, 'value');
    this.timeCol = at(this.columnSpec.timestamp, 'timestamp');
    this.need = Math.max(this.userCol, this.itemCol, this.valueCol, this.timeCol) + 1;
  }

  /**
   * Splits [s, e) into at most `need` fields (bounds in fs/fe, surrounding blanks trimmed,
   * CSV quotes removed). Returns the number found, or -1 for an unterminated quote.
   */
  private split(buf: Uint8Array, s: number, e: number, need: number): number {
    const fs = this.fs;
    const fe = this.fe;
    const fq = this.fq;
    let p = s;
    let f = 0;
    if (this.mode === Mode.Blanks) {
      while (f < need) {
        while (p < e && (buf[p] === 32 || buf[p] === 9)) p++;
        if (p === e) break;
        fs[f] = p;
        while (p < e && buf[p] !== 32 && buf[p] !== 9) p++;
        fe[f] = p;
        fq[f++] = 0;
      }
      return f;
    }
    const d = this.delimByte;
    const colons = this.mode === Mode.DoubleColon;
    const trimTab = d !== 9;
    while (f < need) {
      while (p < e && (buf[p] === 32 || (trimTab && buf[p] === 9))) p++;
      if (!colons && p < e && buf[p] === 34) {
        // "quoted, with "" for a quote"
        let q = p + 1;
        let escaped = 0;
        for (;;) {
          while (q < e && buf[q] !== 34) q++;
          if (q >= e) return -1;
          if (q + 1 < e && buf[q + 1] === 34) {
            escaped = 1;
            q += 2;
            continue;
          }
          break;
        }
        fs[f] = p + 1;
        fe[f] = q;
        fq[f++] = escaped;
        p = q + 1;
        while (p < e && (buf[p] === 32 || (trimTab && buf[p] === 9))) p++;
        if (p >= e) break;
        if (buf[p] !== d) return -1;
        p++;
        continue;
      }
      let q = p;
      if (colons) while (q < e && !(buf[q] === 58 && q + 1 < e && buf[q + 1] === 58)) q++;
      else while (q < e && buf[q] !== d) q++;
      let t = q;
      while (t > p && (buf[t - 1] === 32 || (trimTab && buf[t - 1] === 9))) t--;
      fs[f] = p;
      fe[f] = t;
      fq[f++] = 0;
      if (q >= e) break;
      p = q + (colons ? 2 : 1);
    }
    return f;
  }
}

function detectDelimiter(buf: Uint8Array, s: number, e: number): Delimiter {
  let tab = false;
  let comma = false;
  let semi = false;
  for (let p = s; p < e; p++) {
    const c = buf[p];
    if (c === 58 && buf[p + 1] === 58 && p + 1 < e) return '::';
    if (c === 9) tab = true;
    else if (c === 44) comma = true;
    else if (c === 59) semi = true;
  }
  return tab ? '\t' : comma ? ',' : semi ? ';' : 'whitespace';
}

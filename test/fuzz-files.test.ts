/**
 * Fuzzing of every byte reader but Spark's (issue 11): the .als model file, .npz / implicit
 * models, .npy headers, and the CSV/TSV loaders. Seeded, so every run tries the same inputs;
 * bounded, so the whole file runs in a few seconds.
 *
 * Every input must end in one of: a coded AlsError; an identical load (the same model as the
 * undamaged file, or for text the same triples however the bytes are chunked); or, where the
 * format has no checksum over what was changed, a load that is a valid file in its own right
 * (it survives its own writer and reader unchanged). Never a non-AlsError, a crash, or more
 * than 1 s for one input. The counts per category are printed at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ALS, ALSModel, AlsError, Ratings } from '../src/index.js';
import { loadRatings, parseTriples } from '../src/data/loaders/load.js';
import { loadRatingsFile } from '../src/data/loaders/file.node.js';
import type { ParsedTriples, ParseOptions } from '../src/data/loaders/parse.js';
import { parseNpy, readImplicitModel, readNpz, writeImplicitModel, writeNpy, type NpyArray } from '../src/interop/index.js';
import { crc32 } from '../src/model/format.js';
import { npyFileLength } from '../src/interop/npy.js';
import { Prng } from '../src/train/prng.js';
import { concat, craftZip, deflateWithZeros, npyHeader, storedMember } from './bytes-helpers.js';

type Category = 'als' | 'npz' | 'npy' | 'csv/tsv';
/** 'identical': the same model / triples; 'valid': a different but self-consistent file (only where no checksum covers the change). */
type Outcome = 'identical' | 'valid';

interface Tally {
  tried: number;
  codes: Record<string, number>;
  identical: number;
  valid: number;
  /** Anything else: a non-AlsError, a load that should not be, a slow case. Must stay empty. */
  other: string[];
  worstMs: number;
  worstCase: string;
}

const LIMIT_MS = 1000;
const tallies = new Map<Category, Tally>();
const tally = (c: Category): Tally => {
  let t = tallies.get(c);
  if (!t) tallies.set(c, (t = { tried: 0, codes: {}, identical: 0, valid: 0, other: [], worstMs: 0, worstCase: '' }));
  return t;
};

function record(category: Category, label: string, ms: number, result: { outcome?: Outcome; error?: unknown }): void {
  const t = tally(category);
  t.tried++;
  if (ms > t.worstMs) (t.worstMs = ms), (t.worstCase = label);
  if (ms > LIMIT_MS) t.other.push(`${label}: took ${ms.toFixed(0)} ms`);
  if (result.error === undefined) t[result.outcome!]++;
  else if (result.error instanceof AlsError) t.codes[result.error.code] = (t.codes[result.error.code] ?? 0) + 1;
  else
    t.other.push(
      `${label}: ${result.error instanceof Error ? `${result.error.name}: ${result.error.message}` : String(result.error)}`,
    );
}

/** Runs one input; `check` returns the outcome of a load or throws (an AlsError to refuse, an Error for a wrong load). */
function attempt(category: Category, label: string, check: () => Outcome): void {
  const started = performance.now();
  let result: { outcome?: Outcome; error?: unknown };
  try {
    result = { outcome: check() };
  } catch (error) {
    result = { error };
  }
  record(category, label, performance.now() - started, result);
}

async function attemptAsync(category: Category, label: string, check: () => Promise<Outcome>): Promise<void> {
  const started = performance.now();
  let result: { outcome?: Outcome; error?: unknown };
  try {
    result = { outcome: await check() };
  } catch (error) {
    result = { error };
  }
  record(category, label, performance.now() - started, result);
}

/** Throws a plain Error (counted as "anything else") when a load is not what it must be. */
function must(condition: boolean, why: string): void {
  if (!condition) throw new Error(why);
}

const same = (a: ArrayLike<unknown>, b: ArrayLike<unknown>) =>
  a.length === b.length && Array.prototype.every.call(a, (v, i) => Object.is(v, b[i]));

function sameModel(a: ALSModel, b: ALSModel): boolean {
  return (
    same(a.userIds, b.userIds) &&
    same(a.itemIds, b.itemIds) &&
    same(a.userFactors, b.userFactors) &&
    same(a.itemFactors, b.itemFactors) &&
    JSON.stringify(a.options) === JSON.stringify(b.options) &&
    a.globalMean === b.globalMean &&
    same(a.userBiases ?? [], b.userBiases ?? []) &&
    same(a.itemBiases ?? [], b.itemBiases ?? [])
  );
}

function flip(bytes: Uint8Array, rng: Prng): { bad: Uint8Array; at: number; mask: number } {
  const bad = bytes.slice();
  const at = rng.int(bad.length);
  const mask = 1 + rng.int(255);
  bad[at]! ^= mask;
  return { bad, at, mask };
}

afterAll(() => {
  const lines = [
    'fuzz-files: category | tried | coded errors (by code) | identical loads | valid other loads | anything else | worst ms (case)',
  ];
  for (const [c, t] of tallies) {
    const codes = Object.entries(t.codes)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(
      `  ${c} | ${t.tried} | ${Object.values(t.codes).reduce((a, b) => a + b, 0)} (${codes}) | ${t.identical} | ${t.valid} | ${t.other.length} | ${t.worstMs.toFixed(1)} (${t.worstCase})`,
    );
  }
  console.log(lines.join('\n'));
});

function expectClean(category: Category) {
  const t = tally(category);
  expect(t.other.slice(0, 10)).toEqual([]);
  expect(t.worstMs).toBeLessThan(LIMIT_MS);
}

async function trainedModel(ids: 'string' | 'number' | 'dense', biases: boolean) {
  const rng = new Prng(21);
  const users: (string | number)[] = [];
  const items: (string | number)[] = [];
  const values: number[] = [];
  const id = (p: string, n: number) => (ids === 'string' ? `${p}${n}ü` : ids === 'number' ? n * 3 + 0.25 : n);
  for (let u = 0; u < 7; u++)
    for (let i = 0; i < 6; i++)
      if (rng.next() < 0.5 || i === u % 6) users.push(id('u', u)), items.push(id('i', i)), values.push(1 + rng.int(5));
  return new ALS({ factors: 3, iterations: 2, biases, threads: 1 }).fit(
    Ratings.fromTriples({ users, items, values }, { denseIds: ids === 'dense' }),
  );
}

describe('fuzz: the .als model file', () => {
  it('every flip is refused, every truncation and extension too; a crafted header with a valid checksum is refused or loads a model that round-trips', async () => {
    const rng = new Prng(1101);
    const bases: [string, Uint8Array][] = [
      ['string+biases+seen', (await trainedModel('string', true)).toBytes()],
      ['number+seen', (await trainedModel('number', false)).toBytes()],
      ['dense,no seen', (await trainedModel('dense', false)).toBytes({ seen: false })],
    ];
    for (const [name, bytes] of bases) {
      const original = ALSModel.fromBytes(bytes);
      for (let n = 0; n < 600; n++) {
        const { bad, at, mask } = flip(bytes, rng);
        // Every byte is covered by the CRC-32 (or is the CRC, or the length): no flip may load.
        attempt(
          'als',
          `${name} flip ${at}^${mask}`,
          () => (ALSModel.fromBytes(bad), must(false, 'a flipped file loaded'), 'identical'),
        );
      }
      for (let n = 0; n < 100; n++) {
        const length = rng.int(bytes.length);
        attempt(
          'als',
          `${name} cut at ${length}`,
          () => (ALSModel.fromBytes(bytes.subarray(0, length)), must(false, 'a cut file loaded'), 'identical'),
        );
      }
      for (let n = 0; n < 20; n++) {
        const extra = Uint8Array.from({ length: 1 + rng.int(64) }, () => rng.int(256));
        attempt(
          'als',
          `${name} + ${extra.length} bytes`,
          () => (ALSModel.fromBytes(concat([bytes, extra])), must(false, 'an extended file loaded'), 'identical'),
        );
      }
      // Header JSON mutated, checksum made valid again: a crafted file.
      const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
      for (let n = 0; n < 150; n++) {
        const bad = bytes.slice();
        const count = 1 + rng.int(3);
        for (let c = 0; c < count; c++) bad[24 + rng.int(headerLength)] = rng.next() < 0.5 ? 32 + rng.int(95) : rng.int(256);
        new DataView(bad.buffer).setUint32(bad.length - 4, crc32(bad.subarray(0, bad.length - 4)), true);
        attempt('als', `${name} crafted header`, () => {
          const model = ALSModel.fromBytes(bad);
          if (sameModel(model, original)) return 'identical';
          // A different valid file: it must save and load back unchanged.
          const again = model.toBytes();
          must(
            sameModel(ALSModel.fromBytes(again), model) && same(ALSModel.fromBytes(again).toBytes(), again),
            'a crafted model does not round-trip',
          );
          return 'valid';
        });
      }
      // Identical bytes give an identical model, through any view.
      attempt(
        'als',
        `${name} intact`,
        () => (must(sameModel(ALSModel.fromBytes(bytes.slice()), original), 'intact file differs'), 'identical'),
      );
    }
    expectClean('als');
    expect(tally('als').valid + tally('als').identical).toBeGreaterThan(3);
  });
});

describe('fuzz: .npz (implicit models)', () => {
  it('flips and truncations are refused or load the identical model', async () => {
    const rng = new Prng(2202);
    const implicitModel = await trainedModel('string', false);
    const dense = await trainedModel('dense', false);
    const user = writeNpy({ dtype: '<f4', shape: [dense.numUsers, 3], data: dense.userFactors });
    const item = writeNpy({ dtype: '<f4', shape: [dense.numItems, 3], data: dense.itemFactors });
    const bases: [string, Uint8Array][] = [
      ['stored, string IDs, options JSON', writeImplicitModel(implicitModel)],
      ['deflated', writeImplicitModel(dense, { compress: true })],
      ['zip64 directory', craftZip([storedMember('user_factors.npy', user, true), storedMember('item_factors.npy', item, true)])],
      [
        'deflated by zlib',
        craftZip(
          [user, item].map((data, i) => ({
            name: ['user_factors.npy', 'item_factors.npy'][i]!,
            data: deflateRawSync(data),
            method: 8 as const,
            size: data.length,
            crc: crc32(data),
          })),
        ),
      ],
    ];
    for (const [name, bytes] of bases) {
      const original = readImplicitModel(bytes);
      for (let n = 0; n < 450; n++) {
        const { bad, at, mask } = flip(bytes, rng);
        attempt(
          'npz',
          `${name} flip ${at}^${mask}`,
          () => (must(sameModel(readImplicitModel(bad), original), 'a flipped .npz loaded a different model'), 'identical'),
        );
      }
      for (let n = 0; n < 80; n++) {
        const length = rng.int(bytes.length);
        attempt(
          'npz',
          `${name} cut at ${length}`,
          () => (
            must(sameModel(readImplicitModel(bytes.subarray(0, length)), original), 'a cut .npz loaded a different model'),
            'identical'
          ),
        );
      }
    }
    for (let n = 0; n < 100; n++) {
      const junk = concat([Uint8Array.of(0x50, 0x4b), Uint8Array.from({ length: rng.int(3000) }, () => rng.int(256))]);
      attempt('npz', 'PK + random bytes', () => (readNpz(junk), must(false, 'random bytes loaded as an .npz'), 'identical'));
    }
    expectClean('npz');
  });

  it('bombs: huge declared shapes, sizes that lie, streams that run on, totals past maxBytes', () => {
    const rng = new Prng(2203);
    const items = writeNpy({ dtype: '<f4', shape: [2, 4], data: new Float32Array(8) });
    for (let n = 0; n < 120; n++) {
      // A user_factors member: header shape rows × 4 float32, data zeros. Small models could
      // load; huge ones (past the 1 GiB default) come with a stream of at most 1 MiB of zeros.
      const huge = rng.next() < 0.5;
      const rows = huge ? 2 ** (26 + rng.int(5)) + rng.int(1000) : 1 + rng.int(1 << 14);
      const header = npyHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, 4), }`);
      const honest = header.length + rows * 16;
      const lie = rng.int(4);
      const declared = lie === 0 ? honest + 1 + rng.int(1 << 20) : lie === 1 ? Math.max(0, honest - 1 - rng.int(honest)) : honest;
      // The stream: the header then zeros, as many as the header needs, or more, or fewer.
      const needed = huge ? rng.int(1 << 20) : rows * 16;
      const zeros = lie === 2 ? needed + 1 + rng.int(64 << 20) : lie === 3 && rng.next() < 0.5 ? rng.int(needed) : needed;
      const data = deflateWithZeros(header, zeros);
      const crc = zeros === rows * 16 && rows <= 1 << 14 ? crc32(concat([header, new Uint8Array(rows * 16)])) : rng.int(2 ** 32);
      const zip = craftZip([
        { name: 'user_factors.npy', data, method: 8, size: declared, crc, zip64: rng.next() < 0.3 },
        storedMember('item_factors.npy', items),
      ]);
      const maxBytes = rng.next() < 0.5 ? undefined : 1 + rng.int(1 << 21);
      const label = `bomb rows ${rows}, declared ${declared} of ${honest}, ${zeros} zeros, maxBytes ${maxBytes}, file ${zip.length} B`;
      attempt('npz', label, () => {
        const model = readImplicitModel(zip, { maxBytes });
        // Only an honest member within the limit may load, and then it is exactly what it says.
        must(declared === honest && zeros === rows * 16 && honest + items.length <= (maxBytes ?? 2 ** 30), `${label} loaded`);
        must(model.numUsers === rows && model.userFactors.every((v) => v === 0), `${label} loaded wrong factors`);
        return 'identical';
      });
    }
    expectClean('npz');
  });
});

describe('fuzz: .npy headers', () => {
  const DESCRS = [
    '<f4',
    '<f8',
    '>f8',
    '<f2',
    '|u1',
    '<i8',
    '>i4',
    '|b1',
    '<U3',
    '|S4',
    '|O',
    '<O8',
    'f4',
    '=f4',
    '<f3',
    '<f16',
    '<U0',
    '|S0',
    '<U99999999',
    '<c8',
    'x',
    '',
    '<f4 ',
    "[('a', '<f4')]",
  ];
  const ORDERS = ['True', 'False', 'None', '1', "'False'", ''];
  const dim = (rng: Prng): string => {
    const r = rng.int(10);
    return r < 5
      ? String(rng.int(6))
      : r < 6
        ? String(2 ** (20 + rng.int(40)))
        : r < 7
          ? '-1'
          : r < 8
            ? '1.5'
            : r < 9
              ? "'3'"
              : `${rng.int(4)}L`;
  };
  function header(rng: Prng): string {
    const parts: string[] = [];
    if (rng.next() < 0.95)
      parts.push(`'descr': ${rng.next() < 0.9 ? `'${DESCRS[rng.int(DESCRS.length)]}'` : DESCRS[DESCRS.length - 1]}`);
    if (rng.next() < 0.95) parts.push(`'fortran_order': ${ORDERS[rng.int(ORDERS.length)]}`);
    if (rng.next() < 0.95) {
      const n = rng.int(rng.next() < 0.95 ? 4 : 70);
      const dims = Array.from({ length: n }, () => dim(rng));
      parts.push(`'shape': ${rng.next() < 0.8 ? `(${dims.join(', ')}${n === 1 ? ',' : ''})` : `[${dims.join(', ')}]`}`);
    }
    if (rng.next() < 0.1) parts.push(`'extra': {'a': ((((1,),),),)}`);
    if (rng.next() < 0.5) parts.reverse();
    let text = `{${parts.join(', ')}, }`;
    if (rng.next() < 0.15) {
      const at = rng.int(text.length);
      text = text.slice(0, at) + String.fromCharCode(rng.int(128)) + text.slice(at + 1);
    }
    return text;
  }

  it('mutated header dicts (shapes, dtypes, fortran_order, lengths, versions) are refused or load an array that round-trips', () => {
    const rng = new Prng(3303);
    for (let n = 0; n < 2500; n++) {
      const text = header(rng);
      const head = npyHeader(text);
      // Data: the length the header declares (when it can be read and is small), or a random length.
      let want = rng.int(4) === 0 ? rng.int(200) : 4 * rng.int(64);
      if (rng.next() < 0.6) {
        try {
          const layout = npyFileLength(head);
          if ('length' in layout && layout.length !== null && layout.length - head.length <= 1 << 16)
            want = layout.length - head.length;
        } catch {
          // an unreadable header keeps the random length
        }
      }
      const bytes = concat([head, Uint8Array.from({ length: want }, () => rng.int(256))]);
      const version = rng.int(8);
      if (version === 1)
        bytes[6] = 2 + rng.int(2); // a v2/v3 length field read from v1 bytes
      else if (version === 2) new DataView(bytes.buffer).setUint16(8, rng.int(65536), true);
      else if (version === 3) bytes[6] = rng.int(256);
      attempt('npy', `header ${JSON.stringify(text)} v${bytes[6]} + ${want} bytes`, () => (roundTrips(parseNpy(bytes)), 'valid'));
    }
    expectClean('npy');
  });

  it('flips in the headers of valid files are refused or load an array that round-trips (.npy has no checksum)', () => {
    const rng = new Prng(3304);
    const arrays: NpyArray[] = [
      { dtype: '<f4', shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i) },
      { dtype: '<f8', shape: [5], data: Float64Array.of(1, 2, 3, 4, 5) },
      { dtype: '<i8', shape: [2, 2], data: BigInt64Array.of(1n, -2n, 3n, -4n) },
      { dtype: '<U4', shape: [2], data: ['ab', 'cdé'] },
      { dtype: '|b1', shape: [], data: Uint8Array.of(1) },
    ];
    for (const array of arrays) {
      const bytes = writeNpy(array);
      const dataStart = 10 + new DataView(bytes.buffer).getUint16(8, true);
      for (let n = 0; n < 200; n++) {
        const bad = bytes.slice();
        const at = rng.int(Math.max(10, dataStart));
        bad[at]! ^= 1 + rng.int(255);
        attempt('npy', `${array.dtype} flip ${at}`, () => {
          const parsed = parseNpy(bad);
          roundTrips(parsed);
          const unchanged =
            parsed.dtype === array.dtype &&
            same(parsed.shape, array.shape) &&
            same(parsed.data as ArrayLike<unknown>, array.data as ArrayLike<unknown>);
          return unchanged ? 'identical' : 'valid';
        });
      }
    }
    expectClean('npy');
  });

  /** A load must be self-consistent: as many values as the shape says, and writeNpy → parseNpy gives it back. */
  function roundTrips(array: NpyArray): void {
    const count = array.shape.reduce((a, d) => a * d, 1);
    must(array.data.length === count, `shape (${array.shape}) with ${array.data.length} values`);
    const again = parseNpy(writeNpy(array));
    must(
      again.dtype === array.dtype &&
        same(again.shape, array.shape) &&
        same(again.data as ArrayLike<unknown>, array.data as ArrayLike<unknown>),
      'does not round-trip',
    );
  }
});

describe('fuzz: CSV/TSV loaders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'als-fuzz-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const encoder = new TextEncoder();

  function options(rng: Prng): ParseOptions {
    const o: ParseOptions = {};
    if (rng.next() < 0.5) o.delimiter = ([',', '\t', ';', '|', '::', 'whitespace', 'auto'] as const)[rng.int(7)];
    if (rng.next() < 0.4) o.header = ([true, false, 'auto'] as const)[rng.int(3)];
    if (rng.next() < 0.3)
      o.columns = {
        user: rng.int(3),
        item: rng.int(3),
        value: rng.next() < 0.3 ? null : rng.int(4),
        ...(rng.next() < 0.2 && { timestamp: rng.int(5) }),
      };
    if (rng.next() < 0.5) o.onBadLine = 'skip';
    if (rng.next() < 0.1)
      o.format = (['movielens-100k', 'movielens-1m', 'movielens-csv', 'lastfm', 'libmf'] as const)[rng.int(5)];
    return o;
  }

  function field(rng: Prng): Uint8Array {
    const r = rng.int(16);
    const text =
      r < 5
        ? String(rng.int(50))
        : r < 7
          ? (rng.next() * 10 - 2).toFixed(rng.int(4))
          : r < 8
            ? ['1e40', 'NaN', '-0', 'Infinity', '1e-50', '0x10', '', ' 3 '][rng.int(8)]!
            : r < 10
              ? ['ann', 'bob', 'zoë', '日本', '𝄞', 'a b', '"q,uo""ted"', '"open'][rng.int(8)]!
              : r < 11
                ? 'x'.repeat(rng.int(400))
                : r < 12
                  ? String(2 ** 53 + rng.int(9))
                  : String(rng.int(10));
    const bytes = encoder.encode(text);
    if (rng.next() < 0.04) return concat([bytes, Uint8Array.of(0x80 + rng.int(128))]); // invalid UTF-8
    return bytes;
  }

  function text(rng: Prng): Uint8Array {
    const delimiter = [',', '\t', ';', '|', '::', ' ', '  '][rng.int(7)]!;
    const parts: Uint8Array[] = [];
    if (rng.next() < 0.1) parts.push(Uint8Array.of(0xef, 0xbb, 0xbf));
    if (rng.next() < 0.3) parts.push(encoder.encode(`user${delimiter}item${delimiter}rating\n`));
    const lines = rng.int(40);
    for (let l = 0; l < lines; l++) {
      const fields = rng.next() < 0.9 ? 3 + rng.int(2) : rng.int(7);
      for (let f = 0; f < fields; f++) {
        if (f) parts.push(encoder.encode(rng.next() < 0.95 ? delimiter : [',', '\t', '::'][rng.int(3)]!));
        parts.push(field(rng));
      }
      parts.push(encoder.encode(rng.next() < 0.1 ? '\r\n' : rng.next() < 0.05 ? '\n\n' : '\n'));
    }
    return concat(parts);
  }

  /** Parses in one chunk, then in random chunks: the same triples (or the same error code) either way. */
  async function consistentParse(bytes: Uint8Array, o: ParseOptions, rng: Prng): Promise<Outcome> {
    const codeOrRows = async (input: Uint8Array | Uint8Array[]) => {
      try {
        const p = await parseTriples(input, o);
        check(p);
        return JSON.stringify([p.lines, p.skipped, p.header, rows(p)]);
      } catch (error) {
        if (error instanceof AlsError) return `error ${error.code}`;
        throw error;
      }
    };
    const whole = await codeOrRows(bytes);
    const chunks: Uint8Array[] = [];
    for (let s = 0; s < bytes.length; ) {
      const e = Math.min(bytes.length, s + 1 + rng.int(64));
      chunks.push(bytes.subarray(s, e));
      s = e;
    }
    must((await codeOrRows(chunks)) === whole, 'chunking changed the result');
    if (whole.startsWith('error ')) {
      // Report the error as the outcome of this input.
      await parseTriples(bytes, o);
    }
    // Loading into Ratings (duplicates summed) must work on anything that parsed.
    const loaded = await loadRatings(bytes, { ...o, duplicates: 'sum' }).catch((e: unknown) => {
      if (e instanceof AlsError && e.code === 'EMPTY_DATA') return null;
      throw e;
    });
    if (loaded) must(loaded.ratings.nnz <= loaded.triples.values.length, 'more ratings than triples');
    return 'identical';
  }

  function check(p: ParsedTriples): void {
    const n = p.values.length;
    must(
      p.users.length === n && p.items.length === n && (p.timestamps === null || p.timestamps.length === n),
      'array lengths differ',
    );
    for (let e = 0; e < n; e++) {
      must(Number.isFinite(p.values[e]!), 'a non-finite value');
      must(
        p.users[e]! >= 0 && p.users[e]! < p.userMap.size && p.items[e]! >= 0 && p.items[e]! < p.itemMap.size,
        'an index out of range',
      );
    }
    for (const id of [...p.userMap.ids(), ...p.itemMap.ids()])
      must(typeof id === 'number' || !id.includes('\uFFFD'), `an ID decoded with U+FFFD: ${String(id)}`);
  }

  function rows(p: ParsedTriples): unknown[] {
    const users = p.userMap.ids();
    const items = p.itemMap.ids();
    return Array.from(p.values, (v, e) => [users[p.users[e]!], items[p.items[e]!], v, p.timestamps?.[e] ?? null]);
  }

  it('random lines, random bytes and binary are refused with a code or parse identically however chunked', async () => {
    const rng = new Prng(4404);
    for (let n = 0; n < 500; n++) {
      const bytes = text(rng);
      const o = options(rng);
      await attemptAsync(
        'csv/tsv',
        `lines ${JSON.stringify(o)} ${JSON.stringify(new TextDecoder().decode(bytes.subarray(0, 60)))}`,
        () => consistentParse(bytes, o, rng),
      );
    }
    for (let n = 0; n < 250; n++) {
      const bytes = Uint8Array.from({ length: rng.int(3000) }, () =>
        rng.next() < 0.5 ? rng.int(256) : [10, 44, 9, 48 + rng.int(10), 34][rng.int(5)]!,
      );
      const o = options(rng);
      await attemptAsync('csv/tsv', `random bytes (${bytes.length})`, () => consistentParse(bytes, o, rng));
    }
    expectClean('csv/tsv');
  });

  it('.gz files: random, cut, flipped, and plain text named .gz are refused with a code or load identically', async () => {
    const rng = new Prng(4405);
    for (let n = 0; n < 60; n++) {
      const plain = text(rng);
      const gz = gzipSync(plain);
      const kind = rng.int(4);
      const bytes =
        kind === 0
          ? gz
          : kind === 1
            ? gz.subarray(0, rng.int(gz.length))
            : kind === 2
              ? (() => {
                  const b = Uint8Array.from(gz);
                  b[rng.int(b.length)]! ^= 1 + rng.int(255);
                  return b;
                })()
              : plain;
      const path = join(dir, `f${n}.csv.gz`);
      writeFileSync(path, bytes);
      const o = options(rng);
      await attemptAsync('csv/tsv', `.gz kind ${kind}`, async () => {
        const fromFile = await loadRatingsFile(path, o);
        check(fromFile.triples);
        // A .gz that loads must be the file's text (gzip's CRC-32 covers the data).
        const fromText = await parseTriples(plain, o).catch(() => null);
        must(
          fromText !== null && JSON.stringify(rows(fromText)) === JSON.stringify(rows(fromFile.triples)),
          '.gz loaded something other than its text',
        );
        return 'identical';
      });
    }
    expectClean('csv/tsv');
  });
});

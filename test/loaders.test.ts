import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { AlsError, ErrorCode } from '../src/errors.js';
import { loadRatings, parseTriples } from '../src/data/loaders/load.js';
import { loadRatingsFile, parseTriplesFile } from '../src/data/loaders/file.node.js';
import type { ParsedTriples } from '../src/data/loaders/parse.js';

const dir = mkdtempSync(join(tmpdir(), 'als-loaders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The triples by external ID, for comparing parses. */
function rows(p: ParsedTriples): [unknown, unknown, number, number | null][] {
  const users = p.userMap.ids();
  const items = p.itemMap.ids();
  return Array.from(p.values, (v, e) => [users[p.users[e]!], items[p.items[e]!], v, p.timestamps ? p.timestamps[e]! : null]);
}

async function errorOf(promise: Promise<unknown>): Promise<AlsError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AlsError);
    return error as AlsError;
  }
  throw new Error('expected an AlsError');
}

describe('presets on small generated files', () => {
  it('movielens-100k (u.data: tab separated, timestamp, no header)', async () => {
    const path = file('u.data', '196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n');
    const { ratings, triples } = await loadRatingsFile(path, { format: 'movielens-100k' });
    expect(rows(triples)).toEqual([
      [196, 242, 3, 881250949],
      [186, 302, 3, 891717742],
      [22, 377, 1, 878887116],
    ]);
    expect(ratings.nnz).toBe(3);
    expect(ratings.userIndex(186)).toBe(1);
  });

  it('movielens-1m (ratings.dat: ::, no header)', async () => {
    const path = file('ratings.dat', '1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n');
    const { triples } = await loadRatingsFile(path, { format: 'movielens-1m' });
    expect(rows(triples)).toEqual([
      [1, 1193, 5, 978300760],
      [1, 661, 3, 978302109],
      [2, 1193, 4, 978298413],
    ]);
  });

  it('movielens-csv (ratings.csv: header by name, half stars)', async () => {
    const path = file(
      'ratings.csv',
      'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n2,1,0.5,964982224\n',
    );
    const { triples } = await loadRatingsFile(path, { format: 'movielens-csv' });
    expect(rows(triples)).toEqual([
      [1, 1, 4, 964982703],
      [1, 3, 4.5, 964981247],
      [2, 1, 0.5, 964982224],
    ]);
    expect(triples.header).toEqual(['userId', 'movieId', 'rating', 'timestamp']);
  });

  it('movielens-csv finds columns by name in any order', async () => {
    const text = 'timestamp,rating,movieId,userId\n964982703,4.0,10,1\n';
    expect(rows(await parseTriples(text, { format: 'movielens-csv' }))).toEqual([[1, 10, 4, 964982703]]);
  });

  it('lastfm (user_artists.dat: tab, header, CRLF)', async () => {
    const path = file('user_artists.dat', 'userID\tartistID\tweight\r\n2\t51\t13883\r\n2\t52\t11690\r\n3\t51\t7\r\n');
    const { triples } = await loadRatingsFile(path, { format: 'lastfm' });
    expect(rows(triples)).toEqual([
      [2, 51, 13883, null],
      [2, 52, 11690, null],
      [3, 51, 7, null],
    ]);
  });

  it('libmf (blank separated, runs of blanks)', async () => {
    const path = file('real.tr.txt', '61 7 4.0\n1647  128\t3.6\n  1850 5 4.6  \n');
    const { triples } = await loadRatingsFile(path, { format: 'libmf' });
    expect(rows(triples).map((r) => [r[0], r[1], +r[2].toFixed(4)])).toEqual([
      [61, 7, 4],
      [1647, 128, 3.6],
      [1850, 5, 4.6],
    ]);
  });

  it('gzip files are read through zlib', async () => {
    const path = file('u.data.gz', gzipSync('1\t2\t3\t4\n'));
    expect(rows(await parseTriplesFile(path, { format: 'movielens-100k' }))).toEqual([[1, 2, 3, 4]]);
  });
});

describe('format details', () => {
  it('quoted fields with delimiters and escaped quotes; string and numeric IDs are distinct', async () => {
    const text = 'user,item,rating\n"ann, the first","say ""hi""",5\n042,7,3\n"42",7,2\n';
    const p = await parseTriples(text);
    expect(rows(p)).toEqual([
      ['ann, the first', 'say "hi"', 5, null],
      ['042', 7, 3, null],
      [42, 7, 2, null],
    ]);
  });

  it('BOM, CRLF, blank lines, no trailing newline', async () => {
    const text = '\uFEFFuserId,movieId,rating\r\n\r\n1,2,3\r\n   \r\n4,5,1.5';
    const p = await parseTriples(text);
    expect(rows(p)).toEqual([
      [1, 2, 3, null],
      [4, 5, 1.5, null],
    ]);
    expect(p.header).toEqual(['userId', 'movieId', 'rating']);
    expect(p.lines).toBe(5);
  });

  it('header auto-detection: none when the first value is a number', async () => {
    expect(rows(await parseTriples('1,2,3\n2,3,4\n'))).toHaveLength(2);
    expect(rows(await parseTriples('u,i,r\n2,3,4\n'))).toEqual([[2, 3, 4, null]]);
  });

  it('delimiter auto-detection: tab, ::, comma, semicolon, blanks', async () => {
    for (const text of ['1\t2\t3\n', '1::2::3\n', '1,2,3\n', '1;2;3\n', '1 2 3\n']) {
      expect(rows(await parseTriples(text))).toEqual([[1, 2, 3, null]]);
    }
  });

  it('columns by index, no value column (implicit: value 1), exponents and signs', async () => {
    const p = await parseTriples('x|9|a\ny|8|b\n', { delimiter: '|', columns: { user: 2, item: 1, value: null } });
    expect(rows(p)).toEqual([
      ['a', 9, 1, null],
      ['b', 8, 1, null],
    ]);
    expect(rows(await parseTriples('1,2,1e-1\n1,3,-2.5\n1,4,+7\n'))).toEqual([
      [1, 2, Math.fround(0.1), null],
      [1, 3, -2.5, null],
      [1, 4, 7, null],
    ]);
  });

  it('UTF-8 IDs', async () => {
    expect(rows(await parseTriples('zoë,日本語,5\n'))).toEqual([['zoë', '日本語', 5, null]]);
  });

  it('a malformed line is an AlsError with file, line number and the line', async () => {
    const path = file('bad.csv', 'userId,movieId,rating,timestamp\n1,2,3,4\n\n1,3,oops,5\n');
    const error = await errorOf(parseTriplesFile(path, { format: 'movielens-csv' }));
    expect(error.code).toBe(ErrorCode.MALFORMED_LINE);
    expect(error.message).toContain(`${path}:4:`);
    expect(error.message).toContain('"1,3,oops,5"');
    expect(error.hint).toContain("onBadLine: 'skip'");
  });

  it('too few fields, an empty ID and unbalanced quotes are malformed too; skip counts them', async () => {
    const text = '1,2,3\n1,2\n,5,3\n"1,2,3\n7,8,9\n';
    expect((await errorOf(parseTriples(text))).message).toContain('<input>:2: expected at least 3 fields, found 2');
    const p = await parseTriples(text, { onBadLine: 'skip' });
    expect(rows(p)).toEqual([
      [1, 2, 3, null],
      [7, 8, 9, null],
    ]);
    expect(p.skipped).toBe(3);
    expect(p.badLines.map((b) => b.line)).toEqual([2, 3, 4]);
  });

  it('non-finite values are malformed', async () => {
    expect((await errorOf(parseTriples('1,2,Infinity\n'))).code).toBe(ErrorCode.MALFORMED_LINE);
    expect((await errorOf(parseTriples('1,2,1e40\n'))).code).toBe(ErrorCode.MALFORMED_LINE);
  });

  it('a missing named column and a missing file are coded errors', async () => {
    const error = await errorOf(parseTriples('a,b,c\n1,2,3\n', { format: 'movielens-csv' }));
    expect(error.code).toBe(ErrorCode.MISSING_COLUMN);
    expect(error.message).toContain("'userId'");
    expect((await errorOf(parseTriplesFile(join(dir, 'nope.csv')))).code).toBe(ErrorCode.FILE_ERROR);
    expect((await errorOf(loadRatings('u,i,r\n'))).code).toBe(ErrorCode.EMPTY_DATA);
    expect((await errorOf(parseTriples('1,2,3', { format: 'nope' as never }))).code).toBe(ErrorCode.INVALID_OPTION);
  });

  it('duplicates follow the Ratings policy', async () => {
    expect((await errorOf(loadRatings('1,2,3\n1,2,4\n'))).code).toBe(ErrorCode.DUPLICATE_RATING);
    const { ratings } = await loadRatings('1,2,3\n1,2,4\n', { duplicates: 'sum' });
    expect(Array.from(ratings.byUser.values)).toEqual([7]);
  });

  it('web ReadableStream, async iterables and ArrayBuffers give the same result', async () => {
    const text = 'userId,movieId,rating\n1,2,3\n2,3,4\n';
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 9));
        controller.enqueue(bytes.subarray(9));
        controller.close();
      },
    });
    const expected = rows(await parseTriples(text));
    expect(rows(await parseTriples(stream))).toEqual(expected);
    expect(rows(await parseTriples(bytes.buffer))).toEqual(expected);
    expect(
      rows(
        await parseTriples(
          (async function* () {
            yield text.slice(0, 5);
            yield text.slice(5);
          })(),
        ),
      ),
    ).toEqual(expected);
  });
});

describe('chunk boundaries (property test over random chunk sizes)', () => {
  // Every line has a multi-byte ID (2-, 3- and 4-byte UTF-8), quotes, CRLF on some lines.
  const lines = ['user,item,rating,time'];
  for (let r = 0; r < 300; r++) {
    const user = r % 3 === 0 ? `"ü${r % 17}, x"` : r % 3 === 1 ? `日${r % 11}` : `𝄞${r % 7}`;
    lines.push(`${user},${(r * 7919) % 101},${(r % 9) / 2 + 0.5},${1e9 + r}${r % 5 === 0 ? '\r' : ''}`);
  }
  const text = `\uFEFF${lines.join('\n')}\n`;
  const bytes = new TextEncoder().encode(text);

  it('any chunking gives the one-chunk result', async () => {
    const whole = rows(await parseTriples(bytes, { columns: { timestamp: 3 } }));
    expect(whole).toHaveLength(300);
    expect(whole[0]).toEqual(['ü0, x', 0, 0.5, 1e9]);
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    for (let trial = 0; trial < 60; trial++) {
      const maxChunk = trial < 20 ? 1 + Math.floor(rand() * 8) : 1 + Math.floor(rand() * 300);
      const chunks: Uint8Array[] = [];
      for (let s = 0; s < bytes.length; ) {
        const e = Math.min(bytes.length, s + 1 + Math.floor(rand() * maxChunk));
        chunks.push(bytes.slice(s, e));
        s = e;
      }
      expect(rows(await parseTriples(chunks, { columns: { timestamp: 3 } }))).toEqual(whole);
    }
  });

  it('a long string is encoded in pieces without splitting surrogate pairs', async () => {
    const big = '𝄞,1,2\n'.repeat(200_000); // 1.6 M UTF-16 code units: several 1 Mi pieces
    const p = await parseTriples(big);
    expect(p.values.length).toBe(200_000);
    expect(p.userMap.ids()).toEqual(['𝄞']);
  });

  it('the size hint (file loaders) gives the same arrays as blocks, past the estimate too', async () => {
    const many = Array.from({ length: 100_000 }, (_, r) => `${r % 977},${r % 1013},${r % 5}`).join('\n');
    const plain = await parseTriples(many);
    const hinted = await parseTriples(many, { sizeHint: 40_000 }); // far too small: falls back to blocks
    const exact = await parseTriples(new TextEncoder().encode(many), { sizeHint: many.length });
    for (const p of [hinted, exact]) {
      expect(p.users).toEqual(plain.users);
      expect(p.items).toEqual(plain.items);
      expect(p.values).toEqual(plain.values);
    }
  });
});

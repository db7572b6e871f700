import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ALS, ALSModel, AlsError, ErrorCode, Ratings } from '../src/index.js';
import {
  loadImplicitModel,
  loadSparkModel,
  parseNpy,
  readImplicitModel,
  readNpyFactors,
  readNpz,
  readSparkModel,
  saveImplicitModel,
  saveSparkModel,
  toFloat32,
  writeImplicitModel,
  writeNpy,
  writeNpz,
  writeSparkModel,
} from '../src/interop/index.js';
import { Prng } from '../src/train/prng.js';
import { readFactorTable } from '../src/interop/spark-columns.js';
import { PARQUET_SCHEMA } from '../src/interop/spark.js';
import { addDiagonal, gram, rhs, solve } from './reference.js';
import { codeOf } from './bytes-helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'npy');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<
  string,
  { shape: number[]; float32: number[]; user_factors: number[]; item_factors: number[] }
>;

const SHARED = join(import.meta.dirname, '..', '..', 'shared', 'data');
const SPARK_MODEL = join(SHARED, 'spark-alsmodel-ml100k', 'als_model');
const IMPLICIT_NPZ = join(SHARED, 'implicit-npz', 'hexy00123-s25_als_model.npz');
const haveSpark = existsSync(SPARK_MODEL);
const haveImplicit = existsSync(IMPLICIT_NPZ);
if (!haveSpark) console.warn(`interop: ${SPARK_MODEL} is absent; the real Spark model tests are skipped.`);
if (!haveImplicit) console.warn(`interop: ${IMPLICIT_NPZ} is absent; the real implicit model tests are skipped.`);

const arrayBufferOf = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** The code of the AlsError `f` throws; anything else thrown (a crash) fails the test. */
const refusal = codeOf;

async function asyncRefusal(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (!(e instanceof AlsError)) throw e;
    return e.code;
  }
  return 'accepted';
}

async function trainedModel(ids: 'dense' | 'sparse-int', options: ConstructorParameters<typeof ALS>[0] = {}) {
  const rng = new Prng(11);
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  const id = (n: number, base: number) => (ids === 'dense' ? n : base + 7 * n);
  for (let u = 0; u < 30; u++)
    for (let i = 0; i < 20; i++)
      if (rng.next() < 0.3) users.push(id(u, 1000)), items.push(id(i, -50)), values.push(1 + Math.round(4 * rng.next()));
  const ratings = Ratings.fromTriples({ users, items, values }, { denseIds: ids === 'dense' });
  // Spark and implicit models hold no biases, so these are trained without them.
  return new ALS({ factors: 4, iterations: 3, threads: 1, biases: false, ...options }).fit(ratings);
}

function expectSameModel(a: ALSModel, b: ALSModel) {
  expect(b.userIds).toEqual(a.userIds);
  expect(b.itemIds).toEqual(a.itemIds);
  expect(b.factors).toBe(a.factors);
  expect(b.userFactors).toEqual(a.userFactors);
  expect(b.itemFactors).toEqual(a.itemFactors);
}

describe('.npy (against files numpy wrote)', () => {
  it.each(['f8_3x2.npy', 'f2_3x2.npy', 'f4_fortran_3x2.npy', 'f4_bigendian_3x2.npy'])(
    "%s converts to numpy's own float32 values, in C order",
    (name) => {
      const array = parseNpy(fixture(name));
      expect(array.shape).toEqual(expected[name]!.shape);
      expect(Array.from(toFloat32(array))).toEqual(expected[name]!.float32);
    },
  );

  it('keeps float16 as its bits, decodes subnormals exactly, and reads int64 as bigint', () => {
    const half = parseNpy(fixture('f2_3x2.npy'));
    expect(half.dtype).toBe('<f2');
    expect(half.data).toBeInstanceOf(Uint16Array);
    expect(toFloat32(half)[3]).toBe(2 ** -24); // the smallest subnormal half
    expect(Array.from(parseNpy(fixture('i8_vector.npy')).data as BigInt64Array)).toEqual([3n, -1n, 7n]);
  });

  it.each(['f8_3x2.npy', 'i8_vector.npy'])('writes %s byte for byte as numpy.save did', (name) => {
    expect(writeNpy(parseNpy(fixture(name)))).toEqual(fixture(name));
  });

  it('refuses every truncation, trailing bytes, a bad magic, a bad header and an unknown version', () => {
    const bytes = fixture('f8_3x2.npy');
    for (let n = 0; n < bytes.length; n++)
      expect(refusal(() => parseNpy(bytes.subarray(0, n)))).toMatch(/TRUNCATED_MODEL|CORRUPT_MODEL/);
    expect(refusal(() => parseNpy(Uint8Array.of(...bytes, 0, 0, 0, 0)))).toBe(ErrorCode.CORRUPT_MODEL);
    const badMagic = bytes.slice();
    badMagic[1] = 0x4f;
    expect(refusal(() => parseNpy(badMagic))).toBe(ErrorCode.CORRUPT_MODEL);
    const badHeader = bytes.slice();
    badHeader[10] = '['.charCodeAt(0); // the dict's '{'
    expect(refusal(() => parseNpy(badHeader))).toBe(ErrorCode.CORRUPT_MODEL);
    const version9 = bytes.slice();
    version9[6] = 9;
    expect(refusal(() => parseNpy(version9))).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('refuses a header that declares more data than the file holds, before allocating it', () => {
    const bytes = fixture('f8_3x2.npy');
    const text = new TextDecoder().decode(bytes.subarray(10, 10 + new DataView(bytes.buffer).getUint16(8, true)));
    const hostile = text.replace('(3, 2)', '(999999999, 999)').padEnd(text.length).slice(0, text.length);
    const copy = bytes.slice();
    copy.set(new TextEncoder().encode(hostile), 10);
    expect(refusal(() => parseNpy(copy))).toBe(ErrorCode.TRUNCATED_MODEL);
  });

  it('refuses a pickled object array without unpickling it', () => {
    expect(refusal(() => parseNpy(fixture('object.npy')))).toBe(ErrorCode.PICKLED_DATA);
  });
});

describe('.npz and implicit models', () => {
  it('reads a deflated float64 implicit model with its parameters and conventions', () => {
    const model = readImplicitModel(fixture('implicit_f64.npz'));
    expect([model.numUsers, model.numItems, model.factors]).toEqual([4, 5, 3]);
    expect(Array.from(model.userFactors)).toEqual(expected['implicit_f64.npz']!.user_factors);
    expect(Array.from(model.itemFactors)).toEqual(expected['implicit_f64.npz']!.item_factors);
    expect(model.userIds).toEqual([0, 1, 2, 3]);
    expect(model.options).toMatchObject({
      regularization: 0.05,
      alpha: 2,
      iterations: 7,
      solver: 'cholesky',
      seed: 42,
      feedback: 'implicit',
      confidence: 'alpha',
      regularizationScaling: 'none',
    });
  });

  it('refuses an .npz whose factors are a pickled object array', () => {
    expect(refusal(() => readImplicitModel(fixture('object_factors.npz')))).toBe(ErrorCode.PICKLED_DATA);
    expect(refusal(() => readNpz(fixture('object_factors.npz')))).toBe(ErrorCode.PICKLED_DATA);
    expect(readNpz(fixture('object_factors.npz'), 'x', { pickled: 'skip' }).skipped).toEqual(['user_factors']);
  });

  it('refuses every truncation of an .npz, and never turns a damaged one into a different model', () => {
    const bytes = writeImplicitModel(readImplicitModel(fixture('implicit_f64.npz'))); // stored members: data bytes are exposed
    const reference = readImplicitModel(bytes);
    for (let n = 0; n < bytes.length; n++) expect(refusal(() => readImplicitModel(bytes.subarray(0, n)))).not.toBe('accepted');
    const rng = new Prng(3);
    for (let trial = 0; trial < 400; trial++) {
      const copy = bytes.slice();
      const at = Math.floor(rng.next() * copy.length);
      copy[at]! ^= 1 + Math.floor(rng.next() * 255);
      let model: ALSModel | null = null;
      const code = refusal(() => (model = readImplicitModel(copy)));
      if (code === 'accepted') expectSameModel(reference, model!); // only header bytes no field depends on (e.g. a timestamp)
    }
  });

  it('writes a model that reads back identically, with string IDs and non-implicit conventions kept', async () => {
    const model = await trainedModel('sparse-int', { feedback: 'explicit', regularizationScaling: 'count' });
    const back = readImplicitModel(writeImplicitModel(model));
    expectSameModel(model, back);
    expect(back.options).toEqual({ ...model.options, threads: back.options.threads, backend: back.options.backend });
    const named = ALSModel.fromFactors({
      userIds: ['ann', 'bob'],
      itemIds: ['x', 'y', 'zé'],
      userFactors: [1, 2, 3, 4],
      itemFactors: [1, 0, 0, 1, 1, 1],
    });
    expectSameModel(named, readImplicitModel(writeImplicitModel(named, { compress: true })));
    const plain = readNpz(writeImplicitModel(named, { ids: false }));
    expect(plain.has('user_ids')).toBe(false);
  });

  it('reads plain .npy factor matrices, with IDs given', () => {
    const users = writeNpy({ dtype: '<f8', shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) });
    const items = fixture('f4_fortran_3x2.npy');
    const model = readNpyFactors({ userFactors: users, itemFactors: items }, { userIds: ['a', 'b'], itemIds: [10, 20, 30] });
    expect(model.predict('b', 10)).toBeCloseTo(3 * 0.5 + 4 * -1.25, 6);
    expect(refusal(() => readNpyFactors({ userFactors: users, itemFactors: items }, { userIds: ['a'] }))).toBe(
      ErrorCode.LENGTH_MISMATCH,
    );
  });

  it.skipIf(!haveImplicit)('loads the real implicit model with its keys and round-trips it bit-identically', async () => {
    const bytes = new Uint8Array(readFileSync(IMPLICIT_NPZ));
    const keys = readNpz(bytes);
    expect([...keys.keys()].sort()).toEqual([
      'alpha',
      'calculate_training_loss',
      'cg_steps',
      'dtype',
      'factors',
      'item_factors',
      'iterations',
      'num_threads',
      'random_state',
      'regularization',
      'use_cg',
      'use_native',
      'user_factors',
    ]);
    const model = await loadImplicitModel(IMPLICIT_NPZ);
    expect([model.numUsers, model.numItems, model.factors]).toEqual([36, 549, 10]);
    expect(model.userFactors).toEqual(keys.get('user_factors')!.data);
    expect(model.itemFactors).toEqual(keys.get('item_factors')!.data);
    expect(model.options).toMatchObject({ regularization: 0.01, alpha: 1, iterations: 30, solver: 'cg', cgSteps: 3, seed: 42 });
    const written = writeImplicitModel(model);
    expectSameModel(model, readImplicitModel(written));
    // Every member that carries the model is byte-identical to what implicit (numpy) wrote.
    const original = unzipSync(bytes);
    const ours = unzipSync(written);
    for (const key of [
      'user_factors',
      'item_factors',
      'regularization',
      'factors',
      'iterations',
      'use_cg',
      'cg_steps',
      'dtype',
      'random_state',
      'alpha',
      'num_threads',
      'use_native',
    ]) {
      expect(ours[`${key}.npy`], key).toEqual(original[`${key}.npy`]);
    }
    // And rewriting what we read back is a fixed point.
    expect(writeImplicitModel(readImplicitModel(written))).toEqual(written);
    expect(writeNpz(keys)).toEqual(writeNpz(readNpz(writeNpz(keys))));
  });

  it('saves and loads an implicit model through the file helpers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'als-npz-'));
    try {
      const model = await trainedModel('dense', { feedback: 'implicit', confidence: 'alpha' });
      await saveImplicitModel(model, join(dir, 'm.npz'));
      expectSameModel(model, await loadImplicitModel(join(dir, 'm.npz')));
      expect(await asyncRefusal(() => loadImplicitModel(join(dir, 'missing.npz')))).toBe(ErrorCode.FILE_ERROR);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Spark ALSModel directories', () => {
  it.skipIf(!haveSpark)('loads the real Spark 3.0.2 model: ids, rank and every factor as the parquet holds them', async () => {
    const model = await loadSparkModel(SPARK_MODEL, { regParam: 0.01 });
    expect([model.numUsers, model.numItems, model.factors]).toEqual([943, 1682, 10]);
    expect(model.options).toMatchObject({
      regularization: 0.01,
      regularizationScaling: 'count',
      feedback: 'explicit',
      confidence: 'one-plus-alpha',
    });
    for (const side of ['userFactors', 'itemFactors'] as const) {
      const dir = join(SPARK_MODEL, side);
      let rows = 0;
      for (const part of readdirSync(dir).filter((f) => f.endsWith('.parquet') && !f.startsWith('.'))) {
        const bytes = readFileSync(join(dir, part));
        const records = (await parquetReadObjects({
          file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        })) as { id: number; features: number[] }[];
        for (const { id, features } of records) {
          const index = side === 'userFactors' ? model.userIndex(id) : model.itemIndex(id);
          const factors = side === 'userFactors' ? model.userFactors : model.itemFactors;
          expect(Array.from(factors.subarray(index * 10, index * 10 + 10))).toEqual(features);
          rows++;
        }
      }
      expect(rows).toBe(side === 'userFactors' ? 943 : 1682);
    }
    expect([...model.userIds].sort((a, b) => +a - +b)).toEqual(Array.from({ length: 943 }, (_, i) => i + 1));
  });

  it.skipIf(!haveSpark)("writes the real model back in Spark's layout and re-reads it identically", async () => {
    const model = await loadSparkModel(SPARK_MODEL, { regParam: 0.01 });
    const files = writeSparkModel(model, { timestamp: 0 });
    const back = await readSparkModel(files);
    expectSameModel(model, back);
    expect(back.options).toEqual(model.options);
    expect(writeSparkModel(back, { timestamp: 0 })).toEqual(files);
    // Our parts declare the same parquet schema and Spark row metadata as Spark's own parts.
    const sparkPart = readdirSync(join(SPARK_MODEL, 'userFactors')).find((f) => f.endsWith('.parquet') && !f.startsWith('.'))!;
    const theirs = parquetMetadata(arrayBufferOf(readFileSync(join(SPARK_MODEL, 'userFactors', sparkPart))));
    const ours = parquetMetadata(arrayBufferOf([...files].find(([p]) => p.startsWith('userFactors/part-'))![1]));
    expect(ours.schema).toEqual(theirs.schema);
    const rowMetadata = (m: typeof ours) =>
      m.key_value_metadata?.find((kv) => kv.key === 'org.apache.spark.sql.parquet.row.metadata')?.value;
    expect(rowMetadata(ours)).toBe(rowMetadata(theirs));
  });

  it.skipIf(!haveSpark)('folds in a new user as Spark would: λ scaled by the count, explicit least squares', async () => {
    const model = await loadSparkModel(SPARK_MODEL, { regParam: 0.01 });
    const items = [1, 50, 100, 181, 258];
    const values = [5, 4, 3, 5, 2];
    const Y = items.map((id) => Array.from(model.itemFactors.subarray(model.itemIndex(id) * 10, model.itemIndex(id) * 10 + 10)));
    const x = solve(addDiagonal(gram(Y, 10), 0.01 * items.length), rhs(Y, 10, values));
    const ours = Array.from(model.foldIn({ items, values }));
    ours.forEach((v, f) => expect(v).toBeCloseTo(x[f]!, 4));
  });

  it('round-trips a model trained here, with dense and with sparse integer IDs, through a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'als-spark-'));
    try {
      for (const ids of ['dense', 'sparse-int'] as const) {
        const model = await trainedModel(ids, { feedback: 'implicit' });
        const path = join(dir, ids);
        await saveSparkModel(model, path);
        // Hadoop side files of _SUCCESS are ignored (a part's .crc is verified: trust-spark.test.ts).
        writeFileSync(join(path, 'userFactors', '._SUCCESS.crc'), 'junk');
        const back = await loadSparkModel(path);
        expectSameModel(model, back);
        expect(back.options).toEqual({ ...model.options, threads: back.options.threads, backend: back.options.backend });
        const metadata = JSON.parse(readFileSync(join(path, 'metadata', 'part-00000'), 'utf8'));
        expect(metadata).toMatchObject({ class: 'org.apache.spark.ml.recommendation.ALSModel', rank: 4 });
        expect(await asyncRefusal(() => saveSparkModel(model, path))).toBe(ErrorCode.FILE_ERROR);
        await saveSparkModel(model, path, { overwrite: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what Spark cannot hold and directories that are not Spark models', async () => {
    const named = ALSModel.fromFactors({ userIds: ['ann'], itemIds: [1], userFactors: [1], itemFactors: [1] });
    expect(refusal(() => writeSparkModel(named))).toBe(ErrorCode.UNSUPPORTED_FORMAT);
    const files = writeSparkModel(await trainedModel('dense'));
    const without = (prefix: string) => new Map([...files].filter(([p]) => !p.startsWith(prefix)));
    expect(await asyncRefusal(() => readSparkModel(without('metadata/')))).toBe(ErrorCode.CORRUPT_MODEL);
    expect(await asyncRefusal(() => readSparkModel(without('itemFactors/')))).toBe(ErrorCode.CORRUPT_MODEL);
    // A file replaced without its Hadoop checksum (which would refuse it first).
    const replaced = (path: string, bytes: Uint8Array) =>
      new Map(files).set(path, bytes).set(
        path.replace(/[^/]*$/, (b) => `.${b}.crc`),
        undefined as never,
      );
    const withoutCrc = (m: Map<string, Uint8Array>) => new Map([...m].filter(([, b]) => b !== undefined));
    const other = withoutCrc(
      replaced('metadata/part-00000', new TextEncoder().encode('{"class":"org.apache.spark.ml.recommendation.ALS","rank":4}\n')),
    );
    expect(await asyncRefusal(() => readSparkModel(other))).toBe(ErrorCode.UNSUPPORTED_FORMAT);
    const part = [...files.keys()].find((p) => p.startsWith('userFactors/part-'))!;
    const short = files.get(part)!.subarray(0, files.get(part)!.length - 9);
    expect(await asyncRefusal(() => readSparkModel(withoutCrc(replaced(part, short))))).toBe(ErrorCode.CORRUPT_MODEL);
    // With its .crc: the last chunk fails its checksum (TRUNCATED_MODEL when whole chunks are gone: trust-spark.test.ts).
    expect(await asyncRefusal(() => readSparkModel(new Map(files).set(part, short)))).toBe(ErrorCode.CORRUPT_MODEL);
    expect(await asyncRefusal(() => loadSparkModel(join(tmpdir(), 'no-such-spark-model')))).toBe(ErrorCode.FILE_ERROR);
  });
});

describe("training with another system's conventions", () => {
  it("maps Spark's and implicit's parameter names and defaults", () => {
    expect(ALS.sparkCompatible({ regParam: 0.05, implicitPrefs: true, alpha: 40 }).options).toMatchObject({
      factors: 10,
      iterations: 10,
      regularization: 0.05,
      regularizationScaling: 'count',
      feedback: 'implicit',
      alpha: 40,
      confidence: 'one-plus-alpha',
      solver: 'cholesky',
    });
    expect(ALS.implicitCompatible({ factors: 32 }).options).toMatchObject({
      factors: 32,
      iterations: 15,
      regularization: 0.01,
      regularizationScaling: 'none',
      feedback: 'implicit',
      alpha: 1,
      confidence: 'alpha',
      solver: 'cg',
      cgSteps: 3,
    });
    expect(ALS.implicitCompatible({ use_cg: false, threads: 1 }).options).toMatchObject({ solver: 'cholesky', threads: 1 });
    expect(refusal(() => ALS.sparkCompatible({ nonnegative: true }))).toBe(ErrorCode.INVALID_OPTION);
  });
});

describe('implicit files with unusual keys', () => {
  it('drops a seed beyond 32 bits instead of refusing the model', () => {
    const arrays = readNpz(fixture('implicit_f64.npz'));
    arrays.set('random_state', { dtype: '<i8', shape: [], data: BigInt64Array.of(2n ** 40n) });
    const model = readImplicitModel(writeNpz(arrays));
    expect(model.options.seed).toBe(0);
    expect(model.options.regularization).toBe(0.05);
  });
});

describe('the bounded reader of Spark factor parts', () => {
  const part = (ids: number[], features: (number[] | null)[]) =>
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'id', data: Int32Array.from(ids) },
          { name: 'features', data: features },
        ],
        schema: PARQUET_SCHEMA,
        rowGroupSize: 3,
        pageSize: 64,
      }),
    );

  it('reads what hyparquet reads, across row groups and pages', async () => {
    const rng = new Prng(8);
    const ids = Array.from({ length: 50 }, (_, r) => 1000 - 3 * r);
    const features = ids.map(() => Array.from({ length: 4 }, () => Math.fround(rng.next() - 0.5)));
    const file = part(ids, features);
    expect(parquetMetadata(arrayBufferOf(file)).row_groups.length).toBe(17);
    const table = readFactorTable(file, 4, 'test', 'userFactors');
    expect(Array.from(table.ids)).toEqual(ids);
    expect(Array.from(table.factors)).toEqual(features.flat());
  });

  it.skipIf(!haveSpark)('reads the real Spark parts as hyparquet reads them', async () => {
    for (const side of ['userFactors', 'itemFactors']) {
      const dir = join(SPARK_MODEL, side);
      for (const name of readdirSync(dir).filter((f) => f.endsWith('.parquet') && !f.startsWith('.'))) {
        const bytes = readFileSync(join(dir, name));
        const table = readFactorTable(bytes, 10, name, side);
        const rows = (await parquetReadObjects({ file: arrayBufferOf(bytes) })) as { id: number; features: number[] }[];
        expect(Array.from(table.ids)).toEqual(rows.map((r) => r.id));
        expect(Array.from(table.factors)).toEqual(rows.flatMap((r) => r.features));
      }
    }
  });

  it('refuses ragged, null and empty rows, naming the row', async () => {
    const cases: [(number[] | null)[], string][] = [
      [[[1, 2], [3], [4, 5]], 'userFactors id 2 has 1 features; the rank is 2'],
      [
        [
          [1, 2],
          [3, 4, 5],
          [6, 7],
        ],
        'userFactors id 2 has 3 features; the rank is 2',
      ],
      [[[1, 2], null, [4, 5]], 'userFactors id 2 has no features (null)'],
      [[[1, 2], [], [4, 5]], 'userFactors id 2 has an empty features list'],
    ];
    for (const [features, message] of cases) {
      const file = part([1, 2, 3], features);
      expect(() => readFactorTable(file, 2, 'test', 'userFactors')).toThrow(message);
      const files = writeSparkModel(
        ALSModel.fromFactors({ userIds: [1, 2, 3], itemIds: [1], userFactors: [1, 2, 3, 4, 5, 6], itemFactors: [1, 1] }),
      );
      const userPart = [...files.keys()].find((p) => p.startsWith('userFactors/part-'))!;
      files.set(userPart, file);
      files.delete(userPart.replace(/[^/]*$/, (b) => `.${b}.crc`));
      expect(await asyncRefusal(() => readSparkModel(files))).toBe(ErrorCode.CORRUPT_MODEL);
    }
  });
});

/**
 * Issue 11 (trust) for Spark ALSModel directories: hostile parts, checksums, missing parts,
 * byte views, metadata values and options. The byte-flip sweep is in fuzz-spark.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALS, ALSModel, AlsError, ErrorCode } from '../src/index.js';
import { implicitOptions, loadSparkModel, readSparkModel, sparkOptions, writeSparkModel } from '../src/interop/index.js';
import { checkHadoopChecksum, crc32, crc32c } from '../src/interop/hadoop-checksum.js';
import { decodeHybrid, snappy } from '../src/interop/parquet-pages.js';
import { readFooter } from '../src/interop/parquet-footer.js';
import { ParquetError } from '../src/interop/parquet-thrift.js';

const SPARK_MODEL = join(import.meta.dirname, '..', '..', 'shared', 'data', 'spark-alsmodel-ml100k', 'als_model');
const haveSpark = existsSync(SPARK_MODEL);
if (!haveSpark) console.warn(`trust-spark: ${SPARK_MODEL} is absent; the tests on the real Spark model are skipped.`);

/** Every file of the real model directory, Hadoop side files included, as readSparkModel takes them. */
function realFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const sub of ['metadata', 'userFactors', 'itemFactors']) {
    for (const name of readdirSync(join(SPARK_MODEL, sub)))
      files.set(`${sub}/${name}`, new Uint8Array(readFileSync(join(SPARK_MODEL, sub, name))));
  }
  return files;
}

const partPath = (files: Map<string, Uint8Array>, side: string, n: number) =>
  [...files.keys()].find((p) => p.startsWith(`${side}/part-${String(n).padStart(5, '0')}`))!;
const crcPath = (part: string) => part.replace(/[^/]*$/, (base) => `.${base}.crc`);

function flipped(
  files: Map<string, Uint8Array>,
  path: string,
  byte: number,
  mask: number,
  keepCrc: boolean,
): Map<string, Uint8Array> {
  const out = new Map(files);
  const bytes = files.get(path)!.slice();
  bytes[byte]! ^= mask;
  out.set(path, bytes);
  if (!keepCrc) out.delete(crcPath(path));
  return out;
}

async function refusal(f: () => unknown): Promise<AlsError> {
  try {
    await f();
  } catch (e) {
    if (e instanceof AlsError) return e;
    throw e;
  }
  throw new Error('accepted');
}

function expectSameModel(a: ALSModel, b: ALSModel) {
  expect(b.userIds).toEqual(a.userIds);
  expect(b.itemIds).toEqual(a.itemIds);
  expect(b.factors).toBe(a.factors);
  expect(b.userFactors).toEqual(a.userFactors);
  expect(b.itemFactors).toEqual(a.itemFactors);
  expect(b.options).toEqual(a.options);
}

function smallModel(): ALSModel {
  return ALSModel.fromFactors({
    userIds: [3, 9, 4],
    itemIds: [7, 1],
    userFactors: [1, 2, 3, 4, 5, 6],
    itemFactors: [0.5, -1, 2, 0.25],
  });
}

const metadataWith = (files: Map<string, Uint8Array>, change: (m: Record<string, unknown>) => void) => {
  const out = new Map([...files].filter(([p]) => !p.startsWith('metadata/.')));
  const metadata = JSON.parse(new TextDecoder().decode(files.get('metadata/part-00000')!)) as Record<string, unknown>;
  change(metadata);
  out.set('metadata/part-00000', new TextEncoder().encode(`${JSON.stringify(metadata)}\n`));
  return out;
};

describe('hostile Spark parts: no abort, no hang', () => {
  it.skipIf(!haveSpark)(
    'a userFactors part with byte 488 XOR 0xff (a run of 2^28 levels) is CORRUPT_MODEL, not a V8 abort',
    async () => {
      const files = realFiles();
      const part = partPath(files, 'userFactors', 0);
      const e = await refusal(() => readSparkModel(flipped(files, part, 488, 0xff, false)));
      expect(e.code).toBe(ErrorCode.CORRUPT_MODEL);
      expect(e.message).toContain(part);
    },
  );

  it.skipIf(!haveSpark)(
    'a userFactors part with byte 4321 XOR 0x01 (num_children −2 in the footer) is CORRUPT_MODEL within a second, not a hang',
    async () => {
      const files = realFiles();
      const part = partPath(files, 'userFactors', 0);
      const start = performance.now();
      const e = await refusal(() => readSparkModel(flipped(files, part, 4321, 0x01, false)));
      expect(performance.now() - start).toBeLessThan(1000);
      expect(e.code).toBe(ErrorCode.CORRUPT_MODEL);
      expect(e.message).toContain('features claims -2 children');
    },
  );

  it('a footer, page header or run claiming more than the bytes present is refused before allocating', () => {
    // A snappy block that declares more than its header: refused before the output is sized.
    expect(() => snappy(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x08), 16)).toThrow(ParquetError);
    // A run-length run of 2^31 values into 4: four are written, nothing grows.
    const out = new Uint8Array(4);
    decodeHybrid(Uint8Array.of(0xfe, 0xff, 0xff, 0xff, 0x0f, 0x01), 0, 6, 1, out, 4);
    expect(Array.from(out)).toEqual([1, 1, 1, 1]);
    // A bit-packed run longer than its bytes.
    expect(() => decodeHybrid(Uint8Array.of(0x7f, 0x00), 0, 2, 1, new Uint8Array(8), 8)).toThrow(ParquetError);
    // A footer length beyond the file.
    const bytes = new Uint8Array(20);
    bytes.set([0x50, 0x41, 0x52, 0x31], 0);
    bytes.set([0xff, 0xff, 0xff, 0x7f, 0x50, 0x41, 0x52, 0x31], 12);
    expect(() => readFooter(bytes)).toThrow(/footer claims 2147483647 bytes/);
  });
});

describe('Hadoop checksum files', () => {
  it('computes CRC-32 and CRC-32C as zlib and iSCSI do', () => {
    const digits = new TextEncoder().encode('123456789');
    expect(crc32(digits)).toBe(0xcbf43926);
    expect(crc32c(digits)).toBe(0xe3069283);
  });

  it.skipIf(!haveSpark)(
    'a flipped byte of a part with its .crc is CORRUPT_MODEL, even where the parquet still parses',
    async () => {
      const files = realFiles();
      const part = partPath(files, 'itemFactors', 3);
      // Byte 100 lies in the id column's values: without the .crc it loads with another id.
      const silently = await readSparkModel(flipped(files, part, 100, 0x01, false));
      expect(silently.numItems).toBe(1682);
      const e = await refusal(() => readSparkModel(flipped(files, part, 100, 0x01, true)));
      expect(e.code).toBe(ErrorCode.CORRUPT_MODEL);
      expect(e.message).toContain(`${part} is damaged: bytes 0–511 fail their checksum`);
      // The metadata's .crc is verified too.
      const metadata = flipped(files, 'metadata/part-00000', 200, 0x01, true);
      expect((await refusal(() => readSparkModel(metadata))).message).toContain('metadata/part-00000 is damaged');
    },
  );

  it.skipIf(!haveSpark)(
    'a part cut short with its .crc present is TRUNCATED_MODEL; one with bytes appended is CORRUPT_MODEL',
    async () => {
      const files = realFiles();
      const part = partPath(files, 'userFactors', 4);
      const cut = new Map(files).set(part, files.get(part)!.subarray(0, 1000));
      expect((await refusal(() => readSparkModel(cut))).code).toBe(ErrorCode.TRUNCATED_MODEL);
      const longer = new Uint8Array(files.get(part)!.length + 600);
      longer.set(files.get(part)!);
      expect((await refusal(() => readSparkModel(new Map(files).set(part, longer)))).code).toBe(ErrorCode.CORRUPT_MODEL);
    },
  );

  it('reads a checksum file of CRC-32C (as HDFS computes them) as well as CRC-32', () => {
    const data = new TextEncoder().encode('x'.repeat(700));
    const file = new Uint8Array(16);
    const view = new DataView(file.buffer);
    file.set([0x63, 0x72, 0x63, 0]);
    view.setUint32(4, 512);
    view.setUint32(8, crc32c(data.subarray(0, 512)));
    view.setUint32(12, crc32c(data.subarray(512)));
    expect(checkHadoopChecksum(data, file)).toBeNull();
    view.setUint32(12, crc32(data.subarray(512)));
    expect(checkHadoopChecksum(data, file)?.message).toContain('bytes 512–699 fail their checksum');
  });

  it('refuses a checksum file that is not one', () => {
    expect(checkHadoopChecksum(Uint8Array.of(1, 2, 3), new TextEncoder().encode('junk'))?.message).toMatch(
      /not a Hadoop checksum file/,
    );
  });
});

describe('missing Spark parts', () => {
  it.skipIf(!haveSpark)(
    'a gap in the part numbering is refused naming the missing part instead of loading 848 of 943 users',
    async () => {
      const files = realFiles();
      const part = partPath(files, 'userFactors', 2);
      files.delete(part);
      files.delete(crcPath(part));
      const e = await refusal(() => readSparkModel(files));
      expect(e.code).toBe(ErrorCode.CORRUPT_MODEL);
      expect(e.message).toContain('userFactors/part-00002 is missing');
    },
  );

  it.skipIf(!haveSpark)('the last part missing while its .crc is there is refused naming it', async () => {
    const files = realFiles();
    const part = partPath(files, 'itemFactors', 9);
    files.delete(part);
    const e = await refusal(() => readSparkModel(files));
    expect(e.code).toBe(ErrorCode.CORRUPT_MODEL);
    expect(e.message).toContain(`${part} is missing; its checksum file`);
  });

  it('a model without .crc files (copied by a tool that skips dot files) still loads', async () => {
    const model = smallModel();
    expectSameModel(model, await readSparkModel(writeSparkModel(model)));
  });
});

describe('bytes passed as views', () => {
  it.skipIf(!haveSpark)('readSparkModel reads parts passed as subarray views at odd offsets of larger buffers', async () => {
    const files = realFiles();
    const reference = await readSparkModel(files);
    const views = new Map<string, Uint8Array>();
    for (const [path, bytes] of files) {
      const backing = new Uint8Array(bytes.length + 13).fill(0xa5);
      backing.set(bytes, 7);
      views.set(path, backing.subarray(7, 7 + bytes.length));
    }
    expectSameModel(reference, await readSparkModel(views));
  });

  it('readSparkModel reads parts passed as pooled Node Buffers', async () => {
    const model = smallModel();
    const pooled = new Map<string, Uint8Array>();
    for (const [path, bytes] of writeSparkModel(model)) pooled.set(path, Buffer.from(bytes));
    expect([...pooled.values()].some((b) => b.byteOffset > 0)).toBe(true);
    expectSameModel(model, await readSparkModel(pooled));
  });
});

describe('Spark metadata values', () => {
  it.skipIf(!haveSpark)(
    'Spark metadata rank 1e9 is UNSUPPORTED_FORMAT before anything is allocated, not a RangeError',
    async () => {
      const files = realFiles();
      const e = await refusal(() => readSparkModel(metadataWith(files, (m) => (m.rank = 1e9))));
      expect(e.code).toBe(ErrorCode.UNSUPPORTED_FORMAT);
      expect(e.message).toContain('rank is 1000000000; this library holds at most 4096 factors');
      for (const rank of [2.5, -1, 0, '10', null]) {
        expect((await refusal(() => readSparkModel(metadataWith(files, (m) => (m.rank = rank))))).code).toBe(
          ErrorCode.CORRUPT_MODEL,
        );
      }
      // A rank that disagrees with the parts names the first row that shows it.
      expect((await refusal(() => readSparkModel(metadataWith(files, (m) => (m.rank = 12))))).message).toContain(
        'userFactors id 10 has 10 features; the rank is 12',
      );
    },
  );

  it.skipIf(!haveSpark)(
    'Spark regParam −1: from the caller INVALID_OPTION, from the metadata CORRUPT_MODEL naming regParam and −1',
    async () => {
      const files = realFiles();
      const caller = await refusal(() => readSparkModel(files, { regParam: -1 }));
      expect(caller.code).toBe(ErrorCode.INVALID_OPTION);
      expect(caller.message).toContain('regParam must be a finite number ≥ 0 (got -1)');
      const recorded = await refusal(() =>
        readSparkModel(metadataWith(files, (m) => ((m.paramMap as Record<string, unknown>).regParam = -1))),
      );
      expect(recorded.code).toBe(ErrorCode.CORRUPT_MODEL);
      expect(recorded.message).toContain('invalid paramMap.regParam: regParam must be a finite number ≥ 0 (got -1)');
      // A valid recorded regParam is used, and the caller's wins over it.
      const withParams = metadataWith(files, (m) =>
        Object.assign(m.paramMap as object, { regParam: 0.01, implicitPrefs: false }),
      );
      expect((await readSparkModel(withParams)).options.regularization).toBe(0.01);
      expect((await readSparkModel(withParams, { regParam: 0.2 })).options.regularization).toBe(0.2);
    },
  );

  it('a negative regularization in the alsWasm field is CORRUPT_MODEL naming the field', async () => {
    const files = writeSparkModel(smallModel());
    const e = await refusal(() =>
      readSparkModel(metadataWith(files, (m) => ((m.alsWasm as Record<string, unknown>).regularization = -1))),
    );
    expect(e.code).toBe(ErrorCode.CORRUPT_MODEL);
    expect(e.message).toContain('invalid alsWasm field: regularization must be a finite number ≥ 0 (got -1)');
    expect((await refusal(() => readSparkModel(metadataWith(files, (m) => (m.alsWasm = 'x'))))).code).toBe(
      ErrorCode.CORRUPT_MODEL,
    );
  });

  it('metadata that is JSON null, not JSON, or another class is refused with a code', async () => {
    const files = writeSparkModel(smallModel());
    const withText = (text: string) => {
      const out = new Map(files).set('metadata/part-00000', new TextEncoder().encode(text));
      out.delete('metadata/.part-00000.crc');
      return out;
    };
    expect((await refusal(() => readSparkModel(withText('null\n')))).code).toBe(ErrorCode.CORRUPT_MODEL);
    expect((await refusal(() => readSparkModel(withText('{"class"')))).code).toBe(ErrorCode.CORRUPT_MODEL);
    expect(
      (await refusal(() => readSparkModel(withText('{"class":"org.apache.spark.ml.recommendation.ALS","rank":4}')))).code,
    ).toBe(ErrorCode.UNSUPPORTED_FORMAT);
  });
});

describe('options of the Spark and implicit conventions', () => {
  it("sparkCompatible({ regparam: -5 }) is INVALID_OPTION with a did-you-mean hint, not silently Spark's default", () => {
    const e = (() => {
      try {
        ALS.sparkCompatible({ regparam: -5 } as never);
      } catch (err) {
        return err as AlsError;
      }
      throw new Error('accepted');
    })();
    expect(e.code).toBe(ErrorCode.INVALID_OPTION);
    expect(e.message).toContain("Did you mean 'regParam'?");
  });

  it("implicitCompatible({ use_cg: 'no' }) is INVALID_OPTION, not CG", () => {
    expect(() => ALS.implicitCompatible({ use_cg: 'no' } as never)).toThrow(/use_cg must be true or false \(got "no"\)/);
    expect(() => implicitOptions({ use_cg: 'no' } as never)).toThrow(AlsError);
  });

  it("this library's names passed to Spark's or implicit's conventions say the other system's name", () => {
    expect(() => sparkOptions({ factors: 8 } as never)).toThrow("Spark's name for it is 'rank'.");
    expect(() => sparkOptions({ lambda: 1 } as never)).toThrow("'regParam'");
    expect(() => implicitOptions({ rank: 8 } as never)).toThrow("implicit's name for it is 'factors'.");
    expect(() => implicitOptions({ num_threads: 2 } as never)).toThrow('threads');
  });

  it('Spark and implicit values are checked by their own names and types', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as AlsError).code;
      }
      return 'accepted';
    };
    for (const bad of [
      { rank: 0 },
      { rank: 2.5 },
      { maxIter: -1 },
      { regParam: Number.NaN },
      { implicitPrefs: 'yes' },
      { alpha: -1 },
      { nonnegative: 1 },
      { seed: 0.5 },
    ]) {
      expect(
        code(() => sparkOptions(bad as never)),
        JSON.stringify(bad),
      ).toBe(ErrorCode.INVALID_OPTION);
    }
    for (const bad of [
      { factors: 0 },
      { regularization: -1 },
      { alpha: 0 },
      { iterations: 1.5 },
      { use_cg: 1 },
      { cg_steps: 0 },
      { random_state: 'x' },
    ]) {
      expect(
        code(() => implicitOptions(bad as never)),
        JSON.stringify(bad),
      ).toBe(ErrorCode.INVALID_OPTION);
    }
    expect(code(() => sparkOptions(null as never))).toBe(ErrorCode.INVALID_OPTION);
    // Undefined values are absent (the CLI passes { regParam: undefined, … }).
    expect(sparkOptions({ regParam: undefined, implicitPrefs: undefined }).regularization).toBe(0.1);
  });

  it('readSparkModel and writeSparkModel refuse unknown and mistyped options', async () => {
    const model = smallModel();
    const files = writeSparkModel(model);
    expect((await refusal(() => readSparkModel(files, { regparam: 1 } as never))).message).toContain("Did you mean 'regParam'?");
    expect((await refusal(() => readSparkModel(files, { implicitPrefs: 'true' } as never))).code).toBe(ErrorCode.INVALID_OPTION);
    expect((await refusal(() => readSparkModel(files, { name: 5 } as never))).code).toBe(ErrorCode.INVALID_OPTION);
    expect((await refusal(() => readSparkModel(null as never))).code).toBe(ErrorCode.INVALID_OPTION);
    expect((await refusal(() => readSparkModel(new Map([['metadata/part-00000', 'text']]) as never))).code).toBe(
      ErrorCode.INVALID_OPTION,
    );
    expect((await refusal(() => writeSparkModel(model, { timestamp: 'now' } as never))).code).toBe(ErrorCode.INVALID_OPTION);
    expect((await refusal(() => writeSparkModel(model, { sparkversion: '3.5.0' } as never))).message).toContain(
      "Did you mean 'sparkVersion'?",
    );
    expect((await refusal(() => writeSparkModel(model, { sparkVersion: 'latest' }))).code).toBe(ErrorCode.INVALID_OPTION);
    // The uid names the part files: a path in it is refused.
    expect((await refusal(() => writeSparkModel(model, { uid: 'ALS_../../x' }))).code).toBe(ErrorCode.INVALID_OPTION);
    expect((await refusal(() => writeSparkModel({} as never))).code).toBe(ErrorCode.INVALID_OPTION);
  });
});

describe('Spark directories on disk', () => {
  it('Hadoop side files of _SUCCESS are ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'als-spark-trust-'));
    try {
      const model = smallModel();
      for (const [path, bytes] of writeSparkModel(model)) {
        const full = join(dir, path);
        const { mkdirSync } = await import('node:fs');
        mkdirSync(join(full, '..'), { recursive: true });
        writeFileSync(full, bytes);
      }
      writeFileSync(join(dir, 'userFactors', '._SUCCESS.crc'), 'junk');
      expectSameModel(model, await loadSparkModel(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('checksums of models written here', () => {
  it.skipIf(!haveSpark)("the .crc files written are byte for byte what Hadoop wrote beside Spark's parts", async () => {
    const { hadoopChecksumFile } = await import('../src/interop/hadoop-checksum.js');
    const files = realFiles();
    for (const [path, bytes] of files) {
      if (path.includes('/.')) continue;
      expect(hadoopChecksumFile(bytes), path).toEqual(files.get(crcPath(path)));
    }
  });

  it('writeSparkModel writes a .crc beside every file, and a flipped byte of a written part is then CORRUPT_MODEL', async () => {
    const files = writeSparkModel(smallModel());
    const parts = [...files.keys()].filter((p) => !p.includes('/.'));
    expect([...files.keys()].filter((p) => p.endsWith('.crc')).sort()).toEqual(parts.map(crcPath).sort());
    const part = parts.find((p) => p.startsWith('itemFactors/part-'))!;
    for (let byte = 0; byte < files.get(part)!.length; byte += 7) {
      expect((await refusal(() => readSparkModel(flipped(files, part, byte, 0x01, true)))).code).toBe(ErrorCode.CORRUPT_MODEL);
    }
  });
});

describe('parquet variants of a factor part', () => {
  it('reads dictionary-encoded ids and factors (a writer picks them for repeated values)', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const { parquetMetadata } = await import('hyparquet');
    const { PARQUET_SCHEMA } = await import('../src/interop/spark.js');
    const { readFactorTable } = await import('../src/interop/spark-columns.js');
    const ids = Array.from({ length: 300 }, (_, r) => (r % 2 ? r : 1000 + r));
    const features = ids.map((_, r) => [r % 3, 0.5, r % 2 ? -1 : 0]);
    for (const codec of ['SNAPPY', 'UNCOMPRESSED'] as const) {
      const file = new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'id', data: Int32Array.from(ids) },
            { name: 'features', data: features },
          ],
          schema: PARQUET_SCHEMA,
          codec,
          pageSize: 256,
        }),
      );
      const encodings = parquetMetadata(file.buffer).row_groups[0]!.columns.flatMap((c) => c.meta_data!.encodings);
      expect(encodings).toContain('RLE_DICTIONARY');
      const table = readFactorTable(file, 3, 'dictionary', 'itemFactors');
      expect(Array.from(table.ids)).toEqual(ids);
      expect(Array.from(table.factors)).toEqual(features.flat());
    }
  });
});

describe.skipIf(!haveSpark)('loadSparkModel reads the checksums on disk', () => {
  it('loadSparkModel verifies the .crc files beside the parts: one flipped byte on disk is CORRUPT_MODEL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'als-spark-crc-'));
    try {
      for (const sub of ['metadata', 'userFactors', 'itemFactors']) {
        const out = join(dir, sub);
        mkdirSync(out);
        for (const name of readdirSync(join(SPARK_MODEL, sub)))
          writeFileSync(join(out, name), readFileSync(join(SPARK_MODEL, sub, name)));
      }
      const intact = await loadSparkModel(dir);
      expect(intact.userIds.length).toBe(943);
      const part = readdirSync(join(dir, 'userFactors')).find((n) => n.startsWith('part-') && !n.endsWith('.crc'))!;
      const bytes = readFileSync(join(dir, 'userFactors', part));
      bytes[bytes.length >> 1]! ^= 0x01;
      writeFileSync(join(dir, 'userFactors', part), bytes);
      const error = await loadSparkModel(dir).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AlsError);
      expect((error as AlsError).code).toBe(ErrorCode.CORRUPT_MODEL);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

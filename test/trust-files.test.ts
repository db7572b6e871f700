/**
 * Issue 11 (trust), the file parts: every writer replaces its output atomically, --overwrite
 * (and `overwrite: true`) replaces only something recognisably ours, the CLI checks its
 * outputs before it reads or trains anything, fs failures are FILE_ERROR naming the path, and
 * the options of the save functions are checked.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { run } from './cli-helpers.js';
import { AlsError, ErrorCode } from '../src/errors.js';
import { ALSModel } from '../src/index.js';
import { loadImplicitModel, loadNpyFactors, loadSparkModel, saveImplicitModel, saveSparkModel } from '../src/interop/files.js';
import { writeDirectoryAtomically, writeFileAtomically } from '../src/io/atomic-write.js';

const root = mkdtempSync(join(tmpdir(), 'als-trust-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dir: string;
let n = 0;
beforeEach(() => {
  dir = join(root, String(n++));
  mkdirSync(dir);
});

/** Two different models with integer IDs (Spark holds only those) and no biases. */
const modelA = ALSModel.fromFactors({
  userIds: [1, 2, 3],
  itemIds: [10, 20],
  userFactors: [1, 0, 0, 1, 1, 1],
  itemFactors: [1, 2, 3, 4],
});
const modelB = ALSModel.fromFactors({
  userIds: [7, 8],
  itemIds: [30, 40, 50],
  userFactors: [2, 0, 0, 2],
  itemFactors: [1, 1, 2, 2, 3, 3],
});

async function refusal(f: () => Promise<unknown>): Promise<AlsError> {
  try {
    await f();
  } catch (error) {
    if (error instanceof AlsError) return error;
    throw error;
  }
  throw new Error('expected an AlsError');
}

/** Every file under `path` with its bytes, to show a refused overwrite touched nothing. */
function snapshot(path: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) {
    const full = join(entry.parentPath, entry.name);
    files[full.slice(path.length)] = entry.isDirectory() ? '<dir>' : readFileSync(full).toString('base64');
  }
  return files;
}

/** A directory of someone's own files. */
function foreignDirectory(path: string): void {
  mkdirSync(join(path, 'photos'), { recursive: true });
  writeFileSync(join(path, 'notes.txt'), 'my notes');
  writeFileSync(join(path, 'photos', 'a.jpg'), Uint8Array.of(0xff, 0xd8, 0xff));
}

/** Makes one fs/promises function fail (as a full disk would) while `f` runs: the writers import fs lazily, so they see the patch. */
async function withFailing<T>(name: 'rename' | 'open', when: (...args: string[]) => boolean, f: () => Promise<T>): Promise<T> {
  const fsp = createRequire(import.meta.url)('node:fs/promises') as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = fsp[name]!;
  fsp[name] = (...args: unknown[]) =>
    when(...(args as string[]))
      ? Promise.reject(Object.assign(new Error(`${name}: no space left on device`), { code: 'ENOSPC' }))
      : original(...args);
  syncBuiltinESMExports();
  try {
    return await f();
  } finally {
    fsp[name] = original;
    syncBuiltinESMExports();
  }
}

const ratingsCsv = () => {
  const path = join(dir, 'ratings.csv');
  const lines = ['u,i,r'];
  for (let u = 0; u < 12; u++) for (let i = 0; i < 8; i++) if ((u + i) % 3 !== 0) lines.push(`${u},${i},${1 + ((u * i) % 5)}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
};
const quick = ['--factors', '2', '--iterations', '2', '--threads', '1', '--header'];

describe('overwrite replaces only our own outputs', () => {
  it('convert --to spark --overwrite refuses a directory that is not a Spark model and leaves its files intact', async () => {
    const model = join(dir, 'm.als');
    await modelA.save(model);
    const target = join(dir, 'somedir');
    foreignDirectory(target);
    const before = snapshot(target);
    const r = await run('convert', model, target, '--to', 'spark', '--overwrite');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^als-wasm: FILE_ERROR: Will not replace .*somedir: it is not an als-wasm output\. It is a directory \(holding notes\.txt, photos\/\) that is not a Spark ALSModel directory: it also holds notes\.txt, so it will not be deleted\./,
    );
    expect(snapshot(target)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['m.als', 'somedir']);
  });

  it('saveSparkModel overwrite refuses a directory with metadata/, userFactors/, itemFactors/ and one file more', async () => {
    const target = join(dir, 'spark');
    await saveSparkModel(modelA, target);
    writeFileSync(join(target, 'README.txt'), 'mine');
    const before = snapshot(target);
    const error = await refusal(() => saveSparkModel(modelB, target, { overwrite: true }));
    expect(error.code).toBe(ErrorCode.FILE_ERROR);
    expect(error.hint).toContain('it also holds README.txt');
    expect(snapshot(target)).toEqual(before);
    // A foreign file inside a factor directory, or metadata that is not an ALSModel's, is not ours either.
    rmSync(join(target, 'README.txt'));
    writeFileSync(join(target, 'userFactors', 'mine.csv'), '1,2');
    expect((await refusal(() => saveSparkModel(modelB, target, { overwrite: true }))).hint).toContain(
      'userFactors/ also holds mine.csv',
    );
    rmSync(join(target, 'userFactors', 'mine.csv'));
    writeFileSync(
      join(target, 'metadata', 'part-00000'),
      '{"class":"org.apache.spark.ml.classification.LogisticRegressionModel"}\n',
    );
    expect((await refusal(() => saveSparkModel(modelB, target, { overwrite: true }))).hint).toContain(
      'metadata/part-00000 does not name an org.apache.spark.ml.recommendation.ALSModel',
    );
  });

  it('saveSparkModel overwrite replaces a Spark model directory with Hadoop _SUCCESS and .crc side files, leaving no litter', async () => {
    const target = join(dir, 'spark');
    await saveSparkModel(modelA, target);
    // As Hadoop leaves them: a checksum beside every file, a success marker.
    for (const sub of ['metadata', 'userFactors', 'itemFactors']) {
      for (const name of readdirSync(join(target, sub))) writeFileSync(join(target, sub, `.${name}.crc`), 'crc');
    }
    writeFileSync(join(target, '_SUCCESS'), '');
    writeFileSync(join(target, '._SUCCESS.crc'), 'crc');
    await saveSparkModel(modelB, target, { overwrite: true });
    const back = await loadSparkModel(target);
    expect(back.userIds).toEqual([7, 8]);
    expect(back.itemFactors).toEqual(modelB.itemFactors);
    expect(readdirSync(target).sort()).toEqual(['itemFactors', 'metadata', 'userFactors']);
    expect(readdirSync(dir)).toEqual(['spark']);
  });

  const realSpark = new URL('../../shared/data/spark-alsmodel-ml100k/als_model', import.meta.url);
  it.skipIf(!existsSync(realSpark))('saveSparkModel overwrite replaces a model directory written by Spark 3.0.2', async () => {
    const target = join(dir, 'als_model');
    cpSync(realSpark, target, { recursive: true });
    expect((await loadSparkModel(target)).numUsers).toBe(943);
    await saveSparkModel(modelB, target, { overwrite: true });
    expect((await loadSparkModel(target)).userIds).toEqual([7, 8]);
    expect(readdirSync(dir)).toEqual(['als_model']);
  });
  if (!existsSync(realSpark))
    console.warn(`trust-files: ${realSpark.pathname} is absent; the real Spark overwrite test is skipped.`);

  it('train -o existing.als --overwrite replaces our own model, atomically and without litter', async () => {
    const csv = ratingsCsv();
    const model = join(dir, 'existing.als');
    expect((await run('train', csv, ...quick, '--seed', '1', '-o', model)).code).toBe(0);
    const first = readFileSync(model);
    const again = await run('train', csv, ...quick, '--seed', '2', '-o', model);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/FILE_ERROR: .*existing\.als already exists\. Pass --overwrite to replace it/);
    expect(readFileSync(model)).toEqual(first);
    expect((await run('train', csv, ...quick, '--seed', '2', '-o', model, '--overwrite')).code).toBe(0);
    expect((await run('train', csv, ...quick, '--seed', '2', '-o', join(dir, 'fresh.als'))).code).toBe(0);
    expect(readFileSync(model)).toEqual(readFileSync(join(dir, 'fresh.als')));
    expect(readFileSync(model)).not.toEqual(first);
    expect(readdirSync(dir).sort()).toEqual(['existing.als', 'fresh.als', 'ratings.csv']);
  });

  it('train -o thesis.als --overwrite refuses a file that is not an als-wasm model', async () => {
    const csv = ratingsCsv();
    const thesis = join(dir, 'thesis.als');
    writeFileSync(thesis, 'four years of work');
    const r = await run('train', csv, ...quick, '-o', thesis, '--overwrite');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'It is a file of 18 bytes that is not an als-wasm model (no ALSWASM magic) nor an .npz, so it will not be overwritten.',
    );
    expect(readFileSync(thesis, 'utf8')).toBe('four years of work');
  });

  it('model.save refuses an existing file unless overwrite: true, which replaces only a model', async () => {
    const path = join(dir, 'm.als');
    await modelA.save(path);
    expect((await refusal(() => modelB.save(path))).code).toBe(ErrorCode.FILE_ERROR);
    expect((await ALSModel.load(path)).userIds).toEqual([1, 2, 3]);
    await modelB.save(path, { overwrite: true });
    expect((await ALSModel.load(path)).userIds).toEqual([7, 8]);
    // An .npz may become an .als and back; an empty file holds nothing to lose.
    const npz = join(dir, 'm.npz');
    await saveImplicitModel(modelA, npz);
    await modelB.save(npz, { overwrite: true });
    expect((await ALSModel.load(npz)).userIds).toEqual([7, 8]);
    writeFileSync(join(dir, 'empty.als'), '');
    await modelA.save(join(dir, 'empty.als'), { overwrite: true });
    expect((await ALSModel.load(join(dir, 'empty.als'))).userIds).toEqual([1, 2, 3]);
    expect(readdirSync(dir).sort()).toEqual(['empty.als', 'm.als', 'm.npz']);
  });

  it('saveImplicitModel overwrite replaces an .npz but refuses a zip archive not named .npz', async () => {
    const npz = join(dir, 'm.npz');
    await saveImplicitModel(modelA, npz);
    await saveImplicitModel(modelB, npz, { overwrite: true });
    expect((await loadImplicitModel(npz)).userIds).toEqual([7, 8]);
    const zip = join(dir, 'photos.zip');
    writeFileSync(zip, readFileSync(npz));
    const error = await refusal(() => saveImplicitModel(modelA, zip, { overwrite: true }));
    expect(error.code).toBe(ErrorCode.FILE_ERROR);
    expect(error.hint).toContain('a zip archive not named *.npz');
    expect(readFileSync(zip)).toEqual(readFileSync(npz));
  });

  it('overwriting through a symbolic link replaces the file it points to and keeps the link', async () => {
    const real = join(dir, 'real.als');
    await modelA.save(real);
    const { symlinkSync, lstatSync } = await import('node:fs');
    symlinkSync(real, join(dir, 'link.als'));
    await modelB.save(join(dir, 'link.als'), { overwrite: true });
    expect(lstatSync(join(dir, 'link.als')).isSymbolicLink()).toBe(true);
    expect((await ALSModel.load(real)).userIds).toEqual([7, 8]);
    expect(readdirSync(dir).sort()).toEqual(['link.als', 'real.als']);
  });
});

describe('a failure mid-write leaves the old output and no temporary litter', () => {
  it('a file writer that throws half-way leaves the old model intact and no temporary file', async () => {
    const path = join(dir, 'm.als');
    await modelA.save(path);
    const before = readFileSync(path);
    const bytes = modelB.toBytes();
    const disk = new Error('disk full');
    const error = await refusal(() =>
      writeFileAtomically(
        path,
        async (file) => {
          await file.write(bytes.subarray(0, bytes.length >> 1));
          throw disk;
        },
        { overwrite: true },
      ),
    );
    expect(error.code).toBe(ErrorCode.FILE_ERROR);
    expect(error.message).toContain(path);
    expect(error.cause).toBe(disk);
    expect(readFileSync(path)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['m.als']);
  });

  it('a directory writer that throws half-way leaves the old Spark model intact and no temporary directory', async () => {
    const target = join(dir, 'spark');
    await saveSparkModel(modelA, target);
    const before = snapshot(target);
    const error = await refusal(() =>
      writeDirectoryAtomically(
        target,
        async (temp) => {
          mkdirSync(join(temp, 'metadata'));
          writeFileSync(join(temp, 'metadata', 'part-00000'), '{"cl');
          throw new Error('killed');
        },
        { overwrite: true },
      ),
    );
    expect(error.code).toBe(ErrorCode.FILE_ERROR);
    expect(snapshot(target)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['spark']);
  });

  it('model.save on a full disk (the rename fails) is a FILE_ERROR naming the path, the old model intact', async () => {
    const path = join(dir, 'm.als');
    await modelA.save(path);
    const before = readFileSync(path);
    const error = await withFailing(
      'rename',
      () => true,
      () => refusal(() => modelB.save(path, { overwrite: true })),
    );
    expect(error.code).toBe(ErrorCode.FILE_ERROR);
    expect(error.message).toBe(`Cannot write ${path} (ENOSPC). The disk is full.`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(readFileSync(path)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['m.als']);
  });

  it('saveSparkModel puts the old directory back when the new one cannot be renamed in', async () => {
    const target = join(dir, 'spark');
    await saveSparkModel(modelA, target);
    const before = snapshot(target);
    // The old model is renamed aside (.old), then renaming the new one (.tmp) in fails.
    const error = await withFailing(
      'rename',
      (from) => from.endsWith('.tmp'),
      () => refusal(() => saveSparkModel(modelB, target, { overwrite: true })),
    );
    expect(error.code).toBe(ErrorCode.FILE_ERROR);
    expect(snapshot(target)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['spark']);
    expect((await loadSparkModel(target)).userIds).toEqual([1, 2, 3]);
  });

  it('saveImplicitModel that cannot create its temporary file leaves nothing behind', async () => {
    const path = join(dir, 'm.npz');
    const error = await withFailing(
      'open',
      (p) => String(p).endsWith('.tmp'),
      () => refusal(() => saveImplicitModel(modelA, path)),
    );
    expect(error.message).toBe(`Cannot write ${path} (ENOSPC). The disk is full.`);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('outputs are checked before anything is read or trained', () => {
  it('train -o nodir/m.als refuses before reading the ratings', async () => {
    // The ratings file does not exist either: the error must be about the output.
    const r = await run('train', join(dir, 'missing.csv'), '-o', join(dir, 'nodir', 'm.als'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `als-wasm: FILE_ERROR: Cannot write ${join(dir, 'nodir', 'm.als')}: the directory ${join(dir, 'nodir')} does not exist. Create it first, or choose another path.\n`,
    );
  });

  it('train -o adir.als refuses a directory before reading the ratings', async () => {
    mkdirSync(join(dir, 'adir.als'));
    const r = await run('train', join(dir, 'missing.csv'), '-o', join(dir, 'adir.als'), '--overwrite');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `FILE_ERROR: Cannot write ${join(dir, 'adir.als')}: it is a directory (empty). A model file needs a file path, such as ${join(dir, 'adir.als', 'model.als')}.`,
    );
  });

  it('train -o through a file used as a directory refuses before reading the ratings', async () => {
    writeFileSync(join(dir, 'afile'), 'x');
    const r = await run('train', join(dir, 'missing.csv'), '-o', join(dir, 'afile', 'm.als'));
    expect(r.stderr).toBe(
      `als-wasm: FILE_ERROR: Cannot write ${join(dir, 'afile', 'm.als')}: ${join(dir, 'afile')} is not a directory. Choose a path inside a directory.\n`,
    );
  });

  it('convert checks its output before reading the input', async () => {
    writeFileSync(join(dir, 'out.npz'), 'not mine to replace');
    const exists = await run('convert', join(dir, 'missing.als'), join(dir, 'out.npz'));
    expect(exists.stderr).toMatch(/FILE_ERROR: Will not replace .*out\.npz/);
    await modelA.save(join(dir, 'theirs.npz'));
    const noFlag = await run('convert', join(dir, 'missing.als'), join(dir, 'theirs.npz'));
    expect(noFlag.stderr).toMatch(/FILE_ERROR: .*theirs\.npz already exists\. Pass --overwrite/);
    const file = await run('convert', join(dir, 'missing.als'), join(dir, 'theirs.npz'), '--to', 'spark', '--overwrite');
    expect(file.stderr).toMatch(/FILE_ERROR: Cannot write a Spark model directory at .*theirs\.npz: it is a file of \d+ bytes\./);
  });

  it('model.save into a missing directory or onto a directory is a FILE_ERROR naming the path', async () => {
    const missing = join(dir, 'nodir', 'm.als');
    expect((await refusal(() => modelA.save(missing))).message).toBe(
      `Cannot write ${missing}: the directory ${join(dir, 'nodir')} does not exist. Create it first, or choose another path.`,
    );
    expect((await refusal(() => modelA.save(dir, { overwrite: true }))).message).toContain(
      `Cannot write ${dir}: it is a directory`,
    );
    expect((await refusal(() => modelA.save(''))).code).toBe(ErrorCode.INVALID_OPTION);
  });
});

describe('options of the save and load functions are checked', () => {
  it('save options refuse unknown keys and values of the wrong type, writing nothing', async () => {
    const path = join(dir, 'm.als');
    const overwrit = await refusal(() => modelA.save(path, { overwrit: true } as never));
    expect([overwrit.code, overwrit.hint]).toEqual([ErrorCode.INVALID_OPTION, "Did you mean 'overwrite'?"]);
    expect((await refusal(() => modelA.save(path, { seen: 'no' } as never))).message).toBe(
      'seen must be true or false (got "no").',
    );
    expect((await refusal(() => modelA.save(path, null as never))).code).toBe(ErrorCode.INVALID_OPTION);
    expect((await refusal(() => saveSparkModel(modelA, join(dir, 's'), { overwrite: 'yes' } as never))).message).toBe(
      'overwrite must be true or false (got "yes").',
    );
    expect((await refusal(() => saveSparkModel(modelA, join(dir, 's'), { timestamp: -1 }))).code).toBe(ErrorCode.INVALID_OPTION);
    expect((await refusal(() => saveSparkModel(modelA, join(dir, 's'), { sparkVersion: 3 } as never))).code).toBe(
      ErrorCode.INVALID_OPTION,
    );
    const spark = await refusal(() => saveSparkModel(modelA, join(dir, 's'), { mode: 'overwrite' } as never));
    expect(spark.message).toBe(
      "saveSparkModel options have no option 'mode'. Known options: sparkVersion, uid, timestamp, overwrite.",
    );
    expect((await refusal(() => saveImplicitModel(modelA, join(dir, 'm.npz'), { compress: 1 } as never))).message).toBe(
      'compress must be true or false (got 1).',
    );
    expect((await refusal(() => saveImplicitModel(modelA, join(dir, 'm.npz'), { idz: false } as never))).hint).toBe(
      "Did you mean 'ids'?",
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('loader options must be objects, and loadNpyFactors needs both paths', async () => {
    expect((await refusal(() => loadSparkModel(dir, null as never))).code).toBe(ErrorCode.INVALID_OPTION);
    expect((await refusal(() => loadImplicitModel(join(dir, 'm.npz'), 'x' as never))).code).toBe(ErrorCode.INVALID_OPTION);
    expect((await refusal(() => loadNpyFactors({ userFactors: join(dir, 'u.npy') } as never))).message).toBe(
      'The path must be a non-empty string (got undefined).',
    );
    expect((await refusal(() => loadNpyFactors({ userFactors: 'u', itemFactors: 'i', extra: 1 } as never))).code).toBe(
      ErrorCode.INVALID_OPTION,
    );
  });

  it('loaders name the path of what they cannot read', async () => {
    const error = await refusal(() => loadSparkModel(join(dir, 'nothing')));
    expect(error.message).toBe(
      `Cannot read ${join(dir, 'nothing', 'metadata')} (ENOENT). Is ${join(dir, 'nothing')} a saved Spark ALSModel (holding metadata/, userFactors/, itemFactors/)?`,
    );
    expect((await refusal(() => loadImplicitModel(dir))).message).toBe(`Cannot read ${dir} (EISDIR). It is a directory.`);
    const directory = await refusal(() => ALSModel.load(dir));
    expect([directory.code, directory.message]).toEqual([
      ErrorCode.FILE_ERROR,
      `Cannot read model file ${dir} (EISDIR). It is a directory: a Spark model? Load it with loadSparkModel (the CLI: --from spark).`,
    ]);
    expect((await refusal(() => ALSModel.load(undefined as never))).code).toBe(ErrorCode.INVALID_OPTION);
  });
});

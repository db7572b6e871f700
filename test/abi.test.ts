/**
 * The TS↔WASM protocol is declared once (src/kernels/abi.ts): the generated AssemblyScript
 * side matches it, every record's fields have distinct aligned offsets inside the block, and
 * what a helper writes, the matching reader reads back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateAssemblyAbi } from '../scripts/build-wasm.mjs';
import {
  type AbiRecord,
  assemblyAbiSource,
  CONTROL,
  CONTROL_ARGS_OFFSET,
  type JobArgs,
  type JobName,
  JOBS,
  offsetsOf,
  RANK_PARAMS,
  RECORDS,
  readJobArgs,
  readRankParams,
  readRecord,
  readSolveParams,
  SOLVE_PARAMS,
  slotsOf,
  writeFields,
  writeJob,
  writeRankParams,
  writeSolveParams,
} from '../src/kernels/abi.js';
import { CG_GATHER_ROWS, GATHER_ROWS, PARAM_BYTES, Param, RANK_PARAM_SLOTS, RankParam } from '../src/kernels/types.js';
import { CTRL_BYTES, Ctrl, Job } from '../src/parallel/tasks.js';

const source = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** Distinct values per field (f32 fields get a fraction, pointers a value past 2 GiB). */
function sample(r: AbiRecord, seed: number): Record<string, number> {
  return Object.fromEntries(
    r.fields.map(([name, type], slot) => [
      name,
      type === 'f32' ? seed + slot + 0.25 : type === 'ptr' ? 2 ** 31 + (seed + slot) * 16 : -(seed + slot),
    ]),
  );
}

describe('the ABI declaration (src/kernels/abi.ts)', () => {
  it('assembly/abi.ts is what the build generates from the declaration (not stale, not edited)', async () => {
    const generated = await generateAssemblyAbi();
    expect(generated).toBe(assemblyAbiSource());
    expect(source('assembly/abi.ts')).toBe(generated);
    expect(generated.startsWith('// generated from src/kernels/abi.ts by scripts/build-wasm.mjs; do not edit.\n')).toBe(true);
  });

  it('assembly/abi.ts declares one byte offset per field of the blocks the kernels read', () => {
    const text = source('assembly/abi.ts');
    const declared = [...text.matchAll(/^@inline export const (\w+): usize = (\d+);$/gm)].map((m) => [m[1], Number(m[2])]);
    const expected = RECORDS.filter((r) => r.kernel).flatMap((r) =>
      r.fields.map((_, slot) => [expect.stringMatching(new RegExp(`^${r.prefix}_`)), slot * 4]),
    );
    expect(declared).toEqual(expected);
    expect(declared.slice(0, 3)).toEqual([
      ['SOLVE_X', 0],
      ['SOLVE_Y', 4],
      ['SOLVE_STRIDE', 8],
    ]);
    expect(declared).toContainEqual(['SOLVE_REG_WEIGHTS', 28]);
    expect(declared).toContainEqual(['SOLVE_YTY', 52]);
    expect(declared).toContainEqual(['RANK_OUT_RANK', 64]);
  });

  it('the gather sizes the scratch is planned with are the ones the kernels use (assembly/abi.ts)', () => {
    const text = source('assembly/abi.ts');
    expect(text).toContain(`@inline export const GATHER_ROWS: i32 = ${GATHER_ROWS};`);
    expect(text).toContain(`@inline export const CG_GATHER_ROWS: i32 = ${CG_GATHER_ROWS};`);
    for (const file of ['assembly/gram.ts', 'assembly/solve.ts'])
      expect([file, source(file).match(/@inline const \w*GATHER/g)]).toEqual([file, null]);
  });

  it('the kernels read their blocks through the generated offsets, never literal ones', () => {
    const kernels = readdirSync(new URL('../assembly/', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'abi.ts');
    expect(kernels).toContain('solve.ts');
    for (const file of kernels.map((f) => `assembly/${f}`)) {
      expect([file, source(file).match(/load<\w+>\(params, \d+\)/g)]).toEqual([file, null]);
    }
  });

  for (const r of RECORDS) {
    it(`${r.prefix}: every field has a distinct, 4-byte aligned offset inside the ${r.bytes}-byte block`, () => {
      const offsets = Object.values(offsetsOf(r));
      expect(offsets.length).toBe(r.fields.length);
      expect(new Set(offsets).size).toBe(offsets.length);
      expect(new Set(r.fields.map(([name]) => name)).size).toBe(r.fields.length);
      for (const at of offsets) {
        expect(at % 4).toBe(0);
        expect(at + 4).toBeLessThanOrEqual(r.bytes);
      }
    });

    it(`${r.prefix}: a write then a read gives back every field`, () => {
      const i32 = new Int32Array(64);
      const values = sample(r, 3);
      writeFields(i32, 16, r, values);
      expect(readRecord(i32, 16, r)).toEqual(values);
      // Nothing before the block or past its fields is touched.
      expect(i32.subarray(0, 4).every((w) => w === 0)).toBe(true);
      expect(i32.subarray(4 + r.fields.length).every((w) => w === 0)).toBe(true);
    });
  }

  it('an f32 field holds the float32 rounding of what was written, as a Float32Array store would', () => {
    const i32 = new Int32Array(32);
    writeSolveParams(i32, 0, { ...(sample(SOLVE_PARAMS, 1) as ReturnType<typeof readSolveParams>), lambda: 0.1 });
    expect(new Float32Array(i32.buffer)[Param.Lambda]).toBe(Math.fround(0.1));
    expect(readSolveParams(i32, 0).lambda).toBe(Math.fround(0.1));
  });

  it('the slot maps of types.ts and tasks.ts are derived from the declaration, unchanged', () => {
    expect(Param).toEqual(slotsOf(SOLVE_PARAMS));
    expect([Param.X, Param.Lambda, Param.YtY, Param.OtherBias]).toEqual([0, 8, 13, 15]);
    expect(PARAM_BYTES).toBe(128);
    expect(RankParam).toEqual(slotsOf(RANK_PARAMS));
    expect([RankParam.Queries, RankParam.OutRank, RankParam.First, RankParam.End]).toEqual([0, 16, 17, 18]);
    expect(RANK_PARAM_SLOTS).toBe(19);
    expect(Ctrl).toEqual({ Job: 0, Counter: 1, Stop: 2, Tasks: 3 });
    expect(CTRL_BYTES).toBe(80); // 16 + the TopN record (13 fields with `screen`), rounded up to 16
    expect(CONTROL_ARGS_OFFSET).toBe(16);
    expect(Job).toEqual({ Solve: 1, Gram: 2, DataLoss: 3, Penalty: 4, TopN: 5, TopNRanks: 6, Sample: 7, Whiten: 8, Unwhiten: 9 });
  });

  it('every job argument record fits in the control block after its header', () => {
    for (const { args } of Object.values(JOBS)) expect(CONTROL_ARGS_OFFSET + args.bytes).toBeLessThanOrEqual(CONTROL.bytes);
    expect(new Set(Object.values(JOBS).map((j) => j.id)).size).toBe(Object.keys(JOBS).length);
  });

  for (const name of Object.keys(JOBS) as JobName[]) {
    it(`Job.${name}: writeJob then readJobArgs gives back the job, its tasks and every argument`, () => {
      const i32 = new Int32Array(64);
      const ctrl = 64;
      const args = sample(JOBS[name].args, 5) as JobArgs[typeof name];
      writeJob(i32, ctrl, name, 7, args);
      expect(readJobArgs(i32, ctrl, name)).toEqual(args);
      expect(readRecord(i32, ctrl, CONTROL)).toEqual({ job: JOBS[name].id, counter: 0, stop: 0, tasks: 7 });
    });
  }

  it('the rankQueries block: a full write, then a run updating first and end only', () => {
    const i32 = new Int32Array(32);
    const values = sample(RANK_PARAMS, 2) as ReturnType<typeof readRankParams>;
    writeRankParams(i32, 0, values);
    writeFields(i32, 0, RANK_PARAMS, { first: 10, end: 42 });
    expect(readRankParams(i32, 0)).toEqual({ ...values, first: 10, end: 42 });
  });
});

/**
 * The protocol between TypeScript and the kernels, declared once: every block of 4-byte words
 * that one side writes into the shared memory and the other reads.
 *
 * - the half-step parameter block that `solveRows` and `dataLoss` read ({@link SOLVE_PARAMS});
 * - the parameter block that `rankQueries` reads ({@link RANK_PARAMS});
 * - the prior block that `sampleRows` reads ({@link PRIOR_PARAMS});
 * - the control block of a threaded job ({@link CONTROL}) and each job's argument record,
 *   which follows the control header ({@link JOBS}).
 *
 * A record is a list of named, typed fields; a field's slot is its position, its byte offset
 * 4 × slot. Nothing else states an offset: TypeScript reads and writes through
 * {@link writeRecord} / {@link readRecord} and the named helpers below, and
 * scripts/build-wasm.mjs generates assembly/abi.ts (`@inline` byte offsets per field of the
 * records the kernels read) from this file before compiling. test/abi.test.ts fails when that
 * generated file is stale.
 *
 * Adding a field: append it to its record (a block's size grows with it unless the record
 * reserves room), write it where the record is written, read it where it is read; run
 * `npm run build:wasm` when the kernels read it. Adding a job: one entry in JOBS and one case
 * in parallel/tasks.ts runTasks.
 *
 * This file imports nothing and holds plain data plus small functions: the build evaluates it
 * with TypeScript's transpileModule (a devDependency, installed whenever `prepare` runs), with
 * no type-checker and no module resolution.
 */

/** `i32`: an integer; `f32`: a float; `ptr`: a byte offset into the memory (u32, 0: none). */
export type FieldType = 'i32' | 'f32' | 'ptr';

/** One field: [name, type, what it holds]. */
export type FieldSpec = readonly [name: string, type: FieldType, doc: string];

export interface AbiRecord<F extends readonly FieldSpec[] = readonly FieldSpec[]> {
  /** Prefix of the generated AssemblyScript constants ("SOLVE" → SOLVE_X). */
  readonly prefix: string;
  /** What the record is, for the generated file. */
  readonly doc: string;
  readonly fields: F;
  /** Bytes the block takes: 4 per field, or more when the record reserves room. */
  readonly bytes: number;
  /** Whether the kernels (assembly/) read it, so that assembly/abi.ts declares its offsets. */
  readonly kernel: boolean;
}

/** A record's values by field name (pointers, integers and floats are all JS numbers). */
export type RecordValues<F extends readonly FieldSpec[]> = { -readonly [S in F[number] as S[0]]: number };

/** A record's slot index by field name, capitalized ("regWeights" → RegWeights). */
export type RecordSlots<F extends readonly FieldSpec[]> = { readonly [S in F[number] as Capitalize<S[0]>]: number };

function record<const F extends readonly FieldSpec[]>(
  prefix: string,
  doc: string,
  fields: F,
  options: { bytes?: number; kernel?: boolean } = {},
): AbiRecord<F> {
  const bytes = options.bytes ?? fields.length * 4;
  if (bytes < fields.length * 4) throw new Error(`abi: ${prefix} has ${fields.length} fields in ${bytes} bytes`);
  return { prefix, doc, fields, bytes, kernel: options.kernel ?? false };
}

/**
 * The half-step parameter block, written by train/state.ts before a half-step and read by
 * solveRows and dataLoss. 128 bytes: room for 32 fields.
 */
export const SOLVE_PARAMS = record(
  'SOLVE',
  'The half-step parameter block (solveRows, dataLoss).',
  [
    ['X', 'ptr', 'the factors being solved (rows of `stride`), written'],
    ['Y', 'ptr', 'the fixed factors (rows of `stride`), read'],
    ['stride', 'i32', 'floats per factor row, a multiple of 8'],
    ['dim', 'i32', 'unknowns per row (k, or k + 1 when the last one is a bias)'],
    ['indptr', 'ptr', 'CSR row pointers of the solved side, rows + 1 entries (i32)'],
    ['indices', 'ptr', 'column (fixed-side row) index of each rating: i32, or u16 when indexBytes is 2'],
    ['values', 'ptr', 'rating values (f32)'],
    ['regWeights', 'ptr', 'per-row regularization weight w_u (f32); 0 means all ones. λ_u = λ·w_u'],
    ['lambda', 'f32', 'λ'],
    ['mode', 'i32', 'a WeightMode'],
    ['alpha', 'f32', 'α of the implicit confidence'],
    ['solver', 'i32', 'a Solver'],
    ['cgSteps', 'i32', 'conjugate-gradient steps per row (warm-started from the current X row)'],
    [
      'YtY',
      'ptr',
      'YᵀY of the fixed side (stride × stride, both triangles as gramBlock writes them; the Cholesky path reads the upper one), or 0 for none (explicit)',
    ],
    ['mu', 'f32', 'global mean μ subtracted from explicit targets (0 without biases)'],
    ['otherBias', 'ptr', 'bias of each fixed-side row (f32) subtracted from explicit targets, or 0'],
    ['blockSize', 'i32', 'unknowns per block of the subspace solver (≥ 1; ≥ dim is one block, the Cholesky solution)'],
    [
      'shortMax',
      'i32',
      'Cholesky solver without YtY: rows with at most this many positive weights (and none negative) are solved exactly through the push-through identity (assembly/short-rows.ts); 0: never',
    ],
    [
      'whiteFactor',
      'ptr',
      'L⁻¹ (stride × stride, zero above the diagonal and past dim) with YᵀY + λI = LLᵀ, when Y holds the whitened rows L⁻¹y (YtY is then 0): every row solves (I + Σ w_j w̃_j w̃_jᵀ) z = Σ t_j w̃_j and x = L⁻ᵀz; 0: Y is plain',
    ],
    [
      'whiteUpper',
      'ptr',
      'CG against whitened rows (whiteFactor ≠ 0): U = Lᵀ from `cholesky` of YᵀY + λI with its transpose mirrored below the diagonal (stride × stride; row j up to column j is U’s column j; the padding never read), for the warm start z₀ = U·x of each row from its current x; 0: z₀ = 0 (cold start)',
    ],
    [
      'indexBytes',
      'i32',
      'bytes per column index: 2 (u16: the column’s low 16 bits, see indexSplits) or 4 (i32); kernels widen a row’s indices into their scratch before use',
    ],
    [
      'indexSplits',
      'ptr',
      'with 2-byte indices into a fixed side of more than 65,536 rows: per solved row, indexBlocks − 1 i32, the entry position where each next block of 65,536 columns begins (a row’s columns ascend, so each block is one run); 0: one block',
    ],
    ['indexBlocks', 'i32', 'blocks of 65,536 columns the indices span: 1 without indexSplits'],
  ],
  { bytes: 128, kernel: true },
);

/**
 * The prior block of sampleRows (Bayesian ALS), written by train/gibbs.ts before each half-step.
 * Every row's precision is P + Σ_j y_j y_jᵀ; rows with at most `shortMax` ratings are drawn in
 * the basis whitened by P = LLᵀ instead (perturb and MAP through the push-through identity,
 * assembly/sample.ts), which needs the three `white` fields.
 */
export const PRIOR_PARAMS = record(
  'PRIOR',
  'The prior block of sampleRows.',
  [
    ['precision', 'ptr', 'P = Λ_prior/τ (stride × stride, upper triangle within dim)'],
    ['mean', 'ptr', 'h = Λ_prior·μ_prior/τ (stride floats)'],
    [
      'shortMax',
      'i32',
      'rows with at most this many ratings (≤ dim) are drawn against the whitened rows by perturb and MAP; 0: every row the standard way',
    ],
    ['whiteRows', 'ptr', 'the fixed rows whitened, L⁻¹y (rows of `stride`, zero past dim), with P = LLᵀ; read when shortMax > 0'],
    [
      'whiteFactor',
      'ptr',
      'L⁻ᵀ (stride × stride, upper triangle within dim, zero below the diagonal and past dim); read when shortMax > 0',
    ],
    ['whiteMean', 'ptr', 'L⁻¹h (stride floats, zero past dim); read when shortMax > 0'],
    [
      'rowLoss',
      'ptr',
      "0, or where row u's Σ_j (t_j − x·y_j)² goes (f64 at rowLoss + 8u) once drawn: the residual sum of squares τ's draw needs, without a pass of its own",
    ],
    [
      'keep',
      'ptr',
      "0, or the kept samples of the side drawn: row u's first keepFactors floats, times 1/√keepSamples (in f64, then rounded to f32), go to floats [keepIndex·keepFactors, (keepIndex + 1)·keepFactors) of its row of keepFactors·keepSamples floats at keep, while the row is in cache",
    ],
    ['keepFactors', 'i32', 'floats of each row kept (k: the bias slot is not among them); read when keep ≠ 0'],
    ['keepSamples', 'i32', 'samples a row keeps side by side; read when keep ≠ 0'],
    ['keepIndex', 'i32', 'which of them this half-step writes; read when keep ≠ 0'],
    [
      'keepBias',
      'ptr',
      "0, or where row u's running sum of its bias (slot keepFactors, added as f64) is (f64 at keepBias + 8u); read when keep ≠ 0",
    ],
    [
      'mirror',
      'ptr',
      "0, or rows of `stride` where row u's dim floats drawn are written too (its padding is not written): a copy of the side, bias slot included, that the next hyperparameter draw reads while the other side's half-step runs",
    ],
  ],
  { bytes: 52, kernel: true },
);

/**
 * The parameter block of rankQueries, written by eval/ranking-job.ts. Per query q: its row at
 * queries + q·stride floats; its exclusions exclIndices[exclIndptr[q] … exclIndptr[q + 1]); its
 * posCount[q] positives at posIndices + posIndptr[q] (posIndptr entries are multiples of 4, so
 * the posScore / outRank segments hold scoreTopKRanks' padding); its heap at outIdx / outScore
 * + q·n and its count at kept[q]. first / end are the current run's query range (read by the
 * task loop only).
 */
export const RANK_PARAMS = record(
  'RANK',
  'The parameter block of rankQueries.',
  [
    ['queries', 'ptr', 'query rows (f32, rows of `stride`)'],
    ['stride', 'i32', 'floats per row, a multiple of 8'],
    ['dim', 'i32', 'floats of each row that are scored'],
    ['rows', 'ptr', 'the rows ranked (f32, rows of `stride`)'],
    ['numRows', 'i32', 'how many rows'],
    ['bias', 'ptr', 'bias of each row (f32), or 0 for none'],
    ['exclIndptr', 'ptr', 'excluded rows per query: CSR row pointers (i32)'],
    ['exclIndices', 'ptr', 'excluded rows per query: ascending row indices (i32)'],
    ['posIndptr', 'ptr', "where each query's positives start (i32, multiples of 4)"],
    ['posIndices', 'ptr', 'positive rows per query, ascending (i32)'],
    ['posCount', 'ptr', 'positives per query (i32)'],
    ['n', 'i32', 'list length'],
    ['outIdx', 'ptr', 'heaps of row indices, n per query (i32)'],
    ['outScore', 'ptr', 'heaps of scores, n per query (f32)'],
    ['kept', 'ptr', 'entries in each heap (i32)'],
    ['posScore', 'ptr', "each positive's score (f32)"],
    ['outRank', 'ptr', "each positive's twice-AUC numerator (i32)"],
    ['first', 'i32', "the current run's first query"],
    ['end', 'i32', "the current run's end query (exclusive)"],
  ],
  { kernel: true },
);

/**
 * A job's argument records, read by parallel/tasks.ts runTasks. `id` is the number in the
 * control block's job word; the record's fields follow the control header.
 */
export const JOBS = {
  /** Task c: status[c] = solveRows(params, bounds[c], bounds[c + 1], scratch of the thread). */
  Solve: {
    id: 1,
    args: record('JOB_SOLVE', 'Job.Solve arguments.', [
      ['params', 'ptr', 'the SOLVE_PARAMS block'],
      ['bounds', 'ptr', 'row bounds of the tasks (i32[tasks + 1])'],
      ['status', 'ptr', 'status of each task (i32[tasks])'],
    ]),
  },
  /** Task c: partial c (stride² f32) = YᵀY over rows [c·B, min(rows, (c + 1)·B)). */
  Gram: {
    id: 2,
    args: record('JOB_GRAM', 'Job.Gram arguments.', [
      ['factors', 'ptr', 'the factors (rows of `stride`)'],
      ['stride', 'i32', 'floats per row'],
      ['dim', 'i32', 'leading columns summed'],
      ['rows', 'i32', 'how many rows'],
      ['partials', 'ptr', 'one stride² f32 partial per task'],
    ]),
  },
  /**
   * Task c: whitenRows(factor, stride, dim, factors, rows of block c of `rowsPerTask`): the
   * fixed side's rows become L⁻¹y in place (train/state.ts, the implicit short-row path).
   */
  Whiten: {
    id: 8,
    args: record('JOB_WHITEN', 'Job.Whiten arguments.', [
      ['factor', 'ptr', 'U of YᵀY + λI = UᵀU (stride × stride, upper triangle)'],
      ['factors', 'ptr', 'the rows whitened in place (rows of `stride`)'],
      ['stride', 'i32', 'floats per row'],
      ['dim', 'i32', 'leading columns of each row'],
      ['rows', 'i32', 'how many rows'],
      ['rowsPerTask', 'i32', 'rows per task'],
    ]),
  },
  /**
   * Task c: unwhitenRows(factor, stride, dim, factors, rows of block c of `rowsPerTask`): rows
   * whitened by Whiten become Uᵀx̃ = L x̃ again, in place (train/state.ts, before a loss).
   */
  Unwhiten: {
    id: 9,
    args: record('JOB_UNWHITEN', 'Job.Unwhiten arguments.', [
      ['factor', 'ptr', 'U of YᵀY + λI = UᵀU (stride × stride, upper triangle)'],
      ['factors', 'ptr', 'the rows un-whitened in place (rows of `stride`)'],
      ['stride', 'i32', 'floats per row'],
      ['dim', 'i32', 'leading columns of each row'],
      ['rows', 'i32', 'how many rows'],
      ['rowsPerTask', 'i32', 'rows per task'],
    ]),
  },
  /** Task c: out[c] (f64) = dataLoss(params, rows of block c). */
  DataLoss: {
    id: 3,
    args: record('JOB_DATA_LOSS', 'Job.DataLoss arguments.', [
      ['params', 'ptr', 'the SOLVE_PARAMS block of the side just solved'],
      ['rows', 'i32', 'rows of the solved side'],
      ['out', 'ptr', 'one f64 per task'],
    ]),
  },
  /** Task c: out[c] (f64) = penalty(factors, stride, cols, regWeights, rows of block c). */
  Penalty: {
    id: 4,
    args: record('JOB_PENALTY', 'Job.Penalty arguments.', [
      ['factors', 'ptr', 'the factors (rows of `stride`)'],
      ['stride', 'i32', 'floats per row'],
      ['cols', 'i32', 'leading columns in the penalty'],
      ['regWeights', 'ptr', 'λ weight per row (f32), or 0 for ones'],
      ['rows', 'i32', 'how many rows'],
      ['out', 'ptr', 'one f64 per task'],
    ]),
  },
  /**
   * Task c: the top-n rows for each query of block c (recommendAll; see
   * model/recommend-all.ts); the count kept for query q goes to i32 at
   * outIdx + (numQueries·n + q)·4.
   */
  TopN: {
    id: 5,
    args: record('JOB_TOP_N', 'Job.TopN arguments.', [
      ['queries', 'ptr', 'query rows (f32, rows of `stride`)'],
      ['stride', 'i32', 'floats per row'],
      ['dim', 'i32', 'floats of each row that are scored'],
      ['numQueries', 'i32', 'how many queries'],
      ['rows', 'ptr', 'the rows ranked (f32, rows of `stride`)'],
      ['numRows', 'i32', 'how many rows'],
      ['bias', 'ptr', 'bias of each row (f32), or 0'],
      ['exclIndptr', 'ptr', 'excluded rows per query: CSR row pointers, or 0 for none'],
      ['exclIndices', 'ptr', 'excluded rows per query: ascending row indices'],
      ['n', 'i32', 'list length'],
      ['outIdx', 'ptr', 'numQueries × n row indices, then one kept count per query (i32)'],
      ['outScore', 'ptr', 'numQueries × n scores (f32)'],
      [
        'screen',
        'ptr',
        "the rows' screen block (score.ts screenRows), or 0: score every row exactly; with it, each thread runs screenTopKBatch with its scratch (screenScratchBytes(QUERY_BLOCK, dim) bytes)",
      ],
    ]),
  },
  /**
   * Task c: the top-n rows and the ranks of each query's positives for the queries of block c
   * of a run (ranking evaluation; see eval/ranking-job.ts).
   */
  TopNRanks: {
    id: 6,
    args: record('JOB_TOP_N_RANKS', 'Job.TopNRanks arguments.', [
      ['params', 'ptr', "the RANK_PARAMS block; this run's queries are its [first, end)"],
    ]),
  },
  /**
   * Task c: status[c] = sampleRows(params, prior, noiseScale, streamKey, rows [bounds[c],
   * bounds[c + 1]), scratch of the thread): each row draws its normals from its own stream.
   * Bayesian ALS (train/gibbs.ts).
   */
  Sample: {
    id: 7,
    args: record('JOB_SAMPLE', 'Job.Sample arguments.', [
      ['params', 'ptr', 'the SOLVE_PARAMS block (stride and dim of the normals too)'],
      ['prior', 'ptr', 'the PRIOR_PARAMS block'],
      ['noiseScale', 'f32', '1/√τ'],
      ['bounds', 'ptr', 'row bounds of the tasks (i32[tasks + 1])'],
      ['status', 'ptr', 'status of each task (i32[tasks])'],
      ['streamKey', 'i32', "the half-step's stream key (train/prng.ts streamKey; its 32 bits)"],
    ]),
  },
} as const;

export type JobName = keyof typeof JOBS;
/** A job's number in the control block's job word. */
export const Job = Object.fromEntries(Object.entries(JOBS).map(([name, job]) => [name, job.id])) as {
  readonly [N in JobName]: (typeof JOBS)[N]['id'];
};
export type Job = (typeof Job)[JobName];
/** The argument values of each job, by name. */
export type JobArgs = { [N in JobName]: RecordValues<(typeof JOBS)[N]['args']['fields']> };

/** Bytes of the largest argument record: the room the control block leaves for arguments. */
const JOB_ARGS_BYTES = Math.max(...Object.values(JOBS).map((job) => job.args.bytes));

/**
 * The control block of a threaded job: the header below, then the job's argument record. The
 * main thread writes it before a job; every thread claims tasks from `counter`.
 */
export const CONTROL = record(
  'CTRL',
  'The control block of a threaded job.',
  [
    ['job', 'i32', "the job's id (JOBS)"],
    ['counter', 'i32', 'next task to claim (Atomics.add)'],
    ['stop', 'i32', 'non-zero: stop claiming tasks (abort, or a failure elsewhere)'],
    ['tasks', 'i32', 'tasks of the job'],
  ],
  { bytes: 16 + Math.ceil(JOB_ARGS_BYTES / 16) * 16 },
);

/** Byte offset of the job's argument record inside the control block. */
export const CONTROL_ARGS_OFFSET = CONTROL.fields.length * 4;

/** Byte offset of each field, by name. */
export function offsetsOf<F extends readonly FieldSpec[]>(r: AbiRecord<F>): RecordValues<F> {
  return Object.fromEntries(r.fields.map(([name], slot) => [name, slot * 4])) as RecordValues<F>;
}

/** Slot (4-byte index) of each field, by capitalized name: index Int32Array / Float32Array views. */
export function slotsOf<F extends readonly FieldSpec[]>(r: AbiRecord<F>): RecordSlots<F> {
  return Object.fromEntries(r.fields.map(([name], slot) => [name[0]!.toUpperCase() + name.slice(1), slot])) as RecordSlots<F>;
}

// f32 fields travel as their bit pattern through the i32 view: one view type serves every
// record, and a store rounds exactly as a Float32Array store would.
const bits = new Int32Array(1);
const float = new Float32Array(bits.buffer);

/** Writes every field of `r` at byte offset `at` (16-byte aligned) of the memory `i32` views. */
export function writeRecord<F extends readonly FieldSpec[]>(
  i32: Int32Array,
  at: number,
  r: AbiRecord<F>,
  values: RecordValues<F>,
): void {
  store(i32, at, r, values);
}

/** Writes the fields present in `values` (the ones a run changes), leaving the others. */
export function writeFields<F extends readonly FieldSpec[]>(
  i32: Int32Array,
  at: number,
  r: AbiRecord<F>,
  values: Partial<RecordValues<F>>,
): void {
  store(i32, at, r, values as { readonly [name: string]: number | undefined });
}

function store(i32: Int32Array, at: number, r: AbiRecord, values: { readonly [name: string]: number | undefined }): void {
  const base = at >>> 2;
  r.fields.forEach(([name, type], slot) => {
    const value = values[name];
    if (value === undefined) return;
    if (type === 'f32') {
      float[0] = value;
      i32[base + slot] = bits[0]!;
    } else {
      i32[base + slot] = value;
    }
  });
}

/** Reads every field of `r` at byte offset `at`: pointers as unsigned, integers signed. */
export function readRecord<F extends readonly FieldSpec[]>(i32: Int32Array, at: number, r: AbiRecord<F>): RecordValues<F> {
  const base = at >>> 2;
  const out: Record<string, number> = {};
  r.fields.forEach(([name, type], slot) => {
    const word = i32[base + slot]!;
    if (type === 'f32') {
      bits[0] = word;
      out[name] = float[0]!;
    } else {
      out[name] = type === 'ptr' ? word >>> 0 : word;
    }
  });
  return out as RecordValues<F>;
}

export type SolveParams = RecordValues<typeof SOLVE_PARAMS.fields>;
export type RankParams = RecordValues<typeof RANK_PARAMS.fields>;
export type PriorParams = RecordValues<typeof PRIOR_PARAMS.fields>;
export type ControlWords = RecordValues<typeof CONTROL.fields>;

/** The fields a caller may leave out of writeSolveParams: 0 (off) when absent; indexBytes 4 (i32), indexBlocks 1. */
type OptionalSolveFields = 'shortMax' | 'whiteFactor' | 'whiteUpper' | 'indexBytes' | 'indexSplits' | 'indexBlocks';
export const writeSolveParams = (
  i32: Int32Array,
  at: number,
  p: Omit<SolveParams, OptionalSolveFields> & Partial<Pick<SolveParams, OptionalSolveFields>>,
) =>
  writeRecord(i32, at, SOLVE_PARAMS, {
    shortMax: 0,
    whiteFactor: 0,
    whiteUpper: 0,
    indexBytes: 4,
    indexSplits: 0,
    indexBlocks: 1,
    ...p,
  });
export const readSolveParams = (i32: Int32Array, at: number): SolveParams => readRecord(i32, at, SOLVE_PARAMS);
export const writeRankParams = (i32: Int32Array, at: number, p: RankParams) => writeRecord(i32, at, RANK_PARAMS, p);
export const readRankParams = (i32: Int32Array, at: number): RankParams => readRecord(i32, at, RANK_PARAMS);
export const writePriorParams = (i32: Int32Array, at: number, p: PriorParams) => writeRecord(i32, at, PRIOR_PARAMS, p);
export const readPriorParams = (i32: Int32Array, at: number): PriorParams => readRecord(i32, at, PRIOR_PARAMS);

/**
 * Writes a job into the control block at `ctrl`: its id, task count and arguments (counter and
 * stop are the executor's, see parallel/executor.ts JobControl).
 */
export function writeJob<N extends JobName>(i32: Int32Array, ctrl: number, name: N, tasks: number, args: JobArgs[N]): void {
  writeFields(i32, ctrl, CONTROL, { job: JOBS[name].id, tasks });
  writeRecord(i32, ctrl + CONTROL_ARGS_OFFSET, JOBS[name].args as AbiRecord, args as Record<string, number>);
}

/** The arguments of job `name` from the control block at `ctrl`. */
export function readJobArgs<N extends JobName>(i32: Int32Array, ctrl: number, name: N): JobArgs[N] {
  return readRecord(i32, ctrl + CONTROL_ARGS_OFFSET, JOBS[name].args as AbiRecord) as JobArgs[N];
}

/**
 * Sizes the kernels and the TypeScript side must agree on (the scratch a kernel is given is
 * sized from them in types.ts): [value, what it is]. Generated as AssemblyScript i32 constants.
 */
export const KERNEL_CONSTANTS = {
  GATHER_ROWS: [32, 'Rows gathered per block by gramRow (its scratch holds two such blocks)'],
  CG_GATHER_ROWS: [
    1024,
    'solveRows with CG (and YᵀY) solves rows of at most this many ratings four at a time (cgSolve4), reading their y_j in place; longer rows are solved alone',
  ],
} as const;

/** The records, for tests and the generator. */
export const RECORDS: readonly AbiRecord[] = [
  SOLVE_PARAMS,
  RANK_PARAMS,
  PRIOR_PARAMS,
  CONTROL,
  ...Object.values(JOBS).map((j) => j.args),
];

/** "regWeights" → "REG_WEIGHTS", "YtY" → "YTY", "X" → "X". */
function constantName(name: string): string {
  return name.replace(/([a-z])([A-Z][a-z])/g, '$1_$2').toUpperCase();
}

/**
 * The text of assembly/abi.ts: for each record the kernels read, one `@inline` byte offset per
 * field (`SOLVE_X: usize = 0`). scripts/build-wasm.mjs writes it before compiling;
 * test/abi.test.ts compares it with the file.
 */
export function assemblyAbiSource(): string {
  const lines = [
    '// generated from src/kernels/abi.ts by scripts/build-wasm.mjs; do not edit.',
    '// Byte offsets of the fields of the blocks the kernels read (load<T>(params, OFFSET)) and',
    '// the sizes both sides use.',
  ];
  lines.push('', '// Sizes shared with the TypeScript side.');
  for (const [name, [value, doc]] of Object.entries(KERNEL_CONSTANTS)) {
    lines.push(`/** ${doc}. */`, '// @ts-ignore: decorator', `@inline export const ${name}: i32 = ${value};`);
  }
  for (const r of RECORDS.filter((r) => r.kernel)) {
    lines.push('', `// ${r.doc} ${r.bytes} bytes.`);
    r.fields.forEach(([name, type, doc], slot) => {
      lines.push(`/** ${type}: ${doc}. */`);
      lines.push('// @ts-ignore: decorator');
      lines.push(`@inline export const ${r.prefix}_${constantName(name)}: usize = ${slot * 4};`);
    });
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Every error a user can cause is an AlsError with a stable `code` (one table below) and a
 * message that says what to do.
 */
export const ErrorCode = {
  /** The ratings are empty (no triples). */
  EMPTY_DATA: 'EMPTY_DATA',
  /** users, items and values have different lengths. */
  LENGTH_MISMATCH: 'LENGTH_MISMATCH',
  /** A rating is NaN or ±Infinity, or beyond ±2^32 (MAX_ABS_RATING: training's float32 sums would overflow). */
  NON_FINITE_VALUE: 'NON_FINITE_VALUE',
  /** An ID is not usable (negative or fractional dense ID, null, wrong type). */
  INVALID_ID: 'INVALID_ID',
  /** A dense ID is ≥ numUsers / numItems. */
  ID_OUT_OF_RANGE: 'ID_OUT_OF_RANGE',
  /** The same (user, item) pair occurs twice and `duplicates` is 'error'. */
  DUPLICATE_RATING: 'DUPLICATE_RATING',
  /** An option is out of range or of the wrong type. */
  INVALID_OPTION: 'INVALID_OPTION',
  /** A row's normal equations are not positive definite (e.g. λ = 0 with too few ratings). */
  NOT_POSITIVE_DEFINITE: 'NOT_POSITIVE_DEFINITE',
  /** A half-step produced NaN or ±Infinity. */
  NON_FINITE_FACTORS: 'NON_FINITE_FACTORS',
  /** The data and factors do not fit in one 4 GiB wasm32 memory. */
  TOO_LARGE: 'TOO_LARGE',
  /** Training was aborted through the AbortSignal. */
  ABORTED: 'ABORTED',
  /** A user or item ID is not known to the model. */
  UNKNOWN_ID: 'UNKNOWN_ID',
  /** The requested backend is not available in this runtime. */
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  /** A worker thread threw or died; the message carries the worker's own. */
  WORKER_FAILED: 'WORKER_FAILED',
  /** A model file (or bytes) is not a model, is damaged, or fails its checksum. */
  CORRUPT_MODEL: 'CORRUPT_MODEL',
  /** A model file is shorter than its header says: cut off in copying or downloading. */
  TRUNCATED_MODEL: 'TRUNCATED_MODEL',
  /** A model file of a format version this build does not read. */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** A line of a ratings file could not be parsed (the message has file, line number and line). */
  MALFORMED_LINE: 'MALFORMED_LINE',
  /** A column named in the loader options is not in the file's header. */
  MISSING_COLUMN: 'MISSING_COLUMN',
  /** A file could not be read or written (missing, a directory, no permission, disk full). */
  FILE_ERROR: 'FILE_ERROR',
  /** Input bytes are not what they claim to be (a .gz that is not gzip or is cut short, invalid UTF-8). */
  CORRUPT_INPUT: 'CORRUPT_INPUT',
  /** A file holds pickled Python objects (numpy object arrays): never unpickled, always refused. */
  PICKLED_DATA: 'PICKLED_DATA',
  /** A well-formed file of a kind or variant this build does not read (a dtype, a codec, IDs Spark cannot hold). */
  UNSUPPORTED_FORMAT: 'UNSUPPORTED_FORMAT',
  /** init() was called after the WebAssembly module was first used (or a second time with other sources). */
  INIT_AFTER_USE: 'INIT_AFTER_USE',
  /** The source given to init() is not a WebAssembly module, or could not be fetched or compiled here. */
  INVALID_WASM_SOURCE: 'INVALID_WASM_SOURCE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class AlsError extends Error {
  readonly code: ErrorCode;
  /** What to do about it, also appended to the message. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(hint ? `${message} ${hint}` : message, options);
    this.name = 'AlsError';
    this.code = code;
    this.hint = hint;
  }
}

/** The one throw helper every module uses; `cause` keeps the underlying error (fs, zlib, a worker's). */
export function fail(code: ErrorCode, message: string, hint?: string, cause?: unknown): never {
  throw new AlsError(code, message, hint, cause === undefined ? undefined : { cause });
}

/**
 * Validation of the options objects of the public API, in one place so every entry point
 * refuses the same way: an unknown key is an INVALID_OPTION with a "did you mean" hint (a
 * mistyped `regularisation` must not silently train with the default), and every value is
 * checked for its type (a boolean is a boolean, an enum is one of its names).
 */
import { ErrorCode, fail } from './errors.js';

/**
 * Refuses anything but a plain object (or undefined, read as {}) whose keys are all in
 * `allowed`. `what` names the options object in messages ("ALS options"). `aliases` maps
 * names users bring from other libraries (Spark's `rank`, implicit's `use_cg`) to the hint
 * that says ours.
 */
export function checkOptions<T extends object>(
  what: string,
  options: T | undefined | null,
  allowed: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): T {
  if (options === undefined) return {} as T;
  checkIsObject(what, options);
  for (const key of Object.keys(options as object)) {
    if (!allowed.includes(key)) {
      const alias = Object.hasOwn(aliases, key) ? aliases[key] : undefined;
      if (alias) fail(ErrorCode.INVALID_OPTION, `${what} have no option '${key}'.`, alias);
      const near = closest(key, allowed);
      fail(
        ErrorCode.INVALID_OPTION,
        `${what} have no option '${key}'.`,
        near ? `Did you mean '${near}'?` : `Known options: ${allowed.join(', ')}.`,
      );
    }
  }
  return options as T;
}

/**
 * Refuses anything but a plain object (or undefined), for options whose keys another
 * function checks (a wrapper that passes them on), so `null` or a string is not spread away.
 */
export function checkIsObject(what: string, options: unknown): asserts options is object | undefined {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    fail(ErrorCode.INVALID_OPTION, `${what} must be an object (got ${describe(options)}).`);
  }
}

/** An integer in [min, max]. */
export function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(ErrorCode.INVALID_OPTION, `${name} must be an integer in [${min}, ${max}] (got ${describe(value)}).`);
  }
  return value;
}

/** A finite number ≥ 0. */
export function nonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(ErrorCode.INVALID_OPTION, `${name} must be a finite number ≥ 0 (got ${describe(value)}).`);
  }
  return value;
}

/** A finite number > 0. */
export function positive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(ErrorCode.INVALID_OPTION, `${name} must be a finite number > 0 (got ${describe(value)}).`);
  }
  return value;
}

/** A finite number. */
export function finite(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(ErrorCode.INVALID_OPTION, `${name} must be a finite number (got ${describe(value)}).`);
  }
  return value;
}

/** true or false; 'no', 0 and 1 are refused rather than read by truthiness. */
export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(ErrorCode.INVALID_OPTION, `${name} must be true or false (got ${describe(value)}).`);
  return value;
}

/** One of the given names. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    const near = typeof value === 'string' ? closest(value, allowed) : null;
    fail(
      ErrorCode.INVALID_OPTION,
      `${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')} (got ${describe(value)}).`,
      near ? `Did you mean '${near}'?` : undefined,
    );
  }
  return value as T;
}

/** A function (callbacks such as onIteration). */
export function callback(name: string, value: unknown): void {
  if (typeof value !== 'function') fail(ErrorCode.INVALID_OPTION, `${name} must be a function (got ${describe(value)}).`);
}

/** An AbortSignal, or anything shaped like one (other realms, polyfills). */
export function abortSignal(name: string, value: unknown): void {
  const s = value as { aborted?: unknown; addEventListener?: unknown } | null;
  if (s === null || typeof s !== 'object' || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    fail(
      ErrorCode.INVALID_OPTION,
      `${name} must be an AbortSignal (got ${describe(value)}).`,
      'Pass controller.signal of an AbortController.',
    );
  }
}

/** A short, safe rendering of a bad value for a message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object')
    return (value as object).constructor?.name ? `a ${(value as object).constructor.name}` : 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/** The allowed name nearest to `key` (edit distance ≤ a third of its length, at least 2), or null. */
export function closest(key: string, allowed: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  const lower = key.toLowerCase();
  for (const name of allowed) {
    const d = editDistance(lower, name.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

/** Levenshtein distance, two rows. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Numbers typed on the command line, parsed strictly. JavaScript's Number() reads '0x10' as
 * 16, '' as 0 and '1e3' as 1000, so `--factors 0x10` trained with 16 factors; here each
 * option accepts one written form and refuses everything else with a message naming the flag.
 * The forms are stated in the help (NUMBER_FORMS).
 */
import { ErrorCode, fail } from '../errors.js';

/** Decimal digits with an optional minus sign: 64, 0, -1. */
const INTEGER = /^-?[0-9]+$/;
/** A decimal with an optional fraction and exponent: 0.1, .5, 2, 1e-3, -0.25. */
const REAL = /^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

/** The accepted forms, for the help (wrapped for an 80-column terminal). */
export const NUMBER_FORMS = `whole-number options (--factors, --iterations, --seed, -n, …) take
  decimal digits (64); real options (--regularization, --alpha, --test-fraction,
  --reg-param) take a decimal with an optional exponent (0.1, .5, 1e-3). Hex (0x10),
  an exponent for a whole number (1e3), an empty value, 'Infinity' and trailing text
  (12abc) are refused.`;

/** A whole-number option, or undefined when not given. */
export function integerFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!INTEGER.test(value)) {
    fail(
      ErrorCode.INVALID_OPTION,
      `--${flag} must be a whole number in decimal digits (got ${quote(value)}).`,
      integerHint(value),
    );
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n)) fail(ErrorCode.INVALID_OPTION, `--${flag} is out of range (got ${quote(value)}).`);
  return n;
}

/** A real-number option, or undefined when not given. */
export function realFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!REAL.test(value) || !Number.isFinite(n))
    fail(ErrorCode.INVALID_OPTION, `--${flag} must be a decimal number such as 0.1 or 1e-3 (got ${quote(value)}).`);
  return n;
}

/** A whole number ≥ 0 (counts such as -n). */
export function countFlag(flag: string, value: string): number {
  const n = integerFlag(flag, value)!;
  if (n < 0) fail(ErrorCode.INVALID_OPTION, `--${flag} must be a whole number ≥ 0 (got ${quote(value)}).`);
  return n;
}

/** --threads: a whole number or 'auto'. */
export function threadsFlag(value: string | undefined): number | 'auto' | undefined {
  return value === 'auto' ? 'auto' : integerFlag('threads', value);
}

/** A comma-separated list of numbers of one kind: 16,32,64. */
export function listFlag(flag: string, value: string | undefined, kind: 'integer' | 'real'): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((v) => {
    if (v === '')
      fail(
        ErrorCode.INVALID_OPTION,
        `--${flag} has an empty entry (got ${quote(value)}).`,
        'Separate the values by single commas, e.g. 16,32,64.',
      );
    return (kind === 'integer' ? integerFlag(flag, v) : realFlag(flag, v))!;
  });
}

function integerHint(value: string): string | undefined {
  const n = Number(value);
  if (/^0[xob]/i.test(value) && Number.isSafeInteger(n)) return `Write it in decimal digits: ${n}.`;
  if (/^[0-9.]+e\+?[0-9]+$/i.test(value) && Number.isSafeInteger(n)) return `Write it out: ${n}.`;
  return undefined;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

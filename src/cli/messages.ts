/**
 * The library's messages, told on the command line. The library's hints name its own options
 * (`columns: { user: … }`, `duplicates: 'sum'`, `model.toBytes()`), which a CLI user cannot
 * type; here they are rewritten to the flags that do the same, from one table (OPTION_FLAGS).
 * Values quoted from the input (a line of a binary file, an invalid UTF-8 field) are escaped
 * and cut, so a message is one readable line that cannot drive the terminal.
 */

/** Library option → the CLI flag that sets it. */
export const OPTION_FLAGS: Readonly<Record<string, string>> = {
  factors: '--factors',
  iterations: '--iterations',
  regularization: '--regularization',
  regularizationScaling: '--scaling',
  alpha: '--alpha',
  confidence: '--confidence',
  regularizationExponent: '--regularization-exponent',
  unobservedWeight: '--unobserved-weight',
  solver: '--solver',
  cgSteps: '--cg-steps',
  blockSize: '--block-size',
  samples: '--samples',
  burnIn: '--burn-in',
  initStd: '--init-std',
  biases: '--biases',
  seed: '--seed',
  threads: '--threads',
  backend: '--backend',
  k: '--k',
  n: '-n',
  folds: '--folds',
  trials: '--trials',
  metric: '--metric',
  strategy: '--strategy',
  patience: '--patience',
  evalEvery: '--eval-every',
  delimiter: '--delimiter',
  format: '--format',
  duplicates: '--duplicates',
  coldStart: '--cold-start',
  minItemRatings: '--min-ratings',
  overwrite: '--overwrite',
  regParam: '--reg-param',
  implicitPrefs: '--implicit-prefs',
  header: '--header',
  'columns.user': '--user-col',
  'columns.item': '--item-col',
  'columns.value': '--value-col',
  'columns.timestamp': '--time-col',
};

/** `option: value` written as what the CLI user types; options whose values are flags of their own first. */
const VALUE_FLAGS: Readonly<Record<string, string>> = {
  "feedback: 'implicit'": '--implicit',
  "feedback: 'explicit'": '--explicit',
  'excludeSeen: false': '--include-seen',
  'header: false': '--no-header',
  "onBadLine: 'skip'": '--skip-bad-lines',
};

/** Whole hints about the JavaScript API that have a CLI counterpart. */
const PHRASES: readonly [RegExp, string][] = [
  [/this library's own format \(model\.toBytes\(\)\)/g, "this library's own format (a .als file)"],
  [
    /Pass the bytes written by model\.toBytes\(\) or model\.save\(\)\./g,
    'Pass a model file written by als-wasm train -o or als-wasm convert.',
  ],
  [/Pass the directory that model\.save\(path\) wrote/g, 'Pass the directory of a saved Spark ALSModel'],
  [/Check the format, delimiter and columns options\./g, 'Check --format, --delimiter and --user-col, --item-col, --value-col.'],
  [/train without biases/g, 'train without --biases'],
  // "onBadLine: 'skip' (CLI: --skip-bad-lines)": the library already says the flag.
  [/\b[a-zA-Z]+: '[^']*' \(CLI: ([^)]+)\)/g, '$1'],
];

/** The message of a library error as a CLI user should read it. */
export function cliMessage(message: string): string {
  let text = message;
  for (const [pattern, replacement] of PHRASES) text = text.replace(pattern, replacement);
  for (const [phrase, flag] of Object.entries(VALUE_FLAGS)) text = text.split(phrase).join(flag);
  // columns: { user: <name or 0-based index> } → --user-col <name or 0-based index>
  text = text.replace(
    /columns: \{ (user|item|value|timestamp): ([^}]*?) \}/g,
    (_, column: string, value: string) => `${OPTION_FLAGS[`columns.${column}`]} ${value}`,
  );
  // duplicates: 'sum' or 'last' → --duplicates sum or --duplicates last
  text = text.replace(/\b([a-zA-Z]+): '([^']*)'((?: or '[^']*')*)/g, (whole, name: string, first: string, rest: string) => {
    const flag = OPTION_FLAGS[name];
    if (!flag) return whole;
    const others = [...rest.matchAll(/ or '([^']*)'/g)].map((m) => ` or ${flag} ${m[1]}`).join('');
    return `${flag} ${first}${others}`;
  });
  // alpha: 1 → --alpha 1; header: true → --header
  text = text.replace(/\b([a-zA-Z]+): (true|-?[0-9][0-9.e-]*)\b/g, (whole, name: string, value: string) => {
    const flag = OPTION_FLAGS[name];
    if (!flag) return whole;
    return value === 'true' ? flag : `${flag} ${value}`;
  });
  // "alpha and unobservedWeight are two forms …", "regularizationScaling 'count' contradicts
  // regularizationExponent 0": two options set against each other, both named as flags.
  text = text.replace(
    /(^|[.;] )([a-zA-Z]+) and ([a-zA-Z]+)(?= (?:are|must)\b)/g,
    (whole, before: string, a: string, b: string) =>
      OPTION_FLAGS[a] && OPTION_FLAGS[b] ? `${before}${OPTION_FLAGS[a]} and ${OPTION_FLAGS[b]}` : whole,
  );
  // "solver 'gibbs' samples explicit ratings only" → "--solver gibbs samples …".
  text = text.replace(/\bsolver '([a-z]+)'/g, '--solver $1');
  text = text.replace(/\b([a-zA-Z]+) '([^']*)' contradicts ([a-zA-Z]+) /g, (whole, a: string, value: string, b: string) =>
    OPTION_FLAGS[a] && OPTION_FLAGS[b] ? `${OPTION_FLAGS[a]} ${value} contradicts ${OPTION_FLAGS[b]} ` : whole,
  );
  // "factors must be …": an option named at the start of a sentence; "Drop biases", "increase regularization".
  text = text.replace(
    /(^|[.;] )([a-zA-Z]+)(?= (?:must|is|are|cannot|applies|apply)\b)/g,
    (whole, before: string, name: string) => {
      const flag = OPTION_FLAGS[name];
      return flag ? `${before}${flag}` : whole;
    },
  );
  text = text.replace(
    /\b(Drop|drop|Raise|raise|Increase|increase|Lower|lower) ([a-zA-Z]+)\b/g,
    (whole, verb: string, name: string) => {
      const flag = OPTION_FLAGS[name];
      return flag ? `${verb} ${flag}` : whole;
    },
  );
  // "recommend options have no option 'minItemRatings'": the flag that passed it.
  text = text.replace(/have no option '([a-zA-Z.]+)'/g, (whole, name: string) =>
    OPTION_FLAGS[name] ? `${whole} (${OPTION_FLAGS[name]})` : whole,
  );
  return escapeForTerminal(text);
}

/** At most this many characters of a quoted value in a message, quotes included. */
export const QUOTED_MAX = 80;

/**
 * Quoted values ("…", as JSON.stringify writes them) re-rendered with every character that is
 * not printable escaped and cut to QUOTED_MAX characters; control characters elsewhere escaped.
 */
export function escapeForTerminal(text: string): string {
  const quoted = text.replace(/"(?:[^"\\\n]|\\.)*"/g, (literal) => {
    let value: unknown;
    try {
      value = JSON.parse(literal);
    } catch {
      return literal;
    }
    return typeof value === 'string' ? quote(value) : literal;
  });
  return quoted.replace(UNPRINTABLE, (c) => escapeChar(c));
}

/** A value as a short, printable, double-quoted string: "abc…" (≤ QUOTED_MAX characters). */
export function quote(value: string): string {
  let body = '';
  for (const c of value) {
    const piece = c === '"' ? '\\"' : c === '\\' ? '\\\\' : UNPRINTABLE_ONE.test(c) ? escapeChar(c) : c;
    if (body.length + piece.length > QUOTED_MAX - 3) return `"${body}…"`;
    body += piece;
  }
  return `"${body}"`;
}

/** Text from a file shown in a listing (titles): unprintable characters escaped, never cut. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => escapeChar(c));
}

/**
 * Characters that are not shown as themselves: C0 and C1 controls, DEL, the replacement
 * character (the trace of bytes that were not UTF-8), unpaired surrogates, format characters
 * (bidirectional overrides, zero-width), line and paragraph separators.
 */
const UNPRINTABLE_SOURCE = '[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}\\uFFFD]';
const UNPRINTABLE = new RegExp(UNPRINTABLE_SOURCE, 'gu');
const UNPRINTABLE_ONE = new RegExp(`^${UNPRINTABLE_SOURCE}$`, 'u');

function escapeChar(c: string): string {
  const code = c.codePointAt(0)!;
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

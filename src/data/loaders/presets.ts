/** Column delimiter: one byte, the two-byte MovieLens `::`, runs of blanks, or detected from the first line. */
export type Delimiter = ',' | '\t' | ';' | '|' | '::' | 'whitespace' | 'auto';

/** A column by 0-based index or by header name. */
export type Column = number | string;

export interface Columns {
  /** Default 0. */
  user?: Column;
  /** Default 1. */
  item?: Column;
  /** Default 2; null: no value column, every line counts as `defaultValue` (implicit data). */
  value?: Column | null;
  /** Default none. A numeric timestamp (e.g. Unix seconds), kept as a Float64Array. */
  timestamp?: Column | null;
}

export type PresetName = 'movielens-100k' | 'movielens-1m' | 'movielens-csv' | 'lastfm' | 'libmf';

/**
 * What a preset knows beyond the layout: the kind of feedback its files hold. Used by the
 * command line only (`--format lastfm` trains implicit without `--implicit`); the loaders
 * return ratings either way and leave the choice to the caller.
 */
export interface PresetKind {
  /** The feedback the format's values are: play counts are 'implicit'. Absent: ratings (explicit). */
  feedback?: 'implicit';
}

export interface FormatOptions {
  delimiter?: Delimiter;
  /**
   * true: the first non-blank line names the columns. 'auto' (default): it does when none of
   * its fields is a number; a first line with numeric and non-numeric fields is data (and a
   * MALFORMED_LINE when its value is not a number). Without a value or timestamp column,
   * 'auto' means no header. false: every line is data.
   */
  header?: boolean | 'auto';
  columns?: Columns;
}

/**
 * The formats users arrive with:
 * - `movielens-100k`: u.data, `user \t item \t rating \t timestamp`, no header
 * - `movielens-1m`: ratings.dat (also 10M), `user::item::rating::timestamp`, no header
 * - `movielens-csv`: ratings.csv of ml-latest(-small)/ml-20m/25m, header `userId,movieId,rating,timestamp`
 * - `lastfm`: hetrec2011 Last.fm 2K user_artists.dat, header `userID \t artistID \t weight` (play counts:
 *   implicit feedback; explicit ALS on counts up to 352,698 fits the counts, not the taste)
 * - `libmf`: LibMF text, `row col value` separated by blanks, no header
 */
export const PRESETS: Record<PresetName, Required<FormatOptions> & PresetKind> = {
  'movielens-100k': { delimiter: '\t', header: false, columns: { user: 0, item: 1, value: 2, timestamp: 3 } },
  'movielens-1m': { delimiter: '::', header: false, columns: { user: 0, item: 1, value: 2, timestamp: 3 } },
  'movielens-csv': {
    delimiter: ',',
    header: true,
    columns: { user: 'userId', item: 'movieId', value: 'rating', timestamp: 'timestamp' },
  },
  lastfm: {
    delimiter: '\t',
    header: true,
    columns: { user: 'userID', item: 'artistID', value: 'weight', timestamp: null },
    feedback: 'implicit',
  },
  libmf: { delimiter: 'whitespace', header: false, columns: { user: 0, item: 1, value: 2, timestamp: null } },
};

/**
 * The two rating data sets of docs/bayesian-als.md, as train/test splits in dense indices.
 * ml-latest-small: kFold(all ratings, 5, seed 0) — a seeded permutation of the 100,836
 * ratings, rating p of the permutation in fold p mod 5 (src/eval/split.ts), so each fold
 * tests a fixed fifth and trains on the rest. libmf-demo: real_matrix.tr.txt → .te.txt.
 * Reads ../shared/data next to the repository.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRatingsFile } from '../src/data/loaders/file.node.js';
import { parseTriples } from '../src/data/loaders/load.js';
import { kFold, type Split, splitByMask } from '../src/eval/split.js';
import { triplesOf } from '../src/eval/tune.js';

export const dataDir = join(import.meta.dirname, '..', '..', 'shared', 'data');

/** `which` folds (0-based) of ml-latest-small's 5-fold split (all five by default), or libmf-demo's one split. */
export async function loadSplits(
  data: 'ml' | 'libmf',
  which?: number[],
): Promise<{ folds: Split[]; numUsers: number; numItems: number }> {
  if (data === 'ml') {
    const { ratings } = await loadRatingsFile(join(dataDir, 'ml-latest-small', 'ratings.csv'), { format: 'movielens-csv' });
    const all = kFold(triplesOf(ratings), 5, 0);
    const folds = (which ?? [0, 1, 2, 3, 4]).map((f) => all[f]!);
    return { folds, numUsers: ratings.numUsers, numItems: ratings.numItems };
  }
  const train = readFileSync(join(dataDir, 'libmf-demo', 'real_matrix.tr.txt'), 'utf8').trimEnd();
  const test = readFileSync(join(dataDir, 'libmf-demo', 'real_matrix.te.txt'), 'utf8');
  const parsed = await parseTriples(`${train}\n${test}`, { format: 'libmf' });
  const inTest = new Uint8Array(parsed.values.length).fill(1, train.split('\n').length);
  return { folds: [splitByMask(parsed, inTest)], numUsers: parsed.userMap.size, numItems: parsed.itemMap.size };
}

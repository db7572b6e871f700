/**
 * Implicit feedback (play counts) with recommendations: BM25-weighted counts, an 80/20
 * per-user split, ranking metrics against the popularity baseline, and the top 5 for a user.
 *   npx tsx examples/implicit.ts [path/to/user_artists.dat]
 * Without a path it uses a small built-in listening log.
 */
import { ALS, bm25Weight, loadRatings } from 'als-wasm';
import { factorScorer, perUserSplit, popularityScorer, rankingMetrics, ratingsOf, topK } from 'als-wasm/eval';
import { loadRatingsFile } from 'als-wasm/node';

const path = process.argv[2];
let text = 'userID\tartistID\tweight\n';
// 200 listeners in 4 taste groups of 25 artists each, with play counts.
for (let u = 0; u < 200; u++)
  for (let a = 0; a < 100; a++)
    if (Math.floor(a / 25) === u % 4 && (u * 31 + a * 17) % 4 !== 0) text += `${u}\t${a}\t${1 + ((u * a) % 50)}\n`;
const { ratings, triples } = path
  ? await loadRatingsFile(path, { format: 'lastfm' })
  : await loadRatings(text, { format: 'lastfm' });

const { train, test } = perUserSplit(triples, 0.2, { seed: 1 });
const weighted = { ...train, values: bm25Weight(train) };
const model = await new ALS({
  feedback: 'implicit',
  factors: 32,
  regularization: 0.05,
  alpha: 1,
  confidence: 'alpha',
  iterations: 15,
  seed: 1,
}).fit(ratingsOf(weighted, ratings.numUsers, ratings.numItems));

const als = rankingMetrics(factorScorer(model), test, { k: 10, train });
const pop = rankingMetrics(popularityScorer(train, ratings.numItems), test, { k: 10, train });
for (const [name, m] of [
  ['ALS', als],
  ['popularity', pop],
] as const) {
  console.log(
    `${name.padEnd(10)} precision@10 ${m.precision.toFixed(4)}  NDCG@10 ${m.ndcg.toFixed(4)}  AUC ${m.auc.toFixed(4)}  coverage ${m.coverage.toFixed(3)}`,
  );
}

// Top 5 for the first user, training items excluded.
const scores = new Float32Array(ratings.numItems);
factorScorer(model).scoreAll(0, scores);
const seen = new Uint8Array(ratings.numItems);
for (let e = 0; e < train.users.length; e++) if (train.users[e] === 0) seen[train.items[e]!] = 1;
console.log(
  `user ${String(ratings.userIds[0])}: ${Array.from(topK(scores, 5, seen), (i) => `artist ${String(ratings.itemIds[i])}`).join(', ')}`,
);

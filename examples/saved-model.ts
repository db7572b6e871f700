/**
 * Serving a saved model: train once, save the file, then — as a server or an edge function
 * would — load it through the inference-only entry (als-wasm/serve), recommend, find similar
 * items, and fold in a new listener without retraining.
 *   npx tsx examples/saved-model.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALS, Ratings } from 'als-wasm';
import { ALSModel, loadWasmModule } from 'als-wasm/serve';

// 200 listeners in 4 taste groups; group g plays artists 25g … 25g + 24.
const users: string[] = [];
const items: string[] = [];
const plays: number[] = [];
for (let u = 0; u < 200; u++) {
  for (let a = 0; a < 100; a++) {
    if (Math.floor(a / 25) === u % 4 && (u * 7 + a * 3) % 5 !== 0)
      users.push(`listener-${u}`), items.push(`artist-${a}`), plays.push(1 + ((u * a) % 50));
  }
}
const trained = await new ALS({
  feedback: 'implicit',
  factors: 16,
  regularization: 0.1,
  alpha: 1,
  confidence: 'alpha',
  iterations: 10,
  seed: 1,
}).fit(Ratings.fromTriples({ users, items, values: plays }));

const dir = mkdtempSync(join(tmpdir(), 'als-example-'));
const path = join(dir, 'listening.als');
await trained.save(path); // seen items included, so excludeSeen works after loading
console.log(`before saving: listener-0 → ${trained.recommend('listener-0', { n: 5 }).items.join(', ')}`);

// --- the serving side: nothing but the file ---
await loadWasmModule(); // serve with the WASM kernels (the JS twin otherwise)
const model = await ALSModel.load(path);
rmSync(dir, { recursive: true, force: true });
console.log(`after loading:  listener-0 → ${model.recommend('listener-0', { n: 5 }).items.join(', ')}`);
console.log(`similar to artist-30: ${model.similarItems('artist-30', { n: 5 }).items.join(', ')}`);

// A new listener who played three group-2 artists: fold in, then recommend.
const heard = ['artist-50', 'artist-51', 'artist-60'];
const vector = model.foldIn({ items: heard, values: [20, 5, 12] });
console.log(`new listener → ${model.recommend(vector, { n: 5, seenItems: heard }).items.join(', ')}`);

/**
 * The textbook walkthrough: explicit ALS on a small ratings matrix, the loss after every
 * epoch, then predictions for the missing cells.   npx tsx examples/textbook.ts
 */
import { ALS, Ratings } from 'als-wasm';

// 5 users × 4 movies; blanks are unrated. Users 0–2 like action (A, B), users 3–4 drama (C, D).
const table = [
  { user: 'u0', ratings: { A: 5, B: 4, D: 1 } },
  { user: 'u1', ratings: { A: 4, C: 1, D: 1 } },
  { user: 'u2', ratings: { B: 5, C: 2 } },
  { user: 'u3', ratings: { A: 1, C: 5, D: 4 } },
  { user: 'u4', ratings: { B: 1, C: 4 } },
];
const builder = Ratings.builder();
for (const { user, ratings } of table) for (const [item, value] of Object.entries(ratings)) builder.add(user, item, value);

const als = new ALS({
  factors: 2,
  iterations: 10,
  // 13 ratings for 9 biases + 18 factors: with λ = 0.1 it overfits (u2 → A comes out near 0);
  // λ = 1 keeps the predictions on the 1–5 scale.
  regularization: 1,
  biases: true,
  seed: 1,
  threads: 1,
  onIteration: ({ iteration, loss }) => console.log(`epoch ${String(iteration).padStart(2)}  loss ${loss.toFixed(4)}`),
});
const model = await als.fit(builder.build());

console.log(`u2 would rate A: ${model.predict('u2', 'A').toFixed(2)} (an action fan)`);
console.log(`u4 would rate D: ${model.predict('u4', 'D').toFixed(2)} (a drama fan)`);
console.log(`u4 would rate A: ${model.predict('u4', 'A').toFixed(2)}`);

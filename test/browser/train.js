// Loaded by index.html; driven by test/browser.test.ts through window.alsTrain.
import { ALS, Ratings, init, syntheticRatings } from '../../dist/index.js';

// The Node side (Node 20) has no relaxed SIMD: ask for plain SIMD so the factors can match bit for bit.
await init({ simd: 'simd' });

function base64(array) {
  if (!array) return null;
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Trains each case on the same seeded synthetic data as the Node side; returns the factor bytes. */
window.alsTrain = async ({ data, cases }) => {
  const d = syntheticRatings(data);
  const ratings = Ratings.fromTriples(d, { denseIds: true, numUsers: d.numUsers, numItems: d.numItems });
  const results = [];
  for (const options of cases) {
    const model = await new ALS(options).fit(ratings);
    results.push({
      threads: model.options.threads,
      backend: model.options.backend,
      userFactors: base64(model.userFactors),
      itemFactors: base64(model.itemFactors),
      userBiases: base64(model.userBiases),
      itemBiases: base64(model.itemBiases),
      globalMean: model.globalMean,
    });
  }
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    hardwareConcurrency: navigator.hardwareConcurrency,
    results,
  };
};
window.alsReady = true;

import { defineConfig } from 'vitest/config';

const CONFORMANCE = ['test/kernels.conformance.test.ts', 'test/score.conformance.test.ts', 'test/gibbs-normals.test.ts'];

export default defineConfig({
  test: {
    // Builds first when a source is newer than dist/ (npm install already built it).
    globalSetup: ['test/setup/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'node', include: ['test/**/*.test.ts'] } },
      // The kernel conformance suites once more with relaxed SIMD switched on (see the setup file),
      // in separate processes so the rest of the suite keeps Node 20's defaults.
      {
        extends: true,
        test: { name: 'relaxed-simd', include: CONFORMANCE, pool: 'forks', setupFiles: ['test/setup/relaxed-simd.ts'] },
      },
    ],
  },
});

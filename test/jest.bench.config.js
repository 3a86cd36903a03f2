/*
 * Benchmarks (`yarn bench:graph`): print figures and write test/artifacts/*.json; they assert
 * functional facts only, never timings. Not part of `npm test`.
 */
module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/bench/**/*.bench.ts'],
  testEnvironment: 'node',
  transform: {
    '\\.(t|j)sx?$': require.resolve('@backstage/cli/config/jestSwcTransform'),
  },
  testTimeout: 600_000,
};

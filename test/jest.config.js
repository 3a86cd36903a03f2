/*
 * End-to-end tests: a real portal (`npm start`'s backend serving the built app) and headless
 * Chromium through playwright-core. Run by `npm test` after the package tests.
 */
module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/e2e/**/*.test.ts'],
  testEnvironment: 'node',
  transform: {
    '\\.(t|j)sx?$': require.resolve('@backstage/cli/config/jestSwcTransform'),
  },
  testTimeout: 180_000,
};

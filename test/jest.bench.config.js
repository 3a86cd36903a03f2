/*
 * Benchmarks (`yarn bench:graph`): print figures and write test/artifacts/*.json; they assert
 * functional facts only, never timings. Not part of `npm test`.
 *   yarn bench:graph                        the graph page at 1k/10k/20k (graph-scale.bench.ts)
 *   GRAPH_BENCH=floor yarn bench:graph      bare WebGL / canvas-2D floor (graph-floor.bench.ts)
 *   GRAPH_BENCH=candidates yarn bench:graph sigma vs Cytoscape.js (graph-candidates.bench.ts)
 */
const which = process.env.GRAPH_BENCH ?? 'scale';

module.exports = {
  rootDir: __dirname,
  testMatch: [`<rootDir>/bench/graph-${which}.bench.ts`],
  testEnvironment: 'node',
  transform: {
    '\\.(t|j)sx?$': require.resolve('@backstage/cli/config/jestSwcTransform'),
  },
  testTimeout: 600_000,
};

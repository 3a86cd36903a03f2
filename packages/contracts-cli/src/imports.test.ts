/*
 * Issue 21 in the CLI: `contracts check` reads the acme-style scenario, whose providers write
 * only an ODCS data contract, Pyrra SLOs and an OpenAPI definition (an API entity's
 * spec.definition), the same way the backend does.
 */
import * as path from 'node:path';
import type { ContractsReport } from '@backstage-contracts/plugin-contracts-common';
import { run } from './__testUtils__/testing';

const SCENARIO = path.resolve(
  __dirname,
  '../../../test/scenarios/acme-imports',
);

describe('contracts check on a catalog of imported promises', () => {
  it('finds what the ODCS, SLO and OpenAPI promises break, and the unanswered needs', async () => {
    const { code, stdout } = await run(['check', SCENARIO, '--format', 'json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as ContractsReport;
    expect(
      report.findings
        .filter(f => f.rule !== 'undeclared-dependency')
        .map(f => [f.rule, f.consumer.split('/')[1], f.provider, f.actual])
        .sort(),
    ).toEqual(
      [
        ['data-freshness', 'storefront', 'component:default/ledger', '5m'],
        [
          'latency-budget',
          'storefront',
          'component:default/scoring',
          'p95 = 400ms (target)',
        ],
        [
          'timeout-below-tail',
          'storefront',
          'component:default/scoring',
          'p99 = 1200ms (target)',
        ],
        [
          'unanswered-need',
          'mobile-bff',
          'component:default/recommender',
          'recommender has no contract: it promises nothing',
        ],
        [
          'unanswered-need',
          'storefront',
          'component:default/recommender',
          'recommender has no contract: it promises nothing',
        ],
        [
          'unresolved-reference',
          'storefront',
          'api:default/scoring-api',
          'nothing provides it',
        ],
        [
          'unresolved-reference',
          'storefront',
          'component:default/ledger',
          'nothing provides it',
        ],
      ].sort(),
    );
    // the scenario's only problems are the example configuration's decider groups it lacks
    expect(report.problems.every(p => p.path.startsWith('deciders.'))).toBe(
      true,
    );
  });
});

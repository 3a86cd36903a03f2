/*
 * Imported promises in the rules: an SLO's objective is a target, and where a provider gives no
 * current latency the rules hold consumers to its target (messages say `(target)`).
 */
import { analyze } from '../engine';
import { parseEntityContract } from '../parser';
import type { EntitySummary } from '../types';

const summary = (name: string): EntitySummary => ({
  ref: `component:default/${name}`,
  kind: 'component',
  namespace: 'default',
  name,
  owner: `group:default/${name}-team`,
  dependsOn: [],
  dependencyOf: [],
});

const PYRRA_P95 = `apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: risk-score-p95
  annotations: { contracts.io/operation: scoreTransaction }
spec:
  target: "95"
  indicator:
    latency:
      success: { metric: 'http_request_duration_seconds_bucket{job="risk",le="0.4"}' }
      total: { metric: 'http_request_duration_seconds_count{job="risk"}' }
`;
const CHECKOUT = `service: checkout
depends_on:
  - service: risk
    operation: scoreTransaction
    latency_budget: { acceptable: p95 < 200ms }
    timeout: 300ms
data_dependencies:
  - source: ledger
    dataset: ledger_entries
    freshness_required: <1m
`;
const LEDGER_ODCS = `apiVersion: v3.1.0
kind: DataContract
schema: [{ name: ledger_entries }]
slaProperties:
  - { property: latency, value: 5, unit: m }
`;

function analyzed(riskSources: Array<{ file: string; text: string }>) {
  const contracts = [
    parseEntityContract('component:default/checkout', [
      { file: 'c.yaml', text: CHECKOUT },
    ]),
    parseEntityContract('component:default/risk', riskSources),
    parseEntityContract('component:default/ledger', [
      { file: 'ledger.odcs.yaml', text: LEDGER_ODCS },
    ]),
  ];
  for (const c of contracts) expect(c.problems).toEqual([]);
  return analyze({
    entities: ['checkout', 'risk', 'ledger'].map(summary),
    contracts: contracts.map(c => c.contract),
  }).findings;
}

describe('imported promises in the rules', () => {
  it('checks a budget and a freshness against an SLO target and an ODCS latency', () => {
    const findings = analyzed([{ file: 'slo.yaml', text: PYRRA_P95 }]);
    expect(
      findings.map(f => [f.rule, f.subject, f.expected, f.actual]),
    ).toEqual(
      expect.arrayContaining([
        [
          'latency-budget',
          'scoreTransaction',
          'p95 < 200ms',
          'p95 = 400ms (target)',
        ],
        [
          'timeout-below-tail',
          'scoreTransaction',
          'p99 < 300ms (timeout)',
          'p99 ≥ 400ms (target p95 = 400ms)',
        ],
        ['data-freshness', 'ledger_entries', '<1m', '5m'],
      ]),
    );
    expect(findings.some(f => f.rule === 'unanswered-need')).toBe(false);
  });

  it('keeps the current latency as the promise where both are given', () => {
    const findings = analyzed([
      { file: 'slo.yaml', text: PYRRA_P95 },
      {
        file: 'sla.yaml',
        text: 'provides:\n  - operation: scoreTransaction\n    latency: { current: p95=150ms }\n',
      },
    ]);
    expect(findings.filter(f => f.rule === 'latency-budget')).toEqual([]);
  });
});

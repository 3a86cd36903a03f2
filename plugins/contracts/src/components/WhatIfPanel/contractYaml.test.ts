import { parseEntityContract } from '@backstage-contracts/plugin-contracts-common';
import type { EntityContract } from '@backstage-contracts/plugin-contracts-common';
import { contractToYaml } from './contractYaml';

/** What the parser makes of a contract, without where it was written. */
function values(contract: EntityContract): unknown {
  return JSON.parse(
    JSON.stringify(contract, (key, value) =>
      ['loc', 'sources', 'discovered', 'imported'].includes(key)
        ? undefined
        : value,
    ),
  );
}

function parse(ref: string, files: Array<[string, string]>) {
  const parsed = parseEntityContract(
    ref,
    files.map(([file, text]) => ({ file, text })),
  );
  expect(parsed.problems).toEqual([]);
  return parsed.contract;
}

describe('contractToYaml', () => {
  it("writes checkout's contract files (examples/checkout) as one document that reads back the same", () => {
    const contract = parse('component:default/checkout', [
      [
        'contracts/dependencies.yaml',
        `service: checkout
depends_on:
  - service: risk
    operation: scoreTransaction
    latency_budget:
      target: p50 < 100ms
      acceptable: p95 < 200ms
      maximum: p99 < 500ms
    timeout: 500ms
    fallback: allow_with_monitoring
    retry: none
`,
      ],
      [
        'contracts/retry.yaml',
        `service: checkout
retry_policies:
  - target: risk.scoreTransaction
    on_timeout:
      generates_new_request_id: true
      reason: separate_attempts_in_logs
`,
      ],
    ]);
    const yaml = contractToYaml(contract);
    expect(yaml).toBe(`service: checkout
depends_on:
  - service: risk
    operation: scoreTransaction
    latency_budget:
      target: p50 < 100ms
      acceptable: p95 < 200ms
      maximum: p99 < 500ms
    timeout: 500ms
    fallback: allow_with_monitoring
    retry: none
retry_policies:
  - target: risk.scoreTransaction
    on_timeout:
      generates_new_request_id: true
    reason: separate_attempts_in_logs
`);
    const back = parse('component:default/checkout', [['what-if.yaml', yaml]]);
    expect(values(back)).toEqual(values(contract));
  });

  it('reads back every kind of item: promises, datasets, endpoints, needs, idempotency, data requirements', () => {
    const text = `service: risk
availability: 99.9%
depends_on:
  - service: resource:default/orders-db
    operation: read
    latency_budget: { p99: 80ms }
    timeout: 2s
    retry: { max_attempts: 3, backoff: exponential, per_try_timeout: 300ms, retry_on: [5xx, reset] }
provides:
  - operation: scoreTransaction
    availability: 99.95%
    latency:
      current: p50=2800ms, p95=3200ms
      target: p50=80ms, p95=150ms (requires caching)
  - dataset: risk_scores
    via: kafka
    freshness: 15-30s typical, 60s max
    derived_from:
      - source: orders
        dataset: user_purchases
    pii: minimal
    access: any
    purposes: [fraud detection, "reporting: monthly"]
  - endpoint: /fraud-signals-detailed
    returns: full_breakdown
    data: [fraud_decision_breakdown]
    access: risk_team_only
    pii: high
data_dependencies:
  - source: orders-db
    dataset: user_purchases
    freshness_required: <10s
    reason: velocity_fraud_detection
    impact_if_stale: false_negatives
operations:
  - name: scoreTransaction
    idempotency_key: transaction_id
    expects: stable_across_retries
    window: 5m
requires:
  - from: support
    data: tickets
    access_level: support_tier_2
    use_case: "dispute: resolution"
`;
    const contract = parse('component:default/risk', [['risk.yaml', text]]);
    const yaml = contractToYaml(contract);
    const back = parse('component:default/risk', [['what-if.yaml', yaml]]);
    expect(values(back)).toEqual(values(contract));
  });
});

/*
 * The essay's contract blocks, verbatim (shared/mission/article.txt, "What Machine-Checkable
 * Contracts Look Like"), and its catalog: who owns what, who depends on what.
 */
import type { ContractSource, EntitySummary } from '../../types';

export const ESSAY_CONTRACTS: Record<string, ContractSource[]> = {
  'component:default/checkout': [
    {
      file: 'contracts/dependencies.yaml',
      text: `# checkout-service/contracts/dependencies.yaml
service: checkout
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
    },
    {
      file: 'contracts/retry.yaml',
      text: `# checkout-service/contracts/retry.yaml
service: checkout
retry_policies:
  - target: risk.scoreTransaction
    on_timeout:
      generates_new_request_id: true
      reason: separate_attempts_in_logs
`,
    },
  ],
  'component:default/risk': [
    {
      file: 'contracts/sla.yaml',
      text: `# risk-service/contracts/sla.yaml
service: risk
provides:
  - operation: scoreTransaction
    latency:
      current: p50=2800ms, p95=3200ms
      target: p50=80ms, p95=150ms (requires caching)
`,
    },
    {
      file: 'contracts/data.yaml',
      text: `# risk-service/contracts/data.yaml
service: risk
data_dependencies:
  - source: orders-db
    dataset: user_purchases
    freshness_required: <10s
    reason: velocity_fraud_detection
    impact_if_stale: false_negatives
`,
    },
    {
      file: 'contracts/idempotency.yaml',
      text: `# risk-service/contracts/idempotency.yaml
service: risk
operations:
  - name: scoreTransaction
    idempotency_key: transaction_id
    expects: stable_across_retries
    window: 5m
`,
    },
    {
      file: 'contracts/data-exposure.yaml',
      text: `# risk-service/contracts/data-exposure.yaml
service: risk
provides:
  - endpoint: /fraud-score
    returns: aggregate_only
    pii: minimal
  - endpoint: /fraud-signals-detailed
    returns: full_breakdown
    access: risk_team_only
    pii: high
`,
    },
  ],
  'component:default/orders': [
    {
      file: 'contracts/data.yaml',
      text: `# orders-service/contracts/data.yaml
service: orders
provides:
  - dataset: user_purchases
    via: database_replica
    freshness: 15-30s typical, 60s max
`,
    },
  ],
  'component:default/support': [
    {
      file: 'contracts/data-needs.yaml',
      text: `# support-service/contracts/data-needs.yaml
service: support
requires:
  - from: risk
    data: fraud_decision_breakdown
    access_level: support_tier_2
    use_case: dispute_resolution
`,
    },
  ],
};

const component = (
  name: string,
  team: string,
  dependsOn: string[] = [],
): EntitySummary => ({
  ref: `component:default/${name}`,
  kind: 'Component',
  namespace: 'default',
  name,
  owner: `group:default/${team}`,
  system: 'system:default/fraud-detection',
  dependsOn,
  dependencyOf: [],
});

/** The essay's teams and services, as the example catalog declares them. */
export const ESSAY_ENTITIES: EntitySummary[] = [
  component('checkout', 'checkout-team', [
    'component:default/risk',
    'component:default/payment',
  ]),
  component('risk', 'risk-team', ['resource:default/orders-db']),
  component('orders', 'orders-team', ['resource:default/orders-db']),
  component('payment', 'payment-team'),
  component('support', 'support-team', ['component:default/risk']),
  component('data-platform', 'data-platform-team', [
    'resource:default/orders-db',
  ]),
  {
    ref: 'resource:default/orders-db',
    kind: 'Resource',
    namespace: 'default',
    name: 'orders-db',
    owner: 'group:default/data-platform-team',
    system: 'system:default/fraud-detection',
    dependsOn: [],
    dependencyOf: [],
  },
];

/** The deciders the example app configures: product and security join access trade-offs. */
export const ESSAY_CONFIG = {
  deciders: {
    'access-policy': [
      'group:default/product-team',
      'group:default/security-team',
    ],
  },
};

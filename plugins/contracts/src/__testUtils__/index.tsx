/* Test fixtures and a render helper shared by the component tests. */
import { type SignalApi, signalApiRef } from '@backstage/plugin-signals-react';
import type { ReactElement } from 'react';
import type { Entity } from '@backstage/catalog-model';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { configApiRef, identityApiRef } from '@backstage/core-plugin-api';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  catalogApiRef,
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { parseEntityContract } from '@backstage-contracts/plugin-contracts-common';
import type {
  ContractsApi,
  ContractsFinding,
  Decision,
  EntityContractsResponse,
} from '../api';
import { contractsApiRef } from '../api';

export const checkoutEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'contracts.io/spec': `service: checkout
depends_on:
  - service: risk
    operation: scoreTransaction
    latency_budget: { acceptable: p95 < 200ms }
    timeout: 500ms
    retry: none
`,
    },
  },
  spec: {
    type: 'service',
    owner: 'group:default/checkout-team',
    lifecycle: 'production',
  },
};

export const plainEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'plain', namespace: 'default' },
  spec: {
    type: 'service',
    owner: 'group:default/checkout-team',
    lifecycle: 'production',
  },
};

export const riskTeam: Entity = {
  apiVersion: 'backstage.io/v1',
  kind: 'Group',
  metadata: { name: 'risk-team', namespace: 'default' },
  spec: { type: 'team', children: [] },
};

const riskYaml = `service: risk
provides:
  - operation: scoreTransaction
    latency:
      current: p50=2800ms, p95=3200ms
      target: p50=80ms, p95=150ms (requires caching)
  - endpoint: /fraud/breakdown
    data: [fraud_signal_breakdown]
    pii: card fingerprint
    access: risk_team_only
data_dependencies:
  - source: orders
    dataset: purchases
    freshness_required: <10s
    reason: velocity checks
`;

export const checkoutContract = parseEntityContract(
  'component:default/checkout',
  [
    {
      file: 'annotation:contracts.io/spec',
      text: checkoutEntity.metadata.annotations!['contracts.io/spec'],
    },
  ],
).contract;

export const riskContract = parseEntityContract('component:default/risk', [
  { file: 'contracts/sla.yaml', text: riskYaml },
]).contract;

export const latencyFinding: ContractsFinding = {
  id: 'f-latency',
  rule: 'latency-budget',
  severity: 'error',
  status: 'open',
  consumer: 'component:default/checkout',
  provider: 'component:default/risk',
  subject: 'scoreTransaction',
  title: 'Latency contract violation',
  expected: 'p95 < 200ms',
  actual: 'p95 = 3200ms (current)',
  impact: 'Checkout times out on every risk call.',
  resolutions: ['Risk implements caching', 'Checkout raises its budget'],
  evidence: 'e1',
  message:
    'ERROR: Latency contract violation\n  checkout expects: p95 < 200ms\n  risk provides: p95 = 3200ms (current)\n\nStatus: BLOCKS_INTEGRATION',
  canAccept: true,
};

export const accessFinding: ContractsFinding = {
  id: 'f-access',
  rule: 'access-policy',
  severity: 'tradeoff',
  status: 'open',
  consumer: 'component:default/support',
  provider: 'component:default/risk',
  subject: 'fraud_signal_breakdown',
  title: 'Access policy conflict',
  expected: 'fraud_signal_breakdown at support_tier_2',
  actual: 'only risk_team_only',
  impact: 'Support cannot explain declines.',
  resolutions: ['Expose a redacted breakdown to support', 'Keep it restricted'],
  evidence: 'e2',
  deciders: ['group:default/risk-team', 'group:default/support-team'],
  message: 'TRADE-OFF: Access policy conflict\n\nStatus: DECISION_REQUIRED',
  canAccept: true,
};

export const warningFinding: ContractsFinding = {
  ...latencyFinding,
  id: 'f-timeout',
  rule: 'timeout-below-tail',
  severity: 'warning',
  status: 'accepted',
  title: 'Timeout below tail latency',
  expected: 'timeout 500ms',
  actual: 'p99 = 4000ms',
};

export const decision: Decision = {
  id: 'd1',
  findingId: 'f-access',
  evidenceHash: 'e2',
  rule: accessFinding.rule,
  consumer: accessFinding.consumer,
  provider: accessFinding.provider,
  subject: accessFinding.subject,
  title: 'Redacted breakdown for support',
  options: ['Expose a redacted breakdown to support', 'Keep it restricted'],
  decision: 'Expose a redacted breakdown to support',
  rationale: 'Support needs the reasons, not the raw signals.',
  deciders: ['group:default/risk-team'],
  signatures: [
    {
      decider: 'group:default/risk-team',
      verdict: 'accept',
      signedBy: 'user:default/bob',
      signedAt: '2025-01-02T11:30:00Z',
    },
  ],
  awaiting: [],
  status: 'accepted',
  reviewBy: '2031-01-01',
  recordedBy: 'user:default/guest',
  recordedAt: '2025-01-02T10:00:00Z',
  supersedes: 'd0',
};

export const olderDecision: Decision = {
  ...decision,
  id: 'd0',
  title: 'Keep the breakdown restricted',
  status: 'superseded',
  supersedes: undefined,
  supersededBy: 'd1',
  recordedAt: '2024-06-01T10:00:00Z',
};

export function entityResponse(
  overrides: Partial<EntityContractsResponse> = {},
): EntityContractsResponse {
  return {
    entityRef: 'component:default/checkout',
    contracts: checkoutContract,
    problems: [],
    findings: [latencyFinding, accessFinding, warningFinding],
    decisions: [olderDecision, decision],
    stale: false,
    computedAt: '2025-01-02T10:00:00Z',
    ...overrides,
  };
}

export function mockContractsApi(
  overrides: { [K in keyof ContractsApi]?: jest.Mock } = {},
): jest.Mocked<ContractsApi> {
  const api: { [K in keyof ContractsApi]: jest.Mock } = {
    getEntity: jest.fn(async () => entityResponse()),
    getEntityHistory: jest.fn(async () => ({
      entityRef: 'component:default/checkout',
      items: [],
    })),
    getFindings: jest.fn(async () => ({ items: [] })),
    getUnanswered: jest.fn(async () => ({ items: [], total: 0 })),
    getGraph: jest.fn(async () => ({ nodes: [], edges: [], findings: [] })),
    check: jest.fn(async () => ({ findings: [], problems: [] })),
    getDecisions: jest.fn(async () => ({ items: [] })),
    recordDecision: jest.fn(
      async (input: object) =>
        ({ ...decision, ...input, id: 'd-new' } as Decision),
    ),
    supersedeDecision: jest.fn(
      async (_id: string, input: object) =>
        ({ ...decision, ...input, id: 'd-new' } as Decision),
    ),
    signDecision: jest.fn(async (id: string, verdict: 'accept' | 'reject') => ({
      ...decision,
      id,
      signatures: [
        ...decision.signatures,
        {
          decider: 'group:default/support-team',
          verdict,
          signedBy: 'user:default/guest',
          signedAt: '2025-01-03T09:00:00Z',
        },
      ],
    })),
    withdrawDecision: jest.fn(async (id: string) => ({
      ...decision,
      id,
      status: 'withdrawn',
      withdrawnBy: 'user:default/guest',
      withdrawnAt: '2025-01-03T09:00:00Z',
    })),
    getDecisionMarkdown: jest.fn(async () => '# decision'),
    getDecisionAdr: jest.fn(async () => ({
      fileName: '0001-decision.md',
      text: '# decision',
    })),
    ...overrides,
  };
  return api as unknown as jest.Mocked<ContractsApi>;
}

export const catalogEntities: Entity[] = [
  riskTeam,
  {
    apiVersion: 'backstage.io/v1',
    kind: 'Group',
    metadata: { name: 'support-team', namespace: 'default' },
    spec: { type: 'team', children: [] },
  },
  {
    apiVersion: 'backstage.io/v1',
    kind: 'User',
    metadata: { name: 'guest', namespace: 'default' },
    spec: { profile: { displayName: 'Guest' }, memberOf: ['support-team'] },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'risk', namespace: 'default' },
    spec: {
      type: 'service',
      owner: 'group:default/risk-team',
      lifecycle: 'production',
    },
    relations: [{ type: 'ownedBy', targetRef: 'group:default/risk-team' }],
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'checkout', namespace: 'default' },
    spec: {
      type: 'service',
      owner: 'group:default/checkout-team',
      lifecycle: 'production',
    },
    relations: [{ type: 'ownedBy', targetRef: 'group:default/checkout-team' }],
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'support', namespace: 'default' },
    spec: {
      type: 'service',
      owner: 'group:default/support-team',
      lifecycle: 'production',
    },
    relations: [{ type: 'ownedBy', targetRef: 'group:default/support-team' }],
  },
];

/** Renders `element` in a test app with the contracts API, the catalog and an entity. */
export function renderWith(
  element: ReactElement,
  options: {
    api?: ContractsApi;
    entity?: Entity;
    permission?: 'ALLOW' | 'DENY';
    /** The signed-in user (default `user:default/guest`). */
    user?: string;
    /** App config, e.g. `{ contracts: { frontend: { refreshIntervalSeconds: 5 } } }`. */
    config?: NonNullable<Parameters<typeof mockApis.config>[0]>['data'];
    /** The signal API (`@backstage/plugin-signals`), when the app has one. */
    signals?: SignalApi;
    /** The initial location(s), e.g. `['/?around=component:default/risk']`. */
    routeEntries?: string[];
  } = {},
) {
  const api = options.api ?? mockContractsApi();
  const catalogApi = catalogApiMock({ entities: catalogEntities });
  const content = options.entity ? (
    <EntityProvider entity={options.entity}>{element}</EntityProvider>
  ) : (
    element
  );
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [contractsApiRef, api],
        [catalogApiRef, catalogApi],
        [
          permissionApiRef,
          mockApis.permission({
            authorize: (options.permission ?? 'ALLOW') as any,
          }),
        ],
        [
          identityApiRef,
          mockApis.identity({
            userEntityRef: options.user ?? 'user:default/guest',
          }),
        ],
        ...(options.config
          ? [[configApiRef, mockApis.config({ data: options.config })] as const]
          : []),
        ...(options.signals ? [[signalApiRef, options.signals] as const] : []),
      ]}
    >
      {content}
    </TestApiProvider>,
    {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      initialRouteEntries: options.routeEntries,
    },
  );
}

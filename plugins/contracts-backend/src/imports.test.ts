/*
 * Issue 21 end to end through the real parts: the real catalog backend reading the acme-style
 * scenario (test/scenarios/acme-imports: providers with only an ODCS file, Pyrra SLOs and an
 * OpenAPI definition, a provider with nothing, two consumers' needs) with the real contracts
 * catalog module, the real permission backend and a policy that hides risk-team's entities
 * from everyone outside risk-team; plus a file of risk-team entities beside it (among them an
 * API whose OpenAPI definition sets a gateway deadline below its provider's p99).
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import permissionPlugin from '@backstage/plugin-permission-backend';
import {
  type Finding,
  HIDDEN_ENTITY,
} from '@backstage-contracts/plugin-contracts-common';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { contractsPlugin } from './plugin';
import { ownershipUserInfo } from './__testUtils__/contractsBackend';
import { giveMockUsersAnActor } from './__testUtils__/mockUserActor';
import { realExampleCatalog } from './__testUtils__/realCatalog';
import {
  BOB,
  GUEST,
  OWNERSHIP,
  riskTeamOnlyPolicyModule as policyModule,
} from './__testUtils__/riskTeamOnlyPolicy';

jest.setTimeout(180_000);
giveMockUsersAnActor();

const SCENARIO = path.resolve(
  __dirname,
  '../../../test/scenarios/acme-imports/all.yaml',
);

const as = (user: string) => ({
  Authorization: mockCredentials.user.header(user),
});

/** Two risk-team entities: a consumer of the recommender, and a provider with no contract. */
const RISK_TEAM_ENTITIES = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: fraud-desk
  annotations:
    contracts.io/spec: |
      depends_on:
        - service: recommender
          operation: recommend
          latency_budget: { acceptable: p95 < 120ms }
        - service: ml-features
          operation: features
          timeout: 50ms
spec: { type: service, lifecycle: production, owner: group:default/risk-team }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ml-features
spec: { type: service, lifecycle: production, owner: group:default/risk-team }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: fraud-model
  annotations:
    contracts.io/spec: |
      provides:
        - operation: predict
          latency: { current: "p50=900ms, p95=2s, p99=3s" }
spec:
  type: service
  lifecycle: production
  owner: group:default/risk-team
  providesApis: [fraud-model-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: fraud-model-api
spec:
  type: openapi
  lifecycle: production
  owner: group:default/risk-team
  definition: |
    swagger: '2.0'
    info: { title: Fraud model, version: 1.0.0 }
    paths:
      /predict:
        post:
          operationId: predict
          x-google-backend:
            address: https://fraud-model.internal.example/predict
            deadline: 2.0
          responses: { '200': { description: the prediction } }
`;
const GATEWAY = 'api:default/fraud-model-api';

describe('promises imported from standards, and unanswered needs, on the real backend', () => {
  let server: any;
  let findings: Finding[] = [];

  beforeAll(async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'contracts-imports-'));
    const extra = path.join(dir, 'risk-team.yaml');
    await fs.writeFile(extra, RISK_TEAM_ENTITIES);
    ({ server } = await startTestBackend({
      features: [
        contractsPlugin,
        ...realExampleCatalog.features,
        permissionPlugin,
        policyModule,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            catalog: {
              ...realExampleCatalog.config,
              locations: [
                { type: 'file', target: SCENARIO },
                { type: 'file', target: extra },
              ],
            },
            contracts: { refreshIntervalSeconds: 0.2 },
          },
        }),
        ownershipUserInfo(OWNERSHIP),
      ],
    }));
    const end = Date.now() + 150_000;
    while (Date.now() < end) {
      const res = await request(server)
        .get('/api/contracts/findings?limit=500')
        .set(as(BOB));
      findings = res.body.items ?? [];
      const rules = new Set(findings.map(f => f.rule));
      if (
        res.body.stale === false &&
        ['latency-budget', 'data-freshness', 'unanswered-need'].every(r =>
          rules.has(r),
        ) &&
        findings.some(f => f.consumer === 'component:default/fraud-desk') &&
        findings.some(f => f.consumer === GATEWAY)
      )
        break;
      await new Promise(r => setTimeout(r, 250));
    }
  });

  it('finds what the imported promises break, each value saying where it was imported from', async () => {
    const shown = findings
      .filter(f => f.rule !== 'undeclared-dependency')
      .filter(
        f => !f.consumer.endsWith('/fraud-desk') && f.consumer !== GATEWAY,
      )
      .map(f => [
        f.rule,
        f.consumer,
        f.provider,
        f.subject,
        f.expected,
        f.actual,
      ])
      .sort();
    expect(shown).toEqual(
      [
        [
          'data-freshness',
          'component:default/storefront',
          'component:default/ledger',
          'ledger_entries',
          '<1m',
          '5m',
        ],
        [
          'latency-budget',
          'component:default/storefront',
          'component:default/scoring',
          'scoreTransaction',
          'p95 < 250ms',
          'p95 = 400ms (target)',
        ],
        [
          'timeout-below-tail',
          'component:default/storefront',
          'component:default/scoring',
          'scoreTransaction',
          'p99 < 800ms (timeout)',
          'p99 = 1200ms (target)',
        ],
        [
          'unanswered-need',
          'component:default/mobile-bff',
          'component:default/recommender',
          'recommend',
          'p99 < 300ms',
          'recommender has no contract: it promises nothing',
        ],
        [
          'unanswered-need',
          'component:default/storefront',
          'component:default/recommender',
          'recommend',
          'p95 < 100ms',
          'recommender has no contract: it promises nothing',
        ],
        [
          'unresolved-reference',
          'component:default/storefront',
          'api:default/scoring-api',
          'scoring-api.refundScore',
          'operation scoring-api.refundScore provided by scoring-api',
          'nothing provides it',
        ],
        [
          'unresolved-reference',
          'component:default/storefront',
          'component:default/ledger',
          'ledger/ledger_balances',
          'dataset ledger/ledger_balances provided by ledger or an entity tied to it',
          'nothing provides it',
        ],
      ].sort(),
    );
    const res = await request(server)
      .get('/api/contracts/entities/component/default/scoring')
      .set(as(GUEST));
    expect(res.status).toBe(200);
    const op = res.body.contracts.operations[0];
    expect(op).toMatchObject({
      name: 'scoreTransaction',
      current: [],
      target: [
        { percentile: 95, ms: 400 },
        { percentile: 99, ms: 1200 },
      ],
    });
    expect(op.imported['latency.target']).toMatchObject({
      format: 'pyrra',
      file: 'slo/latency-p95.yaml',
      line: 15,
    });
    const api = await request(server)
      .get('/api/contracts/entities/api/default/scoring-api')
      .set(as(GUEST));
    expect(api.body.contracts.operations.map((o: any) => o.name)).toEqual([
      'scoreTransaction',
      'explainScore',
    ]);
    expect(api.body.contracts.idempotency[0]).toMatchObject({
      name: 'scoreTransaction',
      idempotencyKey: 'Idempotency-Key header',
      imported: {
        idempotency_key: { format: 'openapi', file: 'spec.definition' },
      },
    });
    const ledger = await request(server)
      .get('/api/contracts/entities/component/default/ledger')
      .set(as(GUEST));
    expect(ledger.body.contracts.datasets[0]).toMatchObject({
      name: 'ledger_entries',
      freshness: { maxMs: 300_000 },
      pii: 'account_holder_email',
      imported: {
        freshness: {
          format: 'odcs',
          file: 'contracts/ledger.odcs.yaml',
          line: 26,
        },
      },
    });
  });

  it('lists the needs nobody answered per provider, with the caller’s catalog read permission', async () => {
    const bob = await request(server)
      .get('/api/contracts/unanswered')
      .set(as(BOB));
    expect(bob.status).toBe(200);
    expect(
      bob.body.items.map((g: any) => [
        g.provider,
        g.subject,
        g.kind,
        g.aspect,
        g.consumers,
        g.owner,
      ]),
    ).toEqual([
      [
        'component:default/recommender',
        'recommend',
        'no-contract',
        'latency',
        3,
        'group:default/ml-team',
      ],
      [
        'api:default/scoring-api',
        'refundScore',
        'undeclared',
        'operation',
        1,
        'group:default/scoring-team',
      ],
      [
        'component:default/ledger',
        'ledger_balances',
        'undeclared',
        'dataset',
        1,
        'group:default/ledger-team',
      ],
      [
        'component:default/ml-features',
        'features',
        'no-contract',
        'latency',
        1,
        'group:default/risk-team',
      ],
    ]);
    expect(bob.body.total).toBe(4);

    // the guest may not read risk-team's entities: ml-features is not listed, fraud-desk's need
    // on the recommender is counted but not shown
    const guest = await request(server)
      .get('/api/contracts/unanswered')
      .set(as(GUEST));
    expect(guest.body.items.map((g: any) => g.provider)).toEqual([
      'component:default/recommender',
      'api:default/scoring-api',
      'component:default/ledger',
    ]);
    const recommender = guest.body.items[0];
    expect(recommender.consumers).toBe(3);
    expect(recommender.needs).toContainEqual(
      expect.objectContaining({ consumer: HIDDEN_ENTITY, expected: '' }),
    );
    expect(JSON.stringify(guest.body)).not.toContain('fraud-desk');
    expect(JSON.stringify(guest.body)).not.toContain('120ms');
    const hidden = await request(server)
      .get('/api/contracts/unanswered?provider=component:default/ml-features')
      .set(as(GUEST));
    expect(hidden.body.items).toEqual([]);
  });

  it("finds a gateway deadline in an API's OpenAPI definition below its provider's p99 (apiProvidedBy)", async () => {
    expect(
      findings
        .filter(f => f.consumer === GATEWAY)
        .map(f => [f.rule, f.provider, f.subject, f.expected]),
    ).toEqual([
      [
        'timeout-below-tail',
        'component:default/fraud-model',
        'predict',
        'p99 < 2s (timeout)',
      ],
    ]);
    const [gateway] = findings.filter(f => f.consumer === GATEWAY);
    expect(gateway.location).toMatchObject({ file: 'spec.definition' });
    expect(gateway.message).toContain(
      'OpenAPI spec.definition:9, `paths."/predict".post.x-google-backend.deadline`',
    );
  });

  it('filters by provider and by owner, pages, and refuses a bad query', async () => {
    const owner = await request(server)
      .get('/api/contracts/unanswered?owner=group:default/ml-team')
      .set(as(BOB));
    expect(owner.body.items.map((g: any) => g.provider)).toEqual([
      'component:default/recommender',
    ]);
    const provider = await request(server)
      .get('/api/contracts/unanswered?provider=component:default/ledger')
      .set(as(GUEST));
    expect(provider.body.items.map((g: any) => g.subject)).toEqual([
      'ledger_balances',
    ]);
    const first = await request(server)
      .get('/api/contracts/unanswered?limit=2')
      .set(as(BOB));
    expect(first.body.items).toHaveLength(2);
    const second = await request(server)
      .get(`/api/contracts/unanswered?limit=2&cursor=${first.body.nextCursor}`)
      .set(as(BOB));
    expect(second.body.items.map((g: any) => g.provider)).toEqual([
      'component:default/ledger',
      'component:default/ml-features',
    ]);
    expect(second.body.nextCursor).toBeUndefined();
    const bad = await request(server)
      .get('/api/contracts/unanswered?limit=0')
      .set(as(BOB));
    expect(bad.status).toBe(400);
  });
});

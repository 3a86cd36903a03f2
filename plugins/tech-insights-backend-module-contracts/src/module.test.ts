import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
  type TestDatabaseId,
} from '@backstage/backend-test-utils';
import {
  coreServices,
  createServiceFactory,
  type SchedulerService,
} from '@backstage/backend-plugin-api';
import techInsightsPlugin from '@backstage-community/plugin-tech-insights-backend';
import jsonfcModule from '@backstage-community/plugin-tech-insights-backend-module-jsonfc';
// the real contracts backend the retriever reads (test only: the module talks to it over HTTP)
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import contractsPlugin from '@backstage-contracts/plugin-contracts-backend';
import catalogModuleContracts from '@backstage-contracts/plugin-catalog-backend-module-contracts';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import type { HistoryItem } from '@backstage-contracts/plugin-contracts-common';
import type { Knex } from 'knex';
import type { Server } from 'node:http';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
// The portal's own permission policy, as packages/backend installs it (test-only import).
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import policyModule from '../../../packages/backend/src/modules/permissionPolicy';
import { contractsChecks } from './checks';
import { CONTRACTS_FACT_RETRIEVER_ID } from './contractsFactRetriever';
import techInsightsModuleContracts from './index';

jest.setTimeout(240_000);

// The real auth service marks a token a plugin sends on a user's behalf with the plugin as actor;
// the mock drops it, and the permission backend then refuses the catalog's conditional read as a
// "direct user request": mock users get an actor (as in the contracts backend's tests).
const realUser = mockCredentials.user;
jest
  .spyOn(mockCredentials, 'user')
  .mockImplementation((ref?: string, options?: any) =>
    realUser(ref, options ?? { actor: { subject: 'plugin:permission' } }),
  );
Object.assign(mockCredentials.user, {
  header: realUser.header,
  token: realUser.token,
  invalidToken: realUser.invalidToken,
  invalidHeader: realUser.invalidHeader,
});

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const TARGETS = [
  'org.yaml',
  'system.yaml',
  'checkout/catalog-info.yaml',
  'risk/catalog-info.yaml',
  'orders/catalog-info.yaml',
  'payment/catalog-info.yaml',
  'data-platform/catalog-info.yaml',
];
const SUPPORT = 'support/catalog-info.yaml';
const DAY = 86_400_000;

/** A Location of the example catalog's files (absolute paths), `support` left out or not. */
function exampleLocation(targets: string[]) {
  return `apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: scorecards-example
spec:
  targets:
${targets.map(t => `    - ${path.join(EXAMPLES, t)}`).join('\n')}
`;
}
const postgres = (process.env.CONTRACTS_TEST_POSTGRES_ID ??
  'POSTGRES_15') as TestDatabaseId;
const databases = TestDatabases.create({ ids: ['SQLITE_3', postgres] });
const asUser = {
  Authorization: mockCredentials.user.header('user:default/guest'),
};

/** Every plugin on a database of its own, of the kind under test. */
function pluginDatabases(id: TestDatabaseId) {
  const clients = new Map<string, Promise<Knex>>();
  return createServiceFactory({
    service: coreServices.database,
    deps: { plugin: coreServices.pluginMetadata },
    async factory({ plugin }) {
      const pluginId = plugin.getId();
      if (!clients.has(pluginId)) clients.set(pluginId, databases.init(id));
      const client = await clients.get(pluginId)!;
      return { getClient: async () => client };
    },
  });
}

let last: unknown;

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  ms = 150_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

describe.each(databases.eachSupportedId())(
  'the contracts fact retriever in tech-insights, on %p',
  id => {
    let server: Server;
    let scheduler: SchedulerService;
    let location: string;

    beforeAll(async () => {
      // the example catalog without support: its access-policy trade-off with risk opens later,
      // so that the contracts history records when (the first recompute is its baseline)
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scorecards-'));
      location = path.join(dir, 'all.yaml');
      await fs.writeFile(location, exampleLocation(TARGETS));
      // the test triggers the fact retriever's task (tech-insights schedules it with a delay)
      const mock = mockServices.scheduler() as SchedulerService & {
        factory(): ReturnType<typeof mockServices.scheduler.factory>;
      };
      scheduler = mock;
      ({ server } = await startTestBackend({
        features: [
          catalogPlugin,
          catalogModuleContracts,
          contractsPlugin,
          permissionPlugin,
          policyModule,
          techInsightsPlugin,
          jsonfcModule,
          techInsightsModuleContracts,
          mock.factory(),
          pluginDatabases(id),
          // the guest belongs to both owner groups: the deciders of support's access trade-off
          mockServices.userInfo.mock({
            async getUserInfo(credentials) {
              const ref = (credentials.principal as { userEntityRef: string })
                .userEntityRef;
              return {
                userEntityRef: ref,
                ownershipEntityRefs: [
                  ref,
                  'group:default/support-team',
                  'group:default/risk-team',
                ],
              };
            },
          }).factory,
          mockServices.rootConfig.factory({
            data: {
              permission: { enabled: true },
              catalog: {
                rules: [
                  {
                    allow: [
                      'Component',
                      'System',
                      'API',
                      'Resource',
                      'Location',
                      'Group',
                      'User',
                    ],
                  },
                ],
                locations: [{ type: 'file', target: location }],
                processingInterval: { seconds: 1 },
              },
              contracts: { refreshIntervalSeconds: 0.2 },
              techInsights: {
                factRetrievers: {
                  [CONTRACTS_FACT_RETRIEVER_ID]: { cadence: '0 * * * *' },
                },
                factChecker: { checks: contractsChecks },
              },
            },
          }),
        ],
      }));
      const findings = async () => {
        const res = await request(server)
          .get('/api/contracts/findings?limit=500')
          .set(asUser);
        last = { status: res.status, body: res.body };
        return res.body.stale === false
          ? (res.body.items as Array<{ rule: string }>)
          : undefined;
      };
      await until('the contracts graph without support', async () => {
        const items = await findings();
        return items?.some(f => f.rule === 'latency-budget') ? true : undefined;
      });
      await fs.writeFile(location, exampleLocation([...TARGETS, SUPPORT]));
      // support read and the graph recomputed, its trade-off with risk among the findings
      await until('the contracts graph', async () => {
        const items = await findings();
        return items?.some(f => f.rule === 'access-policy') ? true : undefined;
      });
      // the history has recorded the trade-off's opening
      await until('the trade-off in risk’s history', async () => {
        const res = await request(server)
          .get('/api/contracts/entities/component/default/risk/history')
          .set(asUser);
        last = { status: res.status, body: res.body };
        const items: HistoryItem[] = res.body.items ?? [];
        return items.some(
          i =>
            i.type === 'change' &&
            i.findings.some(
              c => c.change === 'opened' && c.finding.rule === 'access-policy',
            ),
        )
          ? true
          : undefined;
      });
      await scheduler.triggerTask(CONTRACTS_FACT_RETRIEVER_ID);
    });

    async function latestFacts(entity: string) {
      const res = await request(server)
        .get('/api/tech-insights/facts/latest')
        .query({ entity, 'ids[]': CONTRACTS_FACT_RETRIEVER_ID })
        .set(asUser);
      expect(res.status).toBe(200);
      return res.body[CONTRACTS_FACT_RETRIEVER_ID]?.facts;
    }

    async function runChecks(name: string) {
      const res = await request(server)
        .post(`/api/tech-insights/checks/run/default/component/${name}`)
        .set(asUser)
        .send({});
      expect(res.status).toBe(200);
      return Object.fromEntries(
        (res.body as Array<{ check: { id: string }; result: boolean }>).map(
          r => [r.check.id, r.result],
        ),
      );
    }

    it('stores one fact row per entity of the contracts graph, counted as the contracts backend counts', async () => {
      expect(await latestFacts('component:default/risk')).toEqual({
        hasContracts: true,
        openErrors: 3,
        contractProblems: 0,
        openWarnings: 1,
        undecidedTradeoffs: 1,
        // the access-policy trade-off with support opened moments ago
        oldestUndecidedTradeoffDays: 0,
        undecidedTradeoffsOfUnknownAge: 0,
        decisionsPastReview: 0,
      });
      // payment: no contract of its own, no finding against it
      expect(await latestFacts('component:default/payment')).toEqual(
        expect.objectContaining({
          hasContracts: false,
          openErrors: 0,
          openWarnings: 0,
          undecidedTradeoffs: 0,
        }),
      );
      expect(await latestFacts('system:default/fraud-detection')).toEqual(
        expect.objectContaining({ hasContracts: false, openErrors: 0 }),
      );
    });

    it('runs the shipped checks: risk blocks integration, payment passes all', async () => {
      expect(await runChecks('risk')).toEqual({
        contractsNoBlockingConflicts: false,
        contractsTradeoffsDecidedWithin14Days: true,
        contractsDecisionsReviewed: true,
      });
      expect(await runChecks('payment')).toEqual({
        contractsNoBlockingConflicts: true,
        contractsTradeoffsDecidedWithin14Days: true,
        contractsDecisionsReviewed: true,
      });
    });

    /** Runs the retriever with the clock `days` on (timers stay real). */
    async function retrieveLater(days: number) {
      jest.useFakeTimers({
        now: Date.now() + days * DAY,
        advanceTimers: true,
        doNotFake: [
          'hrtime',
          'nextTick',
          'performance',
          'queueMicrotask',
          'requestAnimationFrame',
          'cancelAnimationFrame',
          'requestIdleCallback',
          'cancelIdleCallback',
          'setImmediate',
          'clearImmediate',
          'setInterval',
          'clearInterval',
          'setTimeout',
          'clearTimeout',
        ],
      });
      try {
        await scheduler.triggerTask(CONTRACTS_FACT_RETRIEVER_ID);
      } finally {
        jest.useRealTimers();
      }
    }

    it('fails the 14-day check once the trade-off has waited 15 days', async () => {
      await retrieveLater(15);
      const risk = await latestFacts('component:default/risk');
      expect(risk.undecidedTradeoffs).toBe(1);
      expect(risk.oldestUndecidedTradeoffDays).toBeGreaterThanOrEqual(15);
      expect(risk.oldestUndecidedTradeoffDays).toBeLessThan(15.1);
      expect(await runChecks('risk')).toEqual({
        contractsNoBlockingConflicts: false,
        contractsTradeoffsDecidedWithin14Days: false,
        contractsDecisionsReviewed: true,
      });
      expect(await runChecks('support')).toEqual(
        expect.objectContaining({
          contractsTradeoffsDecidedWithin14Days: false,
        }),
      );
      expect(await runChecks('payment')).toEqual(
        expect.objectContaining({
          contractsTradeoffsDecidedWithin14Days: true,
        }),
      );
    });

    it('counts an accepted decision past its review day, and its trade-off as decided', async () => {
      const { body: page } = await request(server)
        .get('/api/contracts/findings?rule=access-policy&limit=500')
        .set(asUser);
      const finding = page.items.find(
        (f: { consumer: string }) => f.consumer === 'component:default/support',
      );
      const recorded = await request(server)
        .post('/api/contracts/decisions')
        .set(asUser)
        .send({
          findingId: finding.id,
          title: 'Support reads a summary',
          decision: 'a summary endpoint',
          rationale: 'keeps PII with the risk team',
          status: 'accepted',
          reviewBy: '2020-01-31',
        });
      expect(recorded.status).toBe(201);
      expect(recorded.body.status).toBe('accepted');
      // wait for the decision to count in the findings (its review day passed: needs-review)
      await until('the decision on the finding', async () => {
        const res = await request(server)
          .get(`/api/contracts/findings/${encodeURIComponent(finding.id)}`)
          .set(asUser);
        last = { status: res.status, body: res.body };
        return res.body.finding?.status !== 'open' ? true : undefined;
      });
      // a day later than the facts stored last, so that these are the latest
      await retrieveLater(16);
      expect(await latestFacts('component:default/risk')).toEqual(
        expect.objectContaining({
          undecidedTradeoffs: 0,
          oldestUndecidedTradeoffDays: 0,
          decisionsPastReview: 1,
        }),
      );
      expect(await runChecks('support')).toEqual({
        contractsNoBlockingConflicts: true,
        contractsTradeoffsDecidedWithin14Days: true,
        contractsDecisionsReviewed: false,
      });
    });
  },
);

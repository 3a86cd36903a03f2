import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import type {
  Finding,
  Observation,
} from '@backstage-contracts/plugin-contracts-common';
import request from 'supertest';
import {
  as,
  startContractsBackend,
  USERS,
} from '../__testUtils__/contractsBackend';
import { loadExampleEntities } from '../__testUtils__/exampleCatalog';
import { giveMockUsersAnActor } from '../__testUtils__/mockUserActor';
import {
  describeWithPrometheus,
  type RunningFixture,
  startPrometheusFixture,
} from './__testUtils__/prometheusFixture';

jest.setTimeout(120_000);
const TASK = 'contracts-runtime-verification';
giveMockUsersAnActor();

async function eventually<T>(
  fn: () => Promise<T>,
  ok: (t: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > end) return value;
    await new Promise(r => setTimeout(r, 250));
  }
}

describeWithPrometheus(
  'the contracts backend with contracts.runtime.prometheus (real Prometheus, the example catalog)',
  () => {
    let fixture: RunningFixture;
    beforeAll(async () => {
      fixture = await startPrometheusFixture({
        jobs: {
          // risk served at p95 = 4 s: the essay's 3200ms has drifted
          risk: { routes: { '/score': 4.0 } },
          checkout: { routes: { '/checkout': 0.3 } },
          orders: { gauges: { pg_replication_lag_seconds: 45 } },
        },
      });
    });
    afterAll(async () => {
      await fixture?.stop();
    });

    it('measures the bound promises once per interval and serves them beside the declared values, with the drift', async () => {
      // the scheduler runs the task when the test says (one run = one replica's turn)
      const scheduler = mockServices.scheduler();
      const verify = () => scheduler.triggerTask(TASK);
      const { server } = await startContractsBackend({
        features: [
          createServiceFactory({
            service: coreServices.scheduler,
            deps: {},
            factory: () => scheduler,
          }),
        ],
        entities: await loadExampleEntities(),
        contracts: {
          runtime: {
            prometheus: {
              url: fixture.prometheus,
              window: '1m',
              step: '4s',
              interval: '2s',
            },
          },
        },
      });
      expect((await scheduler.getScheduledTasks()).map(t => t.id)).toContain(
        TASK,
      );
      expect(
        (await scheduler.getScheduledTasks()).find(t => t.id === TASK)?.scope,
      ).toBe('global');
      await verify();
      const risk = await eventually(
        () =>
          request(server)
            .get('/api/contracts/entities/component/default/risk')
            .set(as(USERS.GUEST)),
        r =>
          Boolean(
            r.body.contracts?.observed &&
              r.body.findings?.some((f: Finding) => f.rule === 'promise-drift'),
          ),
      );
      expect(risk.status).toBe(200);
      const observed = risk.body.contracts.observed as Observation[];
      const p95 = observed.find(o => o.percentile === 95)!;
      expect(p95).toMatchObject({
        kind: 'latency',
        subject: 'scoreTransaction',
        status: 'ok',
        window: '1m',
        source: fixture.prometheus,
      });
      expect(p95.value).toBeCloseTo(4000, 0);
      expect(p95.series!.length).toBeGreaterThan(0);
      // the declared value stays what it was
      expect(risk.body.contracts.operations[0].current).toEqual([
        { percentile: 50, ms: 2800 },
        { percentile: 95, ms: 3200 },
      ]);
      const findings = risk.body.findings as Finding[];
      const drift = findings.find(
        f => f.rule === 'promise-drift' && f.severity === 'warning',
      )!;
      expect(drift.message).toContain(
        'risk promises p95 3200ms; Prometheus measured 4000ms over 1 min',
      );
      const budget = findings.find(f => f.rule === 'latency-budget')!;
      expect(budget.message).toContain(
        'risk observed: p95 = 4000ms over 1 min (Prometheus; declared 3200ms)',
      );
      // orders' replica lags 45 s: within its 60s max, no drift
      const orders = await request(server)
        .get('/api/contracts/entities/component/default/orders')
        .set(as(USERS.GUEST));
      expect(
        (orders.body.contracts.observed as Observation[])[0],
      ).toMatchObject({ kind: 'freshness', status: 'ok', value: 45_000 });
      expect(
        (orders.body.findings as Finding[]).filter(
          f => f.rule === 'promise-drift',
        ),
      ).toEqual([]);

      // Prometheus goes down: the next runs keep the last good value, marked failing; no 5xx
      await fixture.killPrometheus();
      await verify();
      const after = await eventually(
        () =>
          request(server)
            .get('/api/contracts/entities/component/default/risk')
            .set(as(USERS.GUEST)),
        r =>
          (r.body.contracts?.observed as Observation[] | undefined)?.some(
            o => o.percentile === 95 && o.status === 'failing',
          ) ?? false,
      );
      expect(after.status).toBe(200);
      const kept = (after.body.contracts.observed as Observation[]).find(
        o => o.percentile === 95,
      )!;
      expect(kept).toMatchObject({
        status: 'failing',
        value: p95.value,
        measuredAt: p95.measuredAt,
      });
      expect(kept.error).toMatch(/unreachable/);
      const list = await request(server)
        .get('/api/contracts/findings')
        .set(as(USERS.GUEST));
      expect(list.status).toBe(200);
    });
  },
);

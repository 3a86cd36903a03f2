import { mockServices } from '@backstage/backend-test-utils';
import {
  analyze,
  type EntityContract,
  type EntitySummary,
  measure,
  parseEntityContract,
  planMeasurements,
} from '@backstage-contracts/plugin-contracts-common';
import net from 'node:net';
import { sqliteAndPostgres } from '../__testUtils__/testDatabases';
import type { PrometheusRuntimeConfig } from './config';
import { DatabaseObservationsStore } from './DatabaseObservationsStore';
import { RuntimeVerifier } from './RuntimeVerifier';
import {
  describeWithPrometheus,
  type RunningFixture,
  startPrometheusFixture,
} from './__testUtils__/prometheusFixture';

jest.setTimeout(120_000);

const RISK = `provides:
  - operation: scoreTransaction
    latency:
      current: p50=1800ms, p95=3200ms
      metric: { route: /score }
  - operation: explain
    latency: { current: p95=900ms, metric: { route: /explain } }
  - operation: missing
    latency: { current: p95=100ms, metric: { route: /missing } }
  - operation: broken
    latency:
      current: p95=100ms
      metric: 'histogram_quantile($quantile, sum by (le) (rate(foo[$window]))'
  - dataset: user_purchases
    freshness: { max: 8s, metric: replica_lag_seconds }
`;
const PAYMENTS = `provides:
  - operation: pay
    latency:
      current: p95=200ms
      metric: 'histogram_quantile($quantile, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket{job="payments"}[$window])))'
`;
// 3 of every 100 requests to /orders answer 500: 97 % available
const STOREFRONT = `availability: { promise: 99.5%, metric: opentelemetry }
provides:
  - operation: placeOrder
    availability: { promise: 95%, metric: { route: /orders } }
`;
const CHECKOUT = `depends_on:
  - service: risk
    operation: scoreTransaction
    latency_budget: { acceptable: p95 < 3500ms }
data_dependencies:
  - source: risk
    dataset: user_purchases
    freshness_required: <10s
`;

function contractOf(name: string, yaml: string): EntityContract {
  const parsed = parseEntityContract(`component:default/${name}`, [
    { file: 'contracts/c.yaml', text: yaml },
  ]);
  expect(parsed.problems).toEqual([]);
  return parsed.contract;
}
const summary = (name: string): EntitySummary => ({
  ref: `component:default/${name}`,
  kind: 'component',
  namespace: 'default',
  name,
  dependsOn: [],
  dependencyOf: [],
});

const contracts = () => [
  contractOf('risk', RISK),
  contractOf('payments', PAYMENTS),
  contractOf('checkout', CHECKOUT),
  contractOf('storefront', STOREFRONT),
];

function runtimeConfig(url: string): PrometheusRuntimeConfig {
  return {
    endpoints: [{ url, timeoutMs: 5000 }],
    intervalMs: 60_000,
    // a short window and step: the fixture's Prometheus holds seconds of data
    settings: {
      windowMs: 60_000,
      stepMs: 4000,
      tolerance: 0.1,
      opentelemetry: {
        metric: 'http_server_request_duration_seconds',
        serviceLabel: 'job',
        routeLabel: 'http_route',
        statusLabel: 'http_response_status_code',
      },
    },
  };
}

const databases = sqliteAndPostgres();

describeWithPrometheus('runtime verification against a real Prometheus', () => {
  let fixture: RunningFixture;

  beforeAll(async () => {
    fixture = await startPrometheusFixture({
      jobs: {
        risk: {
          routes: { '/score': 4.0, '/explain': 0.9 },
          gauges: { replica_lag_seconds: 12 },
        },
        payments: { routes: { '/a': 0.1, '/b': 0.2 } },
        storefront: { routes: { '/orders': 0.2 }, errors: { '/orders': 3 } },
      },
    });
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  it.each(databases.eachSupportedId())(
    'measures every bound promise, stores it, and the rules find the drift and the need at risk, %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const store = await DatabaseObservationsStore.create({
        database: mockServices.database({ knex }),
      });
      const verifier = new RuntimeVerifier({
        store,
        config: runtimeConfig(fixture.prometheus),
        logger: mockServices.logger.mock(),
      });
      const observed = await verifier.run(contracts());
      const risk = observed.get('component:default/risk')!;
      const at = (subject: string, percentile?: number) =>
        risk.find(o => o.subject === subject && o.percentile === percentile);

      // the known latencies: p95 of /score is 4 s, /explain 0.9 s; /score's p50 interpolates
      // to 1.8 s in the buckets the fixture's histogram has (…, 1.8, 3.2, 4, …)
      expect(at('scoreTransaction', 95)).toMatchObject({ status: 'ok' });
      expect(at('scoreTransaction', 95)!.value).toBeCloseTo(4000, 0);
      expect(at('scoreTransaction', 50)!.value).toBeCloseTo(1800, 0);
      // checkout's budget names p95 only: no other percentile is measured
      expect(risk.filter(o => o.subject === 'scoreTransaction')).toHaveLength(
        2,
      );
      expect(at('explain', 95)!.value).toBeCloseTo(900, 0);
      expect(at('scoreTransaction', 95)!.query).toBe(
        'histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket{job="risk",http_route="/score"}[1m])))',
      );
      // the sparkline: p95 per step (rates over the step), 4 s wherever there is data
      const series = at('scoreTransaction', 95)!.series!;
      expect(series.length).toBeGreaterThan(0);
      for (const [, ms] of series) expect(ms).toBeCloseTo(4000, 0);
      // the gauge's worst value over the window
      expect(at('user_purchases')).toMatchObject({
        status: 'ok',
        value: 12_000,
      });
      // nothing returned
      expect(at('missing', 95)).toMatchObject({ status: 'no-data' });
      expect(at('missing', 95)!.value).toBeUndefined();
      // a query error, Prometheus' message with it
      expect(at('broken', 95)).toMatchObject({ status: 'failing' });
      expect(at('broken', 95)!.error).toMatch(
        /rejected the query \(400 bad_data\).*parse error/,
      );
      // several series
      const pay = observed.get('component:default/payments')![0];
      expect(pay).toMatchObject({ status: 'several-series' });
      expect(pay.error).toMatch(
        /returned 2 series \(\{http_route="\/a"\}, \{http_route="\/b"\}\)/,
      );

      // the availability: the share of requests not answered 5xx, 97 of 100, in percent
      const storefront = observed.get('component:default/storefront')!;
      expect(storefront.map(o => [o.kind, o.subject, o.status])).toEqual([
        ['availability', '*', 'ok'],
        ['availability', 'placeOrder', 'ok'],
      ]);
      for (const o of storefront) expect(o.value).toBeCloseTo(97, 6);
      expect(storefront[1].query).toBe(
        'sum(rate(http_server_request_duration_seconds_count{job="storefront",http_route="/orders",http_response_status_code!~"5.."}[1m])) / sum(rate(http_server_request_duration_seconds_count{job="storefront",http_route="/orders"}[1m]))',
      );

      // stored, and read back alike
      expect(await store.all()).toEqual(observed);

      // the rules, with the observations as an input beside the declared values
      const withObserved = contracts().map(c => ({
        ...c,
        observed: observed.get(c.entityRef),
      }));
      const findings = analyze({
        entities: ['risk', 'payments', 'checkout', 'storefront'].map(summary),
        contracts: withObserved,
      }).findings.filter(f =>
        ['promise-drift', 'need-at-risk'].includes(f.rule),
      );
      expect(findings.map(f => [f.rule, f.consumer, f.subject]).sort()).toEqual(
        [
          ['need-at-risk', 'component:default/checkout', 'scoreTransaction'],
          ['need-at-risk', 'component:default/checkout', 'user_purchases'],
          [
            'promise-drift',
            'component:default/risk',
            'scoreTransaction (p95 latency)',
          ],
          [
            'promise-drift',
            'component:default/risk',
            'user_purchases (freshness)',
          ],
          [
            'promise-drift',
            'component:default/storefront',
            'storefront (availability)',
          ],
        ],
      );
      expect(
        findings.find(f => f.subject === 'storefront (availability)')!.message,
      ).toContain(
        'storefront promises 99.5%; Prometheus measured 97% over 1 min',
      );
      const drift = findings.find(
        f => f.subject === 'scoreTransaction (p95 latency)',
      )!;
      expect(drift.message).toContain(
        'risk promises p95 3200ms; Prometheus measured 4000ms over 1 min',
      );
      const need = findings.find(
        f => f.rule === 'need-at-risk' && f.subject === 'scoreTransaction',
      )!;
      expect(need.actual).toBe(
        'p95 = 4000ms (observed over 1m; declared 3200ms)',
      );
      expect(need.message).toContain(`(${fixture.prometheus}, 1 min window)`);
      // no finding where the measurement matches (explain), none from failing queries
      expect(
        findings.some(f => /explain|missing|broken|pay/.test(f.subject)),
      ).toBe(false);
      await knex.destroy();
    },
  );

  it('keeps the last good value with its time when Prometheus goes down mid-run', async () => {
    const own = await startPrometheusFixture({
      jobs: { risk: { routes: { '/score': 4.0 } } },
    });
    try {
      const knex = await databases.init('SQLITE_3');
      const store = await DatabaseObservationsStore.create({
        database: mockServices.database({ knex }),
      });
      const verifier = new RuntimeVerifier({
        store,
        config: runtimeConfig(own.prometheus),
        logger: mockServices.logger.mock(),
      });
      const only = [
        contractOf('risk', RISK.split('  - operation: explain')[0]),
      ];
      const first = (await verifier.run(only)).get('component:default/risk')!;
      const good = first.find(o => o.percentile === 95)!;
      expect(good).toMatchObject({ status: 'ok' });

      await own.killPrometheus();
      const later = new Date(Date.now() + 60_000);
      const second = (await verifier.run(only, { now: later })).get(
        'component:default/risk',
      )!;
      const kept = second.find(o => o.percentile === 95)!;
      expect(kept).toMatchObject({
        status: 'failing',
        value: good.value,
        measuredAt: good.measuredAt,
        checkedAt: later.toISOString(),
      });
      // refused, or reset when the kill lands during a query
      expect(kept.error).toMatch(/is unreachable: ECONN(REFUSED|RESET)/);
      // stale three intervals (60 s here) after the run, unless another run replaces it
      expect(kept.staleAfter).toBe(
        new Date(later.getTime() + 180_000).toISOString(),
      );
      expect(kept.series).toEqual(good.series);
      // the store holds the failing status beside the last good value
      const stored = (await store.all()).get('component:default/risk')!;
      expect(stored.find(o => o.percentile === 95)).toEqual(kept);
      await knex.destroy();
    } finally {
      await own.stop();
    }
  });
});

describeWithPrometheus('measure, a long window at a short step', () => {
  it('gives the value, and a sparkline of at most 250 points ending now (Prometheus refuses over 11,000)', async () => {
    const own = await startPrometheusFixture({
      jobs: { risk: { routes: { '/score': 4.0 } } },
    });
    try {
      const [m] = planMeasurements([contractOf('risk', RISK)], {
        ...runtimeConfig(own.prometheus).settings,
        windowMs: 7 * 86_400_000,
        stepMs: 5000,
      }).filter(x => x.percentile === 95);
      const o = await measure(
        m,
        { url: own.prometheus },
        { windowMs: 7 * 86_400_000, stepMs: 5000 },
      );
      expect(o).toMatchObject({ status: 'ok', window: '7d' });
      expect(o.value).toBeCloseTo(4000, 0);
      expect(o.series!.length).toBeGreaterThan(0);
      expect(o.series!.length).toBeLessThanOrEqual(251);
    } finally {
      await own.stop();
    }
  });
});

describe('measure, Prometheus too slow', () => {
  it('gives up after the timeout, with a failing status that says so', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer(s => sockets.push(s)); // accepts, never answers
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const [m] = planMeasurements([contractOf('risk', RISK)]);
      const started = Date.now();
      const o = await measure(
        m,
        { url: `http://127.0.0.1:${port}`, timeoutMs: 300 },
        { windowMs: 60_000, stepMs: 1000 },
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(o).toMatchObject({ status: 'failing' });
      expect(o.error).toBe(
        `Prometheus at http://127.0.0.1:${port} did not answer within 300 ms`,
      );
      expect(o.value).toBeUndefined();
    } finally {
      sockets.forEach(s => s.destroy());
      server.close();
    }
  });
});

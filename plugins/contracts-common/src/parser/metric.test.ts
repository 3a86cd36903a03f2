import type { ContractSource } from '../types';
import {
  parseEntityContract,
  parseEntityContractOnPath,
} from './parseEntityContract';

const RISK = 'component:default/risk';

function sources(...texts: string[]): ContractSource[] {
  return texts.map((text, i) => ({ file: `contracts/${i}.yaml`, text }));
}

const BOUND = `service: risk
provides:
  - operation: scoreTransaction
    latency:
      current: p50=2800ms, p95=3200ms
      metric: { route: /score }
  - operation: explain
    latency:
      current: p95=900ms
      metric: opentelemetry
  - operation: batch
    latency:
      metric:
        histogram: 'risk_batch_seconds{job="risk"}'
  - operation: raw
    latency:
      metric: 'histogram_quantile($quantile, sum by (le) (rate(raw_ms_bucket[$window])))'
  - operation: recorded
    latency:
      metric: { query: 'risk:p95_ms', percentile: p95, unit: ms }
  - dataset: user_purchases
    via: database_replica
    freshness:
      typical: 15-30s
      max: 60s
      metric: 'pg_replication_lag_seconds{instance="orders-replica"}'
`;

describe('metric bindings', () => {
  it('reads latency.metric and freshness.metric on both parser paths', () => {
    for (const path of ['fast', 'full'] as const) {
      const parsed = parseEntityContractOnPath(path, RISK, sources(BOUND));
      expect(parsed?.problems).toEqual([]);
      const c = parsed!.contract;
      const ops = Object.fromEntries(c.operations.map(o => [o.name, o]));
      expect(ops.scoreTransaction.latencyMetric).toMatchObject({
        kind: 'opentelemetry',
        route: '/score',
        loc: {
          file: 'contracts/0.yaml',
          line: 6,
          path: 'provides[0].latency.metric',
        },
      });
      expect(ops.scoreTransaction.current).toHaveLength(2);
      expect(ops.explain.latencyMetric).toMatchObject({
        kind: 'opentelemetry',
      });
      expect(ops.explain.latencyMetric?.route).toBeUndefined();
      expect(ops.batch.latencyMetric).toMatchObject({
        kind: 'histogram',
        histogram: 'risk_batch_seconds{job="risk"}',
      });
      expect(ops.raw.latencyMetric).toMatchObject({ kind: 'query' });
      expect(ops.recorded.latencyMetric).toMatchObject({
        kind: 'query',
        query: 'risk:p95_ms',
        percentile: 95,
        unit: 'ms',
      });
      expect(c.datasets[0].freshness).toMatchObject({
        typicalMinMs: 15000,
        maxMs: 60000,
      });
      expect(c.datasets[0].freshnessMetric).toMatchObject({
        kind: 'query',
        query: 'pg_replication_lag_seconds{instance="orders-replica"}',
      });
    }
  });

  it('reports a faulty binding where it is written and keeps the rest of the contract', () => {
    const parsed = parseEntityContract(
      RISK,
      sources(`provides:
  - operation: a
    latency:
      current: p95=100ms
      metric: 'rate(x[5m])'
  - operation: b
    latency:
      metric: { query: 'q{$quantile}', histogram: h }
  - operation: c
    latency:
      metric: { route: /c, unit: minutes }
  - operation: d
    latency:
      metric: { rout: /d }
  - dataset: e
    freshness: { max: 60s, metric: opentelemetry }
  - dataset: f
    freshness: { max: 60s, metric: { histogram: h } }
`),
    );
    const byPath = Object.fromEntries(
      parsed.problems.map(p => [p.path, `${p.line}:${p.column} ${p.message}`]),
    );
    expect(byPath['provides[0].latency.metric']).toMatch(/^5:\d+ .*\$quantile/);
    expect(byPath['provides[1].latency.metric']).toMatch(
      /`query` and `histogram` together/,
    );
    expect(byPath['provides[2].latency.metric.unit']).toMatch(/s.*ms/);
    expect(byPath['provides[3].latency.metric.rout']).toMatch(
      /did you mean `route`/,
    );
    expect(byPath['provides[4].freshness.metric']).toMatch(
      /OpenTelemetry has no convention/,
    );
    expect(
      Object.keys(byPath).some(k =>
        k.startsWith('provides[5].freshness.metric'),
      ),
    ).toBe(true);
    // the declared values stay
    expect(parsed.contract.operations.map(o => o.name)).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(parsed.contract.operations[0].current).toEqual([
      { percentile: 95, ms: 100 },
    ]);
    expect(parsed.contract.datasets.map(d => d.freshness?.maxMs)).toEqual([
      60000, 60000,
    ]);
  });

  it('two documents binding one operation differently is a contradiction', () => {
    const parsed = parseEntityContract(
      RISK,
      sources(
        `provides:\n  - operation: a\n    latency: { metric: opentelemetry }\n`,
        `provides:\n  - operation: a\n    latency: { metric: { route: /a } }\n`,
      ),
    );
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatchObject({ file: 'contracts/1.yaml' });
    expect(parsed.problems[0].message).toMatch(/latency\.metric/);
  });
});

describe('availability bindings', () => {
  const BOUND_AVAILABILITY = `availability: { promise: 99.95%, metric: opentelemetry }
provides:
  - operation: placeOrder
    availability:
      promise: 99.9%
      metric: { route: /orders, service: storefront-api }
  - operation: refund
    availability:
      promise: 99.5
      metric:
        query: 'sum(rate(ok_total[$window])) / sum(rate(all_total[$window]))'
        unit: ratio
  - operation: browse
    availability: 99%
`;

  it('reads the plain form and { promise, metric } on both parser paths', () => {
    for (const path of ['fast', 'full'] as const) {
      const parsed = parseEntityContractOnPath(
        path,
        'component:default/storefront',
        sources(BOUND_AVAILABILITY),
      );
      expect(parsed?.problems).toEqual([]);
      const c = parsed!.contract;
      expect(c.availability).toMatchObject({
        percent: 99.95,
        raw: '99.95%',
        metric: { kind: 'opentelemetry', loc: { path: 'availability.metric' } },
        loc: { line: 1, path: 'availability' },
      });
      const ops = Object.fromEntries(c.operations.map(o => [o.name, o]));
      expect(ops.placeOrder.availability).toMatchObject({
        percent: 99.9,
        metric: {
          kind: 'opentelemetry',
          route: '/orders',
          service: 'storefront-api',
        },
      });
      expect(ops.refund.availability).toMatchObject({
        percent: 99.5,
        metric: { kind: 'query', unit: 'ratio' },
      });
      expect(ops.browse.availability).toMatchObject({ percent: 99 });
      expect(ops.browse.availability?.metric).toBeUndefined();
    }
  });

  it('reports faulty availability bindings where they are written', () => {
    const parsed = parseEntityContract(
      'component:default/storefront',
      sources(`availability: { metric: opentelemetry }
provides:
  - operation: a
    availability: { promise: 120%, metric: opentelemetry }
  - operation: b
    availability: { promise: 99.9%, metric: 'sum(rate(ok_total[5m]))' }
  - operation: c
    availability: { promise: 99.9%, metric: { route: /c, unit: ms } }
  - operation: d
    availability: { promise: 99.9%, metric: { query: 'x[$window]', route: /d } }
  - operation: e
    availability: { promise: 99.9%, metrics: opentelemetry }
`),
    );
    const byPath = Object.fromEntries(
      parsed.problems.map(p => [p.path, `${p.line}:${p.column} ${p.message}`]),
    );
    expect(byPath.availability).toMatch(/^1:\d+ expected `promise`/);
    expect(byPath['provides[0].availability.promise']).toMatch(
      /^4:\d+ .*at most 100/,
    );
    expect(byPath['provides[1].availability.metric']).toMatch(
      /^6:\d+ .*must use `\$window`/,
    );
    expect(byPath['provides[2].availability.metric.unit']).toMatch(
      /^8:\d+ unknown unit `ms`: expected `ratio`/,
    );
    expect(byPath['provides[3].availability.metric']).toMatch(
      /`query` and the OpenTelemetry/,
    );
    expect(byPath['provides[4].availability.metrics']).toMatch(
      /did you mean `metric`/,
    );
    // the rest of the contract stays
    expect(parsed.contract.operations.map(o => o.name)).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
    ]);
    expect(parsed.contract.operations[4].availability?.percent).toBe(99.9);
  });
});

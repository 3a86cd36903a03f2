import { parseEntityContract } from '@backstage-contracts/plugin-contracts-common';
import type { EntityContract } from '@backstage-contracts/plugin-contracts-common';
import {
  axis,
  freshnessWaterfall,
  latencyWaterfall,
  promiseWaterfall,
  waterfallCalls,
  waterfallRefs,
} from './waterfall';

function contract(name: string, text: string): EntityContract {
  const ref = `component:default/${name}`;
  const parsed = parseEntityContract(ref, [{ file: `${name}.yaml`, text }]);
  expect(parsed.problems).toEqual([]);
  return parsed.contract;
}

function lookupOf(...contracts: EntityContract[]) {
  return (ref: string) =>
    contracts.find(c => c.entityRef.toLowerCase() === ref.toLowerCase());
}

// the essay's contracts, as in examples/
const checkout = contract(
  'checkout',
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
retry_policies:
  - target: risk.scoreTransaction
    on_timeout:
      generates_new_request_id: true
`,
);
const risk = contract(
  'risk',
  `service: risk
provides:
  - operation: scoreTransaction
    latency:
      current: p50=2800ms, p95=3200ms
      target: p50=80ms, p95=150ms (requires caching)
`,
);

describe('latencyWaterfall', () => {
  it('draws checkout → risk: 3200 ms at p95 against the 200 ms budget, the 500 ms timeout twice', () => {
    const w = latencyWaterfall(
      checkout,
      { ref: 'component:default/risk', operation: 'scoreTransaction' },
      lookupOf(checkout, risk),
    );
    expect(w.percentile).toBe(95);
    expect(w.budget).toMatchObject({
      ms: 200,
      percentile: 95,
      level: 'acceptable',
    });
    expect(w.hops).toHaveLength(1);
    const [hop] = w.hops;
    expect(hop).toMatchObject({
      caller: 'component:default/checkout',
      ref: 'component:default/risk',
      subject: 'scoreTransaction',
      startMs: 0,
      endMs: 3200,
      latency: { ms: 3200, percentile: 95, exact: true, basis: 'current' },
      timeoutMs: 500,
      // the retry policy makes a second attempt although depends_on says `retry: none`
      attempts: 2,
      retryWorstMs: 1000,
      requests: 2,
      overBudget: true,
      critical: true,
    });
    expect(hop.tail).toBeUndefined();
    expect(w.totalMs).toBe(3200);
    expect(w.scaleMs).toBeGreaterThanOrEqual(3200);
    expect(w.ticks[0]).toBe(0);
    expect(w.ticks[w.ticks.length - 1]).toBe(w.scaleMs);
  });

  it('walks a chain: serial calls one after another, the slowest declared hop critical, attempts multiplied', () => {
    const gateway = contract(
      'gateway',
      `service: gateway
depends_on:
  - service: api
    operation: handle
    latency_budget: { acceptable: p95 < 1s }
    timeout: 2s
    retry: 3
`,
    );
    const api = contract(
      'api',
      `service: api
depends_on:
  - service: auth
    operation: check
    timeout: 100ms
  - service: db
    operation: query
    retry: { max_attempts: 4, per_try_timeout: 300ms }
`,
    );
    const auth = contract(
      'auth',
      `service: auth
provides:
  - operation: check
    latency:
      current: p95=40ms, p99=90ms
`,
    );
    const db = contract(
      'db',
      `service: db
provides:
  - operation: query
    latency:
      current: p50=200ms, p99=1200ms
`,
    );
    const w = latencyWaterfall(
      gateway,
      { ref: 'component:default/api', operation: 'handle' },
      lookupOf(gateway, api, auth, db),
    );
    expect(
      w.hops.map(h => [h.ref.split('/')[1], h.depth, h.startMs, h.endMs]),
    ).toEqual([
      ['api', 0, 0, 240],
      ['auth', 1, 0, 40],
      ['db', 1, 40, 240],
    ]);
    const [apiHop, authHop, dbHop] = w.hops;
    // api declares nothing: it spans its calls, and is no candidate for the critical hop
    expect(apiHop.latency).toEqual({
      ms: 240,
      percentile: 95,
      exact: false,
      basis: 'derived',
    });
    expect(apiHop).toMatchObject({
      attempts: 3,
      requests: 3,
      timeoutMs: 2000,
      retryWorstMs: 6000,
    });
    expect(authHop).toMatchObject({
      tail: { percentile: 99, ms: 90 },
      requests: 3,
      critical: false,
    });
    // db declares p50 and p99: p95 is at least its p50 (a lower bound), its p99 the whisker
    expect(dbHop.latency).toEqual({
      ms: 200,
      percentile: 50,
      exact: false,
      basis: 'current',
    });
    expect(dbHop).toMatchObject({
      tail: { percentile: 99, ms: 1200 },
      attempts: 4,
      timeoutMs: 300,
      retryWorstMs: 1200,
      requests: 12,
      critical: true,
    });
    expect(w.hops.every(h => !h.overBudget)).toBe(true);
    expect(w.totalMs).toBe(240);
    // the axis holds the retries' worst case
    expect(w.scaleMs).toBeGreaterThanOrEqual(6000);
  });

  it('stops on cycles and marks a provider without a contract as unknown', () => {
    const a = contract(
      'a',
      `service: a
depends_on:
  - service: b
    operation: x
    latency_budget: { p95: 300ms }
  - service: ghost
    operation: y
`,
    );
    const b = contract(
      'b',
      `service: b
depends_on:
  - service: a
    operation: z
`,
    );
    const lookup = lookupOf(a, b);
    const w = latencyWaterfall(
      a,
      { ref: 'component:default/b', operation: 'x' },
      lookup,
    );
    expect(w.budget).toMatchObject({ ms: 300, level: 'budget' });
    // b calls a, which calls b again: a's rows stop where the path comes back
    expect(w.hops.length).toBeLessThan(10);
    expect(w.hops.every(h => !h.critical)).toBe(true);
    const ghost = latencyWaterfall(
      a,
      { ref: 'component:default/ghost', operation: 'y' },
      lookup,
    );
    expect(ghost.hops).toHaveLength(1);
    expect(ghost.hops[0].latency).toBeUndefined();
    expect(ghost.budget).toBeUndefined();
    expect(ghost.totalMs).toBe(0);
    expect(waterfallCalls(a).map(c => c.operation)).toEqual(['x', 'y']);
    expect(waterfallRefs(a, lookup)).toEqual([
      'component:default/b',
      'component:default/ghost',
    ]);
  });

  it('draws a promise against its serial calls (latency-path): each call after the last', () => {
    const front = contract(
      'front',
      `service: front
provides:
  - operation: page
    latency:
      current: p95=300ms
depends_on:
  - service: risk
    operation: scoreTransaction
  - service: auth
    operation: check
`,
    );
    const auth = contract(
      'auth',
      `service: auth
provides:
  - operation: check
    latency:
      current: p95=50ms
`,
    );
    const w = promiseWaterfall(front, 'page', lookupOf(front, risk, auth));
    expect(w.budget).toEqual({
      ms: 300,
      percentile: 95,
      level: 'promise',
      raw: 'p95 = 300ms',
    });
    expect(
      w.hops.map(h => [
        h.subject,
        h.startMs,
        h.endMs,
        h.critical,
        h.overBudget,
      ]),
    ).toEqual([
      ['scoreTransaction', 0, 3200, true, true],
      ['check', 3200, 3250, false, true],
    ]);
    expect(w.totalMs).toBe(3250);
  });

  it('says which call it cannot draw', () => {
    expect(() =>
      latencyWaterfall(
        checkout,
        { ref: 'component:default/nobody', operation: 'x' },
        lookupOf(),
      ),
    ).toThrow(/makes no call to component:default\/nobody/);
  });
});

describe('freshnessWaterfall', () => {
  it("draws risk's need of user_purchases < 10 s against the replica's 15-30 s, 60 s max", () => {
    const orders = contract(
      'orders',
      `service: orders
provides:
  - dataset: user_purchases
    via: database_replica
    freshness: 15-30s typical, 60s max
`,
    );
    const w = freshnessWaterfall(
      'component:default/risk',
      { freshnessRequiredMs: 10_000, freshnessRaw: '<10s' },
      'component:default/orders',
      'user_purchases',
      lookupOf(orders),
    );
    expect(w.hops).toEqual([
      {
        ref: 'component:default/orders',
        dataset: 'user_purchases',
        depth: 0,
        typicalMinMs: 15_000,
        typicalMaxMs: 30_000,
        maxMs: 60_000,
        raw: '15-30s typical, 60s max',
        fresherThanSource: false,
        overNeed: true,
        critical: true,
      },
    ]);
    expect(w.scaleMs).toBeGreaterThanOrEqual(60_000);
  });

  it('accumulates staleness along derived datasets, upstream first, and flags a promise fresher than its source', () => {
    const lake = contract(
      'lake',
      `service: lake
provides:
  - dataset: events
    freshness: 5s max
`,
    );
    const mart = contract(
      'mart',
      `service: mart
provides:
  - dataset: daily
    freshness: 3s max
    derived_from:
      - source: lake
        dataset: events
`,
    );
    const w = freshnessWaterfall(
      'component:default/report',
      { freshnessRequiredMs: 4_000, freshnessRaw: '<4s' },
      'component:default/mart',
      'daily',
      lookupOf(lake, mart),
    );
    expect(
      w.hops.map(h => [
        h.dataset,
        h.maxMs,
        h.addsMs,
        h.fresherThanSource,
        h.overNeed,
        h.critical,
      ]),
    ).toEqual([
      ['events', 5000, undefined, false, true, true],
      ['daily', 3000, -2000, true, false, false],
    ]);
  });
});

describe('axis', () => {
  it('ends on a round number above the largest value', () => {
    expect(axis(3200)).toEqual({
      scaleMs: 4000,
      ticks: [0, 1000, 2000, 3000, 4000],
    });
    expect(axis(60_000)).toEqual({
      scaleMs: 80_000,
      ticks: [0, 20_000, 40_000, 60_000, 80_000],
    });
    expect(axis(0).scaleMs).toBeGreaterThan(0);
  });
});

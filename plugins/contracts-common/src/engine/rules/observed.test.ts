import { parseEntityContract } from '../../parser';
import type { EntityContract, Observation } from '../../types';
import { analyze } from '../engine';
import { entity } from '../testUtils';

function parse(name: string, yaml: string): EntityContract {
  const parsed = parseEntityContract(`component:default/${name}`, [
    { file: 'contracts/c.yaml', text: yaml },
  ]);
  expect(parsed.problems).toEqual([]);
  return parsed.contract;
}

const RISK = `provides:
  - operation: scoreTransaction
    latency:
      current: p50=2800ms, p95=3200ms
      metric: { route: /score }
  - dataset: user_purchases
    freshness: { typical: 2-5s, max: 8s, metric: 'replica_lag_seconds' }
`;
const CHECKOUT = `depends_on:
  - service: risk
    operation: scoreTransaction
    latency_budget: { acceptable: p95 < 4000ms }
data_dependencies:
  - source: risk
    dataset: user_purchases
    freshness_required: <10s
`;

function observation(o: Partial<Observation>): Observation {
  return {
    kind: 'latency',
    subject: 'scoreTransaction',
    percentile: 95,
    status: 'ok',
    value: 3200,
    measuredAt: '2026-12-06T12:00:00.000Z',
    checkedAt: '2026-12-06T12:00:00.000Z',
    window: '7d',
    windowMs: 7 * 86_400_000,
    step: '5m',
    query:
      'histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket{job="risk",http_route="/score"}[7d])))',
    source: 'http://prometheus:9090',
    ...o,
  };
}

function run(observed: Observation[] | undefined, tolerance?: number) {
  const risk = parse('risk', RISK);
  if (observed) risk.observed = observed;
  return analyze({
    entities: [entity('risk'), entity('checkout')],
    contracts: [risk, parse('checkout', CHECKOUT)],
    config: { promiseDriftTolerance: tolerance },
  }).findings.filter(
    f => f.rule === 'promise-drift' || f.rule === 'need-at-risk',
  );
}

describe('promise-drift and need-at-risk', () => {
  it('find nothing without observations, or when the observed values match the declared ones', () => {
    expect(run(undefined)).toEqual([]);
    expect(
      run([
        observation({ value: 3350 }), // within 10 %
        observation({
          kind: 'freshness',
          subject: 'user_purchases',
          percentile: undefined,
          value: 7000,
        }),
      ]),
    ).toEqual([]);
  });

  it('promise-drift: the measured value is worse than declared beyond the tolerance; the finding shows both', () => {
    const findings = run([observation({ value: 3650 })]);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f).toMatchObject({
      rule: 'promise-drift',
      severity: 'warning',
      consumer: 'component:default/risk',
      provider: 'component:default/risk',
      subject: 'scoreTransaction (p95 latency)',
      expected: 'p95 3200ms (declared)',
      actual: 'p95 3650ms (observed over 7d)',
      location: { file: 'contracts/c.yaml', line: 5 },
    });
    expect(f.message).toContain(
      'risk promises p95 3200ms; Prometheus measured 3650ms over 7 d',
    );
    expect(f.message).toContain('http_route="/score"');
    // a tolerance of 20 % lets it pass
    expect(run([observation({ value: 3650 })], 0.2)).toEqual([]);
    // the measurement moving does not change the evidence (a decision stays current)
    expect(run([observation({ value: 3700 })])[0].evidence).toBe(f.evidence);
  });

  it('need-at-risk: the budget holds against the declared latency, not against the measured one', () => {
    const findings = run([observation({ value: 4100 })]);
    const need = findings.find(f => f.rule === 'need-at-risk')!;
    expect(need).toMatchObject({
      severity: 'error',
      consumer: 'component:default/checkout',
      provider: 'component:default/risk',
      subject: 'scoreTransaction',
      expected: 'p95 < 4s',
      actual: 'p95 = 4100ms (observed over 7d; declared 3200ms)',
    });
    expect(need.message).toContain('checkout expects: p95 < 4s');
    expect(need.message).toContain(
      'risk promises p95 3200ms; Prometheus measured 4100ms over 7 d',
    );
    expect(need.message).toMatch(/Measurement: histogram_quantile\(0\.95/);
    expect(findings.map(f => f.rule).sort()).toEqual([
      'need-at-risk',
      'promise-drift',
    ]);
  });

  it('need-at-risk on freshness: the declared 8 s max holds for a need of <10s, the measured 12 s does not', () => {
    const findings = run([
      observation({
        kind: 'freshness',
        subject: 'user_purchases',
        percentile: undefined,
        value: 12_000,
      }),
    ]);
    const need = findings.find(f => f.rule === 'need-at-risk')!;
    expect(need).toMatchObject({
      subject: 'user_purchases',
      expected: '<10s',
      actual: 'age 12s (observed over 7d; declared 8s max)',
    });
    expect(findings.find(f => f.rule === 'promise-drift')?.subject).toBe(
      'user_purchases (freshness)',
    );
  });

  it('a failing query keeps its last good value: findings say since when it fails, none is invented without a value', () => {
    const failing = run([
      observation({
        value: 4100,
        status: 'failing',
        error:
          'Prometheus at http://prometheus:9090 is unreachable: ECONNREFUSED',
        checkedAt: '2026-12-06T13:00:00.000Z',
      }),
    ]);
    expect(failing.map(f => f.rule).sort()).toEqual([
      'need-at-risk',
      'promise-drift',
    ]);
    expect(failing[0].message).toContain(
      'Last good measurement at 2026-12-06T12:00:00.000Z; the query is failing since: Prometheus at http://prometheus:9090 is unreachable: ECONNREFUSED',
    );
    expect(
      run([
        observation({
          value: undefined,
          measuredAt: undefined,
          status: 'failing',
          error: 'x',
        }),
        observation({
          value: undefined,
          measuredAt: undefined,
          status: 'no-data',
          percentile: 50,
        }),
      ]),
    ).toEqual([]);
  });

  it("latency-budget's evidence shows the measured value beside the declared one", () => {
    const risk = parse('risk', RISK);
    risk.observed = [observation({ value: 4012 })];
    const checkout = parse(
      'checkout',
      `depends_on:
  - service: risk
    operation: scoreTransaction
    latency_budget: { acceptable: p95 < 200ms }
`,
    );
    const without = analyze({
      entities: [entity('risk'), entity('checkout')],
      contracts: [parse('risk', RISK), checkout],
    }).findings.find(f => f.rule === 'latency-budget')!;
    const budget = analyze({
      entities: [entity('risk'), entity('checkout')],
      contracts: [risk, checkout],
    }).findings.find(f => f.rule === 'latency-budget')!;
    expect(budget.message).toContain('risk provides: p95 = 3200ms (current)');
    expect(budget.message).toContain(
      'risk observed: p95 = 4012ms over 7 d (Prometheus; declared 3200ms)',
    );
    expect(without.message).not.toContain('observed');
    // the declared values decide: same finding, same evidence
    expect(budget.id).toBe(without.id);
    expect(budget.evidence).toBe(without.evidence);
  });

  it('a measured value better than declared beyond the tolerance is info: the callers check an outdated figure', () => {
    const [f] = run([observation({ value: 900 })]);
    expect(f).toMatchObject({
      rule: 'promise-drift',
      severity: 'info',
      title: 'Promise outdated (better than declared)',
    });
  });
});

describe('promise-drift on availability', () => {
  const STOREFRONT = `availability: { promise: 99.95%, metric: opentelemetry }
provides:
  - operation: placeOrder
    availability:
      promise: 99.9%
      metric: { route: /orders }
`;
  const SHOP = `provides:
  - operation: checkout
    availability: 99.99%
depends_on:
  - service: storefront
    operation: placeOrder
    latency_budget: { acceptable: p95 < 4000ms }
`;
  const QUERY =
    'sum(rate(http_server_request_duration_seconds_count{job="storefront",http_response_status_code!~"5.."}[7d])) / sum(rate(http_server_request_duration_seconds_count{job="storefront"}[7d]))';

  function availabilityObservation(
    subject: string,
    value: number,
  ): Observation {
    return observation({
      kind: 'availability',
      subject,
      percentile: undefined,
      value,
      query: QUERY,
    });
  }

  function analyzeStorefront(observed?: Observation[], tolerance?: number) {
    const storefront = parse('storefront', STOREFRONT);
    if (observed) storefront.observed = observed;
    return analyze({
      entities: [entity('storefront'), entity('shop')],
      contracts: [storefront, parse('shop', SHOP)],
      config: { promiseDriftTolerance: tolerance },
    }).findings;
  }

  it('fires when the measured availability is below the promise beyond the tolerance of its error budget', () => {
    const findings = analyzeStorefront([
      availabilityObservation('*', 99.71),
      availabilityObservation('placeOrder', 99.895),
    ]).filter(f => f.rule === 'promise-drift');
    // 99.895 % fails 0.105 %: within 10 % of placeOrder's 0.1 % budget
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f).toMatchObject({
      severity: 'warning',
      provider: 'component:default/storefront',
      subject: 'storefront (availability)',
      expected: 'availability 99.95% (declared)',
      actual: 'availability 99.71% (observed over 7d)',
      location: { file: 'contracts/c.yaml', line: 1 },
    });
    expect(f.message).toContain(
      'storefront promises 99.95%; Prometheus measured 99.71% over 7 d',
    );
    expect(f.message).toContain('http_response_status_code!~"5.."');
  });

  it('an operation below its own promise is named; a measurement above the promise is no finding', () => {
    const findings = analyzeStorefront([
      availabilityObservation('*', 99.99),
      availabilityObservation('placeOrder', 99.5),
    ]).filter(f => f.rule === 'promise-drift');
    expect(findings.map(f => [f.subject, f.severity])).toEqual([
      ['placeOrder (availability)', 'warning'],
    ]);
    expect(findings[0].message).toContain(
      'storefront promises 99.9% for placeOrder; Prometheus measured 99.5% over 7 d',
    );
    expect(findings[0].location).toMatchObject({ line: 6 });
  });

  it('availability-composition keeps composing the declared availabilities, whatever is observed', () => {
    const composition = (observed?: Observation[]) =>
      analyzeStorefront(observed)
        .filter(f => f.rule === 'availability-composition')
        .map(f => [f.subject, f.message]);
    const declared = composition();
    expect(declared.length).toBeGreaterThan(0);
    expect(
      composition([
        availabilityObservation('*', 90),
        availabilityObservation('placeOrder', 90),
      ]),
    ).toEqual(declared);
  });
});

import { bound, contract, dep, findingsOf, op } from '../testUtils';

const rule = 'latency-budget';
const checkout = (budget: ReturnType<typeof bound>[]) =>
  contract('checkout', { dependsOn: [dep('risk', 'score', { budget })] });

describe('latency-budget', () => {
  it('fires when the provider is slower at the budget percentile', () => {
    const [f] = findingsOf(rule, [
      checkout([bound('acceptable', 95, 200)]),
      contract('risk', { operations: [op('score', { 95: 3200 })] }),
    ]);
    expect(f).toMatchObject({
      severity: 'error',
      expected: 'p95 < 200ms',
      actual: 'p95 = 3200ms (current)',
      subject: 'score',
    });
    expect(f.message).toContain(
      'Action: Risk must bring p95 under 200ms before integration',
    );
  });

  it('proves a violation from a lower percentile', () => {
    const [f] = findingsOf(rule, [
      checkout([bound('maximum', 99, 500)]),
      contract('risk', { operations: [op('score', { 50: 800 })] }),
    ]);
    expect(f.actual).toBe('p99 ≥ 800ms (current p50 = 800ms)');
  });

  it('names the most important bound and the others in the impact', () => {
    const [f] = findingsOf(rule, [
      checkout([
        bound('target', 50, 100),
        bound('acceptable', 95, 200),
        bound('maximum', 99, 500),
      ]),
      contract('risk', {
        operations: [
          op('score', { 50: 2800, 95: 3200 }, { 95: 150 }, 'requires caching'),
        ],
      }),
    ]);
    expect(f.expected).toBe('p95 < 200ms');
    expect(f.impact).toContain('maximum p99 < 500ms');
    expect(f.impact).toContain('target p50 < 100ms');
    expect(f.message).toContain(
      'Action: Risk must implement caching before integration, reaching its target p95 = 150ms',
    );
  });

  it('reports a missed target alone as info', () => {
    const [f] = findingsOf(rule, [
      checkout([bound('target', 50, 100), bound('acceptable', 95, 200)]),
      contract('risk', { operations: [op('score', { 50: 120, 95: 180 })] }),
    ]);
    expect(f).toMatchObject({
      severity: 'info',
      title: 'Latency target not met',
    });
  });

  it('bounds an undeclared provider through its own calls', () => {
    const [f] = findingsOf(rule, [
      checkout([bound('acceptable', 95, 200)]),
      contract('risk', { dependsOn: [dep('features', 'get')] }),
      contract('features', { operations: [op('get', { 95: 400 })] }),
    ]);
    expect(f.provider).toBe('component:default/risk');
    expect(f.chain).toEqual([
      'component:default/checkout',
      'component:default/risk',
      'component:default/features',
    ]);
    expect(f.actual).toContain('via risk → features');
  });

  it('terminates on call cycles of undeclared providers', () => {
    expect(
      findingsOf(rule, [
        checkout([bound('acceptable', 95, 200)]),
        contract('risk', { dependsOn: [dep('a', 'x')] }),
        contract('a', { dependsOn: [dep('risk', 'score')] }),
      ]),
    ).toEqual([]);
  });

  it('is silent on consistent contracts', () => {
    expect(
      findingsOf(rule, [
        checkout([
          bound('target', 50, 100),
          bound('acceptable', 95, 200),
          bound('maximum', 99, 500),
        ]),
        contract('risk', {
          operations: [op('score', { 50: 80, 95: 150, 99: 400 })],
        }),
      ]),
    ).toEqual([]);
    // Nothing to compare: no latency declared.
    expect(
      findingsOf(rule, [
        checkout([bound('acceptable', 95, 200)]),
        contract('risk'),
      ]),
    ).toEqual([]);
  });

  it('honours severity overrides and disabling', () => {
    const contracts = [
      checkout([bound('acceptable', 95, 200)]),
      contract('risk', { operations: [op('score', { 95: 3200 })] }),
    ];
    const [f] = findingsOf(rule, contracts, {
      config: { rules: { [rule]: { severity: 'warning' } } },
    });
    expect(f.severity).toBe('warning');
    expect(f.message).toMatch(/^WARNING: Latency contract violation/);
    expect(f.message).toContain('Status: NEEDS_ATTENTION');
    expect(
      findingsOf(rule, contracts, {
        config: { rules: { [rule]: { enabled: false } } },
      }),
    ).toEqual([]);
  });
});

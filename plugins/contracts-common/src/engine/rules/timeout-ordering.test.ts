import { contract, dep, findingsOf, policy } from '../testUtils';

const rule = 'timeout-ordering';

describe('timeout-ordering', () => {
  it('fires when the caller gives up before its callee stops waiting', () => {
    const [f] = findingsOf(rule, [
      contract('checkout', {
        dependsOn: [dep('risk', 'score', { timeoutMs: 500 })],
      }),
      contract('risk', {
        dependsOn: [dep('features', 'get', { timeoutMs: 800 })],
      }),
      contract('features'),
    ]);
    expect(f).toMatchObject({
      severity: 'warning',
      consumer: 'component:default/checkout',
      provider: 'component:default/risk',
      subject: 'score',
      chain: [
        'component:default/checkout',
        'component:default/risk',
        'component:default/features',
      ],
    });
  });

  it('counts the callee’s retries', () => {
    const [f] = findingsOf(rule, [
      contract('checkout', {
        dependsOn: [dep('risk', 'score', { timeoutMs: 1000 })],
      }),
      contract('risk', {
        dependsOn: [dep('features', 'get', { timeoutMs: 400 })],
        retryPolicies: [policy('features.get', { maxAttempts: 3 })],
      }),
      contract('features'),
    ]);
    expect(f.actual).toBe(
      'risk waits up to 1200ms (3 × 400ms on features.get)',
    );
  });

  it('walks through callees without a timeout, and stops on cycles', () => {
    const [f] = findingsOf(rule, [
      contract('checkout', {
        dependsOn: [dep('risk', 'score', { timeoutMs: 500 })],
      }),
      contract('risk', { dependsOn: [dep('a', 'x')] }),
      contract('a', {
        dependsOn: [dep('risk', 'score'), dep('b', 'y', { timeoutMs: 2000 })],
      }),
      contract('b'),
    ]);
    expect(f.provider).toBe('component:default/a');
  });

  it('is silent on consistent contracts', () => {
    expect(
      findingsOf(rule, [
        contract('checkout', {
          dependsOn: [dep('risk', 'score', { timeoutMs: 1000 })],
        }),
        contract('risk', {
          dependsOn: [dep('features', 'get', { timeoutMs: 300 })],
        }),
        contract('features', {
          dependsOn: [dep('store', 'read', { timeoutMs: 100 })],
        }),
        contract('store'),
      ]),
    ).toEqual([]);
  });
});

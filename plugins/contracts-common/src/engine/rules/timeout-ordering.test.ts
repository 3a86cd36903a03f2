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

describe('timeout-ordering, the provider’s own downstream (issue 15, case 2)', () => {
  it('counts a timeout to a callee the catalog does not hold', () => {
    // orders gives up after 300ms; inventory waits on an uncatalogued proxy 2s × 3 attempts
    const [f] = findingsOf(rule, [
      contract('orders', {
        dependsOn: [dep('inventory', 'reserve', { timeoutMs: 300 })],
      }),
      contract('inventory', {
        dependsOn: [
          dep('stock-db-proxy', 'query', {
            timeoutMs: 2000,
            retry: { raw: '3', maxAttempts: 3 },
          }),
        ],
      }),
    ]);
    expect(f).toMatchObject({
      consumer: 'component:default/orders',
      provider: 'component:default/inventory',
      actual: 'inventory waits up to 6s (3 × 2s on stock-db-proxy.query)',
      chain: [
        'component:default/orders',
        'component:default/inventory',
        'component:default/stock-db-proxy',
      ],
    });
  });

  it('counts each attempt by its per_try_timeout when the retry gives one', () => {
    const [f] = findingsOf(rule, [
      contract('orders', {
        dependsOn: [dep('inventory', 'reserve', { timeoutMs: 300 })],
      }),
      contract('inventory', {
        dependsOn: [
          dep('stock-db-proxy', 'query', {
            timeoutMs: 2000,
            retry: { raw: '{…}', maxAttempts: 3, perTryTimeoutMs: 150 },
          }),
        ],
      }),
    ]);
    expect(f.actual).toBe(
      'inventory waits up to 450ms (3 × 150ms on stock-db-proxy.query)',
    );
    expect(
      findingsOf(rule, [
        contract('orders', {
          dependsOn: [dep('inventory', 'reserve', { timeoutMs: 500 })],
        }),
        contract('inventory', {
          dependsOn: [
            dep('stock-db-proxy', 'query', {
              timeoutMs: 2000,
              retry: { raw: '{…}', maxAttempts: 3, perTryTimeoutMs: 150 },
            }),
          ],
        }),
      ]),
    ).toEqual([]);
  });
});

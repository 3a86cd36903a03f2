import {
  describeUnansweredNeeds,
  groupUnansweredNeeds,
} from './unanswered-need';
import {
  bound,
  contract,
  dataDep,
  dataset,
  dep,
  endpoint,
  entity,
  findingsOf,
  op,
  requires,
} from '../testUtils';

const rule = 'unanswered-need';

describe('unanswered-need', () => {
  it('lists each need on a provider that has no contract at all', () => {
    const found = findingsOf(
      rule,
      [
        contract('checkout', {
          dependsOn: [
            dep('risk', 'scoreTransaction', {
              budget: [bound('acceptable', 95, 200)],
            }),
            dep('payment', undefined, { timeoutMs: 2000 }),
            dep('audit', undefined), // names nothing it needs
          ],
        }),
        contract('reporting', {
          dataDependencies: [dataDep('ledger', 'ledger_entries', 120_000)],
          requires: [requires('risk', 'fraud_signals', 'support_tier_2')],
        }),
      ],
      {
        entities: [
          entity('risk'),
          entity('payment'),
          entity('ledger'),
          entity('audit'),
        ],
      },
    );
    expect(
      found.map(f => [
        f.severity,
        f.consumer,
        f.provider,
        f.subject,
        f.expected,
        f.actual,
      ]),
    ).toEqual([
      [
        'info',
        'component:default/checkout',
        'component:default/payment',
        'payment',
        'an answer within 2s (timeout)',
        'payment has no contract: it promises nothing',
      ],
      [
        'info',
        'component:default/checkout',
        'component:default/risk',
        'scoreTransaction',
        'p95 < 200ms',
        'risk has no contract: it promises nothing',
      ],
      [
        'info',
        'component:default/reporting',
        'component:default/ledger',
        'ledger_entries',
        'ledger_entries fresher than 120s',
        'ledger has no contract: it promises nothing',
      ],
      [
        'info',
        'component:default/reporting',
        'component:default/risk',
        'fraud_signals',
        'fraud_signals at access support_tier_2',
        'risk has no contract: it promises nothing',
      ],
    ]);
    expect(found[1].message).toContain('Risk must answer checkout');
    expect(found[1].title).toBe('Unanswered need (latency)');
    expect(found[1].deciders).toContain('group:default/risk-team');
  });

  it('lists a need the provider answers with no value: an operation without latency, a dataset without freshness', () => {
    const found = findingsOf(rule, [
      contract('checkout', {
        dependsOn: [
          dep('risk', 'scoreTransaction', {
            budget: [bound('acceptable', 95, 200)],
          }),
        ],
        dataDependencies: [dataDep('orders', 'purchases')],
      }),
      contract('risk', { operations: [op('scoreTransaction', {})] }),
      contract('orders', { datasets: [dataset('purchases')] }),
    ]);
    expect(found.map(f => [f.provider, f.subject, f.actual])).toEqual([
      [
        'component:default/orders',
        'purchases',
        'orders promises no freshness for purchases',
      ],
      [
        'component:default/risk',
        'scoreTransaction',
        'risk promises no latency for scoreTransaction',
      ],
    ]);
  });

  it('is silent when the provider answers: a latency (current or target), a freshness, an endpoint; and on unknown services', () => {
    expect(
      findingsOf(rule, [
        contract('checkout', {
          dependsOn: [
            dep('risk', 'scoreTransaction', {
              budget: [bound('acceptable', 95, 200)],
            }),
            dep('fraud', 'check', { timeoutMs: 300 }),
            dep('nowhere', 'x', { timeoutMs: 300 }),
          ],
          dataDependencies: [dataDep('orders', 'purchases')],
          requires: [requires('risk', 'score')],
        }),
        contract('risk', {
          operations: [op('scoreTransaction', { 95: 100 })],
          endpoints: [endpoint('/a', { data: ['score'] })],
        }),
        contract('fraud', { operations: [op('check', {}, { 99: 250 })] }),
        contract('orders', {
          datasets: [dataset('purchases', { freshness: { maxMs: 5000 } })],
        }),
      ]),
    ).toEqual([]);
  });

  it('is an unresolved reference, not an unanswered need, when the provider has a contract that does not declare the dataset (issue 15, case 3)', () => {
    const contracts = [
      contract('reporting', {
        dataDependencies: [dataDep('ledger', 'ledger_entries', 120_000)],
      }),
      contract('ledger', { operations: [op('post', { 95: 50 })] }),
    ];
    expect(findingsOf(rule, contracts)).toEqual([]);
    const unresolved = findingsOf('unresolved-reference', contracts);
    expect(unresolved).toEqual([
      expect.objectContaining({
        severity: 'error',
        consumer: 'component:default/reporting',
        provider: 'component:default/ledger',
        subject: 'ledger/ledger_entries',
        deciders: expect.arrayContaining(['group:default/ledger-team']),
      }),
    ]);
    expect(unresolved[0].message).toContain("Ledger's owners must answer");
  });
});

describe('groupUnansweredNeeds', () => {
  it('groups the needs per provider and subject, unresolved references of existing providers included', () => {
    const result = findingsOf('', [], {}); // nothing
    expect(groupUnansweredNeeds(result)).toEqual([]);
    const contracts = [
      contract('checkout', {
        dependsOn: [
          dep('risk', 'scoreTransaction', {
            budget: [bound('acceptable', 95, 200)],
          }),
        ],
      }),
      contract('mobile', {
        dependsOn: [
          dep('risk', 'scoreTransaction', {
            budget: [bound('acceptable', 99, 800)],
          }),
        ],
      }),
      contract('web', {
        dependsOn: [
          dep('risk', 'scoreTransaction', { timeoutMs: 500 }),
          dep('nowhere', 'x'),
        ],
        dataDependencies: [dataDep('ledger', 'entries')],
      }),
      contract('ledger', { operations: [op('post', { 95: 5 })] }),
    ];
    const findings = [
      ...findingsOf(rule, contracts, { entities: [entity('risk')] }),
      ...findingsOf('unresolved-reference', contracts, {
        entities: [entity('risk')],
      }),
    ];
    const groups = groupUnansweredNeeds(findings);
    expect(
      groups.map(g => [g.provider, g.subject, g.kind, g.aspect, g.consumers]),
    ).toEqual([
      [
        'component:default/risk',
        'scoreTransaction',
        'no-contract',
        'latency',
        3,
      ],
      ['component:default/ledger', 'entries', 'undeclared', 'dataset', 1],
    ]);
    expect(groups[0].needs.map(n => [n.consumer, n.expected])).toEqual([
      ['component:default/checkout', 'p95 < 200ms'],
      ['component:default/mobile', 'p99 < 800ms'],
      ['component:default/web', 'an answer within 500ms (timeout)'],
    ]);
    expect(describeUnansweredNeeds(groups[0], { you: true })).toBe(
      '3 consumers depend on scoreTransaction latency; you promise nothing',
    );
    expect(describeUnansweredNeeds(groups[1])).toBe(
      "1 consumer depends on dataset entries; ledger's contract does not declare it",
    );
  });
});

import {
  contract,
  dataDep,
  dataset,
  dep,
  endpoint,
  entity,
  findingsOf,
  op,
  policy,
  requires,
} from '../testUtils';

const rule = 'unresolved-reference';

describe('unresolved-reference', () => {
  it('fires on a service that is no entity, once per service', () => {
    const found = findingsOf(rule, [
      contract('checkout', {
        dependsOn: [dep('riks', 'score')],
        retryPolicies: [policy('riks.score')],
      }),
    ]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      severity: 'error',
      provider: 'component:default/riks',
      subject: 'riks',
    });
  });

  it('fires on an operation, dataset or data the provider’s contract does not declare', () => {
    const found = findingsOf(rule, [
      contract('checkout', {
        dependsOn: [dep('risk', 'scor')],
        dataDependencies: [dataDep('orders', 'purchase')],
        requires: [requires('risk', 'signals')],
      }),
      contract('risk', {
        operations: [op('score', { 95: 100 })],
        endpoints: [endpoint('/a', { data: ['score'] })],
      }),
      contract('orders', { datasets: [dataset('purchases')] }),
    ]);
    expect(found.map(f => f.subject).sort()).toEqual([
      'orders/purchase',
      'risk.scor',
      'risk/signals',
    ]);
  });

  it('is silent when everything resolves, or the provider has not described that section yet', () => {
    expect(
      findingsOf(
        rule,
        [
          contract('checkout', {
            dependsOn: [dep('risk', 'score'), dep('payment', 'authorize')],
            dataDependencies: [dataDep('orders', 'purchases')],
            requires: [requires('risk', 'score')],
          }),
          contract('risk', {
            operations: [op('score', { 95: 100 })],
            endpoints: [endpoint('/a', { data: ['score'] })],
          }),
          contract('orders', { datasets: [dataset('purchases')] }),
        ],
        { entities: [entity('payment')] },
      ),
    ).toEqual([]);
  });
});

describe('unresolved-reference on a provider with a contract (issue 15, case 3)', () => {
  it('fires when the provider’s contract declares no dataset, operation or endpoint at all', () => {
    const found = findingsOf(rule, [
      contract('reporting', {
        dataDependencies: [dataDep('ledger', 'ledger_entries', 120_000)],
        dependsOn: [dep('ledger', 'postEntry')],
        requires: [requires('ledger', 'balances')],
      }),
      // ledger's contract only says what ledger itself calls
      contract('ledger', { dependsOn: [dep('bank', 'transfer')] }),
      contract('bank', { operations: [op('transfer', { 95: 100 })] }),
    ]);
    expect(found.map(f => [f.provider, f.subject])).toEqual([
      ['component:default/ledger', 'ledger.postEntry'],
      ['component:default/ledger', 'ledger/balances'],
      ['component:default/ledger', 'ledger/ledger_entries'],
    ]);
  });

  it('stays silent when the provider has no contract: that is an unanswered need', () => {
    expect(
      findingsOf(
        rule,
        [
          contract('reporting', {
            dataDependencies: [dataDep('ledger', 'ledger_entries')],
          }),
        ],
        { entities: [entity('ledger')] },
      ),
    ).toEqual([]);
  });
});

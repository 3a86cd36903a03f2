import { contract, dep, findingsOf } from '../testUtils';

const rule = 'retry-amplification';
const retrying = (name: string, to: string[], attempts: number) =>
  contract(name, {
    dependsOn: to.map(t =>
      dep(t, 'op', { retry: { raw: String(attempts), maxAttempts: attempts } }),
    ),
  });

describe('retry-amplification', () => {
  it('fires when attempts multiply beyond the bound, naming the head and the chain', () => {
    const found = findingsOf(rule, [
      retrying('a', ['b'], 3),
      retrying('b', ['c'], 3),
      retrying('c', ['d'], 2),
      contract('d'),
    ]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      severity: 'warning',
      consumer: 'component:default/a',
      provider: 'component:default/d',
      actual: '18 attempts (3 × 3 × 2)',
      chain: [
        'component:default/a',
        'component:default/b',
        'component:default/c',
        'component:default/d',
      ],
    });
  });

  it('uses the configured bound', () => {
    const contracts = [
      retrying('a', ['b'], 3),
      retrying('b', ['c'], 3),
      contract('c'),
    ];
    expect(findingsOf(rule, contracts)).toEqual([]);
    expect(
      findingsOf(rule, contracts, { config: { retryAmplificationBound: 8 } }),
    ).toHaveLength(1);
  });

  it('terminates on cycles', () => {
    expect(
      findingsOf(rule, [
        retrying('a', ['b'], 2),
        retrying('b', ['a', 'c'], 2),
        retrying('c', ['b'], 2),
      ]),
    ).toEqual([]);
    // a → b → c → d (2 × 2 × 2 × 2) despite the back edges
    expect(
      findingsOf(rule, [
        retrying('a', ['b'], 2),
        retrying('b', ['a', 'c'], 2),
        retrying('c', ['b', 'd'], 2),
        retrying('d', ['e'], 2),
        contract('e'),
      ]).map(f => f.consumer),
    ).toEqual(['component:default/a']);
  });

  it('is silent on consistent contracts', () => {
    expect(
      findingsOf(rule, [
        retrying('a', ['b'], 3),
        retrying('b', ['c'], 1),
        retrying('c', ['d'], 3),
        contract('d'),
      ]),
    ).toEqual([]);
  });
});

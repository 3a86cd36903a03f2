import { contract, dataset, findingsOf } from '../testUtils';

const rule = 'freshness-path';

describe('freshness-path', () => {
  it('fires when a derived dataset promises more than its source', () => {
    const [f] = findingsOf(rule, [
      contract('features', {
        datasets: [
          dataset('velocity', {
            freshness: { maxMs: 5_000 },
            derivedFrom: [['orders', 'purchases']],
          }),
        ],
      }),
      contract('orders', {
        datasets: [dataset('purchases', { freshness: { maxMs: 60_000 } })],
      }),
    ]);
    expect(f).toMatchObject({
      severity: 'error',
      consumer: 'component:default/features',
      provider: 'component:default/orders',
      subject: 'velocity',
    });
  });

  it('walks undeclared intermediate datasets and names the critical hop', () => {
    const [f] = findingsOf(rule, [
      contract('features', {
        datasets: [
          dataset('velocity', {
            freshness: { maxMs: 5_000 },
            derivedFrom: [['lake', 'raw']],
          }),
        ],
      }),
      contract('lake', {
        datasets: [dataset('raw', { derivedFrom: [['orders', 'purchases']] })],
      }),
      contract('orders', {
        datasets: [dataset('purchases', { freshness: { maxMs: 60_000 } })],
      }),
    ]);
    expect(f.provider).toBe('component:default/orders');
    expect(f.chain).toEqual([
      'component:default/features',
      'component:default/lake',
      'component:default/orders',
    ]);
  });

  it('terminates on lineage cycles', () => {
    expect(
      findingsOf(rule, [
        contract('a', {
          datasets: [
            dataset('x', {
              freshness: { maxMs: 1_000 },
              derivedFrom: [['b', 'y']],
            }),
          ],
        }),
        contract('b', {
          datasets: [dataset('y', { derivedFrom: [['c', 'z']] })],
        }),
        contract('c', {
          datasets: [
            dataset('z', {
              derivedFrom: [
                ['b', 'y'],
                ['a', 'x'],
              ],
            }),
          ],
        }),
      ]),
    ).toEqual([]);
  });

  it('is silent on consistent contracts', () => {
    expect(
      findingsOf(rule, [
        contract('features', {
          datasets: [
            dataset('velocity', {
              freshness: { maxMs: 60_000 },
              derivedFrom: [['orders', 'purchases']],
            }),
          ],
        }),
        contract('orders', {
          datasets: [dataset('purchases', { freshness: { maxMs: 2_000 } })],
        }),
      ]),
    ).toEqual([]);
  });
});

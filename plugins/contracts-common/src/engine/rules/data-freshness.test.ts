import type { Freshness } from '../../types';
import { contract, dataDep, dataset, entity, findingsOf } from '../testUtils';

const rule = 'data-freshness';
const orders = (freshness: Partial<Freshness>) =>
  contract('orders', {
    datasets: [
      dataset('user_purchases', { via: 'database_replica', freshness }),
    ],
  });

describe('data-freshness', () => {
  it('fires when the requirement is tighter than the guarantee', () => {
    const [f] = findingsOf(rule, [
      contract('risk', {
        dataDependencies: [dataDep('orders', 'user_purchases', 10_000)],
      }),
      orders({ typicalMinMs: 15_000, typicalMaxMs: 30_000, maxMs: 60_000 }),
    ]);
    expect(f).toMatchObject({
      severity: 'error',
      provider: 'component:default/orders',
      actual: '15-30s (replica lag), 60s max',
    });
    expect(f.resolutions).toHaveLength(3);
  });

  it('judges the worst staleness, not the typical one', () => {
    expect(
      findingsOf(rule, [
        contract('risk', {
          dataDependencies: [dataDep('orders', 'user_purchases', 10_000)],
        }),
        orders({ typicalMinMs: 1_000, typicalMaxMs: 2_000, maxMs: 20_000 }),
      ]),
    ).toHaveLength(1);
  });

  it('finds the dataset through a resource tied to its provider, across kinds', () => {
    const entities = [
      entity('orders', { dependsOn: ['resource:default/orders-db'] }),
      entity('orders-db', {
        kind: 'Resource',
        ref: 'resource:default/orders-db',
      }),
    ];
    const [f] = findingsOf(
      rule,
      [
        // written `orders-db`, resolved by the parser to component:default/orders-db
        contract('risk', {
          dataDependencies: [dataDep('orders-db', 'user_purchases', 10_000)],
        }),
        orders({ maxMs: 60_000 }),
      ],
      { entities },
    );
    expect(f.provider).toBe('component:default/orders');
  });

  it('also follows dependencyOf from the resource', () => {
    const entities = [
      entity('orders'),
      entity('orders-db', {
        kind: 'Resource',
        ref: 'resource:default/orders-db',
        dependencyOf: ['component:default/orders'],
      }),
    ];
    expect(
      findingsOf(
        rule,
        [
          contract('risk', {
            dataDependencies: [
              {
                ...dataDep('orders-db', 'user_purchases', 10_000),
                ref: 'resource:default/orders-db',
              },
            ],
          }),
          orders({ maxMs: 60_000 }),
        ],
        { entities },
      ),
    ).toHaveLength(1);
  });

  it('bounds a dataset without freshness by its lineage', () => {
    const [f] = findingsOf(rule, [
      contract('risk', {
        dataDependencies: [dataDep('features', 'velocity', 10_000)],
      }),
      contract('features', {
        datasets: [
          dataset('velocity', { derivedFrom: [['orders', 'user_purchases']] }),
        ],
      }),
      orders({ maxMs: 60_000 }),
    ]);
    expect(f.provider).toBe('component:default/features');
    expect(f.chain).toEqual([
      'component:default/risk',
      'component:default/features',
      'component:default/orders',
    ]);
  });

  it('is silent on consistent contracts', () => {
    expect(
      findingsOf(rule, [
        contract('risk', {
          dataDependencies: [dataDep('orders', 'user_purchases', 10_000)],
        }),
        orders({ typicalMinMs: 1_000, typicalMaxMs: 2_000, maxMs: 5_000 }),
      ]),
    ).toEqual([]);
  });
});

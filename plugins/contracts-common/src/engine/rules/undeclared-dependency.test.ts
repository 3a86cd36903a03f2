import {
  contract,
  dataDep,
  dataset,
  dep,
  entity,
  findingsOf,
} from '../testUtils';

const rule = 'undeclared-dependency';

describe('undeclared-dependency', () => {
  it('reports a contract edge missing from the catalog, as info', () => {
    const [f] = findingsOf(
      rule,
      [
        contract('checkout', { dependsOn: [dep('risk', 'score')] }),
        contract('risk'),
      ],
      {
        entities: [entity('checkout'), entity('risk')],
      },
    );
    expect(f).toMatchObject({
      severity: 'info',
      provider: 'component:default/risk',
      title: 'Contract dependency missing from the catalog',
    });
  });

  it('reports a catalog dependency on a contracted entity the contract ignores', () => {
    const [f] = findingsOf(rule, [contract('checkout'), contract('risk')], {
      entities: [entity('checkout', { dependsOn: ['risk'] }), entity('risk')],
    });
    expect(f.title).toBe('Catalog dependency missing from the contract');
  });

  it('is silent when they agree, counting dependencyOf and the resource a dataset is read through', () => {
    expect(
      findingsOf(
        rule,
        [
          contract('checkout', { dependsOn: [dep('risk', 'score')] }),
          contract('risk', {
            dataDependencies: [dataDep('orders-db', 'purchases')],
          }),
          contract('orders', { datasets: [dataset('purchases')] }),
        ],
        {
          entities: [
            entity('checkout'),
            entity('risk', {
              dependsOn: ['resource:default/orders-db'],
              dependencyOf: ['checkout'],
            }),
            entity('orders', { dependsOn: ['resource:default/orders-db'] }),
            entity('orders-db', {
              kind: 'Resource',
              ref: 'resource:default/orders-db',
            }),
          ],
        },
      ),
    ).toEqual([]);
  });

  it("names a catalog dependency by the entity's own spelling of its ref", () => {
    const [f] = findingsOf(
      rule,
      [
        contract('checkout'),
        { ...contract('risk'), entityRef: 'Component:default/Risk' },
      ],
      {
        entities: [
          entity('checkout', { dependsOn: ['risk'] }),
          entity('risk', { ref: 'Component:default/Risk' }),
        ],
      },
    );
    expect(f).toMatchObject({
      title: 'Catalog dependency missing from the contract',
      provider: 'Component:default/Risk',
    });
  });
});

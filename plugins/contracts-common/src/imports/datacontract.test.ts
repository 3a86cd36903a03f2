import { parseEntityContract } from '../parser';

const ENTITY = 'component:default/orders';

// Written from the datacontract.com specification (0.9.x).
const SPEC = `dataContractSpecification: 0.9.3
id: urn:datacontract:orders
info:
  title: Orders
  version: 1.0.0
models:
  user_purchases:
    type: table
    fields:
      order_id: { type: string }
      customer_email:
        type: string
        pii: true
      order_timestamp: { type: timestamp }
  refunds:
    fields:
      refund_id: { type: string }
servicelevels:
  retention:
    period: P1Y
  freshness:
    description: The age of the youngest row
    threshold: 90s
    timestampField: user_purchases.order_timestamp
`;

describe('datacontract.com import', () => {
  it('reads the freshness of the model its timestamp field names, and PII fields', () => {
    const { contract, problems } = parseEntityContract(ENTITY, [
      { file: 'datacontract.yaml', text: SPEC },
    ]);
    expect(problems).toEqual([]);
    expect(
      contract.datasets.map(d => [d.name, d.freshness?.maxMs, d.pii]),
    ).toEqual([
      ['user_purchases', 90_000, 'customer_email'],
      ['refunds', undefined, undefined],
    ]);
    expect(contract.datasets[0].imported?.freshness).toMatchObject({
      format: 'datacontract',
      line: 23,
      path: 'servicelevels.freshness.threshold',
    });
  });

  it('reads ISO 8601 and minutes (m) thresholds', () => {
    const iso = parseEntityContract(ENTITY, [
      { file: 'd.yaml', text: SPEC.replace('90s', 'PT2H') },
    ]);
    expect(iso.contract.datasets[0].freshness?.maxMs).toBe(7_200_000);
    const minutes = parseEntityContract(ENTITY, [
      { file: 'd.yaml', text: SPEC.replace('90s', '2m') },
    ]);
    expect(minutes.contract.datasets[0].freshness?.maxMs).toBe(120_000);
  });

  it.each([
    ['an ISO duration of months', 'P1M', 'ISO 8601 duration of fixed length'],
    ['a word', 'soon', 'expected a duration'],
  ])(
    'reports %s as a threshold where it is written',
    (_, threshold, message) => {
      const { contract, problems } = parseEntityContract(ENTITY, [
        { file: 'd.yaml', text: SPEC.replace('90s', threshold) },
      ]);
      expect(problems).toEqual([
        expect.objectContaining({
          line: 23,
          path: 'servicelevels.freshness.threshold',
          message: expect.stringContaining(message),
        }),
      ]);
      expect(contract.datasets.map(d => d.freshness)).toEqual([
        undefined,
        undefined,
      ]);
    },
  );

  it('reports a timestamp field of no model and an unreadable retention', () => {
    const text = SPEC.replace(
      'user_purchases.order_timestamp',
      'purchases.ts',
    ).replace('P1Y', 'forever');
    const { problems } = parseEntityContract(ENTITY, [
      { file: 'd.yaml', text },
    ]);
    expect(problems.map(p => [p.line, p.path])).toEqual([
      [20, 'servicelevels.retention.period'],
      [24, 'servicelevels.freshness.timestampField'],
    ]);
  });
});

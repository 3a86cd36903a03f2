import { parseEntityContract } from '../parser';

const ENTITY = 'component:default/ledger';

// Written from the ODCS v3.1 specification (bitol-io/open-data-contract-standard).
const LEDGER = `apiVersion: v3.1.0
kind: DataContract
id: 7b1c7d5e-ledger
name: ledger
version: 1.2.0
status: active
schema:
  - name: ledger_entries
    physicalName: ledger_entries_v2
    properties:
      - name: entry_id
        logicalType: string
      - name: account_email
        logicalType: string
        classification: restricted
        tags: [finance, pii]
      - name: card_holder
        classification: pii
  - name: balances
    properties:
      - name: account_id
slaDefaultElement: ledger_entries.posted_at
slaProperties:
  - property: latency
    value: 4
    unit: m
  - property: ly
    value: 2
    unit: h
    element: balances.updated_at
  - property: retention
    value: 3
    unit: m
  - property: availability
    value: 99.9
    unit: percent
`;

describe('ODCS v3 import', () => {
  it('reads freshness (m = minutes) per dataset by element, PII fields, and marks each value imported', () => {
    const { contract, problems } = parseEntityContract(ENTITY, [
      { file: 'contracts/ledger.odcs.yaml', text: LEDGER },
    ]);
    expect(problems).toEqual([]);
    expect(
      contract.datasets.map(d => [d.name, d.freshness?.maxMs, d.pii]),
    ).toEqual([
      ['ledger_entries', 4 * 60_000, 'account_email, card_holder'],
      ['balances', 2 * 3_600_000, undefined],
    ]);
    const [entries] = contract.datasets;
    expect(entries.freshness?.raw).toBe('4m max');
    expect(entries.imported?.freshness).toEqual({
      format: 'odcs',
      file: 'contracts/ledger.odcs.yaml',
      line: 25,
      column: 12,
      path: 'slaProperties[0].value',
    });
    expect(entries.imported?.pii).toMatchObject({ format: 'odcs', line: 16 });
    expect(entries.loc).toMatchObject({
      file: 'contracts/ledger.odcs.yaml',
      line: 8,
    });
  });

  it('applies an SLA without element to every schema object', () => {
    const { contract, problems } = parseEntityContract(ENTITY, [
      {
        file: 'odcs.yaml',
        text: `apiVersion: v3.0.2
kind: DataContract
schema: [{ name: a }, { name: b }]
slaProperties:
  - { property: latency, value: 30, unit: s }
`,
      },
    ]);
    expect(problems).toEqual([]);
    expect(contract.datasets.map(d => d.freshness?.maxMs)).toEqual([
      30_000, 30_000,
    ]);
  });

  it('reports ambiguous and unparsable values where they are written, keeping the rest', () => {
    const { contract, problems } = parseEntityContract(ENTITY, [
      {
        file: 'odcs.yaml',
        text: `apiVersion: v3.1.0
kind: DataContract
schema:
  - name: ledger_entries
slaProperties:
  - property: latency
    value: 4
    unit: months
  - property: latency
    value: soon
    unit: m
  - property: latency
    value: 10
  - property: retention
    value: 3
    unit: h
  - property: latency
    value: 5
    unit: m
    element: ledger_entry.posted_at
  - property: latency
    value: 1
    unit: h
`,
      },
    ]);
    expect(problems.map(p => [p.line, p.path, p.message])).toEqual([
      [
        8,
        'slaProperties[0].unit',
        expect.stringContaining("`months` is a retention's unit"),
      ],
      [10, 'slaProperties[1].value', expect.stringContaining('needs a number')],
      [12, 'slaProperties[2]', expect.stringContaining('no `unit`')],
      [16, 'slaProperties[3].unit', expect.stringContaining('`m` (months)')],
      [
        20,
        'slaProperties[4].element',
        expect.stringContaining(
          '`ledger_entry`, which is no object of `schema`',
        ),
      ],
    ]);
    expect(contract.datasets.map(d => [d.name, d.freshness?.maxMs])).toEqual([
      ['ledger_entries', 3_600_000],
    ]);
  });

  it('reads no other ODCS version', () => {
    const { contract, problems } = parseEntityContract(ENTITY, [
      {
        file: 'odcs.yaml',
        text: 'apiVersion: v2.2.2\nkind: DataContract\nschema: []\n',
      },
    ]);
    expect(contract.datasets).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({
        line: 1,
        path: 'apiVersion',
        message: expect.stringContaining('only ODCS v3'),
      }),
    ]);
  });
});

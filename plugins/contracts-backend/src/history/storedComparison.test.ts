import {
  type Finding,
  parseEntityContract,
} from '@backstage-contracts/plugin-contracts-common';
import { hashContract } from './contractChanges';
import { historyRows, prepareHistory } from './historyWork';
import {
  type ComparedState,
  HistorySessions,
  storedChanges,
} from './storedComparison';

/** A snapshot's state: contract hashes by key (null: an entity without one), findings' evidence. */
const state = (
  hashes: Record<string, string | null>,
  findings: Record<string, string>,
): ComparedState => ({
  entities: new Map(
    Object.entries(hashes).map(([k, h]) => [
      k,
      h === null ? {} : { contractHash: h },
    ]),
  ),
  findings: Object.entries(findings).map(
    ([id, evidence]) => ({ id, evidence } as Finding),
  ),
});

describe('storedChanges', () => {
  it('lists what differs from the stored pairs, in the order of their keys', () => {
    const stored = {
      contracts: [
        [
          ['same', 'changed', 'gone'],
          ['h1', 'h2', 'h3'],
        ],
        [['unread'], ['h4']],
      ] as Array<[string[], string[]]>,
      findings: [
        [
          ['f-same', 'f-moved', 'f-closed'],
          ['e1', 'e2', 'e3'],
        ],
      ] as Array<[string[], string[]]>,
    };
    const now = state(
      { same: 'h1', changed: 'h2b', gone: null, b: 'h5', a: null },
      { 'f-same': 'e1', 'f-moved': 'e2b', 'f-new': 'e4' },
    );
    expect(storedChanges(stored, now)).toEqual({
      // (an entity the snapshot does not have is left; a new one without a contract is nothing)
      contracts: [
        { ref: 'b', after: 'h5' },
        { ref: 'changed', before: 'h2', after: 'h2b' },
        { ref: 'gone', before: 'h3', after: undefined },
      ],
      findings: [
        { id: 'f-closed', stored: true, open: false },
        { id: 'f-moved', stored: true, open: true },
        { id: 'f-new', stored: false, open: true },
      ],
    });
  });
});

describe('HistorySessions', () => {
  it('compares the pages handed to it, answers in pages, and gives up once the state moved on', () => {
    let current = 'one';
    const snapshot = state({ a: 'h1', b: 'h2', c: 'h3' }, { f: 'e' });
    const sessions = new HistorySessions((at: string) =>
      at === current ? snapshot : undefined,
    );
    const id = sessions.compare('one')!;
    sessions.stored(id, 'contracts', ['a'], ['h0']);
    sessions.stored(id, 'contracts', ['b'], ['h2']);
    expect(sessions.changes(id, 2)).toEqual({
      contracts: [
        { ref: 'a', before: 'h0', after: 'h1' },
        { ref: 'c', after: 'h3' },
      ],
      findings: [],
      done: false,
    });
    // (once compared, what was compared is read to the end)
    current = 'two';
    expect(sessions.changes(id, 2)).toEqual({
      contracts: [],
      findings: [{ id: 'f', stored: false, open: true }],
      done: true,
    });
    expect(() => sessions.changes(id, 2)).toThrow(/no history compare/);
    // a state that moved on: none begun, or none compared
    expect(sessions.compare('one')).toBeUndefined();
    expect(sessions.baseline('one')).toBeUndefined();
    const other = sessions.compare('two')!;
    current = 'three';
    expect(sessions.changes(other, 10)).toBeUndefined();
    sessions.end(other);
    expect(() => sessions.stored(other, 'findings', [], [])).toThrow();
  });

  it("writes the baseline's rows in pages of about the bytes asked, in the order of their keys, as prepareHistory does", () => {
    const contract = (p95: number) =>
      parseEntityContract('component:default/x', [
        {
          file: 'sla.yaml',
          text: `provides:\n  - operation: handle\n    latency:\n      current: p50=10ms, p95=${p95}ms\n`,
        },
      ]).contract;
    // (as an adopted snapshot's: the contract parsed when read, its hash a column)
    const parsed = { n: 0 };
    const entities = new Map<
      string,
      { contract?: any; contractHash?: string }
    >();
    for (let i = 0; i < 30; i++) {
      const c = contract(100 + i);
      entities.set(`component:default/svc-${(i * 7) % 30}`, {
        contractHash: hashContract(c),
        get contract() {
          parsed.n++;
          return c;
        },
      });
    }
    entities.set('component:default/none', {});
    const finding = (i: number) =>
      ({
        id: `f-${(i * 11) % 20}`,
        rule: 'latency-budget',
        severity: 'error',
        consumer: 'Component:default/A',
        provider: 'component:default/b',
        subject: 'handle',
        title: 't',
        expected: 'e',
        actual: `a ${i}`,
        evidence: `ev-${i}`,
        message: 'not kept',
      } as unknown as Finding);
    const findings = Array.from({ length: 20 }, (_, i) => finding(i));
    const sessions = new HistorySessions(() => ({ entities, findings }));
    const id = sessions.baseline(undefined)!;
    expect(parsed.n).toBe(0);
    const pages = [];
    for (;;) {
      const page = sessions.rows(id, 1000);
      pages.push(historyRows(page));
      // (each contract read as its page is made)
      expect(parsed.n).toBe(
        Math.min(30, pages.flatMap(p => p.contracts).length),
      );
      if (page.done) break;
    }
    // several pages, each of at least one row and about 1,000 bytes of JSON at most beyond its last
    expect(pages.length).toBeGreaterThan(3);
    const contracts = pages.flatMap(p => p.contracts);
    const found = pages.flatMap(p => p.findings);
    const keys = contracts.map(c => c!.ref);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toHaveLength(30);
    expect(found.map(f => f.id)).toEqual(
      findings.map(f => f.id).sort((a, b) => Number(a > b) - Number(a < b)),
    );
    // the rows the baseline wrote before, from the snapshot's texts
    const before = historyRows(
      prepareHistory(
        {
          contracts: keys.map(k => ({
            key: k,
            after: {
              hash: hashContract(entities.get(k)!.contract),
              entity: JSON.stringify({ contract: entities.get(k)!.contract }),
            },
          })),
          findings: found.map(f => ({
            after: JSON.stringify(findings.find(x => x.id === f.id)),
          })),
          baseline: true,
        },
        () => undefined,
      ),
    );
    expect(contracts).toEqual(before.contracts);
    expect(found).toEqual(before.findings);
  });
});

import {
  type EntityContract,
  type Finding,
  parseEntityContract,
  stableStringify,
} from '@backstage-contracts/plugin-contracts-common';
import {
  contractChanges,
  hashContract,
  stripContract,
} from './contractChanges';
import {
  historyOrder,
  historyRows,
  mergedOrder,
  NO_CHANGES,
  prepareHistory as prepared,
} from './historyWork';

/** The rows as the main thread has them. */
const prepareHistory = (...args: Parameters<typeof prepared>) =>
  historyRows(prepared(...args));

const RISK = 'component:default/risk';
const CHECKOUT = 'Component:default/Checkout';

const sla = (p95: number, prefix = '') =>
  parseEntityContract(RISK, [
    {
      file: 'sla.yaml',
      text: `${prefix}provides:\n  - operation: scoreTransaction\n    latency:\n      current: p50=800ms, p95=${p95}ms\n  - endpoint: /fraud\n    access: any\n`,
    },
  ]).contract;

/** A snapshot's entity JSON, as the main thread has it (LazyEntity.json()). */
const entity = (contract: EntityContract) =>
  JSON.stringify({ summary: { ref: RISK }, contract });

const stored = (contract: EntityContract) =>
  stableStringify(stripContract(contract));

const latency = (actual: number): Finding =>
  ({
    id: 'f-latency',
    rule: 'latency-budget',
    severity: 'error',
    status: 'open',
    consumer: CHECKOUT,
    provider: RISK,
    subject: 'scoreTransaction',
    title: 'Latency contract violation',
    expected: 'p95 < 200ms',
    actual: `p95 = ${actual}ms (current)`,
    impact: 'slow checkouts',
    resolutions: [],
    evidence: `e-${actual}`,
    message: 'the engine says more than the history keeps',
    chain: [],
  } as unknown as Finding);

/** The finding as the history keeps it: its identity, parties, values and evidence. */
const kept = (actual: number) => ({
  id: 'f-latency',
  rule: 'latency-budget',
  severity: 'error',
  consumer: CHECKOUT,
  provider: RISK,
  subject: 'scoreTransaction',
  title: 'Latency contract violation',
  expected: 'p95 < 200ms',
  actual: `p95 = ${actual}ms (current)`,
  evidence: `e-${actual}`,
});

describe('prepareHistory', () => {
  const v900 = sla(900);
  const v3200 = sla(3200, '# moved\n');
  const none = () => undefined;

  it("writes the baseline's contracts stripped, as the worker has them or from their text", () => {
    const hash = hashContract(v900);
    const row = {
      ref: RISK,
      after: { hash, json: stored(v900) },
      body: NO_CHANGES,
    };
    // the worker's own contract, of the snapshot's hash
    expect(
      prepareHistory(
        {
          contracts: [{ key: RISK, after: { hash } }],
          findings: [],
          baseline: true,
        },
        () => ({ contract: v900, contractHash: hash }),
      ).contracts,
    ).toEqual([row]);
    // the worker has moved on (another hash) or has it not: asked again with its text
    for (const own of [
      () => ({ contract: v3200, contractHash: hashContract(v3200) }),
      none,
    ]) {
      expect(
        prepareHistory(
          {
            contracts: [{ key: RISK, after: { hash } }],
            findings: [],
            baseline: true,
          },
          own,
        ).contracts,
      ).toEqual([null]);
    }
    expect(
      prepareHistory(
        {
          contracts: [{ key: RISK, after: { hash, entity: entity(v900) } }],
          findings: [],
          baseline: true,
        },
        none,
      ).contracts,
    ).toEqual([row]);
  });

  it('compares a changed contract with the stored one or the previous snapshot, the same way', () => {
    const before = { hash: hashContract(v900) };
    const after = { hash: hashContract(v3200), entity: entity(v3200) };
    const expected = {
      ref: RISK,
      before: before.hash,
      after: { hash: after.hash, json: stored(v3200) },
      body: JSON.stringify(
        contractChanges(stripContract(v900), stripContract(v3200)),
      ),
    };
    expect(JSON.parse(expected.body)).toEqual({
      changes: [
        {
          kind: 'raised',
          item: 'operation scoreTransaction',
          field: 'p95 (current)',
          from: '900ms',
          to: '3200ms',
        },
      ],
      more: 0,
    });
    for (const text of [{ stored: stored(v900) }, { entity: entity(v900) }]) {
      expect(
        prepareHistory(
          {
            contracts: [{ key: RISK, before: { ...before, ...text }, after }],
            findings: [],
          },
          none,
        ).contracts,
      ).toEqual([expected]);
    }
    // a stored contract another replica moved meanwhile (its text not found): written as new
    expect(
      prepareHistory(
        { contracts: [{ key: RISK, before, after }], findings: [] },
        none,
      ).contracts,
    ).toEqual([
      {
        ref: RISK,
        after: expected.after,
        body: JSON.stringify(contractChanges(undefined, stripContract(v3200))),
      },
    ]);
  });

  it('writes findings as the history keeps them, with their events', () => {
    const opened = JSON.stringify(latency(900));
    const { findings } = prepareHistory(
      {
        contracts: [],
        findings: [
          { after: opened },
          // before: as stored (kept already), after: as the engine wrote it
          {
            before: JSON.stringify(kept(900)),
            after: JSON.stringify(latency(3200)),
          },
          { before: opened },
        ],
      },
      none,
    );
    const parties = {
      id: 'f-latency',
      consumer: CHECKOUT.toLowerCase(),
      provider: RISK,
    };
    expect(findings).toEqual([
      {
        ...parties,
        after: { evidence: 'e-900', json: JSON.stringify(kept(900)) },
        body: JSON.stringify({ after: kept(900) }),
      },
      {
        ...parties,
        before: 'e-900',
        after: { evidence: 'e-3200', json: JSON.stringify(kept(3200)) },
        body: JSON.stringify({ after: kept(3200), before: kept(900) }),
      },
      {
        ...parties,
        before: 'e-900',
        body: JSON.stringify({ before: kept(900) }),
      },
    ]);
    // the baseline writes no event: no body is made
    expect(
      prepareHistory(
        { contracts: [], findings: [{ after: opened }], baseline: true },
        none,
      ).findings[0].body,
    ).toBe('');
  });
});

describe('historyOrder', () => {
  it('orders keys by code units, as every replica writes them', () => {
    const keys = ['b', 'a-2', 'B', 'a-10', 'a'];
    expect(Array.from(historyOrder(keys), i => keys[i])).toEqual([
      'B',
      'a',
      'a-10',
      'a-2',
      'b',
    ]);
    expect(historyOrder([])).toEqual(new Uint32Array(0));
  });

  it('merges the orders of runs of keys as they are read', () => {
    const keys = ['d', 'b', 'f', 'a', 'e', 'c', 'g'];
    const runs = [0, 3, 6].map(from => ({
      from,
      order: historyOrder(keys.slice(from, from + 3)),
    }));
    const next = mergedOrder(keys, runs);
    expect(next(2).map(i => keys[i])).toEqual(['a', 'b']);
    expect(next(4).map(i => keys[i])).toEqual(['c', 'd', 'e', 'f']);
    expect(next(4).map(i => keys[i])).toEqual(['g']);
    expect(next(4)).toEqual([]);
  });
});

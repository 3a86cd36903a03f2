import type {
  AnalysisResult,
  Finding,
} from '@backstage-contracts/plugin-contracts-common';
import {
  FindingFlag,
  followArray,
  isSameRows,
  pulledBuffers,
  runsOf,
} from './graphItems';
import { itemsOf, pulledPartOf } from './receive';

const finding = (i: number) =>
  ({
    id: `f-${i}`,
    rule: 'latency-budget',
    severity: i % 2 ? 'error' : 'warning',
    consumer: `component:default/a-${i}`,
    provider: i % 3 ? 'component:default/b' : `component:default/a-${i}`,
    evidence: `e-${i}`,
    status: i === 4 ? 'accepted' : 'open',
    message: `"quoted" ${i}\n`,
    ...(i % 5 ? { deciders: ['group:default/g'] } : {}),
  } as Finding);

const result: AnalysisResult = {
  findings: Array.from({ length: 50 }, (_, i) => finding(i)),
  graph: {
    nodes: [
      {
        ref: 'component:default/B',
        kind: 'component',
        name: 'B',
        hasContract: true,
      },
      {
        ref: 'component:default/a-1',
        kind: 'component',
        name: 'a-1',
        hasContract: false,
      },
    ],
    edges: [
      {
        id: 'e1',
        from: 'component:default/a-1',
        to: 'component:default/B',
        kind: 'call',
        subject: 'op',
        findings: ['f-1'],
      },
    ],
  },
};

describe('GraphItems', () => {
  it('reads the items it keeps as text as they were, one by one or all at once', () => {
    const items = itemsOf(result);
    expect(items.result()).toEqual(result);
    expect(items.findings.all()).toEqual(result.findings);
    expect(items.finding('f-7')).toEqual(finding(7));
    expect(items.evidenceOf('f-7')).toBe('e-7');
    expect(items.findingIdsOf('component:default/b')).toEqual(
      result.findings
        .filter(f => f.provider === 'component:default/b')
        .map(f => f.id),
    );
    // a finding that is its own provider is listed once
    expect(items.findingIdsOf('component:default/a-0')).toEqual(['f-0']);
    expect(items.node('component:default/b')?.name).toBe('B');
    expect(items.hasContract('component:default/b')).toBe(true);
    expect(items.hasContract('component:default/a-1')).toBe(false);
    expect(items.graphText()).toBe(JSON.stringify(result.graph));
  });

  it("tells each finding's severity and flags, and the counts of severities, without parsing it", () => {
    const items = itemsOf(result);
    result.findings.forEach((f, row) => {
      expect(items.severity(row)).toBe(f.severity);
      expect(items.flag(row, FindingFlag.deciders)).toBe(!!f.deciders);
      expect(items.flag(row, FindingFlag.notOpen)).toBe(f.status !== 'open');
    });
    expect(items.severityCounts()).toEqual({
      error: 25,
      warning: 25,
      tradeoff: 0,
      info: 0,
    });
  });

  it('writes the items as a JSON array from their text, with the rows given written as given', () => {
    const items = itemsOf(result);
    expect(items.findings.arrayJson()).toBe(JSON.stringify(result.findings));
    const replaced = new Map([
      [0, '"zero"'],
      [7, '"seven"'],
      [49, '"last"'],
    ]);
    expect(JSON.parse(items.findings.arrayJson(replaced))).toEqual(
      result.findings.map((f, i) => {
        const r = replaced.get(i);
        return r ? JSON.parse(r) : f;
      }),
    );
  });

  it('hands a piece over with its places and columns, made from its JSON', () => {
    const json = (items: object[]) => items.map(x => JSON.stringify(x));
    const part = pulledPartOf(result);
    const { counts, places, columns } = part;
    expect(counts).toEqual([50, 2, 1]);
    const texts: string[] = [];
    let at = 0;
    for (const n of counts) {
      for (let i = 0; i < n; i++) {
        texts.push(part.json.slice(places[at + i], places[at + n + i]));
      }
      at += 2 * n;
    }
    expect(texts).toEqual(
      json([...result.findings, ...result.graph.nodes, ...result.graph.edges]),
    );
    expect(columns.findingIds).toEqual(result.findings.map(f => f.id));
    expect(columns.evidence).toEqual(result.findings.map(f => f.evidence));
    expect(columns.consumers[1]).toBe('component:default/a-1');
    expect(columns.providers[1]).toBe('component:default/b');
    expect(columns.nodeKeys).toEqual([
      'component:default/b',
      'component:default/a-1',
    ]);
    expect([...columns.nodeHasContract]).toEqual([1, 0]);
    expect([...columns.findingSeverity.slice(0, 2)]).toEqual([1, 0]);
    // each its own memory, to be handed over
    expect(new Set(pulledBuffers(part)).size).toBe(4);
  });

  it('follows a recipe a run at a time: previous rows and new ones, a row taken twice', () => {
    // previous rows 0..5; the new ones: 0 1 [new 0] 3 4 [new 1 2] 4 (2 and 5 dropped, 4 twice)
    const recipe = Int32Array.from([0, 1, -1, 3, 4, -2, -3, 4]);
    const runs = runsOf(recipe);
    expect([...runs]).toEqual([0, 2, -1, 1, 3, 2, -2, 2, 4, 1]);
    const before = ['a', 'b', 'c', 'd', 'e', 'f'];
    const added = ['x', 'y', 'z'];
    const expected = [...recipe].map(r => (r >= 0 ? before[r] : added[-r - 1]));
    expect(followArray(runs, before, added)).toEqual(expected);
    // a recipe that keeps every row where it was is one run
    const same = runsOf(Int32Array.from([0, 1, 2]));
    expect(isSameRows(same, 3)).toBe(true);
    expect(followArray(same, before.slice(0, 3), [])).toEqual(['a', 'b', 'c']);
    expect(isSameRows(runsOf(new Int32Array(0)), 0)).toBe(true);
    expect(isSameRows(runs, 6)).toBe(false);
  });
});

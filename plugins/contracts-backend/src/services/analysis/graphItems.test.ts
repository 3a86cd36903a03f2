import type {
  AnalysisResult,
  Finding,
} from '@backstage-contracts/plugin-contracts-common';
import { itemsOf } from './receive';

const finding = (i: number) =>
  ({
    id: `f-${i}`,
    rule: 'latency-budget',
    severity: i % 2 ? 'error' : 'warning',
    consumer: `component:default/a-${i}`,
    provider: i % 3 ? 'component:default/b' : `component:default/a-${i}`,
    evidence: `e-${i}`,
    message: `"quoted" ${i}\n`,
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
  it('reads the items it keeps as text as they were, one by one, all at once or in turns', async () => {
    const items = itemsOf(result);
    expect(items.result()).toEqual(result);
    expect(await items.findings.allInTurns()).toEqual(result.findings);
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
});

import { analyze } from '../engine';
import { essayCatalog } from '../engine/testUtils';
import { buildReport, formatText } from '.';

describe('report', () => {
  const { entities, contracts } = essayCatalog();
  const { findings, graph } = analyze({ entities, contracts });
  const problems = [
    {
      entity: 'component:default/risk',
      file: 'contracts/sla.yaml',
      line: 7,
      column: 9,
      path: 'provides[0].latency.current',
      message: 'bad percentile',
    },
  ];

  it('builds the DESIGN report with summary counts', () => {
    const report = buildReport({
      findings: [...findings].reverse(),
      problems,
      entities,
      contracts,
      edges: graph.edges,
    });
    expect(report.version).toBe(1);
    expect(report.findings).toEqual(findings);
    expect(report.summary).toEqual({
      entities: 6,
      contracts: 4,
      edges: 3,
      findings: { error: 3, warning: 1, tradeoff: 1, info: 0 },
    });
    expect(
      buildReport({ findings: [], entities: 2, contracts: 1, edges: 0 }).summary
        .entities,
    ).toBe(2);
  });

  it('renders each finding in the essay form, then problems and the summary', () => {
    const report = buildReport({
      findings,
      problems,
      entities,
      contracts,
      edges: graph.edges,
    });
    const text = formatText(report);
    expect(text).toContain(`ERROR: Latency contract violation
  checkout expects: p95 < 200ms
  risk provides: p95 = 3200ms (current)

Status: BLOCKS_INTEGRATION
Action: Risk must implement caching before integration`);
    expect(text).toContain(
      '[latency-budget] component:default/checkout contracts/test.yaml:1:1',
    );
    expect(text).toContain(
      'PROBLEM: component:default/risk contracts/sla.yaml:7:9 at provides[0].latency.current: bad percentile',
    );
    expect(text.trim().split('\n').pop()).toBe(
      '6 entities, 4 contracts, 3 edges: 3 errors, 1 warning, 1 trade-off, 0 infos, 1 problem',
    );
    expect(text).not.toContain('\u001b[');
    expect(formatText(report, { color: true })).toContain(
      '\u001b[31;1mERROR: Latency contract violation\u001b[0m',
    );
  });

  it('shows a recorded decision', () => {
    const accepted = { ...findings[4], status: 'accepted' as const };
    const text = formatText(
      buildReport({
        findings: [accepted],
        entities: 0,
        contracts: 0,
        edges: 0,
      }),
    );
    expect(text).toContain('Decision: accepted');
  });
});

import type { ContractsReport, Finding } from '../types';
import { defaultRules } from '../engine/rules';
import { CONTRACT_PROBLEM_RULE_ID, formatSarif } from './sarif';

const finding = (over: Partial<Finding> = {}): Finding => ({
  id: 'fp-1',
  rule: 'latency-budget',
  severity: 'error',
  status: 'open',
  consumer: 'component:default/checkout',
  provider: 'component:default/risk',
  subject: 'scoreTransaction',
  title: 'Latency contract violation',
  expected: 'p95 < 200ms',
  actual: 'p95 = 3200ms (current)',
  impact: '',
  resolutions: [],
  evidence: 'ev-1',
  message: 'ERROR: Latency contract violation\n  checkout expects: p95 < 200ms',
  location: {
    entity: 'component:default/checkout',
    file: 'contracts/dependencies.yaml',
    line: 8,
    column: 19,
    path: 'depends_on[0].latency_budget.acceptable',
  },
  ...over,
});

const report = (
  findings: Finding[],
  problems: ContractsReport['problems'] = [],
) =>
  ({
    version: 1,
    findings,
    problems,
    summary: {
      entities: 2,
      contracts: 2,
      edges: 1,
      findings: { error: 1, warning: 0, tradeoff: 0, info: 0 },
    },
  } as ContractsReport);

const locate = (entity: string, file?: string) => {
  const dir = entity.split('/').pop();
  return file
    ? { uri: `examples/${dir}/${file}` }
    : { uri: `examples/${dir}/catalog-info.yaml`, startLine: 2 };
};

describe('formatSarif', () => {
  it('lists every rule with its default level, and contract problems', () => {
    const log = formatSarif(report([]));
    const rules = log.runs[0].tool.driver.rules;
    expect(rules.map(r => r.id)).toEqual([
      ...defaultRules.map(r => r.id),
      CONTRACT_PROBLEM_RULE_ID,
    ]);
    expect(
      rules.find(r => r.id === 'access-policy')?.defaultConfiguration,
    ).toEqual({
      level: 'warning',
    });
    expect(
      rules.find(r => r.id === 'undeclared-dependency')?.defaultConfiguration,
    ).toEqual({
      level: 'note',
    });
    expect(log.version).toBe('2.1.0');
  });

  it('places a finding at its contract line and names the entities', () => {
    const [result] = formatSarif(report([finding()]), { locate }).runs[0]
      .results;
    expect(result).toMatchObject({
      ruleId: 'latency-budget',
      level: 'error',
      partialFingerprints: { 'contractsFinding/v1': 'fp-1' },
      locations: [
        {
          physicalLocation: {
            artifactLocation: {
              uri: 'examples/checkout/contracts/dependencies.yaml',
              uriBaseId: '%SRCROOT%',
            },
            region: { startLine: 8, startColumn: 19 },
          },
          logicalLocations: [
            {
              name: 'checkout',
              fullyQualifiedName: 'component:default/checkout',
            },
          ],
        },
      ],
      relatedLocations: [
        {
          logicalLocations: [{ fullyQualifiedName: 'component:default/risk' }],
          physicalLocation: { region: { startLine: 2 } },
        },
      ],
    });
    expect(result.message.text).toContain('checkout expects: p95 < 200ms');
  });

  it('falls back to the consumer definition, or logical locations only', () => {
    const noFile = finding({ location: undefined });
    const [located] = formatSarif(report([noFile]), { locate }).runs[0].results;
    expect(located.locations[0].physicalLocation).toEqual({
      artifactLocation: {
        uri: 'examples/checkout/catalog-info.yaml',
        uriBaseId: '%SRCROOT%',
      },
      region: { startLine: 2 },
    });
    const [bare] = formatSarif(report([noFile])).runs[0].results;
    expect(bare.locations[0].physicalLocation).toBeUndefined();
    expect(bare.locations[0].logicalLocations).toHaveLength(1);
  });

  it('sets levels explicitly and suppresses accepted findings', () => {
    const results = formatSarif(
      report([
        finding({
          id: 'a',
          severity: 'tradeoff',
          rule: 'access-policy',
          status: 'accepted',
        }),
        finding({ id: 'b', severity: 'info', rule: 'undeclared-dependency' }),
        finding({ id: 'c', severity: 'warning', rule: 'custom-rule' }),
      ]),
    ).runs[0].results;
    expect(results.map(r => r.level)).toEqual(['warning', 'note', 'warning']);
    expect(results[0].suppressions).toEqual([
      expect.objectContaining({ kind: 'external', status: 'accepted' }),
    ]);
    expect(results[1].suppressions).toBeUndefined();
    const log = formatSarif(report([finding({ rule: 'custom-rule' })]));
    expect(log.runs[0].tool.driver.rules.map(r => r.id)).toContain(
      'custom-rule',
    );
  });

  it('reports contract problems as errors at their file and line', () => {
    const [result] = formatSarif(
      report(
        [],
        [
          {
            entity: 'component:default/risk',
            file: 'contracts/sla.yaml',
            line: 7,
            column: 9,
            path: 'provides[0].latency.current',
            message: 'not a latency',
          },
        ],
      ),
      { locate },
    ).runs[0].results;
    expect(result).toMatchObject({
      ruleId: CONTRACT_PROBLEM_RULE_ID,
      level: 'error',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'examples/risk/contracts/sla.yaml' },
            region: { startLine: 7, startColumn: 9 },
          },
        },
      ],
    });
    const index = result.ruleIndex;
    expect(formatSarif(report([])).runs[0].tool.driver.rules[index].id).toBe(
      CONTRACT_PROBLEM_RULE_ID,
    );
  });
});

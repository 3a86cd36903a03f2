import { parseEntityContract } from '../parser';

const ENTITY = 'component:default/risk';

// Written from the OpenSLO v1 specification (openslo/v1, kind SLO, threshold objectives).
const SLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: score-latency
  displayName: Score latency
  annotations:
    contracts.io/operation: scoreTransaction
spec:
  service: risk
  indicator:
    metadata:
      name: score-latency
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="risk"}[5m])))
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: most requests
      op: lte
      value: 0.25
      target: 0.95
    - displayName: nearly all
      op: lt
      value: 0.9
      targetPercent: 99
`;

describe('OpenSLO v1 SLO import', () => {
  it('reads threshold objectives as latency.target, unit from the metric name', () => {
    const { contract, problems } = parseEntityContract(ENTITY, [
      { file: 'openslo.yaml', text: SLO },
    ]);
    expect(problems).toEqual([]);
    expect(contract.operations).toEqual([
      expect.objectContaining({
        name: 'scoreTransaction',
        current: [],
        target: [
          { percentile: 95, ms: 250 },
          { percentile: 99, ms: 900 },
        ],
        imported: expect.objectContaining({
          'latency.target': expect.objectContaining({
            format: 'openslo',
            line: 26,
            path: 'spec.objectives[0].value',
          }),
        }),
      }),
    ]);
  });

  it('takes the unit from the contracts.io/unit annotation', () => {
    const text = SLO.replace('_seconds_bucket', '_bucket')
      .replace(
        '    contracts.io/operation',
        '    contracts.io/unit: ms\n    contracts.io/operation',
      )
      .replace('value: 0.25', 'value: 250')
      .replace('value: 0.9', 'value: 900');
    const { contract, problems } = parseEntityContract(ENTITY, [
      { file: 'o.yaml', text },
    ]);
    expect(problems).toEqual([]);
    expect(contract.operations[0].target).toEqual([
      { percentile: 95, ms: 250 },
      { percentile: 99, ms: 900 },
    ]);
  });

  it('reports ambiguous and unparsable objectives where they are written and keeps the others', () => {
    const text = SLO.replace('op: lte', 'op: gte').replace(
      'value: 0.9',
      'value: slow',
    );
    const { contract, problems } = parseEntityContract(ENTITY, [
      { file: 'o.yaml', text },
    ]);
    expect(contract.operations).toEqual([]);
    expect(problems.map(p => [p.line, p.path, p.message])).toEqual([
      [25, 'spec.objectives[0].op', expect.stringContaining('`lt` or `lte`')],
      [
        30,
        'spec.objectives[1].value',
        expect.stringContaining('positive number'),
      ],
    ]);
    const noUnit = SLO.replace('_seconds_bucket', '_bucket');
    const unitless = parseEntityContract(ENTITY, [
      { file: 'o.yaml', text: noUnit },
    ]);
    expect(unitless.problems[0]).toMatchObject({
      line: 26,
      message: expect.stringContaining('cannot tell the unit'),
    });
    const ratio = parseEntityContract(ENTITY, [
      { file: 'o.yaml', text: SLO.replace('target: 0.95', 'target: 95') },
    ]);
    expect(ratio.problems[0]).toMatchObject({
      line: 27,
      message: expect.stringContaining('ratio between 0 and 1'),
    });
    expect(ratio.contract.operations[0].target).toEqual([
      { percentile: 99, ms: 900 },
    ]);
  });

  it('reads nothing from other kinds, and no other version', () => {
    const service = parseEntityContract(ENTITY, [
      {
        file: 's.yaml',
        text: 'apiVersion: openslo/v1\nkind: Service\nmetadata: { name: risk }\n',
      },
    ]);
    expect(service).toMatchObject({
      problems: [],
      contract: { operations: [] },
    });
    const alpha = parseEntityContract(ENTITY, [
      {
        file: 's.yaml',
        text: 'apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: { name: x }\n',
      },
    ]);
    expect(alpha.problems).toEqual([
      expect.objectContaining({
        line: 1,
        message: expect.stringContaining('openslo/v1'),
      }),
    ]);
  });
});

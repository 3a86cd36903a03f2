import { parseEntityContract } from '../parser';

const ENTITY = 'component:default/risk';

// Written from Pyrra's ServiceLevelObjective CRD (pyrra.dev/v1alpha1) and its examples.
const P99 = `apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: risk-score-latency-p99
  namespace: monitoring
  labels:
    prometheus: k8s
  annotations:
    contracts.io/operation: scoreTransaction
spec:
  target: "99"
  window: 4w
  indicator:
    latency:
      success:
        metric: http_request_duration_seconds_bucket{job="risk",handler="/score",le="0.8"}
      total:
        metric: http_request_duration_seconds_count{job="risk",handler="/score"}
`;
const P95_NATIVE = `apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: risk-score-latency-p95
spec:
  target: "95"
  window: 4w
  indicator:
    latencyNative:
      latency: 300ms
      total:
        metric: rpc_server_duration_milliseconds{grpc_method="scoreTransaction"}
`;

describe('Pyrra ServiceLevelObjective import', () => {
  it('reads a bucket objective as latency.target (le in the metric unit) and a native one; both SLOs add up', () => {
    const { contract, problems } = parseEntityContract(ENTITY, [
      { file: 'slo/p99.yaml', text: P99 },
      { file: 'slo/p95.yaml', text: P95_NATIVE },
    ]);
    expect(problems).toEqual([]);
    expect(contract.operations).toHaveLength(1);
    const [op] = contract.operations;
    expect(op.name).toBe('scoreTransaction');
    expect(op.current).toEqual([]);
    expect(op.target).toEqual([
      { percentile: 95, ms: 300 },
      { percentile: 99, ms: 800 },
    ]);
    expect(op.imported?.['latency.target']).toEqual({
      format: 'pyrra',
      file: 'slo/p99.yaml',
      line: 16,
      column: 17,
      path: 'spec.indicator.latency.success.metric',
    });
  });

  it('names the operation from a metric label when no annotation does', () => {
    const { contract } = parseEntityContract(ENTITY, [
      { file: 'p95.yaml', text: P95_NATIVE },
    ]);
    expect(contract.operations[0].name).toBe('scoreTransaction');
  });

  it('skips a ratio SLO: it promises no latency', () => {
    const { contract, problems } = parseEntityContract(ENTITY, [
      {
        file: 'errors.yaml',
        text: `apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: { name: risk-errors }
spec:
  target: "99.9"
  indicator:
    ratio:
      errors: { metric: 'http_requests_total{job="risk",code=~"5.."}' }
      total: { metric: 'http_requests_total{job="risk"}' }
`,
      },
    ]);
    expect(problems).toEqual([]);
    expect(contract.operations).toEqual([]);
  });

  it.each([
    [
      'a target that is no percentage',
      P99.replace('target: "99"', 'target: "high"'),
      11,
      'spec.target',
      '`high`',
    ],
    [
      'a bucket without le',
      P99.replace(',le="0.8"', ''),
      16,
      'spec.indicator.latency.success.metric',
      'no `le` label',
    ],
    [
      'a metric of unknown unit',
      P99.replace('duration_seconds_bucket', 'duration_bucket'),
      16,
      'spec.indicator.latency.success.metric',
      'cannot tell the unit',
    ],
    [
      'no operation',
      P95_NATIVE.replace('{grpc_method="scoreTransaction"}', '{job="risk"}'),
      4,
      'metadata',
      'names no operation',
    ],
    [
      'an unparsable native latency',
      P95_NATIVE.replace('300ms', 'fast'),
      10,
      'spec.indicator.latencyNative.latency',
      'expected a duration',
    ],
  ])('reports %s where it is written', (_, text, line, path, message) => {
    const { contract, problems } = parseEntityContract(ENTITY, [
      { file: 'slo.yaml', text },
    ]);
    expect(contract.operations).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'slo.yaml',
        line,
        path,
        message: expect.stringContaining(message),
      }),
    ]);
  });
});

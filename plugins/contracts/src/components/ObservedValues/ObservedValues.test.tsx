import { screen } from '@testing-library/react';
import {
  type Observation,
  parseEntityContract,
} from '@backstage-contracts/plugin-contracts-common';
import type { Entity } from '@backstage/catalog-model';
import {
  entityResponse,
  mockContractsApi,
  renderWith,
} from '../../__testUtils__';
import { ContractsCard } from '../ContractsCard';

const RISK = `service: risk
availability: { promise: 99.95%, metric: opentelemetry }
provides:
  - operation: scoreTransaction
    availability: { promise: 99.9%, metric: { route: /score } }
    latency:
      current: p50=2800ms, p95=3200ms
      metric: { route: /score }
  - dataset: user_purchases
    freshness: { max: 60s, metric: 'max(pg_replication_lag_seconds)' }
`;

const riskEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'risk',
    namespace: 'default',
    annotations: { 'contracts.io/spec': RISK },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'risk-team' },
};

const NOW = Date.parse('2026-12-06T12:00:00.000Z');

function observation(o: Partial<Observation>): Observation {
  return {
    kind: 'latency',
    subject: 'scoreTransaction',
    percentile: 95,
    status: 'ok',
    value: 4012.4,
    measuredAt: '2026-12-06T11:57:00.000Z',
    checkedAt: '2026-12-06T11:57:00.000Z',
    window: '7d',
    windowMs: 7 * 86_400_000,
    step: '5m',
    query: 'histogram_quantile(0.95, …)',
    source: 'http://prometheus:9090',
    series: [
      [1, 3900],
      [2, 4100],
      [3, 4012],
    ],
    ...o,
  };
}

async function renderRisk(observed: Observation[]) {
  const parsed = parseEntityContract('component:default/risk', [
    { file: 'contracts/sla.yaml', text: RISK },
  ]);
  const contracts = { ...parsed.contract, observed };
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
  await renderWith(<ContractsCard />, {
    entity: riskEntity,
    api: mockContractsApi({
      getEntity: jest.fn(async () =>
        entityResponse({
          entityRef: 'component:default/risk',
          contracts,
          findings: [],
          decisions: [],
        }),
      ),
    }),
  });
}

describe('observed values on the Contracts card', () => {
  afterEach(() => jest.restoreAllMocks());

  it('shows the measured value beside the declared one, with its sparkline', async () => {
    await renderRisk([observation({})]);
    expect(
      await screen.findByText(/latency now p50=2800ms, p95=3200ms/),
    ).toBeInTheDocument();
    expect(
      screen.getByText('observed p95 4012ms over 7 d (3 min ago)'),
    ).toBeInTheDocument();
    const line = screen.getByTestId('observed-value');
    expect(line).toHaveAttribute('data-status', 'ok');
    // the sparkline of the window (react-sparklines through Backstage's TrendLine)
    expect(line.querySelector('svg polyline')).not.toBeNull();
  });

  it('shows the measured availability beside the promised one, for the service and an operation', async () => {
    const availability = (subject: string, value: number) =>
      observation({
        kind: 'availability',
        subject,
        percentile: undefined,
        value,
        query: 'sum(rate(…_count{…,http_response_status_code!~"5.."}[7d])) / …',
        series: [
          [1, 99.8],
          [2, value],
        ],
      });
    await renderRisk([
      availability('*', 99.7104),
      availability('scoreTransaction', 99.95),
    ]);
    expect(
      await screen.findByText(/availability 99\.9% ·|availability 99\.9%$/),
    ).toBeInTheDocument();
    const [service, operation, ...rest] =
      screen.getAllByTestId('observed-value');
    expect(rest).toEqual([]);
    expect(service).toHaveTextContent(
      'observed availability 99.71% over 7 d (3 min ago)',
    );
    expect(operation).toHaveTextContent(
      'observed availability 99.95% over 7 d (3 min ago)',
    );
    expect(service.querySelector('svg polyline')).not.toBeNull();
    expect(screen.getByText(/of the whole service/).textContent).toBe(
      'availability 99.95% of the whole service',
    );
  });

  it('a failing query shows as failing, with the last good value and its age, never as a pass', async () => {
    await renderRisk([
      observation({
        status: 'failing',
        checkedAt: '2026-12-06T12:00:00.000Z',
        measuredAt: '2026-12-06T10:00:00.000Z',
        error:
          'Prometheus at http://prometheus:9090 is unreachable: ECONNREFUSED',
      }),
      observation({
        kind: 'freshness',
        subject: 'user_purchases',
        percentile: undefined,
        status: 'no-data',
        value: undefined,
        measuredAt: undefined,
        series: undefined,
        error: 'the query returned nothing over 7d',
      }),
    ]);
    const [latency, freshness] = await screen.findAllByTestId('observed-value');
    expect(latency).toHaveAttribute('data-status', 'failing');
    expect(latency).toHaveTextContent('observed p95 4012ms over 7 d');
    expect(latency).toHaveTextContent(
      'query failing — last good value 2 h ago: Prometheus at http://prometheus:9090 is unreachable: ECONNREFUSED',
    );
    expect(freshness).toHaveAttribute('data-status', 'no-data');
    expect(freshness).toHaveTextContent(
      'observed worst age: not measuredno data — no value yet: the query returned nothing over 7d',
    );
    expect(screen.queryByText(/\(3 min ago\)/)).toBeNull();
  });

  it('a measurement no run has replaced for three intervals shows as stale, not as a pass', async () => {
    await renderRisk([
      observation({
        checkedAt: '2026-12-06T10:00:00.000Z',
        measuredAt: '2026-12-06T10:00:00.000Z',
        staleAfter: '2026-12-06T10:15:00.000Z',
      }),
    ]);
    const line = await screen.findByTestId('observed-value');
    expect(line).toHaveAttribute('data-status', 'stale');
    expect(line).toHaveTextContent('observed p95 4012ms over 7 d');
    expect(line).toHaveTextContent('stale: not measured again since 2 h ago');
    expect(line).not.toHaveTextContent('(2 h ago)');
  });
});

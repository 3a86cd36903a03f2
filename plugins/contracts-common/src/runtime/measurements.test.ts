import { parseEntityContract } from '../parser';
import type { EntityContract } from '../types';
import { planMeasurements } from './measurements';

function parse(name: string, yaml: string): EntityContract {
  const parsed = parseEntityContract(`component:default/${name}`, [
    { file: 'contracts/c.yaml', text: yaml },
  ]);
  expect(parsed.problems).toEqual([]);
  return parsed.contract;
}

describe('planMeasurements: availability', () => {
  it('plans the OpenTelemetry success ratio of the service and of a route, in percent', () => {
    const plan = planMeasurements([
      parse(
        'storefront',
        `availability: { promise: 99.95%, metric: opentelemetry }
provides:
  - operation: placeOrder
    availability: { promise: 99.9%, metric: { route: /orders } }
  - operation: browse
    availability: 99%
`,
      ),
    ]).filter(m => m.kind === 'availability');
    expect(plan.map(m => [m.subject, m.query, m.seriesQuery, m.toMs])).toEqual([
      [
        '*',
        'sum(rate(http_server_request_duration_seconds_count{job="storefront",http_response_status_code!~"5.."}[7d])) / sum(rate(http_server_request_duration_seconds_count{job="storefront"}[7d]))',
        'sum(rate(http_server_request_duration_seconds_count{job="storefront",http_response_status_code!~"5.."}[5m])) / sum(rate(http_server_request_duration_seconds_count{job="storefront"}[5m]))',
        100,
      ],
      [
        'placeOrder',
        'sum(rate(http_server_request_duration_seconds_count{job="storefront",http_route="/orders",http_response_status_code!~"5.."}[7d])) / sum(rate(http_server_request_duration_seconds_count{job="storefront",http_route="/orders"}[7d]))',
        'sum(rate(http_server_request_duration_seconds_count{job="storefront",http_route="/orders",http_response_status_code!~"5.."}[5m])) / sum(rate(http_server_request_duration_seconds_count{job="storefront",http_route="/orders"}[5m]))',
        100,
      ],
    ]);
  });

  it('fills $window into a written query and keeps a % query as it is', () => {
    const plan = planMeasurements(
      [
        parse(
          'ledger',
          `availability:
  promise: 99.5%
  metric: { query: '100 * avg_over_time(up{job="ledger"}[$window])', unit: '%' }
`,
        ),
      ],
      {
        windowMs: 86_400_000,
        stepMs: 60_000,
        tolerance: 0.1,
        opentelemetry: {
          metric: 'm',
          serviceLabel: 'service',
          routeLabel: 'route',
          statusLabel: 'code',
        },
      },
    );
    expect(plan).toEqual([
      expect.objectContaining({
        entityRef: 'component:default/ledger',
        kind: 'availability',
        subject: '*',
        query: '100 * avg_over_time(up{job="ledger"}[1d])',
        seriesQuery: '100 * avg_over_time(up{job="ledger"}[1m])',
        toMs: 1,
      }),
    ]);
  });
});

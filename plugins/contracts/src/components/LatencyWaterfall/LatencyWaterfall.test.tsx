import { screen, within } from '@testing-library/react';
import { parseEntityContract } from '@backstage-contracts/plugin-contracts-common';
import type { Entity } from '@backstage/catalog-model';
import {
  entityResponse,
  latencyFinding,
  mockContractsApi,
  renderWith,
} from '../../__testUtils__';
import { FindingWaterfall, LatencyWaterfallCard } from '.';

const CHECKOUT = `service: checkout
depends_on:
  - service: risk
    operation: scoreTransaction
    latency_budget:
      acceptable: p95 < 200ms
      maximum: p99 < 500ms
    timeout: 500ms
    retry: none
retry_policies:
  - target: risk.scoreTransaction
    on_timeout:
      generates_new_request_id: true
`;
const RISK = `service: risk
provides:
  - operation: scoreTransaction
    latency:
      current: p50=2800ms, p95=3200ms
data_dependencies:
  - source: orders
    dataset: user_purchases
    freshness_required: <10s
`;
const ORDERS = `service: orders
provides:
  - dataset: user_purchases
    freshness: 15-30s typical, 60s max
`;

const parse = (name: string, text: string) =>
  parseEntityContract(`component:default/${name}`, [{ file: 'c.yaml', text }])
    .contract;
const contracts: Record<string, ReturnType<typeof parse>> = {
  'component:default/checkout': parse('checkout', CHECKOUT),
  'component:default/risk': parse('risk', RISK),
  'component:default/orders': parse('orders', ORDERS),
};

const entity = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'contracts.io/ref': 'dir:./contracts' },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'team' },
});

function api() {
  return mockContractsApi({
    getEntity: jest.fn(async (ref: string) => {
      const contract = contracts[ref];
      if (!contract) throw new Error(`no ${ref}`);
      return entityResponse({
        entityRef: ref,
        contracts: contract,
        findings: ref.endsWith('/checkout') ? [latencyFinding] : [],
      });
    }),
  });
}

describe('LatencyWaterfallCard', () => {
  it("draws checkout's call to risk: 3200ms, the critical hop, against the 200ms budget", async () => {
    const contractsApi = api();
    await renderWith(<LatencyWaterfallCard />, {
      api: contractsApi,
      entity: entity('checkout'),
    });
    const figure = await screen.findByTestId('latency-waterfall');
    await within(figure).findByText(
      "risk.scoreTransaction: p95 = 3200ms against checkout's budget p95 < 200ms",
    );
    const hop = within(figure).getByTestId('waterfall-hop');
    expect(hop).toHaveAttribute('data-critical', 'true');
    expect(hop).toHaveTextContent('risk.scoreTransaction — critical hop');
    expect(hop).toHaveTextContent(
      'p95 = 3200ms · timeout 500ms · × 2 attempts',
    );
    expect(hop).toHaveTextContent(
      '3200ms · 16× the budget · retries: up to 1s',
    );
    // risk's contract was read from the backend, as the caller may read it
    expect(contractsApi.getEntity).toHaveBeenCalledWith(
      'component:default/risk',
    );
  });

  it("draws risk's need of user_purchases against the replica's freshness", async () => {
    await renderWith(<LatencyWaterfallCard />, {
      api: api(),
      entity: entity('risk'),
    });
    const figure = await screen.findByTestId('freshness-waterfall');
    await within(figure).findByText(
      "orders.user_purchases: up to 60s old against risk's need <10s",
    );
    expect(within(figure).getByTestId('waterfall-hop')).toHaveTextContent(
      '15-30s typical, 60s max',
    );
  });

  it('shows nothing for a contract without calls or needs when asked to hide', async () => {
    await renderWith(
      <div data-testid="holder">
        <LatencyWaterfallCard hideWhenEmpty />
      </div>,
      { api: api(), entity: entity('orders') },
    );
    const holder = await screen.findByTestId('holder');
    // the entity's own answer comes first; nothing is drawn after it
    await new Promise(r => setTimeout(r, 50));
    expect(holder).toBeEmptyDOMElement();
  });
});

describe('FindingWaterfall', () => {
  it('pictures a latency finding, and nothing for a rule it does not draw', async () => {
    await renderWith(
      <>
        <FindingWaterfall finding={latencyFinding} />
        <div data-testid="other">
          <FindingWaterfall
            finding={{ ...latencyFinding, rule: 'access-policy' }}
          />
        </div>
      </>,
      { api: api(), entity: entity('checkout') },
    );
    const figure = await screen.findByTestId('finding-waterfall');
    await within(figure).findByText(/p95 = 3200ms against checkout's budget/);
    expect(screen.getByTestId('other')).toBeEmptyDOMElement();
  });
});

import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { parseEntityContract } from '@backstage-contracts/plugin-contracts-common';
import {
  checkoutEntity,
  entityResponse,
  mockContractsApi,
  renderWith,
} from '../../__testUtils__';
import { ContractsCard } from './ContractsCard';

const SLO = `apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: score-p95
  annotations: { contracts.io/operation: scoreTransaction }
spec:
  target: "95"
  indicator:
    latency:
      success: { metric: 'http_request_duration_seconds_bucket{le="0.4"}' }
`;
const ODCS = `apiVersion: v3.1.0
kind: DataContract
schema:
  - name: ledger_entries
    properties: [{ name: email, classification: pii }]
slaProperties: [{ property: latency, value: 5, unit: m }]
`;
const DECLARED = `provides:
  - operation: refund
    latency: { current: p95=80ms }
`;

describe('ContractsCard: imported values', () => {
  it('marks imported values with their standard and file, apart from declared ones', async () => {
    const { contract } = parseEntityContract('component:default/checkout', [
      { file: 'slo/p95.yaml', text: SLO },
      { file: 'contracts/ledger.odcs.yaml', text: ODCS },
      { file: 'contracts/sla.yaml', text: DECLARED },
    ]);
    const api = mockContractsApi({
      getEntity: jest.fn(async () =>
        entityResponse({ contracts: contract, findings: [] }),
      ),
    });
    await renderWith(<ContractsCard />, { api, entity: checkoutEntity });
    expect(
      await screen.findByText(
        /Values marked imported were read from a standard/,
      ),
    ).toBeInTheDocument();
    const marks = screen.getAllByTestId('imported-mark');
    expect(marks.map(m => m.textContent?.trim())).toEqual([
      'imported · Pyrra SLO slo/p95.yaml:4',
      'imported · ODCS contracts/ledger.odcs.yaml:4',
    ]);
    // the declared operation has no mark
    const refund = screen.getByText('refund').closest('li')!;
    expect(within(refund).queryByTestId('imported-mark')).toBeNull();
    expect(screen.getByText(/target p95=400ms/)).toBeInTheDocument();
    expect(
      screen.getByText(/freshness 5m max · PII: email/),
    ).toBeInTheDocument();
    await userEvent.hover(within(marks[0]).getByText('imported · Pyrra SLO'));
    expect(
      await screen.findByText(
        /latency.target: imported from Pyrra SLO \(slo\/p95.yaml, line 4/,
      ),
    ).toBeInTheDocument();
  });
});

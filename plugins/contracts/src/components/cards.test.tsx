import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  checkoutEntity,
  entityResponse,
  latencyFinding,
  mockContractsApi,
  plainEntity,
  renderWith,
  riskContract,
} from '../__testUtils__';
import { ContractsCard } from './ContractsCard';
import { ConflictsCard } from './ConflictsCard';
import { DecisionsCard } from './DecisionsCard';

const never = () => new Promise<never>(() => {});
const failing = async () => {
  throw new Error('contracts backend is down');
};

describe.each([
  ['ContractsCard', ContractsCard, 'Contracts'],
  ['ConflictsCard', ConflictsCard, 'Conflicts'],
  ['DecisionsCard', DecisionsCard, 'Trade-off decisions'],
])('%s', (_name, Card, title) => {
  it('shows progress while loading', async () => {
    const api = mockContractsApi({ getEntity: jest.fn(never) });
    await renderWith(<Card />, { api, entity: checkoutEntity });
    expect(screen.getByText(title)).toBeInTheDocument();
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('shows the error', async () => {
    const api = mockContractsApi({ getEntity: jest.fn(failing) });
    await renderWith(<Card />, { api, entity: checkoutEntity });
    expect((await screen.findAllByText(/contracts backend is down/)).length).toBeGreaterThan(0);
  });

  it('shows how to add a contract when the annotation is missing', async () => {
    const api = mockContractsApi();
    await renderWith(<Card />, { api, entity: plainEntity });
    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
    expect(screen.getAllByText(/contracts\.io\/spec/).length).toBeGreaterThan(0);
    expect(api.getEntity).not.toHaveBeenCalled();
  });
});

describe('ContractsCard content', () => {
  it('says what the entity requires of whom, in plain words', async () => {
    await renderWith(<ContractsCard />, { entity: checkoutEntity });
    expect(await screen.findByText('Requires')).toBeInTheDocument();
    const line = screen.getByText(/needs/);
    expect(line).toHaveTextContent(
      'needs risk.scoreTransaction p95 < 200ms, timeout 500ms, no retry',
    );
    expect(within(line).getByRole('link', { name: 'risk' })).toHaveAttribute(
      'href',
      '/catalog/default/component/risk',
    );
  });

  it('lists operations with latency now and target, endpoints with access and PII', async () => {
    const api = mockContractsApi({
      getEntity: jest.fn(async () => entityResponse({ contracts: riskContract })),
    });
    await renderWith(<ContractsCard />, { api, entity: checkoutEntity });
    expect(await screen.findByText('Provides')).toBeInTheDocument();
    expect(screen.getByText(/latency now p50=2800ms, p95=3200ms/)).toBeInTheDocument();
    expect(screen.getByText(/target p50=80ms, p95=150ms/)).toBeInTheDocument();
    expect(screen.getByText(/access risk_team_only · PII: card fingerprint/)).toBeInTheDocument();
    expect(screen.getByText(/dataset purchases fresher than 10s/)).toBeInTheDocument();
  });

  it('shows located problems and the empty state', async () => {
    const api = mockContractsApi({
      getEntity: jest.fn(async () =>
        entityResponse({
          contracts: null,
          problems: [
            {
              entity: 'component:default/checkout',
              path: 'depends_on[0].timeout',
              message: 'timeout `fast` is not a duration',
              line: 7,
              column: 14,
            },
          ],
        }),
      ),
    });
    await renderWith(<ContractsCard />, { api, entity: checkoutEntity });
    expect(await screen.findByText(/No contract has been read/)).toBeInTheDocument();
    expect(screen.getByText(/is not a duration/)).toBeInTheDocument();
  });
});

describe('ConflictsCard content', () => {
  it('lists findings severity first with status chips, expandable, filterable', async () => {
    await renderWith(<ConflictsCard />, { entity: checkoutEntity });
    const titles = await screen.findAllByText(/contract violation|conflict|tail latency/i, {
      selector: 'strong',
    });
    expect(titles.map(t => t.textContent)).toEqual([
      'Latency contract violation',
      'Access policy conflict',
      'Timeout below tail latency',
    ]);
    expect(screen.getAllByText('open')).toHaveLength(2);
    expect(screen.getByText('accepted')).toBeInTheDocument();

    await userEvent.click(titles[0]);
    expect(await screen.findByText(/Checkout times out on every risk call/)).toBeInTheDocument();
    expect(screen.getByText('Risk implements caching')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Record decision' })).toBeInTheDocument();

    await userEvent.click(screen.getByLabelText('Severity'));
    await userEvent.click(await screen.findByRole('option', { name: 'tradeoff' }));
    await waitFor(() =>
      expect(screen.queryByText('Latency contract violation')).not.toBeInTheDocument(),
    );
    expect(screen.getByText('Access policy conflict')).toBeInTheDocument();
    expect(screen.getByText('1 of 3')).toBeInTheDocument();
  });

  /** Opens the latency finding on checkout's card, with the accept permission answering so. */
  async function openLatencyFinding(permission: 'ALLOW' | 'DENY') {
    // an id of its own per answer: the permission client caches answers by resource
    const finding = { ...latencyFinding, id: `${latencyFinding.id}-${permission}` };
    delete finding.canAccept;
    const api = mockContractsApi({
      getEntity: jest.fn(async () => entityResponse({ findings: [finding] })),
    });
    await renderWith(<ConflictsCard />, { api, entity: checkoutEntity, permission });
    const [latency] = await screen.findAllByText('Latency contract violation', {
      selector: 'strong',
    });
    await userEvent.click(latency);
    await screen.findByText(/Checkout times out on every risk call/);
  }
  const refusal = 'Only its deciders or owners can accept this finding';

  it('says so when the accept permission refuses an opened finding', async () => {
    await openLatencyFinding('DENY');
    expect(await screen.findByText(refusal)).toBeInTheDocument();
  });

  it('says nothing of the kind when the accept permission allows it', async () => {
    await openLatencyFinding('ALLOW');
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Record decision' })).toBeInTheDocument(),
    );
    expect(screen.queryByText(refusal)).not.toBeInTheDocument();
  });

  it('says so when there are no conflicts', async () => {
    const api = mockContractsApi({
      getEntity: jest.fn(async () => entityResponse({ findings: [] })),
    });
    await renderWith(<ConflictsCard />, { api, entity: checkoutEntity });
    expect(await screen.findByText(/No conflicts/)).toBeInTheDocument();
  });
});

describe('DecisionsCard content', () => {
  it('lists decisions newest first with status, deciders, review date and the chain', async () => {
    const api = mockContractsApi();
    await renderWith(<DecisionsCard />, { api, entity: checkoutEntity });
    const items = await screen.findAllByTestId('decision');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('Redacted breakdown for support');
    expect(items[0]).toHaveTextContent('accepted');
    expect(items[0]).toHaveTextContent('Review by 2031-01-01');
    expect(items[0]).toHaveTextContent('Supersedes “Keep the breakdown restricted”');
    expect(within(items[0]).getByRole('link', { name: /risk-team/ })).toBeInTheDocument();
    expect(items[1]).toHaveTextContent('superseded');
    expect(items[1]).toHaveTextContent('Superseded by “Redacted breakdown for support”');

    (URL as any).createObjectURL = jest.fn(() => 'blob:x');
    (URL as any).revokeObjectURL = jest.fn();
    const download = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function checkName(this: HTMLAnchorElement) {
        expect(this.download).toBe('0001-decision.md');
      });
    await userEvent.click(within(items[0]).getByRole('button', { name: 'ADR file' }));
    await waitFor(() => expect(api.getDecisionAdr).toHaveBeenCalledWith('d1'));
    await waitFor(() => expect(download).toHaveBeenCalled());
    download.mockRestore();
  });

  it('says so when there are no decisions', async () => {
    const api = mockContractsApi({
      getEntity: jest.fn(async () => entityResponse({ decisions: [] })),
    });
    await renderWith(<DecisionsCard />, { api, entity: checkoutEntity });
    expect(await screen.findByText(/No trade-off decisions recorded yet/)).toBeInTheDocument();
  });
});

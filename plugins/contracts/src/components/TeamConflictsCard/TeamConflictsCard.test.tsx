import { screen, within } from '@testing-library/react';
import {
  accessFinding,
  latencyFinding,
  mockContractsApi,
  renderWith,
  riskTeam,
} from '../../__testUtils__';
import { TeamConflictsCard } from './TeamConflictsCard';

describe('TeamConflictsCard', () => {
  it('shows counts by severity, by counterpart team, and what awaits the team', async () => {
    const api = mockContractsApi({
      getFindings: jest.fn(async () => ({
        items: [latencyFinding, { ...accessFinding, status: 'open' as const }],
      })),
    });
    await renderWith(<TeamConflictsCard />, { api, entity: riskTeam });
    expect(await screen.findByText('By counterpart team')).toBeInTheDocument();
    expect(api.getFindings).toHaveBeenCalledWith(
      expect.objectContaining({ owner: 'group:default/risk-team' }),
    );
    expect(screen.getByTestId('team-count-error')).toHaveTextContent('1');
    expect(screen.getByTestId('team-count-tradeoff')).toHaveTextContent('1');
    const table = screen.getByRole('table', { name: /counterpart/ });
    expect(within(table).getByRole('link', { name: /checkout-team/ })).toBeInTheDocument();
    expect(within(table).getByRole('link', { name: /support-team/ })).toBeInTheDocument();
    expect(screen.getByText('Decisions awaiting this team (1)')).toBeInTheDocument();
  });

  it('follows the cursor', async () => {
    const api = mockContractsApi({
      getFindings: jest
        .fn()
        .mockResolvedValueOnce({ items: [latencyFinding], nextCursor: 'c2' })
        .mockResolvedValueOnce({ items: [accessFinding] }),
    });
    await renderWith(<TeamConflictsCard />, { api, entity: riskTeam });
    expect(await screen.findByText('By counterpart team')).toBeInTheDocument();
    expect(api.getFindings).toHaveBeenCalledTimes(2);
    expect(api.getFindings.mock.calls[1][0]).toMatchObject({ cursor: 'c2' });
  });

  it('shows loading, error and empty states', async () => {
    const never = mockContractsApi({ getFindings: jest.fn(() => new Promise<never>(() => {})) });
    const first = await renderWith(<TeamConflictsCard />, { api: never, entity: riskTeam });
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
    first.unmount();

    const failing = mockContractsApi({ getFindings: jest.fn(async () => { throw new Error('boom'); }) });
    const second = await renderWith(<TeamConflictsCard />, { api: failing, entity: riskTeam });
    expect((await screen.findAllByText(/boom/)).length).toBeGreaterThan(0);
    second.unmount();

    await renderWith(<TeamConflictsCard />, { api: mockContractsApi(), entity: riskTeam });
    expect(await screen.findByText(/No conflicts across anything this team owns/)).toBeInTheDocument();
  });
});

import { screen, within } from '@testing-library/react';
import type { UnansweredNeeds } from '../../api';
import {
  mockContractsApi,
  plainEntity,
  renderWith,
  riskTeam,
} from '../../__testUtils__';
import { TeamUnansweredNeedsCard } from './TeamUnansweredNeedsCard';
import { UnansweredNeedsCard } from './UnansweredNeedsCard';

const recommend: UnansweredNeeds = {
  provider: 'component:default/plain',
  owner: 'group:default/checkout-team',
  subject: 'recommend',
  kind: 'no-contract',
  aspect: 'latency',
  consumers: 3,
  needs: [
    {
      findingId: 'f1',
      consumer: 'component:default/storefront',
      expected: 'p95 < 100ms',
    },
    {
      findingId: 'f2',
      consumer: 'component:default/mobile-bff',
      expected: 'p99 < 300ms',
    },
    { findingId: 'f3', consumer: 'an entity you cannot see', expected: '' },
  ],
};
const balances: UnansweredNeeds = {
  provider: 'component:default/ledger',
  subject: 'ledger_balances',
  kind: 'undeclared',
  aspect: 'dataset',
  consumers: 1,
  needs: [
    {
      findingId: 'f4',
      consumer: 'component:default/storefront',
      expected: 'dataset ledger/ledger_balances provided by ledger',
    },
  ],
};

describe('UnansweredNeedsCard', () => {
  it('lists the needs of others on the entity, in words addressed to its owners', async () => {
    const api = mockContractsApi({
      getUnanswered: jest.fn(async () => ({ items: [recommend], total: 1 })),
    });
    await renderWith(<UnansweredNeedsCard />, { api, entity: plainEntity });
    expect(
      await screen.findByText(
        '3 consumers depend on recommend latency; you promise nothing',
      ),
    ).toBeInTheDocument();
    expect(api.getUnanswered).toHaveBeenCalledWith(
      expect.objectContaining({ provider: 'component:default/plain' }),
    );
    const item = screen.getByTestId('unanswered-need');
    expect(
      within(item).getByRole('link', { name: /storefront/ }),
    ).toBeInTheDocument();
    expect(item).toHaveTextContent('needs p95 < 100ms');
    expect(item).toHaveTextContent('an entity you cannot see');
    expect(item).toHaveTextContent(/import one you already write \(ODCS/);
  });

  it('shows loading, error and empty states; hides itself when empty on the overview', async () => {
    const failing = mockContractsApi({
      getUnanswered: jest.fn(async () => {
        throw new Error('boom');
      }),
    });
    const first = await renderWith(<UnansweredNeedsCard />, {
      api: failing,
      entity: plainEntity,
    });
    expect((await screen.findAllByText(/boom/)).length).toBeGreaterThan(0);
    first.unmount();
    const empty = await renderWith(<UnansweredNeedsCard />, {
      api: mockContractsApi(),
      entity: plainEntity,
    });
    expect(
      await screen.findByText(
        /Every need others state on this entity is answered/,
      ),
    ).toBeInTheDocument();
    empty.unmount();
    const api = mockContractsApi();
    await renderWith(<UnansweredNeedsCard hideWhenEmpty />, {
      api,
      entity: plainEntity,
    });
    await new Promise(r => setTimeout(r, 50));
    expect(api.getUnanswered).toHaveBeenCalled();
    expect(
      screen.queryByText(/Needs you have not answered/),
    ).not.toBeInTheDocument();
  });
});

describe('TeamUnansweredNeedsCard', () => {
  it('rolls the needs up per entity the team owns, following the cursor', async () => {
    const api = mockContractsApi({
      getUnanswered: jest
        .fn()
        .mockResolvedValueOnce({
          items: [recommend],
          nextCursor: 'c2',
          total: 2,
        })
        .mockResolvedValueOnce({ items: [balances], total: 2 }),
    });
    await renderWith(<TeamUnansweredNeedsCard />, { api, entity: riskTeam });
    expect(
      await screen.findByTestId('team-unanswered-total'),
    ).toHaveTextContent(
      "4 needs of others on 2 of the team's entities have no promise to check them against.",
    );
    expect(api.getUnanswered.mock.calls[0][0]).toMatchObject({
      owner: 'group:default/risk-team',
    });
    expect(api.getUnanswered.mock.calls[1][0]).toMatchObject({ cursor: 'c2' });
    const providers = screen.getAllByTestId('team-unanswered-provider');
    expect(providers).toHaveLength(2);
    expect(providers[1]).toHaveTextContent(
      '1 consumer depends on dataset ledger_balances; your contract does not declare it',
    );
  });
});

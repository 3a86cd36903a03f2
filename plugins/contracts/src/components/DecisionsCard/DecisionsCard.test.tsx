/*
 * The Trade-off decisions card: each decider's signature or "awaiting", signing and withdrawing
 * through the API, the refusals of the API in words, and the paged history.
 */
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ResponseError } from '@backstage/errors';
import {
  accessFinding,
  checkoutEntity,
  decision,
  entityResponse,
  mockContractsApi,
  olderDecision,
  renderWith,
} from '../../__testUtils__';
import type { Decision } from '../../api';
import { DecisionsCard } from './DecisionsCard';

/** Proposed by the guest (support), signed by support, rejected by risk, awaiting product. */
const proposal: Decision = {
  ...decision,
  id: 'd2',
  title: 'Share the breakdown with support tier 2',
  supersedes: undefined,
  status: 'rejected',
  deciders: [
    'group:default/risk-team',
    'group:default/support-team',
    'group:default/product-team',
  ],
  signatures: [
    {
      decider: 'group:default/support-team',
      verdict: 'accept',
      signedBy: 'user:default/guest',
      signedAt: '2025-01-03T09:00:00Z',
    },
    {
      decider: 'group:default/risk-team',
      verdict: 'accept',
      signedBy: 'user:default/riley',
      signedAt: '2025-01-03T09:30:00Z',
    },
    {
      decider: 'group:default/risk-team',
      verdict: 'reject',
      signedBy: 'user:default/bob',
      signedAt: '2025-01-04T10:15:00Z',
    },
  ],
  awaiting: ['group:default/risk-team', 'group:default/product-team'],
  recordedBy: 'user:default/guest',
  recordedAt: '2025-01-03T09:00:00Z',
};

function withDecisions(decisions: Decision[], decisionCount?: number) {
  return jest.fn(async () =>
    entityResponse({
      decisions,
      decisionCount: decisionCount ?? decisions.length,
    }),
  );
}

async function renderCard(
  options: Parameters<typeof renderWith>[1] & { decisions?: Decision[] } = {},
) {
  const api =
    options.api ??
    mockContractsApi({
      getEntity: withDecisions(options.decisions ?? [proposal]),
    });
  await renderWith(<DecisionsCard />, {
    entity: checkoutEntity,
    ...options,
    api,
  });
  const [item] = await screen.findAllByTestId('decision');
  return { api: api as ReturnType<typeof mockContractsApi>, item };
}

const deciderRows = (item: HTMLElement) =>
  within(item)
    .getAllByTestId('decider')
    .map(row => [
      row.getAttribute('data-decider'),
      row.getAttribute('data-state'),
    ]);

// Typing through user-event in jsdom is slow on a loaded machine (30 s was exceeded at a load
// average above 10); the tests wait on what they assert, not on time.
jest.setTimeout(120_000);

describe('DecisionsCard signatures', () => {
  it("shows each decider's latest verdict with who and when, or awaiting", async () => {
    const { item } = await renderCard();
    expect(item).toHaveTextContent('rejected');
    expect(deciderRows(item)).toEqual([
      ['group:default/risk-team', 'rejected'],
      ['group:default/support-team', 'accepted'],
      ['group:default/product-team', 'awaiting'],
    ]);
    const [risk, support, product] = within(item).getAllByTestId('decider');
    // the latest signature counts: bob's rejection, not riley's earlier acceptance
    expect(risk).toHaveTextContent(
      /risk-team: rejected by .*bob.* on 2025-01-04 10:15 UTC/,
    );
    expect(
      within(risk).getByRole('link', { name: /risk-team/ }),
    ).toBeInTheDocument();
    expect(support).toHaveTextContent(
      /support-team: accepted by .*guest.* on 2025-01-03 09:00 UTC/,
    );
    expect(product).toHaveTextContent('product-team: awaiting');
  });

  it('says a rejection carried over from the superseded record is one', async () => {
    const carried: Decision = {
      ...proposal,
      signatures: [{ ...proposal.signatures[2], carriedFrom: 'd0' }],
    };
    const { item } = await renderCard({ decisions: [carried] });
    expect(within(item).getAllByTestId('decider')[0]).toHaveTextContent(
      /carried over from the record this one supersedes/,
    );
  });

  it.each([
    ['Sign: accept', 'accept'],
    ['Sign: reject', 'reject'],
  ])(
    '"%s" signs through the API and shows the answer',
    async (button, verdict) => {
      const signed: Decision = {
        ...proposal,
        signatures: [
          ...proposal.signatures,
          {
            decider: 'group:default/support-team',
            verdict: verdict as 'accept' | 'reject',
            signedBy: 'user:default/guest',
            signedAt: '2025-01-05T08:00:00Z',
          },
        ],
      };
      const api = mockContractsApi({
        getEntity: withDecisions([proposal]),
        signDecision: jest.fn(async () => signed),
      });
      const { item } = await renderCard({ api });
      await userEvent.click(within(item).getByRole('button', { name: button }));
      await waitFor(() =>
        expect(api.signDecision).toHaveBeenCalledWith('d2', verdict),
      );
      // the answered record is shown, and the cards ask for the entity again
      const support = () => within(item).getAllByTestId('decider')[1];
      await waitFor(() =>
        expect(support()).toHaveTextContent(/on 2025-01-05 08:00 UTC/),
      );
      expect(support()).toHaveAttribute(
        'data-state',
        verdict === 'accept' ? 'accepted' : 'rejected',
      );
      await waitFor(() => expect(api.getEntity).toHaveBeenCalledTimes(2));
    },
  );

  it('offers no signing to a user who may not accept the finding', async () => {
    await renderCard({
      api: mockContractsApi({
        getEntity: jest.fn(async () =>
          entityResponse({
            decisions: [proposal],
            findings: [{ ...accessFinding, canAccept: false }],
          }),
        ),
      }),
    });
    expect(
      screen.queryByRole('button', { name: 'Sign: accept' }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Sign: reject' }),
    ).not.toBeInTheDocument();
  });

  it('offers Withdraw to the recorder only, and withdraws through the API', async () => {
    const { api, item } = await renderCard({ user: 'user:default/guest' });
    await userEvent.click(
      within(item).getByRole('button', { name: 'Withdraw' }),
    );
    await waitFor(() =>
      expect(api.withdrawDecision).toHaveBeenCalledWith('d2'),
    );
    const after = await screen.findByText(/withdrawn by/);
    expect(after).toHaveTextContent(
      /withdrawn by .*guest.* on 2025-01-03 09:00 UTC/,
    );
  });

  it('offers no Withdraw to anyone else', async () => {
    const { item } = await renderCard({ user: 'user:default/bob' });
    expect(
      within(item).getByRole('button', { name: 'Sign: accept' }),
    ).toBeInTheDocument();
    expect(
      within(item).queryByRole('button', { name: 'Withdraw' }),
    ).not.toBeInTheDocument();
  });

  it('offers no actions on a withdrawn or superseded record', async () => {
    const { item } = await renderCard({
      decisions: [
        {
          ...proposal,
          status: 'withdrawn',
          withdrawnBy: 'user:default/guest',
          withdrawnAt: '2025-01-05T00:00:00Z',
        },
      ],
    });
    expect(item.querySelector('[data-status]')).toHaveAttribute(
      'data-status',
      'withdrawn',
    );
    for (const name of [
      'Sign: accept',
      'Sign: reject',
      'Withdraw',
      'Supersede',
    ]) {
      expect(
        within(item).queryByRole('button', { name }),
      ).not.toBeInTheDocument();
    }
  });

  it.each([
    [
      409,
      'Conflict',
      'decision d2 is withdrawn',
      /Not possible now: decision d2 is withdrawn/,
    ],
    [
      429,
      'Too Many Requests',
      'too many writes',
      /Too many changes in a short time: try again in 12 s/,
    ],
  ])(
    'shows a %s answer to a signature in words, under the record',
    async (status, statusText, message, shown) => {
      const error = await ResponseError.fromResponse(
        new Response(
          JSON.stringify({
            error: { name: 'Error', message },
            response: { statusCode: status },
          }),
          {
            status,
            statusText,
            headers: {
              'Content-Type': 'application/json',
              'Retry-After': '12',
            },
          },
        ) as any,
      );
      const api = mockContractsApi({
        getEntity: withDecisions([proposal, decision]),
        signDecision: jest.fn(async () => {
          throw error;
        }),
      });
      const { item } = await renderCard({ api });
      await userEvent.click(
        within(item).getByRole('button', { name: 'Sign: accept' }),
      );
      expect(await within(item).findByText(shown)).toBeInTheDocument();
      // the card is whole: both records are still there
      expect(screen.getAllByTestId('decision')).toHaveLength(2);
      expect(
        screen.queryByText(/Something went wrong/i),
      ).not.toBeInTheDocument();
    },
  );
});

describe('DecisionsCard history', () => {
  it('"History (N)" pages every record of the entity from GET /decisions', async () => {
    const withdrawn: Decision = {
      ...proposal,
      id: 'd3',
      title: 'Withdrawn idea',
      status: 'withdrawn',
      withdrawnBy: 'user:default/guest',
      withdrawnAt: '2025-01-06T00:00:00Z',
    };
    const api = mockContractsApi({
      getEntity: withDecisions([decision], 3),
      getDecisions: jest
        .fn()
        .mockResolvedValueOnce({
          items: [withdrawn, decision],
          nextCursor: 'c2',
        })
        .mockResolvedValueOnce({ items: [olderDecision] }),
    });
    await renderCard({ api });
    expect(api.getDecisions).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'History (3)' }));
    const history = await screen.findByTestId('decision-history');
    await waitFor(() =>
      expect(within(history).getAllByTestId('history-decision')).toHaveLength(
        2,
      ),
    );
    expect(api.getDecisions).toHaveBeenLastCalledWith(
      expect.objectContaining({
        entityRef: 'component:default/checkout',
        cursor: undefined,
      }),
    );
    await userEvent.click(
      within(history).getByRole('button', { name: 'Show more' }),
    );
    await waitFor(() =>
      expect(within(history).getAllByTestId('history-decision')).toHaveLength(
        3,
      ),
    );
    expect(api.getDecisions).toHaveBeenLastCalledWith(
      expect.objectContaining({ cursor: 'c2' }),
    );
    expect(
      within(history).queryByRole('button', { name: 'Show more' }),
    ).not.toBeInTheDocument();
    const items = within(history).getAllByTestId('history-decision');
    expect(
      items.map(i => i.firstElementChild?.getAttribute('data-status')),
    ).toEqual(['withdrawn', 'accepted', 'superseded']);
    // the history is read only
    expect(
      within(history).queryByRole('button', {
        name: /Sign|Withdraw|Supersede/,
      }),
    ).not.toBeInTheDocument();
  });

  it('says so when every record was superseded or withdrawn, and keeps the history', async () => {
    await renderWith(<DecisionsCard />, {
      entity: checkoutEntity,
      api: mockContractsApi({ getEntity: withDecisions([], 4) }),
    });
    expect(
      await screen.findByText(/No current trade-off decisions/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'History (4)' }),
    ).toBeInTheDocument();
  });

  it('shows a failing history request in words', async () => {
    const api = mockContractsApi({
      getEntity: withDecisions([decision], 2),
      getDecisions: jest.fn(async () => {
        throw new Error('decisions are unavailable');
      }),
    });
    await renderCard({ api });
    await userEvent.click(screen.getByRole('button', { name: 'History (2)' }));
    expect(
      await screen.findByText('decisions are unavailable'),
    ).toBeInTheDocument();
    expect(screen.getAllByTestId('decision')).toHaveLength(1);
  });
});

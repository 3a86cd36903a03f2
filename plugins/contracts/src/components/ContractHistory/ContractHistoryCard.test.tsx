/*
 * The contract history timeline: lines in words, loading, empty and error states, paging, a
 * redacted counterpart, and a bad item that does not break the others.
 */
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ResponseError } from '@backstage/errors';
import { HIDDEN_ENTITY } from '@backstage-contracts/plugin-contracts-common';
import {
  checkoutEntity,
  mockContractsApi,
  renderWith,
} from '../../__testUtils__';
import type { HistoryItem } from '../../api';
import { ContractHistoryCard } from './ContractHistoryCard';
import { describeHistoryItem } from './describe';

jest.setTimeout(60_000);
/** How long a query waits for what it asserts (the machine may be loaded). */
const WAIT = { timeout: 15_000 };

const CHECKOUT = 'component:default/checkout';
const RISK = 'component:default/risk';
const year = new Date().getFullYear();

const raised: HistoryItem = {
  type: 'change',
  id: '7',
  at: `${year}-03-03T09:00:00.000Z`,
  contracts: [
    {
      entityRef: RISK,
      change: 'changed',
      changes: [
        {
          kind: 'raised',
          item: 'operation scoreTransaction',
          field: 'p95 (current)',
          from: '150ms',
          to: '3200ms',
        },
      ],
      more: 0,
    },
  ],
  findings: [
    {
      change: 'opened',
      finding: {
        id: 'f1',
        rule: 'latency-budget',
        severity: 'error',
        consumer: CHECKOUT,
        provider: RISK,
        subject: 'scoreTransaction',
        title: 'Latency contract violation',
        expected: 'p95 < 200ms',
        actual: 'p95 = 3200ms (current)',
        evidence: 'e1',
      },
    },
  ],
};

const signed: HistoryItem = {
  type: 'decision',
  id: '12',
  at: `${year}-03-04T10:00:00.000Z`,
  event: 'signed',
  decisionId: 'd1',
  findingId: 'f1',
  rule: 'latency-budget',
  consumer: CHECKOUT,
  provider: RISK,
  subject: 'scoreTransaction',
  title: 'Risk caches scores',
  actor: 'user:default/bob',
  decider: 'group:default/risk-team',
  verdict: 'accept',
};

/** The history API answering page after page, by cursor (the first page for none). */
function history(...pages: Array<{ items: unknown[]; nextCursor?: string }>) {
  return jest.fn(async (_ref: string, q: { cursor?: string } = {}) => {
    const at = q.cursor ? Number(q.cursor.slice(1)) : 0;
    return { entityRef: CHECKOUT, ...pages[at] };
  });
}

async function render(getEntityHistory: jest.Mock) {
  const api = mockContractsApi({ getEntityHistory });
  await renderWith(<ContractHistoryCard />, { entity: checkoutEntity, api });
  return api;
}

describe('describeHistoryItem', () => {
  it('says what a contract change did, in the essay’s words', () => {
    expect(describeHistoryItem(raised)).toEqual({
      day: 'Mar 3',
      text: 'risk raised p95 (current) of operation scoreTransaction to 3200ms (from 150ms) — opened latency-budget for checkout on risk',
    });
    expect(describeHistoryItem(signed).text).toBe(
      'bob accepted "Risk caches scores" (latency-budget for checkout on risk) for risk-team',
    );
    expect(
      describeHistoryItem({ ...raised, at: '2019-12-24T00:00:00.000Z' }).day,
    ).toBe('Dec 24, 2019');
  });

  it('throws on an item it cannot read', () => {
    expect(() =>
      describeHistoryItem({ ...raised, at: 'yesterday' } as HistoryItem),
    ).toThrow('not a time');
    expect(() =>
      describeHistoryItem({ type: 'gossip', at: raised.at } as any),
    ).toThrow('unknown item type');
  });
});

describe('ContractHistoryCard', () => {
  it('shows the timeline, newest first as the backend pages it, with more on demand', async () => {
    const getEntityHistory = history(
      { items: [signed], nextCursor: 'c1' },
      { items: [raised] },
    );
    await render(getEntityHistory);
    expect(await screen.findByText(/bob accepted/, undefined, WAIT)).toBeInTheDocument();
    expect(getEntityHistory).toHaveBeenCalledWith(CHECKOUT, {
      cursor: undefined,
      limit: 20,
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Show more' }, WAIT),
    );
    expect(
      await screen.findByText(
        /risk raised p95 \(current\) of operation scoreTransaction to 3200ms .* opened latency-budget for checkout/,
        undefined,
        WAIT,
      ),
    ).toBeInTheDocument();
    expect(getEntityHistory).toHaveBeenLastCalledWith(CHECKOUT, {
      cursor: 'c1',
      limit: 20,
    });
    const lines = screen.getAllByTestId('contract-history-item');
    expect(lines.map(l => l.textContent?.slice(0, 5))).toEqual([
      'Mar 4',
      'Mar 3',
    ]);
    expect(
      screen.queryByRole('button', { name: 'Show more' }),
    ).not.toBeInTheDocument();
  });

  it('says so when nothing was recorded', async () => {
    await render(history({ items: [] }));
    expect(
      await screen.findByTestId('contract-history-empty', undefined, WAIT),
    ).toHaveTextContent('No contract changes recorded for this entity yet');
  });

  it('shows a loading state, then an error the API answered', async () => {
    let release!: () => void;
    const gate = new Promise<void>(resolve => {
      release = resolve;
    });
    const response = new Response(
      JSON.stringify({
        error: { name: 'NotFoundError', message: 'No entity in the graph' },
        response: { statusCode: 404 },
      }),
      { status: 404, headers: { 'Content-Type': 'application/json' } },
    );
    const error = await ResponseError.fromResponse(response as any);
    const getEntityHistory = jest.fn(async () => {
      await gate;
      throw error;
    });
    await render(getEntityHistory);
    expect(await screen.findByTestId('progress', undefined, WAIT)).toBeInTheDocument();
    release();
    expect(
      await screen.findByText(/No entity in the graph/, undefined, WAIT),
    ).toBeInTheDocument();
  });

  it('shows a bad item as an error in its place and the others as they are', async () => {
    const bad = { type: 'change', id: '8', at: 'not a time', contracts: [] };
    const hidden: HistoryItem = {
      ...raised,
      id: '6',
      contracts: [
        {
          entityRef: HIDDEN_ENTITY,
          change: 'changed',
          changes: [],
          more: 0,
          hidden: true,
        },
      ],
      findings: [
        {
          ...(raised.type === 'change' ? raised.findings[0] : ({} as any)),
          finding: {
            ...(raised.type === 'change'
              ? raised.findings[0].finding
              : ({} as any)),
            provider: HIDDEN_ENTITY,
            actual: '',
            hidden: ['provider'],
          },
        },
      ],
    };
    await render(history({ items: [signed, bad, null, hidden] }));
    await waitFor(
      () => expect(screen.getAllByTestId('item-error')).toHaveLength(2),
      WAIT,
    );
    expect(screen.getAllByTestId('item-error')[0]).toHaveTextContent(
      'This history item (8) cannot be shown: not a time',
    );
    expect(screen.getByText(/bob accepted/)).toBeInTheDocument();
    expect(
      screen.getByText(
        `${HIDDEN_ENTITY} changed its contract — opened latency-budget for checkout on ${HIDDEN_ENTITY}`,
      ),
    ).toBeInTheDocument();
  });
});

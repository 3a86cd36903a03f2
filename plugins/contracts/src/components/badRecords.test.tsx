/*
 * Issue 13: a bad stored value can never blank a card. Entity refs that are not refs show as
 * text, "an entity you cannot see" in italics; a record that cannot be rendered at all shows a
 * one-line error in its place and the records around it render.
 */
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { HIDDEN_ENTITY } from '@backstage-contracts/plugin-contracts-common';
import {
  accessFinding,
  checkoutEntity,
  decision,
  entityResponse,
  latencyFinding,
  mockContractsApi,
  renderWith,
  riskTeam,
} from '../__testUtils__';
import type { ContractsFinding, ContractsGraph, Decision } from '../api';
import { ConflictsCard } from './ConflictsCard';
import { DecisionsCard } from './DecisionsCard';
import { TeamConflictsCard } from './TeamConflictsCard';
import { ContractsGraphView } from './ContractsGraph';

/** What Backstage's error boundary of a card says when the card throws. */
const blank = /Something went wrong/i;

/** The decision of the issue: a decider `group:default/`, and more that is not what it should be. */
const badDecision: Decision = {
  ...decision,
  id: 'd-bad',
  title: 'Forged deciders',
  supersedes: undefined,
  status: 'proposed',
  deciders: ['group:default/', 'group:default/risk-team', 42 as any],
  signatures: [
    {
      decider: 'group:default/',
      verdict: 'accept',
      signedBy: 'user:default/',
      signedAt: 'yesterday',
    },
    null as any,
  ],
  recordedBy: 'not a ref at all',
  recordedAt: '2025-03-01T00:00:00Z',
};

/** Only an id: every other field missing. */
const emptyDecision = {
  id: 'd-empty',
  findingId: 'f-access',
} as unknown as Decision;

/** A field React cannot render (an object where text belongs). */
const unrenderable = {
  ...decision,
  id: 'd-object',
  title: { text: 'not a string' },
  supersedes: undefined,
} as unknown as Decision;

const goodDecision: Decision = {
  ...decision,
  supersedes: undefined,
  recordedAt: '2025-02-01T00:00:00Z',
};

describe('a bad stored decision does not blank the Trade-off decisions card', () => {
  it('shows bad deciders, signers and recorder as text, beside the good records', async () => {
    const api = mockContractsApi({
      getEntity: jest.fn(async () =>
        entityResponse({
          decisions: [goodDecision, badDecision],
          decisionCount: 2,
        }),
      ),
    });
    await renderWith(<DecisionsCard />, { api, entity: checkoutEntity });
    const items = await screen.findAllByTestId('decision');
    expect(items).toHaveLength(2);
    const [bad, good] = items;
    expect(bad).toHaveTextContent('Forged deciders');
    const deciders = within(bad).getAllByTestId('decider');
    expect(deciders.map(d => d.textContent)).toEqual([
      expect.stringMatching(
        /^group:default\/: accepted by user:default\/ on yesterday/,
      ),
      expect.stringMatching(/^risk-team: awaiting/),
      expect.stringMatching(/^42: awaiting/),
    ]);
    // the bad ones are text, the good one a link
    expect(within(deciders[0]).queryByRole('link')).not.toBeInTheDocument();
    expect(
      within(deciders[1]).getByRole('link', { name: /risk-team/ }),
    ).toBeInTheDocument();
    expect(bad).toHaveTextContent('recorded by not a ref at all on 2025-03-01');
    // the good record is whole
    expect(good).toHaveTextContent('Redacted breakdown for support');
    expect(
      within(good).getByRole('link', { name: /risk-team/ }),
    ).toBeInTheDocument();
    expect(screen.queryByText(blank)).not.toBeInTheDocument();
    expect(screen.queryByTestId('item-error')).not.toBeInTheDocument();
  });

  it('shows a record with missing fields as far as it can', async () => {
    const api = mockContractsApi({
      getEntity: jest.fn(async () =>
        entityResponse({ decisions: [goodDecision, emptyDecision] }),
      ),
    });
    await renderWith(<DecisionsCard />, { api, entity: checkoutEntity });
    const items = await screen.findAllByTestId('decision');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('Redacted breakdown for support');
    expect(items[1]).toHaveTextContent('no deciders on this record');
    expect(items[1]).toHaveTextContent('recorded by (none) on an unknown date');
    expect(screen.queryByText(blank)).not.toBeInTheDocument();
  });

  it('puts a one-line error in place of a record that cannot be rendered, and renders the rest', async () => {
    const api = mockContractsApi({
      getEntity: jest.fn(async () =>
        entityResponse({
          decisions: [goodDecision, unrenderable, null as any, badDecision],
        }),
      ),
    });
    await renderWith(<DecisionsCard />, { api, entity: checkoutEntity });
    const items = await screen.findAllByTestId('decision');
    expect(items).toHaveLength(4);
    const errors = screen.getAllByTestId('item-error');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toHaveTextContent(
      /This decision \(d-object\) cannot be shown/,
    );
    expect(errors[1]).toHaveTextContent(/This decision cannot be shown/);
    expect(
      screen.getByText('Redacted breakdown for support'),
    ).toBeInTheDocument();
    expect(screen.getByText('Forged deciders')).toBeInTheDocument();
    expect(screen.queryByText(blank)).not.toBeInTheDocument();
  });
});

/** The access finding as a user who may not see risk receives it. */
const hiddenProvider: ContractsFinding = {
  ...accessFinding,
  provider: HIDDEN_ENTITY,
  actual: '',
  impact: '',
  resolutions: [],
  message: 'Access policy conflict',
  hidden: ['provider'],
};

describe('findings with hidden or bad parts do not blank the Conflicts card', () => {
  it("shows a hidden provider as 'an entity you cannot see', without its values", async () => {
    const api = mockContractsApi({
      getEntity: jest.fn(async () =>
        entityResponse({ findings: [latencyFinding, hiddenProvider] }),
      ),
    });
    await renderWith(<ConflictsCard />, { api, entity: checkoutEntity });
    const summary = (
      await screen.findByText('Access policy conflict', { selector: 'strong' })
    ).parentElement!;
    expect(summary).toHaveTextContent(
      `Access policy conflict: support → ${HIDDEN_ENTITY}`,
    );
    expect(within(summary).getByText(HIDDEN_ENTITY).tagName).toBe('EM');
    await userEvent.click(summary);
    const explanation = await screen.findByText(
      /You may not see the provider of this finding/,
    );
    const line = explanation.parentElement!.firstElementChild!;
    expect(line).toHaveTextContent(
      `support expects fraud_signal_breakdown at support_tier_2; ${HIDDEN_ENTITY} provides (not shown).`,
    );
    expect(
      within(line as HTMLElement).getByRole('link', { name: 'support' }),
    ).toBeInTheDocument();
    // the rest of the card is intact
    await userEvent.click(
      screen.getByText('Latency contract violation', { selector: 'strong' }),
    );
    expect(
      await screen.findByText(/Checkout times out on every risk call/),
    ).toBeInTheDocument();
    expect(screen.getByText('2 of 2')).toBeInTheDocument();
    expect(screen.queryByText(blank)).not.toBeInTheDocument();
  });

  it('shows a bad consumer ref as text and an unrenderable finding as a one-line error', async () => {
    const badRef = {
      ...accessFinding,
      id: 'f-badref',
      consumer: 'component:default/',
    };
    const broken = {
      ...latencyFinding,
      id: 'f-broken',
      title: 'Broken finding',
      subject: { not: 'text' },
    } as unknown as ContractsFinding;
    const api = mockContractsApi({
      getEntity: jest.fn(async () =>
        entityResponse({ findings: [latencyFinding, badRef, broken] }),
      ),
    });
    await renderWith(<ConflictsCard />, { api, entity: checkoutEntity });
    expect(
      await screen.findByText(/This finding \(f-broken\) cannot be shown/),
    ).toBeInTheDocument();
    const summary = screen.getByText('Access policy conflict', {
      selector: 'strong',
    }).parentElement!;
    expect(summary).toHaveTextContent(
      'Access policy conflict: component:default/ → risk',
    );
    await userEvent.click(summary);
    expect(
      await screen.findByText('Support cannot explain declines.'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Latency contract violation', { selector: 'strong' }),
    ).toBeInTheDocument();
    expect(screen.queryByText(blank)).not.toBeInTheDocument();
  });
});

describe('the team view and the graph keep their other items', () => {
  it('shows a counterpart the user cannot see as such, beside the others', async () => {
    const api = mockContractsApi({
      getFindings: jest.fn(async () => ({
        items: [
          latencyFinding,
          {
            ...hiddenProvider,
            provider: HIDDEN_ENTITY,
            consumer: 'component:default/risk',
          },
          { ...accessFinding, id: 'f-bad', consumer: 'component:default/' },
        ],
      })),
    });
    await renderWith(<TeamConflictsCard />, { api, entity: riskTeam });
    const table = await screen.findByRole('table', { name: /counterpart/ });
    expect(within(table).getByText(HIDDEN_ENTITY).tagName).toBe('EM');
    expect(
      within(table).getByRole('link', { name: /checkout-team/ }),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText('Latency contract violation').length,
    ).toBeGreaterThan(0);
    expect(screen.queryByText(blank)).not.toBeInTheDocument();
  });

  it("renders the graph's side panel around a finding that cannot be rendered", async () => {
    const broken = {
      ...accessFinding,
      id: 'f-broken',
      consumer: 'component:default/checkout',
      title: ['not', 'text'],
      subject: { not: 'text' },
    } as unknown as ContractsFinding;
    const graph: ContractsGraph = {
      nodes: [
        {
          ref: 'component:default/checkout',
          kind: 'Component',
          name: 'checkout',
          hasContract: true,
        },
        {
          ref: 'component:default/risk',
          kind: 'Component',
          name: 'risk',
          hasContract: true,
        },
      ],
      edges: [
        {
          id: 'e1',
          from: 'component:default/checkout',
          to: 'component:default/risk',
          kind: 'call',
          subject: 'scoreTransaction',
          findings: ['f-latency', 'f-broken'],
        },
      ],
      findings: [latencyFinding, broken],
    };
    // the node selected by the URL, as a click on the drawing selects it
    await renderWith(<ContractsGraphView graph={graph} />, {
      routeEntries: ['/?selected=node:component:default/checkout'],
    });
    const panel = await screen.findByTestId('graph-selection');
    await waitFor(() =>
      expect(
        within(panel).getByText(/This finding \(f-broken\) cannot be shown/),
      ).toBeInTheDocument(),
    );
    expect(
      within(panel).getByText('Latency contract violation'),
    ).toBeInTheDocument();
    expect(screen.queryByText(blank)).not.toBeInTheDocument();
  });
});

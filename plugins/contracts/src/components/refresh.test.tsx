/*
 * The entity cards follow the backend without a reload: refetched in the background (soon while
 * the backend catches up with the catalog, every minute otherwise, not while the page is hidden),
 * one request for all the cards of an entity, the last answer kept on screen meanwhile.
 */
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { NotFoundError } from '@backstage/errors';
import {
  accessFinding,
  checkoutEntity,
  entityResponse,
  latencyFinding,
  mockContractsApi,
  renderWith,
} from '../__testUtils__';
import type { ContractsFinding, EntityContractsResponse } from '../api';
import { ContractsCard } from './ContractsCard';
import { ConflictsCard } from './ConflictsCard';
import { DecisionsCard } from './DecisionsCard';

const unresolvedFinding: ContractsFinding = {
  ...latencyFinding,
  id: 'f-unresolved',
  rule: 'unresolved-reference',
  title: 'Unresolved reference',
  subject: 'risk',
  actual: 'nothing provides risk',
};

/** A getEntity that answers with `answers` in turn (then the last one again). */
function answering(
  ...answers: Array<EntityContractsResponse | Error | Promise<never>>
) {
  let i = 0;
  return jest.fn(async () => {
    const answer = answers[Math.min(i++, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return answer;
  });
}

/** Lets the fake clock run `ms` and the answers it caused arrive. */
async function elapse(ms: number) {
  await act(async () => {
    await jest.advanceTimersByTimeAsync(ms);
  });
}

const cards = (
  <>
    <ContractsCard />
    <ConflictsCard />
    <DecisionsCard />
  </>
);

function setVisibility(state: 'visible' | 'hidden') {
  Object.defineProperty(document, 'visibilityState', {
    value: state,
    configurable: true,
  });
  document.dispatchEvent(new Event('visibilitychange'));
}

/** Opens the access finding, its "Record decision" dialog, and types a rationale there. */
async function startDecisionOnAccessFinding(
  user: ReturnType<typeof userEvent.setup>,
) {
  await user.click(await screen.findByText('Access policy conflict'));
  await user.click(
    await screen.findByRole('button', { name: 'Record decision' }),
  );
  const dialog = await screen.findByRole('dialog');
  await user.type(
    within(dialog).getByLabelText(/Rationale/),
    'Support needs reasons',
  );
  return dialog;
}

// Typing through user-event in jsdom is slow on a loaded machine (30 s was exceeded at a load
// average above 10); the tests wait on what they assert, not on time.
jest.setTimeout(120_000);

describe('entity cards refetch in the background', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    setVisibility('visible');
    jest.useRealTimers();
  });

  it('replaces a stale answer with the fresh one without a reload', async () => {
    const api = mockContractsApi({
      getEntity: answering(
        entityResponse({ stale: true, findings: [unresolvedFinding] }),
        entityResponse({ findings: [latencyFinding] }),
      ),
    });
    await renderWith(<ConflictsCard />, { api, entity: checkoutEntity });
    expect(await screen.findByText('Unresolved reference')).toBeInTheDocument();

    await elapse(2_000);
    expect(screen.getByText('Latency contract violation')).toBeInTheDocument();
    expect(screen.queryByText('Unresolved reference')).not.toBeInTheDocument();
    expect(api.getEntity).toHaveBeenCalledTimes(2);
  });

  it('shows an entity the backend had not read yet once it has', async () => {
    const api = mockContractsApi({
      getEntity: answering(
        new NotFoundError(
          'No entity component:default/checkout in the contracts graph',
        ),
        entityResponse(),
      ),
    });
    await renderWith(<ContractsCard />, { api, entity: checkoutEntity });
    expect(
      await screen.findByText(/has not read this entity from the catalog yet/),
    ).toBeInTheDocument();
    expect(screen.queryByText(/No entity component/)).not.toBeInTheDocument();

    await elapse(2_000);
    expect(screen.getByText('Requires')).toBeInTheDocument();
    expect(
      screen.queryByText(/has not read this entity/),
    ).not.toBeInTheDocument();
  });

  it('asks once for all the cards of an entity, then once a minute', async () => {
    const api = mockContractsApi();
    await renderWith(cards, { api, entity: checkoutEntity });
    expect(await screen.findByText('Requires')).toBeInTheDocument();
    await screen.findAllByTestId('decision');
    expect(api.getEntity).toHaveBeenCalledTimes(1);

    await elapse(59_000);
    expect(api.getEntity).toHaveBeenCalledTimes(1);
    await elapse(1_000);
    expect(api.getEntity).toHaveBeenCalledTimes(2);
    await elapse(10 * 60_000);
    expect(api.getEntity).toHaveBeenCalledTimes(12);
    expect(api.getEntity).toHaveBeenCalledWith('component:default/checkout');
  });

  it('backs off while the answer stays stale', async () => {
    const api = mockContractsApi({
      getEntity: jest.fn(async () => entityResponse({ stale: true })),
    });
    await renderWith(cards, { api, entity: checkoutEntity });
    expect(await screen.findByText('Requires')).toBeInTheDocument();
    // after 2, 4, 8, 16 seconds, then every 30
    await elapse(2_000);
    expect(api.getEntity).toHaveBeenCalledTimes(2);
    await elapse(4_000);
    expect(api.getEntity).toHaveBeenCalledTimes(3);
    await elapse(5 * 60_000);
    const calls = api.getEntity.mock.calls.length;
    expect(calls).toBeGreaterThanOrEqual(12);
    expect(calls).toBeLessThanOrEqual(14);
  });

  it('takes the interval from contracts.frontend.refreshIntervalSeconds', async () => {
    const api = mockContractsApi();
    await renderWith(<ConflictsCard />, {
      api,
      entity: checkoutEntity,
      config: { contracts: { frontend: { refreshIntervalSeconds: 5 } } },
    });
    await screen.findByText('Latency contract violation');
    await elapse(5_000);
    expect(api.getEntity).toHaveBeenCalledTimes(2);
    await elapse(5_000);
    expect(api.getEntity).toHaveBeenCalledTimes(3);
  });

  it('does not ask while the page is hidden, and asks when it is shown again', async () => {
    const api = mockContractsApi();
    await renderWith(<ConflictsCard />, { api, entity: checkoutEntity });
    await screen.findByText('Latency contract violation');
    setVisibility('hidden');
    await elapse(10 * 60_000);
    expect(api.getEntity).toHaveBeenCalledTimes(1);
    await act(async () => setVisibility('visible'));
    await elapse(0);
    expect(api.getEntity).toHaveBeenCalledTimes(2);
  });

  it('keeps the last answer on screen while a refetch is in flight and when it fails', async () => {
    let fail!: (e: Error) => void;
    const api = mockContractsApi({
      getEntity: answering(
        entityResponse(),
        new Promise<never>((_resolve, reject) => {
          fail = reject;
        }),
      ),
    });
    await renderWith(cards, { api, entity: checkoutEntity });
    expect(await screen.findByText('Requires')).toBeInTheDocument();

    await elapse(60_000);
    expect(api.getEntity).toHaveBeenCalledTimes(2);
    expect(screen.queryByTestId('progress')).not.toBeInTheDocument();
    expect(screen.getByText('Requires')).toBeInTheDocument();
    expect(screen.getByText('Latency contract violation')).toBeInTheDocument();
    expect(screen.getAllByTestId('decision')).toHaveLength(2);

    await act(async () => fail(new Error('contracts backend is down')));
    await elapse(0);
    expect(
      screen.queryByText(/contracts backend is down/),
    ).not.toBeInTheDocument();
    expect(screen.getByText('Requires')).toBeInTheDocument();
    expect(screen.getByText('Latency contract violation')).toBeInTheDocument();
    expect(screen.getAllByTestId('decision')).toHaveLength(2);
  });

  it('keeps an opened finding open and its dialog filled in across a refetch', async () => {
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    const changed = { ...accessFinding, status: 'needs-review' as const };
    const api = mockContractsApi({
      getEntity: answering(
        entityResponse({ findings: [latencyFinding, accessFinding] }),
        // the access finding changes and sorts first; a new one appears
        entityResponse({
          findings: [
            latencyFinding,
            { ...changed, severity: 'error' },
            unresolvedFinding,
          ],
        }),
      ),
    });
    await renderWith(<ConflictsCard />, { api, entity: checkoutEntity });
    const dialog = await startDecisionOnAccessFinding(user);

    await elapse(60_000);
    expect(api.getEntity).toHaveBeenCalledTimes(2);
    expect(screen.getByText('Unresolved reference')).toBeInTheDocument();
    expect(screen.getByText('needs-review')).toBeInTheDocument();
    expect(screen.getByRole('dialog')).toBe(dialog);
    expect(within(dialog).getByLabelText(/Rationale/)).toHaveValue(
      'Support needs reasons',
    );
    // the opened finding is still open
    const summary = () =>
      screen.getByText('Access policy conflict').closest('[aria-expanded]');
    expect(summary()).toHaveAttribute('aria-expanded', 'true');

    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(summary()).toHaveAttribute('aria-expanded', 'true');
    expect(
      screen.getByText('Support cannot explain declines.'),
    ).toBeInTheDocument();
  });

  it('keeps the dialog open when a refetch takes its finding out of the filtered list', async () => {
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    const api = mockContractsApi({
      getEntity: answering(
        entityResponse({ findings: [latencyFinding, accessFinding] }),
        // someone else accepted it meanwhile: the "open" filter no longer shows it
        entityResponse({
          findings: [latencyFinding, { ...accessFinding, status: 'accepted' }],
        }),
      ),
    });
    await renderWith(<ConflictsCard />, { api, entity: checkoutEntity });
    await user.click(await screen.findByLabelText('Status'));
    await user.click(await screen.findByRole('option', { name: 'open' }));
    const dialog = await startDecisionOnAccessFinding(user);

    await elapse(60_000);
    expect(api.getEntity).toHaveBeenCalledTimes(2);
    expect(
      screen.queryByText('Access policy conflict', { selector: 'strong' }),
    ).toBeNull();
    expect(screen.getByText('1 of 2')).toBeInTheDocument();
    expect(screen.getByRole('dialog')).toBe(dialog);
    expect(within(dialog).getByLabelText(/Rationale/)).toHaveValue(
      'Support needs reasons',
    );
  });

  it('asks once for all the cards after a decision is recorded, and shows it', async () => {
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    const api = mockContractsApi({
      getEntity: answering(
        entityResponse({ findings: [accessFinding], decisions: [] }),
        entityResponse({
          findings: [{ ...accessFinding, status: 'accepted' }],
          decisions: [
            { ...entityResponse().decisions[1], supersedes: undefined },
          ],
        }),
      ),
    });
    await renderWith(cards, { api, entity: checkoutEntity });
    await user.click(await screen.findByText('Access policy conflict'));
    await user.click(
      await screen.findByRole('button', { name: 'Record decision' }),
    );
    const dialog = await screen.findByRole('dialog');
    await user.click(
      within(dialog).getByRole('button', { name: /Chosen option/ }),
    );
    await user.click(
      await screen.findByRole('option', { name: 'Keep it restricted' }),
    );
    await user.type(
      within(dialog).getByLabelText(/Rationale/),
      'Support needs reasons',
    );
    await waitFor(() =>
      expect(
        within(dialog).getByRole('button', { name: 'Record decision' }),
      ).toBeEnabled(),
    );
    await user.click(
      within(dialog).getByRole('button', { name: 'Record decision' }),
    );

    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(api.recordDecision).toHaveBeenCalledTimes(1);
    await elapse(0);
    expect(api.getEntity).toHaveBeenCalledTimes(2);
    expect(screen.getAllByTestId('decision')).toHaveLength(1);
    expect(screen.getAllByText('accepted').length).toBeGreaterThan(0);
    expect(screen.queryByText('open')).not.toBeInTheDocument();
  });
});

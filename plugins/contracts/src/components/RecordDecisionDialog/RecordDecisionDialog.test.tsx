import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ResponseError } from '@backstage/errors';
import {
  accessFinding,
  decision,
  mockContractsApi,
  renderWith,
} from '../../__testUtils__';
import { RecordDecisionDialog, validateDecision } from './RecordDecisionDialog';

// Typing through user-event in jsdom is slow on a loaded machine (30 s was exceeded at a load
// average above 10); the tests wait on what they assert, not on time.
jest.setTimeout(120_000);

describe('validateDecision', () => {
  const valid = {
    title: 't',
    context: '',
    options: ['a'],
    decision: 'a',
    rationale: 'because it is cheaper',
    status: 'accepted' as const,
    reviewBy: '2031-01-01',
  };
  it('accepts a complete decision', () => {
    expect(validateDecision(valid, '2025-01-01')).toEqual({});
  });
  it('names every missing or wrong field', () => {
    expect(
      validateDecision(
        {
          ...valid,
          title: ' ',
          decision: '',
          rationale: 'short',
          reviewBy: '2020-01-01',
        },
        '2025-01-01',
      ),
    ).toEqual({
      title: expect.any(String),
      decision: expect.any(String),
      rationale: expect.any(String),
      reviewBy: 'The review date must be in the future',
    });
    expect(
      validateDecision({ ...valid, reviewBy: '' }, '2025-01-01').reviewBy,
    ).toMatch(/needs a review date/);
  });
});

/** The dialog enables its fields once the permission answer is in. */
async function ready() {
  await waitFor(() =>
    expect(
      screen.getByRole('button', { name: /Record decision|Supersede/ }),
    ).toBeEnabled(),
  );
}

describe('RecordDecisionDialog', () => {
  it('shows the explanation and refuses to submit an incomplete form', async () => {
    const api = mockContractsApi();
    await renderWith(
      <RecordDecisionDialog open finding={accessFinding} onClose={jest.fn()} />,
      { api },
    );
    await ready();
    expect(
      screen.getByText('Support cannot explain declines.'),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'Record decision' }),
    );
    expect(
      await screen.findByText(/Fix the highlighted fields/),
    ).toBeInTheDocument();
    expect(screen.getByText(/Explain why/)).toBeInTheDocument();
    expect(screen.getByText(/Choose an option/)).toBeInTheDocument();
    expect(api.recordDecision).not.toHaveBeenCalled();
  });

  it("proposes a decision signed for acceptance, without deciders: those are the finding's", async () => {
    const api = mockContractsApi();
    const onClose = jest.fn();
    const onRecorded = jest.fn();
    await renderWith(
      <RecordDecisionDialog
        open
        finding={accessFinding}
        onClose={onClose}
        onRecorded={onRecorded}
      />,
      { api },
    );
    await ready();
    // who must decide is shown, read only: nothing to pick
    expect(screen.getByTestId('decision-required')).toHaveTextContent(
      /Decision required: risk-team \+ support-team/,
    );
    expect(screen.queryByLabelText('Deciders')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Status')).toHaveTextContent(
      'propose and sign acceptance',
    );
    await userEvent.click(screen.getByLabelText('Chosen option'));
    await userEvent.click(
      await screen.findByRole('option', {
        name: 'Expose a redacted breakdown to support',
      }),
    );
    await userEvent.type(
      screen.getByLabelText(/Rationale/),
      'Support needs reasons, not signals.',
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Record decision' }),
    );
    await waitFor(() => expect(api.recordDecision).toHaveBeenCalled());
    const [input, key] = api.recordDecision.mock.calls[0];
    expect(input).toMatchObject({
      findingId: 'f-access',
      decision: 'Expose a redacted breakdown to support',
      rationale: 'Support needs reasons, not signals.',
      status: 'accepted',
      options: accessFinding.resolutions,
    });
    expect(input).not.toHaveProperty('deciders');
    expect(input.reviewBy).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(key).toEqual(expect.any(String));
    expect(onRecorded).toHaveBeenCalled();
    expect(onClose).toHaveBeenCalled();
  });

  it.each([
    ['propose', 'proposed'],
    ['propose and sign rejection', 'rejected'],
  ])('"%s" records the status %s', async (label, status) => {
    const api = mockContractsApi();
    await renderWith(
      <RecordDecisionDialog open finding={accessFinding} onClose={jest.fn()} />,
      { api },
    );
    await ready();
    await userEvent.click(screen.getByLabelText('Chosen option'));
    await userEvent.click(
      await screen.findByRole('option', { name: 'Keep it restricted' }),
    );
    await userEvent.type(
      screen.getByLabelText(/Rationale/),
      'The signals are too sensitive.',
    );
    await userEvent.click(screen.getByLabelText('Status'));
    await userEvent.click(await screen.findByRole('option', { name: label }));
    await userEvent.click(
      screen.getByRole('button', { name: 'Record decision' }),
    );
    await waitFor(() => expect(api.recordDecision).toHaveBeenCalled());
    expect(api.recordDecision.mock.calls[0][0]).toMatchObject({ status });
  });

  it('shows a finding without deciders as decided by the owners of both sides', async () => {
    await renderWith(
      <RecordDecisionDialog
        open
        finding={{ ...accessFinding, deciders: undefined }}
        onClose={jest.fn()}
      />,
    );
    expect(screen.getByTestId('decision-required')).toHaveTextContent(
      /Decision required: the owners of support and risk/,
    );
  });

  it('accepts a free-text option', async () => {
    const api = mockContractsApi();
    await renderWith(
      <RecordDecisionDialog open finding={accessFinding} onClose={jest.fn()} />,
      { api },
    );
    await ready();
    await userEvent.type(screen.getByLabelText('Another option'), 'Ask legal');
    await userEvent.click(screen.getByRole('button', { name: 'Add' }));
    await userEvent.click(screen.getByLabelText('Chosen option'));
    await userEvent.click(
      await screen.findByRole('option', { name: /Something else/ }),
    );
    await userEvent.type(screen.getByLabelText(/^Decision/), 'Ask legal first');
    await userEvent.type(
      screen.getByLabelText(/Rationale/),
      'Regulatory exposure is unclear.',
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Record decision' }),
    );
    await waitFor(() => expect(api.recordDecision).toHaveBeenCalled());
    expect(api.recordDecision.mock.calls[0][0]).toMatchObject({
      decision: 'Ask legal first',
      options: [...accessFinding.resolutions, 'Ask legal'],
    });
  });

  it('is disabled with a reason when the user may not accept the finding', async () => {
    const api = mockContractsApi();
    await renderWith(
      <RecordDecisionDialog
        open
        finding={{ ...accessFinding, canAccept: false }}
        onClose={jest.fn()}
      />,
      { api },
    );
    expect(
      screen.getByText(/You may not record a decision on this finding/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Record decision' }),
    ).toBeDisabled();
  });

  it('is disabled with a reason when the permission policy says no', async () => {
    // another finding id: usePermission caches answers per resource across renders
    const finding = { ...accessFinding, id: 'f-denied' };
    await renderWith(
      <RecordDecisionDialog open finding={finding} onClose={jest.fn()} />,
      {
        permission: 'DENY',
      },
    );
    expect(
      await screen.findByText(/You may not record a decision on this finding/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Record decision' }),
    ).toBeDisabled();
  });

  it('shows the backend refusal', async () => {
    const response = new Response(
      JSON.stringify({
        error: { name: 'NotAllowedError', message: 'not a decider' },
      }),
      { status: 403, headers: { 'Content-Type': 'application/json' } },
    );
    const err = await ResponseError.fromResponse(response as any);
    const api = mockContractsApi({
      recordDecision: jest.fn(async () => {
        throw err;
      }),
    });
    await renderWith(
      <RecordDecisionDialog open finding={accessFinding} onClose={jest.fn()} />,
      { api },
    );
    await ready();
    await userEvent.click(screen.getByLabelText('Chosen option'));
    await userEvent.click(
      await screen.findByRole('option', { name: 'Keep it restricted' }),
    );
    await userEvent.type(
      screen.getByLabelText(/Rationale/),
      'Security wins this one.',
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Record decision' }),
    );
    expect(await screen.findByText(/Not allowed/)).toBeInTheDocument();
  });

  it.each([
    [
      409,
      'Conflict',
      'finding f-access has 50 decision records, the most it may have',
      /Not possible now: finding f-access has 50 decision records/,
    ],
    [
      429,
      'Too Many Requests',
      'too many decisions recorded',
      /Too many changes in a short time: try again in 30 s/,
    ],
  ])(
    'shows a %s from the backend in words',
    async (status, statusText, message, shown) => {
      const response = new Response(
        JSON.stringify({
          error: { name: 'ConflictError', message },
          response: { statusCode: status },
        }),
        {
          status,
          statusText,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '30' },
        },
      );
      const err = await ResponseError.fromResponse(response as any);
      const api = mockContractsApi({
        recordDecision: jest.fn(async () => {
          throw err;
        }),
      });
      const onClose = jest.fn();
      await renderWith(
        <RecordDecisionDialog open finding={accessFinding} onClose={onClose} />,
        { api },
      );
      await ready();
      await userEvent.click(screen.getByLabelText('Chosen option'));
      await userEvent.click(
        await screen.findByRole('option', { name: 'Keep it restricted' }),
      );
      await userEvent.type(
        screen.getByLabelText(/Rationale/),
        'Security wins this one.',
      );
      await userEvent.click(
        screen.getByRole('button', { name: 'Record decision' }),
      );
      expect(await screen.findByText(shown)).toBeInTheDocument();
      // the dialog stays open with what was typed
      expect(onClose).not.toHaveBeenCalled();
      expect(screen.getByLabelText(/Rationale/)).toHaveValue(
        'Security wins this one.',
      );
    },
  );

  it('supersedes an earlier decision', async () => {
    const api = mockContractsApi();
    await renderWith(
      <RecordDecisionDialog
        open
        finding={accessFinding}
        supersedes={decision}
        onClose={jest.fn()}
      />,
      { api },
    );
    await ready();
    expect(screen.getByText('Supersede decision')).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Chosen option'));
    await userEvent.click(
      await screen.findByRole('option', { name: 'Keep it restricted' }),
    );
    await userEvent.type(
      screen.getByLabelText(/Rationale/),
      'The redaction leaked signals.',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Supersede' }));
    await waitFor(() => expect(api.supersedeDecision).toHaveBeenCalled());
    expect(api.supersedeDecision.mock.calls[0][0]).toBe('d1');
  });
});

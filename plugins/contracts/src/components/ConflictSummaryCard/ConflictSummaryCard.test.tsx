import { screen, within } from '@testing-library/react';
import {
  accessFinding,
  checkoutEntity,
  entityResponse,
  latencyFinding,
  mockContractsApi,
  renderWith,
  warningFinding,
} from '../../__testUtils__';
import { ConflictSummaryCard, countBySeverity } from '.';

describe('ConflictSummaryCard', () => {
  it('names the open errors with what they compare, counts the rest, and links to the Contracts tab', async () => {
    await renderWith(<ConflictSummaryCard />, { entity: checkoutEntity });
    const summary = await screen.findByTestId('conflict-summary');
    expect(
      screen.getByText('Contract conflicts: 1 blocking integration'),
    ).toBeInTheDocument();
    expect(
      // the warning is accepted: not open
      screen.getByText(/^Open: 1 error · 1 trade-off to decide$/),
    ).toBeInTheDocument();
    expect(summary).toHaveTextContent(
      'Latency contract violation — checkout → risk.scoreTransaction',
    );
    expect(summary).toHaveTextContent(
      'checkout expects p95 < 200ms · risk: p95 = 3200ms (current)',
    );
    // the bare title is the Conflicts card's, where clicking it opens the finding
    expect(within(summary).queryByText('Latency contract violation')).toBeNull();
    // only the errors are listed
    expect(within(summary).queryByText(/Access policy/)).toBeNull();
    const link = screen.getByRole('link', {
      name: /All findings on the Contracts tab/,
    });
    expect(link.getAttribute('href')).toMatch(
      /\/catalog\/default\/component\/checkout\/contracts$/,
    );
  });

  it('renders nothing when no error is open (accepted errors included)', async () => {
    const api = mockContractsApi({
      getEntity: jest.fn(async () =>
        entityResponse({
          findings: [
            { ...latencyFinding, status: 'accepted' },
            accessFinding,
            warningFinding,
          ],
        }),
      ),
    });
    await renderWith(
      <div data-testid="holder">
        <ConflictSummaryCard />
      </div>,
      { api, entity: checkoutEntity },
    );
    await new Promise(r => setTimeout(r, 50));
    expect(api.getEntity).toHaveBeenCalled();
    expect(screen.getByTestId('holder')).toBeEmptyDOMElement();
  });

  it('counts by severity, worst first, in words', () => {
    expect(
      countBySeverity([warningFinding, latencyFinding, latencyFinding]),
    ).toBe('2 errors · 1 warning');
  });
});

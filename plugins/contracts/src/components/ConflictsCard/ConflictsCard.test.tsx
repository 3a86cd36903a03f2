import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ContractsClient } from '../../api';
import {
  checkoutEntity,
  entityResponse,
  latencyFinding,
  renderWith,
} from '../../__testUtils__';
import { RecordDecisionDialog } from '../RecordDecisionDialog';
import { ConflictsCard } from './ConflictsCard';

jest.setTimeout(120_000);

const BASE = 'http://backstage.test/api/contracts';

/**
 * The portal's fast path: an entity page loads the backend's cached body (no
 * `?include=canAccept`, no permission asked); whether the user may accept a finding is asked
 * once they open it, or open the record-decision dialog.
 */
function recording(findingId: string) {
  const finding = { ...latencyFinding, id: findingId };
  delete finding.canAccept;
  const urls: string[] = [];
  const api = new ContractsClient({
    discoveryApi: { getBaseUrl: async () => BASE },
    fetchApi: {
      fetch: (async (url: string) => {
        urls.push(url);
        return new Response(
          JSON.stringify(entityResponse({ findings: [finding] })),
          { headers: { 'Content-Type': 'application/json' } },
        );
      }) as any,
    },
  });
  const asked: string[] = [];
  // the permission API's requests, as mockApis.permission hands them over
  const authorize = (request: {
    permission: { name: string };
    resourceRef?: string;
  }) => {
    asked.push(`${request.permission.name} ${request.resourceRef ?? ''}`);
    return 'ALLOW';
  };
  return { finding, api, urls, asked, authorize: authorize as any };
}

describe('ConflictsCard on the fast path', () => {
  it('loads the entity without asking canAccept, and asks it when a finding is opened', async () => {
    const { api, urls, asked, authorize } = recording('f-fast-card');
    await renderWith(<ConflictsCard />, {
      api,
      entity: checkoutEntity,
      permission: authorize,
    });
    const [title] = await screen.findAllByText('Latency contract violation', {
      selector: 'strong',
    });
    expect(urls).toEqual([`${BASE}/entities/component/default/checkout`]);
    expect(asked).toEqual([]);

    await userEvent.click(title);
    await waitFor(() =>
      expect(asked).toEqual(['contracts.decision.accept f-fast-card']),
    );
    // what opening it fetched (the waterfall reads the chain's contracts) is the cached body
    expect(urls.every(u => !u.includes('?'))).toBe(true);
    await userEvent.click(
      screen.getByRole('button', { name: 'Record decision' }),
    );
    expect(await screen.findByRole('dialog')).toBeInTheDocument();
    expect(urls.every(u => !u.includes('?'))).toBe(true);
  });

  it('asks canAccept for the finding of a record-decision dialog opened on its own', async () => {
    const { finding, asked, authorize } = recording('f-fast-dialog');
    await renderWith(
      <RecordDecisionDialog open finding={finding} onClose={() => {}} />,
      { permission: authorize },
    );
    await waitFor(() =>
      expect(asked).toContain('contracts.decision.accept f-fast-dialog'),
    );
  });
});

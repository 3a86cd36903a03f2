import { screen } from '@testing-library/react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { discoveryApiRef, fetchApiRef } from '@backstage/frontend-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type { Entity } from '@backstage/catalog-model';
import { ContractsScorecardCard } from './ContractsScorecardCard';

const risk: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'risk', namespace: 'default' },
  spec: { type: 'service', owner: 'group:default/risk-team' },
};

const result = (id: string, name: string, passed: boolean) => ({
  check: { id, name, description: `${name}, described` },
  result: passed,
});

function renderCard(response: Response) {
  const fetch = jest.fn(async (_url: string, _init?: RequestInit) => response);
  return {
    fetch,
    rendered: renderInTestApp(
      <TestApiProvider
        apis={[
          [discoveryApiRef, mockApis.discovery({ baseUrl: 'http://backend' })],
          [fetchApiRef, { fetch } as any],
        ]}
      >
        <EntityProvider entity={risk}>
          <ContractsScorecardCard />
        </EntityProvider>
      </TestApiProvider>,
    ),
  };
}

describe('ContractsScorecardCard', () => {
  it('runs the entity’s checks and shows each contracts check passed or failed', async () => {
    const { fetch, rendered } = renderCard(
      new Response(
        JSON.stringify([
          result(
            'contractsNoBlockingConflicts',
            'No blocking contract conflicts',
            false,
          ),
          result(
            'contractsDecisionsReviewed',
            'No decision past its review date',
            true,
          ),
          result('techdocsExists', 'Has docs', true),
        ]),
        { status: 200, headers: { 'Content-Type': 'application/json' } },
      ),
    );
    await rendered;
    expect(
      await screen.findByText('No blocking contract conflicts: failed'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('No decision past its review date: passed'),
    ).toBeInTheDocument();
    // another check the app configures is not a contracts check
    expect(screen.queryByText(/Has docs/)).not.toBeInTheDocument();
    expect(fetch).toHaveBeenCalledWith(
      'http://backend/api/tech-insights/checks/run/default/Component/risk',
      expect.objectContaining({ method: 'POST' }),
    );
  });

  it('says what went wrong when tech-insights answers with an error', async () => {
    const { rendered } = renderCard(
      new Response(
        JSON.stringify({
          error: { name: 'NotAllowedError', message: 'Unauthorized' },
        }),
        { status: 403, headers: { 'Content-Type': 'application/json' } },
      ),
    );
    await rendered;
    expect(await screen.findByText(/Unauthorized/)).toBeInTheDocument();
  });
});

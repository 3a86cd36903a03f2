/* The legacy frontend system: the exported extensions render through core-plugin-api. */
import { screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import {
  MockPermissionApi,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  catalogApiRef,
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  catalogEntities,
  checkoutEntity,
  latencyFinding,
  mockContractsApi,
  riskTeam,
} from './__testUtils__';
import { contractsApiRef } from './api';
import {
  contractsPlugin,
  EntityConflictsCard,
  EntityContractsCard,
  EntityContractsContent,
  EntityDecisionsCard,
  EntityTeamConflictsCard,
} from './plugin';

function renderLegacy(element: JSX.Element, entity = checkoutEntity) {
  const api = mockContractsApi({
    getFindings: jest.fn(async () => ({ items: [latencyFinding] })),
  });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [contractsApiRef, api],
        [catalogApiRef, catalogApiMock({ entities: catalogEntities })],
        [permissionApiRef, new MockPermissionApi()],
      ]}
    >
      <EntityProvider entity={entity}>{element}</EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('contracts plugin (legacy frontend system)', () => {
  it('is a plugin with the contracts API', () => {
    expect(contractsPlugin.getId()).toBe('contracts');
    expect([...contractsPlugin.getApis()].map(f => f.api.id)).toEqual([
      'plugin.contracts.api',
    ]);
  });

  it('renders the three entity cards', async () => {
    await renderLegacy(
      <>
        <EntityContractsCard />
        <EntityConflictsCard />
        <EntityDecisionsCard />
      </>,
    );
    expect(await screen.findByText('Latency contract violation')).toBeInTheDocument();
    expect(await screen.findByText('Requires')).toBeInTheDocument();
    expect(screen.getAllByText(/^needs/)[0]).toHaveTextContent(
      'needs risk.scoreTransaction p95 < 200ms, timeout 500ms, no retry',
    );
    expect(screen.getByText('Redacted breakdown for support')).toBeInTheDocument();
  });

  it('renders the team card on a Group', async () => {
    await renderLegacy(<EntityTeamConflictsCard />, riskTeam);
    expect(await screen.findByText('By counterpart team')).toBeInTheDocument();
  });

  it('renders the Contracts tab', async () => {
    await renderLegacy(
      <Routes>
        <Route path="/" element={<EntityContractsContent />} />
      </Routes>,
    );
    expect(await screen.findByText('Neighbourhood in the conflict graph')).toBeInTheDocument();
    expect(await screen.findByText('What if…')).toBeInTheDocument();
  });
});

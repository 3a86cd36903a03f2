import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { convertLegacyRouteRef } from '@backstage/core-compat-api';
import type { Entity } from '@backstage/catalog-model';
import CompareArrowsIcon from '@material-ui/icons/CompareArrows';
import { isContractsAvailable } from '@backstage-contracts/plugin-contracts-common';
import { contractsApiRef, ContractsClient } from './api';
import { rootRouteRef } from './routes';

const isGroup = (entity: Entity) =>
  entity.kind.toLocaleLowerCase('en-US') === 'group';
const hasContracts = (entity: Entity) =>
  ['component', 'resource', 'api', 'system'].includes(
    entity.kind.toLocaleLowerCase('en-US'),
  ) && isContractsAvailable(entity);

/** The contracts API (`ContractsClient` over discovery and fetch). @alpha */
export const contractsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: contractsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ContractsClient({ discoveryApi, fetchApi }),
    }),
});

/** The conflict graph page at `/contracts`; shown in the sidebar as `page:contracts`. @alpha */
export const contractsPage = PageBlueprint.make({
  params: {
    path: '/contracts',
    title: 'Contracts',
    icon: <CompareArrowsIcon />,
    routeRef: convertLegacyRouteRef(rootRouteRef),
    loader: () =>
      import('./components/ContractsPage').then(m => (
        <div data-testid="contracts-page" style={{ padding: 24 }}>
          <m.ContractsGraphPageContent />
        </div>
      )),
  },
});

/**
 * Where the eye goes first: the open errors of an entity with a contract, in a compact card
 * that renders only when there are some. List it first among the entity cards in
 * `app.extensions` (app-config.yaml) to put it at the top of the Overview. @alpha
 */
export const entityConflictSummaryCard = EntityCardBlueprint.make({
  name: 'conflict-summary',
  params: {
    filter: hasContracts,
    loader: () =>
      import('./components/ConflictSummaryCard').then(m => (
        <m.ConflictSummaryCard />
      )),
  },
});

/** Contracts card on entities with a contract. @alpha */
export const entityContractsCard = EntityCardBlueprint.make({
  name: 'contracts',
  params: {
    filter: hasContracts,
    loader: () =>
      import('./components/ContractsCard').then(m => <m.ContractsCard />),
  },
});

/** Conflicts card on entities with a contract. @alpha */
export const entityConflictsCard = EntityCardBlueprint.make({
  name: 'conflicts',
  params: {
    filter: hasContracts,
    loader: () =>
      import('./components/ConflictsCard').then(m => <m.ConflictsCard />),
  },
});

/** Trade-off decisions card on entities with a contract. @alpha */
export const entityDecisionsCard = EntityCardBlueprint.make({
  name: 'decisions',
  params: {
    filter: hasContracts,
    loader: () =>
      import('./components/DecisionsCard').then(m => <m.DecisionsCard />),
  },
});

/** Kinds a need may name as its provider. */
const isProviderKind = (entity: Entity) =>
  ['component', 'resource', 'api', 'system'].includes(
    entity.kind.toLocaleLowerCase('en-US'),
  );

/**
 * The needs of others an entity has not answered, on the overview of any entity a need may
 * name (contract or not): shown only when there are some. @alpha
 */
export const entityUnansweredNeedsCard = EntityCardBlueprint.make({
  name: 'unanswered-needs',
  params: {
    filter: isProviderKind,
    loader: () =>
      import('./components/UnansweredNeeds').then(m => (
        <m.UnansweredNeedsCard hideWhenEmpty />
      )),
  },
});

/** Team view card on Group pages. @alpha */
export const entityTeamConflictsCard = EntityCardBlueprint.make({
  name: 'team-conflicts',
  params: {
    filter: isGroup,
    loader: () =>
      import('./components/TeamConflictsCard').then(m => (
        <m.TeamConflictsCard />
      )),
  },
});

/** The Contracts tab (`…/contracts`) of entities with a contract. @alpha */
export const entityContractsContent = EntityContentBlueprint.make({
  name: 'contracts',
  params: {
    path: 'contracts',
    title: 'Contracts',
    filter: hasContracts,
    loader: () =>
      import('./components/EntityContractsContent').then(m => (
        <m.EntityContractsContent />
      )),
  },
});

/** The Contracts tab (`…/contracts`) of Group pages: the team view. @alpha */
export const entityTeamContractsContent = EntityContentBlueprint.make({
  name: 'team-contracts',
  params: {
    path: 'contracts',
    title: 'Contracts',
    filter: isGroup,
    loader: () =>
      import('./components/TeamContractsContent').then(m => (
        <m.TeamContractsContent />
      )),
  },
});

/**
 * The contracts plugin for the new frontend system.
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'contracts',
  extensions: [
    contractsApi,
    contractsPage,
    entityConflictSummaryCard,
    entityContractsCard,
    entityConflictsCard,
    entityDecisionsCard,
    entityUnansweredNeedsCard,
    entityTeamConflictsCard,
    entityContractsContent,
    entityTeamContractsContent,
  ],
  routes: { root: convertLegacyRouteRef(rootRouteRef) },
});

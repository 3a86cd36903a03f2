import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { contractsApiRef, ContractsClient } from './api';
import { entityContentRouteRef, rootRouteRef } from './routes';

/**
 * The contracts plugin for apps on the legacy frontend system.
 * @public
 */
export const contractsPlugin = createPlugin({
  id: 'contracts',
  apis: [
    createApiFactory({
      api: contractsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ContractsClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef, entityContent: entityContentRouteRef },
});

/**
 * The conflict graph page, for apps on the legacy frontend system.
 * @public
 */
export const ContractsPage = contractsPlugin.provide(
  createRoutableExtension({
    name: 'ContractsPage',
    component: () =>
      import('./components/ContractsPage').then(m => m.ContractsPage),
    mountPoint: rootRouteRef,
  }),
);

/**
 * Contracts card: what the entity provides and requires, in plain words.
 * @public
 */
export const EntityContractsCard = contractsPlugin.provide(
  createComponentExtension({
    name: 'EntityContractsCard',
    component: {
      lazy: () =>
        import('./components/ContractsCard').then(m => m.ContractsCard),
    },
  }),
);

/**
 * Conflicts card: the findings where the entity is consumer or provider.
 * @public
 */
export const EntityConflictsCard = contractsPlugin.provide(
  createComponentExtension({
    name: 'EntityConflictsCard',
    component: {
      lazy: () =>
        import('./components/ConflictsCard').then(m => m.ConflictsCard),
    },
  }),
);

/**
 * Trade-off decisions card.
 * @public
 */
export const EntityDecisionsCard = contractsPlugin.provide(
  createComponentExtension({
    name: 'EntityDecisionsCard',
    component: {
      lazy: () =>
        import('./components/DecisionsCard').then(m => m.DecisionsCard),
    },
  }),
);

/**
 * Team view card for Group pages.
 * @public
 */
export const EntityTeamConflictsCard = contractsPlugin.provide(
  createComponentExtension({
    name: 'EntityTeamConflictsCard',
    component: {
      lazy: () =>
        import('./components/TeamConflictsCard').then(m => m.TeamConflictsCard),
    },
  }),
);

/**
 * The Contracts tab of an entity page (mount it at `/contracts` in an `EntityLayout.Route`).
 * @public
 */
export const EntityContractsContent = contractsPlugin.provide(
  createRoutableExtension({
    name: 'EntityContractsContent',
    component: () =>
      import('./components/EntityContractsContent').then(
        m => m.EntityContractsContent,
      ),
    mountPoint: entityContentRouteRef,
  }),
);

/**
 * The Contracts tab of a Group page.
 * @public
 */
export const EntityTeamContractsContent = contractsPlugin.provide(
  createRoutableExtension({
    name: 'EntityTeamContractsContent',
    component: () =>
      import('./components/TeamContractsContent').then(
        m => m.TeamContractsContent,
      ),
    mountPoint: entityContentRouteRef,
  }),
);

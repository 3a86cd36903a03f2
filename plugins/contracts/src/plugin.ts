import {
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { rootRouteRef } from './routes';

/**
 * The contracts plugin for apps on the legacy frontend system.
 * @public
 */
export const contractsPlugin = createPlugin({
  id: 'contracts',
  routes: { root: rootRouteRef },
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

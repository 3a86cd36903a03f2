import {
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { convertLegacyRouteRef } from '@backstage/core-compat-api';
import CompareArrowsIcon from '@material-ui/icons/CompareArrows';
import { rootRouteRef } from './routes';

/** The conflict graph page at `/contracts`. @alpha */
export const contractsPage = PageBlueprint.make({
  params: {
    path: '/contracts',
    title: 'Contracts',
    icon: <CompareArrowsIcon />,
    routeRef: convertLegacyRouteRef(rootRouteRef),
    loader: () =>
      import('./components/ContractsPage').then(m => <m.ContractsPage />),
  },
});

/**
 * The contracts plugin for the new frontend system.
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'contracts',
  extensions: [contractsPage],
  routes: { root: convertLegacyRouteRef(rootRouteRef) },
});

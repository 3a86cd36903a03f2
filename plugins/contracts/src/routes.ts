import { createRouteRef } from '@backstage/core-plugin-api';

/** Route of the conflict graph page (`/contracts`). @public */
export const rootRouteRef = createRouteRef({ id: 'contracts' });

/** Route of the Contracts tab of an entity page (`…/contracts`). @public */
export const entityContentRouteRef = createRouteRef({
  id: 'contracts:entity-content',
});

import { createRouteRef } from '@backstage/core-plugin-api';

/** Route of the conflict graph page (`/contracts`). @public */
export const rootRouteRef = createRouteRef({ id: 'contracts' });

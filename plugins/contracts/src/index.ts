/**
 * Backstage Contracts frontend: contract, conflict and decision cards, the team view and
 * the conflict graph page. New frontend system support is under `./alpha`.
 *
 * @packageDocumentation
 */

export { contractsPlugin, ContractsPage } from './plugin';
export { rootRouteRef } from './routes';

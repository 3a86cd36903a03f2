/**
 * Backstage Contracts frontend: contract, conflict and decision cards, the team view and
 * the conflict graph page. New frontend system support is under `./alpha`.
 *
 * @packageDocumentation
 */

export {
  contractsPlugin,
  ContractsPage,
  EntityContractsCard,
  EntityConflictsCard,
  EntityDecisionsCard,
  EntityTeamConflictsCard,
  EntityContractsContent,
  EntityTeamContractsContent,
} from './plugin';
export { rootRouteRef, entityContentRouteRef } from './routes';
export { contractsApiRef, ContractsClient } from './api';
export type {
  ContractsApi,
  CheckResult,
  ContractsFinding,
  ContractsGraph,
  ContractsGraphEdge,
  ContractsGraphNode,
  Decision,
  DecisionInput,
  DecisionStatus,
  EntityContractsResponse,
  EntityHistoryPage,
  HistoryItem,
  HistoryFinding,
  ContractValueChange,
  FindingsQuery,
  GraphQuery,
  Page,
} from './api';
export { isContractsAvailable } from '@backstage-contracts/plugin-contracts-common';

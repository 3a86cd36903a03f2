/**
 * Backstage Contracts backend: the conflict graph service, its REST API and trade-off
 * decision records.
 *
 * @packageDocumentation
 */

export { contractsPlugin as default } from './plugin';
export {
  contractsFindingConditions,
  contractsFindingResourceRef,
  createContractsFindingConditionalDecision,
  isFindingPartyRule,
} from './permissions';
export type { Decision, RecordedDecisionStatus } from './database/DecisionsStore';

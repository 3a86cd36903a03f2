/**
 * Tech Insights module of Backstage Contracts: facts per entity (open errors, warnings,
 * undecided trade-offs and their age, decisions past review, has contracts) for scorecards,
 * and ready-made checks for the JSON rules engine.
 *
 * @packageDocumentation
 */

export { techInsightsModuleContracts as default } from './module';
export {
  CONTRACTS_FACT_RETRIEVER_ID,
  createContractsFactRetriever,
  type ContractsFactRetrieverOptions,
  type ContractsFacts,
} from './contractsFactRetriever';
export { contractsChecks, type ContractsCheckConfig } from './checks';

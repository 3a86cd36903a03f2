/**
 * Catalog module of Backstage Contracts: resolves `contracts.io/ref` and validates contracts
 * at ingestion, so problems show in the catalog's own error panel.
 *
 * @packageDocumentation
 */

export { catalogModuleContracts as default } from './module';
export { ContractsProcessor } from './processor/ContractsProcessor';

/**
 * Node library of Backstage Contracts: the custom rules extension point and the
 * `contracts.io/ref` loader.
 *
 * @packageDocumentation
 */

export {
  contractsRulesExtensionPoint,
  type ContractsRulesExtensionPoint,
} from './extensions';
export {
  loadContractSources,
  loadDiscoverReport,
  type ContractEntityLocation,
  type LoadContractSourcesOptions,
  type LoadedContractSources,
} from './loader';

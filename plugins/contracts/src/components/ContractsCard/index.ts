export {
  ContractsCard,
  ContractSummary,
  ContractsMissingAnnotation,
} from './ContractsCard';

export { EntityContractsContent } from './EntityContractsContent';

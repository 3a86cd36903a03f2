export { TeamContractsContent } from './TeamContractsContent';

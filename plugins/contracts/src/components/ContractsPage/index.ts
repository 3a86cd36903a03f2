export { ContractsPage, ContractsGraphPageContent } from './ContractsPage';

export { contractsApiRef } from './ContractsApi';
export type { ContractsApi } from './ContractsApi';
export { ContractsClient } from './ContractsClient';
export type * from './types';

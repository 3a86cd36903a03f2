export { ContractsGraphView } from './ContractsGraphView';
export type { ContractsGraphViewProps } from './ContractsGraphView';
export { ContractsGraphLoader } from './ContractsGraphLoader';
export { layoutGraph } from './layout';

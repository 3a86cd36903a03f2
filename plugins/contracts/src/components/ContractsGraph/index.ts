export { ContractsGraphView } from './ContractsGraphView';
export type { ContractsGraphViewProps } from './ContractsGraphView';
export { ContractsGraphLoader } from './ContractsGraphLoader';
export { sliceGraph, shortestPath, teamColors } from './graphModel';
export type { GraphSlice } from './graphModel';
export { parseGraphState, writeGraphState, useGraphViewState } from './graphState';
export type { GraphViewState } from './graphState';

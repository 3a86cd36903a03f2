export * from './severity';
export * from './useEntityContracts';
export { FindingExplanation } from './FindingExplanation';
export * from './format';
export { useAcceptDecision } from './useAcceptDecision';

export * from './severity';
export * from './useEntityContracts';
export { FindingExplanation } from './FindingExplanation';
export { NotInGraphYet } from './NotInGraphYet';
export * from './format';
export { useAcceptDecision } from './useAcceptDecision';
export { WrappingListItemText } from './WrappingListItemText';

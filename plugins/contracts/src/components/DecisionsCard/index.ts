export { DecisionsCard, DecisionList, sortDecisions } from './DecisionsCard';
export { DecisionItem } from './DecisionItem';
export { DecisionHistory } from './DecisionHistory';

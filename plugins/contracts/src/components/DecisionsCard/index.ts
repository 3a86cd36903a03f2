export { DecisionsCard, DecisionList, sortDecisions } from './DecisionsCard';

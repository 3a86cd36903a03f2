export { ConflictSummaryCard, countBySeverity } from './ConflictSummaryCard';

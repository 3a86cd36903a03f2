export { ConflictsCard } from './ConflictsCard';
export { FindingsList, FindingItem, sortFindings } from './FindingsList';

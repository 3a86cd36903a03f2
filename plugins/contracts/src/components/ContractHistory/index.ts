export { ContractHistoryCard, HISTORY_PAGE_SIZE } from './ContractHistoryCard';
export { describeHistoryItem, describeValueChange } from './describe';

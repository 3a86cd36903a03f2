/*
 * The rule engine and conflict graph.
 */
export type {
  AnalysisResult,
  AnalyzeInput,
  Analyzer,
  ConflictGraph,
  ContractRule,
  DatasetMatch,
  EdgeRef,
  EngineConfig,
  FindingDraft,
  GraphEdge,
  GraphNode,
  RuleContext,
} from './types';
export {
  analyze,
  compareFindings,
  createAnalyzer,
  DEFAULT_PROMISE_DRIFT_TOLERANCE,
  DEFAULT_RETRY_AMPLIFICATION_BOUND,
} from './engine';
export { evidenceHash, fingerprint, hashString, stableStringify } from './hash';
export { unknownDeciders } from './deciders';
export { formatObservedValue } from './rules/observed';
export {
  composeMessage,
  deciderName,
  formatMs,
  SEVERITY_LABEL,
  SEVERITY_STATUS,
} from './format';
export {
  accessPolicyRule,
  availabilityCompositionRule,
  contractDriftRule,
  dataUsePathRule,
  dataFreshnessRule,
  defaultRules,
  freshnessPathRule,
  idempotencyKeyRule,
  idempotencyWindowRule,
  latencyBudgetRule,
  latencyPathRule,
  needAtRiskRule,
  promiseDriftRule,
  retryAmplificationRule,
  timeoutBelowTailRule,
  timeoutOrderingRule,
  undeclaredDependencyRule,
  unresolvedReferenceRule,
  UNANSWERED_NEED_RULE,
  unansweredNeedRule,
  groupUnansweredNeeds,
  describeUnansweredNeeds,
} from './rules';
export type { UnansweredNeedEntry, UnansweredNeedGroup } from './rules';
export { latencyAt, promisedLatencies } from './paths';
export type { LatencyAt } from './paths';
export { attemptTimeoutMs, callsOf } from './calls';
export type { Call } from './calls';

import type { ContractRule } from '../types';
import { accessPolicyRule } from './access-policy';
import { availabilityCompositionRule } from './availability-composition';
import { dataUsePathRule } from './data-use-path';
import { contractDriftRule } from './contract-drift';
import { dataFreshnessRule } from './data-freshness';
import { freshnessPathRule } from './freshness-path';
import { idempotencyKeyRule } from './idempotency-key';
import { idempotencyWindowRule } from './idempotency-window';
import { latencyBudgetRule } from './latency-budget';
import { latencyPathRule } from './latency-path';
import { needAtRiskRule } from './need-at-risk';
import { promiseDriftRule } from './promise-drift';
import { retryAmplificationRule } from './retry-amplification';
import { timeoutBelowTailRule } from './timeout-below-tail';
import { timeoutOrderingRule } from './timeout-ordering';
import { undeclaredDependencyRule } from './undeclared-dependency';
import { unresolvedReferenceRule } from './unresolved-reference';
import {
  UNANSWERED_NEED_RULE,
  describeUnansweredNeeds,
  groupUnansweredNeeds,
  unansweredNeedRule,
} from './unanswered-need';

export type {
  UnansweredNeedEntry,
  UnansweredNeedGroup,
} from './unanswered-need';

export {
  accessPolicyRule,
  availabilityCompositionRule,
  contractDriftRule,
  dataUsePathRule,
  dataFreshnessRule,
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
};

/**
 * The rules of DESIGN.md, in its order. Custom rules join with
 * `rules: [...defaultRules, myRule]`.
 * @public
 */
export const defaultRules: ContractRule[] = [
  latencyBudgetRule,
  timeoutBelowTailRule,
  latencyPathRule,
  timeoutOrderingRule,
  dataFreshnessRule,
  freshnessPathRule,
  idempotencyKeyRule,
  idempotencyWindowRule,
  retryAmplificationRule,
  accessPolicyRule,
  unresolvedReferenceRule,
  unansweredNeedRule,
  undeclaredDependencyRule,
  contractDriftRule,
  availabilityCompositionRule,
  dataUsePathRule,
  promiseDriftRule,
  needAtRiskRule,
];

/*
 * Permissions of Backstage Contracts, as data: registered by the backend, checked by the
 * permission policy, and asked about by the frontend.
 */
import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Resource type of a finding (resource ref: the finding id), used by conditional decisions on
 * {@link contractsDecisionAcceptPermission}.
 * @public
 */
export const CONTRACTS_FINDING_RESOURCE_TYPE = 'contracts-finding';

/**
 * Recording a trade-off decision (status `proposed`, `rejected`): anyone signed in.
 * @public
 */
export const contractsDecisionCreatePermission = createPermission({
  name: 'contracts.decision.create',
  attributes: { action: 'create' },
});

/**
 * Accepting a finding (recording or superseding into status `accepted`, or superseding any
 * decision): owners of the consumer or the provider, members of their groups, or of a decider
 * group configured for the rule. A resource permission on the finding: the policy answers with
 * a conditional decision (rule `IS_FINDING_PARTY`) evaluated by the contracts backend.
 * @public
 */
export const contractsDecisionAcceptPermission = createPermission({
  name: 'contracts.decision.accept',
  attributes: { action: 'update' },
  resourceType: CONTRACTS_FINDING_RESOURCE_TYPE,
});

/**
 * Every permission of Backstage Contracts.
 * @public
 */
export const contractsPermissions = [
  contractsDecisionCreatePermission,
  contractsDecisionAcceptPermission,
];

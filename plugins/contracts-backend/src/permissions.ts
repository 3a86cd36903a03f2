import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  CONTRACTS_FINDING_RESOURCE_TYPE,
  type Finding,
} from '@backstage-contracts/plugin-contracts-common';
import { z } from 'zod';

/**
 * The finding resource of the permission framework (resource ref: the finding id).
 * @public
 */
export const contractsFindingResourceRef = createPermissionResourceRef<
  Finding,
  never
>().with({
  pluginId: 'contracts',
  resourceType: CONTRACTS_FINDING_RESOURCE_TYPE,
});

const claimsSchema = z.object({
  claims: z
    .array(z.string())
    .describe('Entity refs of the user and their groups'),
});

/**
 * `IS_FINDING_PARTY`: the claims (the user's ownership refs) include an owner of the
 * finding's consumer or provider, or a decider group configured for its rule — the finding's
 * `deciders`.
 * @public
 */
export const isFindingPartyRule = createPermissionRule<
  typeof contractsFindingResourceRef,
  { claims: string[] }
>({
  name: 'IS_FINDING_PARTY',
  description:
    'Allow when the user (or one of their groups) owns the consumer or the provider of the finding, or is a decider group configured for its rule',
  resourceRef: contractsFindingResourceRef,
  // a zod v3 schema; typed loosely, its inference against the rule overloads is too deep for tsc
  paramsSchema: claimsSchema as any,
  apply(finding: Finding, { claims }: { claims: string[] }) {
    const mine = new Set(claims.map((c: string) => c.toLocaleLowerCase('en-US')));
    return (finding.deciders ?? []).some(d =>
      mine.has(d.toLocaleLowerCase('en-US')),
    );
  },
  toQuery() {
    throw new Error('IS_FINDING_PARTY cannot be turned into a query');
  },
});

const { conditions, createConditionalDecision } = createConditionExports({
  resourceRef: contractsFindingResourceRef,
  rules: { isFindingParty: isFindingPartyRule },
});

/**
 * Conditions on findings for permission policies: `contractsFindingConditions.isFindingParty({ claims })`.
 * @public
 */
export const contractsFindingConditions = conditions;

/**
 * Builds a conditional decision on a finding permission, for permission policies.
 * @public
 */
export const createContractsFindingConditionalDecision =
  createConditionalDecision;

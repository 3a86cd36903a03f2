/*
 * The portal's permission policy: everything is allowed, except accepting (or superseding) a
 * contracts decision, which needs the caller to be a party of the finding — an owner of its
 * consumer or provider, a member of an owning group, or of a decider group configured for its
 * rule. The contracts backend evaluates that condition (rule IS_FINDING_PARTY) against the
 * finding, with the claims given here.
 */
import {
  coreServices,
  createBackendModule,
  type UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  contractsFindingConditions,
  createContractsFindingConditionalDecision,
} from '@backstage-contracts/plugin-contracts-backend';
import { contractsDecisionAcceptPermission } from '@backstage-contracts/plugin-contracts-common';

/** Allows everything but accepting contract findings the user is no party of. */
export class ContractsPermissionPolicy implements PermissionPolicy {
  constructor(private readonly userInfo: UserInfoService) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (isPermission(request.permission, contractsDecisionAcceptPermission)) {
      if (!user) return { result: AuthorizeResult.DENY };
      // the user and the groups they belong to, from the catalog (via the auth backend)
      const { ownershipEntityRefs: claims } = await this.userInfo.getUserInfo(
        user.credentials,
      );
      if (!claims.length) return { result: AuthorizeResult.DENY };
      return createContractsFindingConditionalDecision(
        request.permission,
        contractsFindingConditions.isFindingParty({ claims }),
      );
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

/** Installs {@link ContractsPermissionPolicy} in the permission backend. */
export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'contracts-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, userInfo: coreServices.userInfo },
      async init({ policy, userInfo }) {
        policy.setPolicy(new ContractsPermissionPolicy(userInfo));
      },
    });
  },
});

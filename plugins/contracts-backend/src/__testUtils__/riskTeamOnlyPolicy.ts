import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
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
// The portal's own permission policy, as packages/backend installs it (test-only import: the
// backend package depends on this plugin, not the other way round).
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { ContractsPermissionPolicy } from '../../../../packages/backend/src/modules/permissionPolicy';

export const RISK_TEAM = 'group:default/risk-team';
export const RISK = 'component:default/risk';
export const GUEST = 'user:default/guest'; // support-team: may not read risk-team's entities
export const BOB = 'user:default/bob'; // risk-team: reads everything
export const NOBODY = 'user:default/nobody'; // may read no entity at all
/** Each user's ownership refs (for `ownershipUserInfo`). */
export const OWNERSHIP: Record<string, string[]> = {
  [GUEST]: [GUEST, 'group:default/support-team'],
  [BOB]: [BOB, RISK_TEAM],
  [NOBODY]: [NOBODY],
};

/**
 * Risk-team's entities are readable by risk-team only (a conditional decision the catalog
 * evaluates: NOT isEntityOwner risk-team); NOBODY may read no entity; service principals and
 * everything else as the portal's policy decides.
 */
class RiskTeamOnlyPolicy implements PermissionPolicy {
  constructor(private readonly portal: PermissionPolicy) {}

  async handle(
    query: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (isPermission(query.permission, catalogEntityReadPermission) && user) {
      if (user.info.userEntityRef === NOBODY) {
        return { result: AuthorizeResult.DENY };
      }
      if (!user.info.ownershipEntityRefs.includes(RISK_TEAM)) {
        return createCatalogConditionalDecision(query.permission, {
          not: catalogConditions.isEntityOwner({ claims: [RISK_TEAM] }),
        });
      }
    }
    return this.portal.handle(query, user);
  }
}

/** The permission backend module that installs {@link RiskTeamOnlyPolicy}. */
export const riskTeamOnlyPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'risk-team-only-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, userInfo: coreServices.userInfo },
      async init({ policy, userInfo }) {
        policy.setPolicy(
          new RiskTeamOnlyPolicy(new ContractsPermissionPolicy(userInfo)),
        );
      },
    });
  },
});

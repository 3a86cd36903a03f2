import type {
  BackstageCredentials,
  BackstageUserPrincipal,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import type { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  contractsDecisionAcceptPermission,
  contractsDecisionCreatePermission,
} from '@backstage-contracts/plugin-contracts-common';
import { ContractsPermissionPolicy } from './permissionPolicy';

const OWNERSHIP: Record<string, string[]> = {
  'user:default/guest': ['user:default/guest', 'group:default/support-team'],
  'user:default/nobody': [],
};

const userInfo: UserInfoService = {
  async getUserInfo(credentials) {
    const ref = (credentials.principal as BackstageUserPrincipal).userEntityRef;
    return { userEntityRef: ref, ownershipEntityRefs: OWNERSHIP[ref] ?? [] };
  },
};

function user(userEntityRef: string): PolicyQueryUser {
  const credentials: BackstageCredentials<BackstageUserPrincipal> = {
    $$type: '@backstage/BackstageCredentials',
    principal: { type: 'user', userEntityRef },
  };
  return {
    credentials,
    identity: { type: 'user', userEntityRef, ownershipEntityRefs: [] },
    info: {
      userEntityRef,
      ownershipEntityRefs: OWNERSHIP[userEntityRef] ?? [],
    },
    token: 'token',
    expiresInSeconds: 3600,
  } as PolicyQueryUser;
}

describe('ContractsPermissionPolicy', () => {
  const policy = new ContractsPermissionPolicy(userInfo);

  it('allows everything but accepting contract findings', async () => {
    const catalogRead = createPermission({
      name: 'catalog.entity.read',
      attributes: { action: 'read' },
      resourceType: 'catalog-entity',
    });
    for (const permission of [catalogRead, contractsDecisionCreatePermission]) {
      expect(
        await policy.handle({ permission }, user('user:default/guest')),
      ).toEqual({ result: AuthorizeResult.ALLOW });
      expect(await policy.handle({ permission })).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });

  it('lets a user accept the findings they are a party of, by their ownership claims', async () => {
    expect(
      await policy.handle(
        { permission: contractsDecisionAcceptPermission },
        user('user:default/guest'),
      ),
    ).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'contracts',
      resourceType: contractsDecisionAcceptPermission.resourceType,
      conditions: {
        rule: 'IS_FINDING_PARTY',
        resourceType: contractsDecisionAcceptPermission.resourceType,
        params: {
          claims: ['user:default/guest', 'group:default/support-team'],
        },
      },
    });
  });

  it('denies accepting without a user, or to a user who owns nothing', async () => {
    const permission = contractsDecisionAcceptPermission;
    expect(await policy.handle({ permission })).toEqual({
      result: AuthorizeResult.DENY,
    });
    expect(
      await policy.handle({ permission }, user('user:default/nobody')),
    ).toEqual({ result: AuthorizeResult.DENY });
  });
});

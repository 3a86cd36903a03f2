import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { BackendFeature } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { JsonObject } from '@backstage/types';
import permissionPlugin from '@backstage/plugin-permission-backend';
import type { Knex } from 'knex';
import type { Server } from 'node:http';
// The portal's own permission policy, as packages/backend installs it (test-only import: the
// backend package depends on this plugin, not the other way round).
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import policyModule from '../../../../packages/backend/src/modules/permissionPolicy';
import { contractsPlugin } from '../plugin';
import { mutableCatalog } from './exampleCatalog';

/** Users of the example organisation, and the groups they belong to. */
export const USERS = {
  GUEST: 'user:default/guest', // support-team
  BOB: 'user:default/bob', // risk-team
  SAM: 'user:default/sam', // security-team
  CAROL: 'user:default/carol', // checkout-team
};
const OWNERSHIP: Record<string, string[]> = {
  [USERS.GUEST]: [USERS.GUEST, 'group:default/support-team'],
  [USERS.BOB]: [USERS.BOB, 'group:default/risk-team'],
  [USERS.SAM]: [USERS.SAM, 'group:default/security-team'],
  [USERS.CAROL]: [USERS.CAROL, 'group:default/checkout-team'],
};

/** A user info service that gives each user the ownership refs listed for them (else their own). */
export function ownershipUserInfo(ownership: Record<string, string[]>) {
  return mockServices.userInfo.mock({
    async getUserInfo(credentials) {
      const ref = (credentials.principal as { userEntityRef: string })
        .userEntityRef;
      return {
        userEntityRef: ref,
        ownershipEntityRefs: ownership[ref] ?? [ref],
      };
    },
  }).factory;
}

/** The Authorization header of a user. */
export const as = (user: string) => ({
  Authorization: mockCredentials.user.header(user),
});

/**
 * The contracts backend with the real permission backend and the portal's policy, a catalog the
 * test can change, and `contracts.*` config merged over a quick refresh and Security as a
 * decider of access trade-offs. With `knex`, on that database (else SQLite in memory).
 * Call `giveMockUsersAnActor()` at the top of the test file.
 */
export async function startContractsBackend(options: {
  entities: Entity[];
  contracts?: JsonObject;
  knex?: Knex;
  /** The permission policy's module, instead of the portal's. */
  policy?: BackendFeature;
  /** More features, e.g. a scheduler the test triggers (`mockServices.scheduler().factory()`). */
  features?: BackendFeature[];
}): Promise<{ server: Server; catalog: ReturnType<typeof mutableCatalog> }> {
  const catalog = mutableCatalog(options.entities);
  const { server } = await startTestBackend({
    features: [
      contractsPlugin,
      permissionPlugin,
      options.policy ?? policyModule,
      catalog.factory,
      ...(options.knex
        ? [mockServices.database.factory({ knex: options.knex })]
        : []),
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          contracts: {
            refreshIntervalSeconds: 0.2,
            deciders: { 'access-policy': ['group:default/security-team'] },
            ...options.contracts,
          },
        },
      }),
      ownershipUserInfo(OWNERSHIP),
      ...(options.features ?? []),
    ],
  });
  return { server, catalog };
}

import { mockCredentials } from '@backstage/backend-test-utils';

/**
 * The real auth service marks a token a plugin sends on a user's behalf with the plugin as
 * actor; the mock auth drops the actor, and the permission backend then refuses a plugin's
 * conditional authorization (a resource permission without a resourceRef) as a "direct user
 * request" — the contracts plugin's and the catalog's alike. Gives mock users an actor, so that
 * conditional decisions go through the real permission framework. Call at the top of a test file.
 */
export function giveMockUsersAnActor() {
  const realUser = mockCredentials.user;
  jest
    .spyOn(mockCredentials, 'user')
    .mockImplementation((ref?: string, options?: any) =>
      realUser(ref, options ?? { actor: { subject: 'plugin:permission' } }),
    );
  Object.assign(mockCredentials.user, {
    header: realUser.header,
    token: realUser.token,
    invalidToken: realUser.invalidToken,
    invalidHeader: realUser.invalidHeader,
  });
}

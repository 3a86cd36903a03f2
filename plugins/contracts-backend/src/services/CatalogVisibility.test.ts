import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { CatalogVisibility } from './CatalogVisibility';

const ALICE = mockCredentials.user('user:default/alice');
const BOB = mockCredentials.user('user:default/bob');
const CHECKOUT = 'component:default/checkout';
const RISK = 'component:default/risk';
const ORDERS = 'component:default/orders';

/** A catalog that gives each user the entities `readable[user]`, and records what it was asked. */
function fakeCatalog(readable: Record<string, string[]>) {
  const asked: Array<{ user: string; refs: string[]; fields?: string[] }> = [];
  const getEntitiesByRefs = jest.fn(
    async (
      req: { entityRefs: string[]; fields?: string[] },
      { credentials }: { credentials: BackstageCredentials },
    ) => {
      const user = (credentials.principal as { userEntityRef: string })
        .userEntityRef;
      asked.push({ user, refs: req.entityRefs, fields: req.fields });
      const mine = new Set(readable[user] ?? []);
      return {
        items: req.entityRefs.map(r =>
          mine.has(r)
            ? { kind: 'Component', metadata: { name: r } }
            : undefined,
        ),
      };
    },
  );
  return {
    asked,
    getEntitiesByRefs,
    catalog: { getEntitiesByRefs } as unknown as CatalogService,
  };
}

function permissionsAnswering(result: Record<string, AuthorizeResult>) {
  const permissions = mockServices.permissions.mock();
  permissions.authorizeConditional.mockImplementation(
    async (requests, { credentials }) => {
      const user = (credentials.principal as { userEntityRef: string })
        .userEntityRef;
      return requests.map(() =>
        result[user] === AuthorizeResult.CONDITIONAL
          ? ({
              result: AuthorizeResult.CONDITIONAL,
              pluginId: 'catalog',
              resourceType: 'catalog-entity',
              conditions: {
                rule: 'IS_ENTITY_OWNER',
                resourceType: 'catalog-entity',
                params: { claims: [] },
              },
            } as any)
          : { result: result[user] },
      );
    },
  );
  return permissions;
}

describe('CatalogVisibility', () => {
  it('lets a caller the policy allows read everything, without asking the catalog', async () => {
    const permissions = permissionsAnswering({
      'user:default/alice': AuthorizeResult.ALLOW,
    });
    const { catalog, getEntitiesByRefs } = fakeCatalog({});
    const visibility = new CatalogVisibility({ permissions, catalog });
    const refs = jest.fn(() => [RISK]);
    const v = await visibility.forCaller(ALICE, refs);
    expect(v.all).toBe(true);
    expect(v.canRead(RISK)).toBe(true);
    expect(refs).not.toHaveBeenCalled();
    expect(getEntitiesByRefs).not.toHaveBeenCalled();
    const [[requests]] = permissions.authorizeConditional.mock.calls;
    expect(requests).toEqual([
      { permission: expect.objectContaining({ name: 'catalog.entity.read' }) },
    ]);
  });

  it('lets a denied caller read nothing', async () => {
    const permissions = permissionsAnswering({
      'user:default/alice': AuthorizeResult.DENY,
    });
    const { catalog, getEntitiesByRefs } = fakeCatalog({
      'user:default/alice': [RISK],
    });
    const v = await new CatalogVisibility({ permissions, catalog }).forCaller(
      ALICE,
      () => [RISK],
    );
    expect(v.all).toBe(false);
    expect(v.canRead(RISK)).toBe(false);
    expect(getEntitiesByRefs).not.toHaveBeenCalled();
  });

  it('asks the catalog, as the caller, which entities a conditional decision lets them read', async () => {
    const permissions = permissionsAnswering({
      'user:default/alice': AuthorizeResult.CONDITIONAL,
      'user:default/bob': AuthorizeResult.CONDITIONAL,
    });
    const { catalog, asked } = fakeCatalog({
      'user:default/alice': [CHECKOUT, ORDERS],
      'user:default/bob': [RISK],
    });
    const visibility = new CatalogVisibility({ permissions, catalog });
    const alice = await visibility.forCaller(ALICE, () => [
      CHECKOUT,
      'Component:default/Risk',
    ]);
    expect(alice.all).toBe(false);
    expect(alice.canRead(CHECKOUT)).toBe(true);
    expect(alice.canRead('component:default/CHECKOUT')).toBe(true);
    expect(alice.canRead(RISK)).toBe(false);
    // not asked about yet: not readable
    expect(alice.canRead(ORDERS)).toBe(false);
    await alice.cover([ORDERS, CHECKOUT]);
    expect(alice.canRead(ORDERS)).toBe(true);
    const bob = await visibility.forCaller(BOB, () => [CHECKOUT, RISK]);
    expect([bob.canRead(CHECKOUT), bob.canRead(RISK)]).toEqual([false, true]);
    // each asked as themselves, for the refs only, and only once for each ref
    expect(asked).toEqual([
      {
        user: 'user:default/alice',
        refs: [CHECKOUT, RISK],
        fields: ['kind', 'metadata.namespace', 'metadata.name'],
      },
      {
        user: 'user:default/alice',
        refs: [ORDERS],
        fields: expect.any(Array),
      },
      {
        user: 'user:default/bob',
        refs: [CHECKOUT, RISK],
        fields: expect.any(Array),
      },
    ]);
  });

  it('keeps a caller’s answers for the TTL, then asks again', async () => {
    const permissions = permissionsAnswering({
      'user:default/alice': AuthorizeResult.CONDITIONAL,
    });
    const { catalog, asked } = fakeCatalog({ 'user:default/alice': [RISK] });
    const visibility = new CatalogVisibility({
      permissions,
      catalog,
      ttlMs: 200,
    });
    await visibility.forCaller(ALICE, () => [RISK]);
    // concurrent requests share the catalog's answer
    await Promise.all([
      visibility.forCaller(ALICE, () => [RISK]),
      visibility.forCaller(ALICE, () => [RISK]),
    ]);
    expect(permissions.authorizeConditional).toHaveBeenCalledTimes(1);
    expect(asked).toHaveLength(1);
    await new Promise(r => setTimeout(r, 250));
    await visibility.forCaller(ALICE, () => [RISK]);
    expect(permissions.authorizeConditional).toHaveBeenCalledTimes(2);
    expect(asked).toHaveLength(2);
  });

  it('shares one question to the catalog between concurrent requests', async () => {
    const permissions = permissionsAnswering({
      'user:default/alice': AuthorizeResult.CONDITIONAL,
    });
    const { catalog, asked } = fakeCatalog({ 'user:default/alice': [RISK] });
    const visibility = new CatalogVisibility({ permissions, catalog });
    await visibility.forCaller(ALICE); // the decision, kept
    const [a, b] = await Promise.all([
      visibility.forCaller(ALICE, () => [RISK, CHECKOUT]),
      visibility.forCaller(ALICE, () => [RISK]),
    ]);
    expect([a.canRead(RISK), b.canRead(RISK)]).toEqual([true, true]);
    expect(asked.map(x => x.refs)).toEqual([[RISK, CHECKOUT]]);
  });

  it('asks the policy once for a caller’s concurrent first requests, and again after a failure', async () => {
    const permissions = permissionsAnswering({
      'user:default/alice': AuthorizeResult.ALLOW,
    });
    const { catalog } = fakeCatalog({});
    const visibility = new CatalogVisibility({ permissions, catalog });
    const all = await Promise.all(
      Array.from({ length: 5 }, () => visibility.forCaller(ALICE)),
    );
    expect(all.every(v => v.all)).toBe(true);
    expect(permissions.authorizeConditional).toHaveBeenCalledTimes(1);

    // a failed decision is not kept: the next request asks again
    permissions.authorizeConditional.mockRejectedValueOnce(new Error('down'));
    await expect(visibility.forCaller(BOB)).rejects.toThrow('down');
    expect((await visibility.forCaller(BOB)).all).toBe(false);
    expect(permissions.authorizeConditional).toHaveBeenCalledTimes(3);
  });

  it('asks the catalog in chunks of at most 1000 refs', async () => {
    const permissions = permissionsAnswering({
      'user:default/alice': AuthorizeResult.CONDITIONAL,
    });
    const refs = Array.from(
      { length: 2500 },
      (_, i) => `component:default/c${i}`,
    );
    const { catalog, asked } = fakeCatalog({
      'user:default/alice': [refs[0], refs[1999], refs[2499]],
    });
    const v = await new CatalogVisibility({ permissions, catalog }).forCaller(
      ALICE,
      () => refs,
    );
    expect(asked.map(a => a.refs.length)).toEqual([1000, 1000, 500]);
    expect(refs.filter(r => v.canRead(r))).toEqual([
      refs[0],
      refs[1999],
      refs[2499],
    ]);
  });

  it('asks every time with a TTL of 0', async () => {
    const permissions = permissionsAnswering({
      'user:default/alice': AuthorizeResult.ALLOW,
    });
    const visibility = new CatalogVisibility({
      permissions,
      catalog: fakeCatalog({}).catalog,
      ttlMs: 0,
    });
    await visibility.forCaller(ALICE);
    await visibility.forCaller(ALICE);
    expect(permissions.authorizeConditional).toHaveBeenCalledTimes(2);
  });

  it('is a 503 when the catalog fails or does not answer in time, and asks again next time', async () => {
    const permissions = permissionsAnswering({
      'user:default/alice': AuthorizeResult.CONDITIONAL,
    });
    const getEntitiesByRefs = jest
      .fn()
      .mockRejectedValueOnce(new Error('catalog down'))
      .mockReturnValueOnce(new Promise(() => {}))
      .mockResolvedValue({ items: [{}] });
    const visibility = new CatalogVisibility({
      permissions,
      catalog: { getEntitiesByRefs } as unknown as CatalogService,
      catalogTimeoutMs: 50,
    });
    await expect(
      visibility.forCaller(ALICE, () => [RISK]),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringContaining('catalog down'),
    });
    await expect(
      visibility.forCaller(ALICE, () => [RISK]),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringContaining('50 ms'),
    });
    const v = await visibility.forCaller(ALICE, () => [RISK]);
    expect(v.canRead(RISK)).toBe(true);
  });
});

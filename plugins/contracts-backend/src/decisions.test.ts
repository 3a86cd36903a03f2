import {
  type BackendFeature,
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type {
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import type { Finding } from '@backstage-contracts/plugin-contracts-common';
import request from 'supertest';
import {
  as,
  startContractsBackend,
  USERS,
} from './__testUtils__/contractsBackend';
import { loadExampleEntities } from './__testUtils__/exampleCatalog';
import { giveMockUsersAnActor } from './__testUtils__/mockUserActor';
import { sqliteAndPostgres } from './__testUtils__/testDatabases';
import { PERMISSION_DECISIONS_TTL_MS } from './services/DecisionsService';
// The portal's own policy, counted (test-only import, as in __testUtils__/contractsBackend.ts).
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { ContractsPermissionPolicy } from '../../../packages/backend/src/modules/permissionPolicy';

jest.setTimeout(120_000);
giveMockUsersAnActor();

const databases = sqliteAndPostgres();

const { GUEST, BOB, SAM, CAROL } = USERS;

const body = {
  title: 'Support reads a summary through risk',
  decision: 'summary endpoint',
  rationale: 'keeps PII with the risk team',
};

/*
 * The same input rules on both databases: what PostgreSQL cannot store (a NUL character) or
 * what neither should (an impossible date, a cursor nobody made) is a 400 on SQLite too.
 */
describe.each(databases.eachSupportedId())('decision records on %p', id => {
  let examples: Entity[];
  beforeAll(async () => {
    examples = await loadExampleEntities();
  });

  async function start(contracts = {}, policy?: BackendFeature) {
    const knex = await databases.init(id);
    const { server } = await startContractsBackend({
      entities: examples,
      knex,
      contracts,
      policy,
    });
    const findings = await request(server)
      .get('/api/contracts/findings')
      .set(as(GUEST));
    const access = (findings.body.items as Finding[]).find(
      f => f.rule === 'access-policy',
    )!;
    const post = (user: string, payload: object, key?: string) => {
      const r = request(server).post('/api/contracts/decisions').set(as(user));
      if (key) r.set('Idempotency-Key', key);
      return r.send({ findingId: access.id, ...payload });
    };
    return { server, access, post, knex };
  }

  it('refuses NUL characters, impossible review dates and made-up cursors with 400, and stores nothing', async () => {
    const { server, access, post } = await start();
    for (const bad of [
      { ...body, title: 'a\u0000b' },
      { ...body, rationale: 'x\u0000' },
      { ...body, options: ['ok', 'n\u0000o'] },
      { ...body, reviewBy: '1' },
      { ...body, reviewBy: 'Dec 25' },
      { ...body, reviewBy: '2027-02-30' },
      { ...body, reviewBy: `2027-01-01${'x'.repeat(60)}` },
      { ...body, title: 'x'.repeat(501) },
    ]) {
      const res = await post(GUEST, bad);
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      expect(res.body.error.message).toMatch(/Invalid request/);
    }
    expect(
      (
        await request(server)
          .get(
            `/api/contracts/decisions?findingId=${encodeURIComponent(
              'f\u0000',
            )}`,
          )
          .set(as(GUEST))
      ).status,
    ).toBe(400);
    for (const cursor of [
      '1e21',
      Buffer.from('1e21').toString('base64url'),
      'MDE',
      '-1',
    ]) {
      for (const path of [
        '/api/contracts/decisions',
        '/api/contracts/findings',
      ]) {
        const res = await request(server)
          .get(`${path}?cursor=${encodeURIComponent(cursor)}`)
          .set(as(GUEST));
        expect({ path, cursor, status: res.status }).toEqual({
          path,
          cursor,
          status: 400,
        });
      }
    }
    // an unknown or malformed decision id is a 404, never a database error
    for (const bad of ['nope', '%00', encodeURIComponent('x'.repeat(100))]) {
      const res = await request(server)
        .get(`/api/contracts/decisions/${bad}`)
        .set(as(GUEST));
      expect(res.status).toBe(404);
    }
    const listed = await request(server)
      .get(`/api/contracts/decisions?findingId=${access.id}`)
      .set(as(GUEST));
    expect(listed.body).toMatchObject({ items: [], total: 0 });
    // and the good ones go through
    const ok = await post(GUEST, { ...body, reviewBy: '2028-02-29' });
    expect(ok.status).toBe(201);
    expect(ok.body.reviewBy).toBe('2028-02-29');
  });

  it('answers a reused Idempotency-Key with another body 422, the same body with the first record', async () => {
    const { post } = await start();
    const first = await post(GUEST, body, 'key-1');
    expect(first.status).toBe(201);
    const same = await post(GUEST, body, 'key-1');
    expect(same.status).toBe(200);
    expect(same.body.id).toBe(first.body.id);
    const other = await post(GUEST, { ...body, title: 'another' }, 'key-1');
    expect(other.status).toBe(422);
    expect(other.body.error.message).toMatch(/another request/);
    // the key is the user's: another user's same key is their own record
    const bob = await post(BOB, body, 'key-1');
    expect(bob.status).toBe(201);
  });

  it('bounds the records of a finding (409) and the writes of a user (429)', async () => {
    const { post, server } = await start({
      decisions: { maxPerFinding: 3, writesPerMinute: 6 },
    });
    for (let i = 0; i < 3; i++) {
      expect((await post(GUEST, { ...body, title: `t${i}` })).status).toBe(201);
    }
    const over = await post(GUEST, { ...body, title: 'one more' });
    expect(over.status).toBe(409);
    expect(over.body.error.message).toMatch(/maxPerFinding/);
    // the guest has written 4 times; Security's signatures count for Security only
    const listed = await request(server)
      .get('/api/contracts/decisions')
      .set(as(GUEST));
    const idOf = listed.body.items[0].id;
    for (let i = 0; i < 6; i++) {
      expect(
        (
          await request(server)
            .post(`/api/contracts/decisions/${idOf}/signatures`)
            .set(as(SAM))
            .send({ verdict: i % 2 ? 'accept' : 'reject' })
        ).status,
      ).toBe(200);
    }
    const limited = await request(server)
      .post(`/api/contracts/decisions/${idOf}/signatures`)
      .set(as(SAM))
      .send({ verdict: 'accept' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // reads are not limited
    expect(
      (
        await request(server)
          .get(`/api/contracts/decisions/${idOf}`)
          .set(as(SAM))
      ).status,
    ).toBe(200);
  });
  it('bounds the writes in flight on a replica: beyond its queue a 503 with Retry-After; a slot frees when a write ends, a failed one too', async () => {
    const { post, knex } = await start({
      decisions: { concurrentWrites: 1, writeQueue: 2 },
    });
    // The database holds every write (a lock; on SQLite its one connection): the first write
    // takes the slot and waits there, two more wait in the queue.
    const trx = await knex.transaction();
    if (knex.client.config.client === 'pg') {
      await trx.raw('LOCK TABLE contracts_decisions IN ACCESS EXCLUSIVE MODE');
    }
    const answered: request.Response[] = [];
    const sent = Array.from({ length: 5 }, (_, i) =>
      post(GUEST, { ...body, title: `burst ${i}` }).then(r => {
        answered.push(r);
        return r;
      }),
    );
    try {
      // the two beyond the bound are answered at once, while the database still holds the others
      for (let end = Date.now() + 20_000; answered.length < 2; ) {
        if (Date.now() > end) throw new Error('no write was refused');
        await new Promise(r => setTimeout(r, 20));
      }
      await new Promise(r => setTimeout(r, 300));
      expect(answered.map(r => r.status)).toEqual([503, 503]);
      expect(answered[0].headers['retry-after']).toBe('1');
      expect(answered[0].body.error).toMatchObject({
        name: 'ServiceUnavailableError',
        message: expect.stringMatching(/1 at a time, 2 waiting/),
      });
    } finally {
      await trx.rollback();
    }
    expect((await Promise.all(sent)).map(r => r.status).sort()).toEqual([
      201, 201, 201, 503, 503,
    ]);
    // a refused write (400 in the route) gives its slot back: four in a row, then a good one
    for (let i = 0; i < 4; i++) {
      expect((await post(GUEST, { ...body, title: ' ' })).status).toBe(400);
    }
    expect((await post(GUEST, { ...body, title: 'after' })).status).toBe(201);
  });

  it("asks the permission policy once per caller for a burst of writes, and each caller's own decision", async () => {
    const asked: string[] = [];
    // the portal's policy, counting what it is asked; Carol may not record decisions
    class CountingPolicy extends ContractsPermissionPolicy {
      async handle(query: PolicyQuery, user?: PolicyQueryUser) {
        const who = user?.info.userEntityRef;
        asked.push(`${query.permission.name} ${who}`);
        if (
          query.permission.name === 'contracts.decision.create' &&
          who === CAROL
        ) {
          return { result: AuthorizeResult.DENY } as const;
        }
        return super.handle(query, user);
      }
    }
    const policy = createBackendModule({
      pluginId: 'permission',
      moduleId: 'counting-policy',
      register(reg) {
        reg.registerInit({
          deps: {
            policy: policyExtensionPoint,
            userInfo: coreServices.userInfo,
          },
          async init(deps) {
            deps.policy.setPolicy(new CountingPolicy(deps.userInfo));
          },
        });
      },
    });
    const { post } = await start({}, policy);
    const times = (what: string) => asked.filter(a => a === what).length;
    const started = Date.now();
    const burst = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        post(GUEST, { ...body, title: `burst ${i}` }),
      ),
    );
    const tookMs = Date.now() - started;
    expect(burst.map(r => r.status)).toEqual(Array(8).fill(201));
    // once per PERMISSION_DECISIONS_TTL_MS at most (8 times each before)
    const bound = Math.ceil(tookMs / PERMISSION_DECISIONS_TTL_MS);
    expect(times(`contracts.decision.create ${GUEST}`)).toBeLessThanOrEqual(
      bound,
    );
    expect(times(`contracts.decision.accept ${GUEST}`)).toBeLessThanOrEqual(
      bound,
    );
    // kept per caller: the guest's ALLOW is not Carol's
    const carol = await post(CAROL, body);
    expect(carol.status).toBe(403);
    expect(carol.body.error.message).toMatch(
      /may not record contract decisions/,
    );
    expect(times(`contracts.decision.create ${CAROL}`)).toBe(1);
  });
});

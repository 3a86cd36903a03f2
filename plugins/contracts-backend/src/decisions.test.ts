import type { Entity } from '@backstage/catalog-model';
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

jest.setTimeout(120_000);
giveMockUsersAnActor();

const databases = sqliteAndPostgres();

const { GUEST, BOB, SAM } = USERS;

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

  async function start(contracts = {}) {
    const knex = await databases.init(id);
    const { server } = await startContractsBackend({
      entities: examples,
      knex,
      contracts,
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
    return { server, access, post };
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
});

import { mockServices } from '@backstage/backend-test-utils';
import { ConflictError, NotFoundError } from '@backstage/errors';
import path from 'node:path';
import { DatabaseDecisionsStore } from './DatabaseDecisionsStore';
import { IdempotencyKeyReusedError, type NewDecision } from './DecisionsStore';
import { sqliteAndPostgres } from '../__testUtils__/testDatabases';

jest.setTimeout(60_000);

const databases = sqliteAndPostgres();

const base: NewDecision = {
  findingId: 'f-1',
  evidenceHash: 'e-1',
  rule: 'access-policy',
  consumer: 'component:default/support',
  provider: 'component:default/risk',
  subject: 'fraud_decision_breakdown',
  title: 'Summary endpoint',
  options: ['grant', 'summary'],
  decision: 'summary',
  rationale: 'PII stays with risk',
  deciders: ['group:default/security-team'],
  status: 'accepted',
  reviewBy: '2999-01-01',
  recordedBy: 'user:default/guest',
};

describe.each(databases.eachSupportedId())(
  'DatabaseDecisionsStore on %p',
  id => {
    async function createStore() {
      const knex = await databases.init(id);
      const store = await DatabaseDecisionsStore.create({
        database: mockServices.database({ knex }),
      });
      return { knex, store };
    }

    it('migrates up and down', async () => {
      const knex = await databases.init(id);
      await DatabaseDecisionsStore.migrateUp(knex);
      expect(await knex.schema.hasTable('contracts_decisions')).toBe(true);
      await DatabaseDecisionsStore.migrateDownAll(knex);
      expect(await knex.schema.hasTable('contracts_decisions')).toBe(false);
      await DatabaseDecisionsStore.migrateUp(knex);
      expect(await knex.schema.hasTable('contracts_decisions')).toBe(true);
    });

    it('honours migrations.skip', async () => {
      const knex = await databases.init(id);
      await DatabaseDecisionsStore.create({
        database: mockServices.database({ knex, migrations: { skip: true } }),
      });
      expect(await knex.schema.hasTable('contracts_decisions')).toBe(false);
    });

    it('stores, lists and supersedes append-only', async () => {
      const { knex, store } = await createStore();
      const { decision: first, created } = await store.create({
        ...base,
        signatures: [
          {
            decider: 'group:default/security-team',
            verdict: 'accept',
            signedBy: 'user:default/sam',
          },
        ],
      });
      expect(created).toBe(true);
      expect(first).toMatchObject({
        findingId: 'f-1',
        status: 'accepted',
        awaiting: [],
        options: ['grant', 'summary'],
        deciders: ['group:default/security-team'],
        reviewBy: '2999-01-01',
        recordedBy: 'user:default/guest',
      });
      expect(first.context).toBeUndefined();
      const { decision: second } = await store.create({
        ...base,
        decision: 'grant',
        supersedes: first.id,
      });
      expect(second.supersedes).toBe(first.id);
      // no signature yet: proposed, awaiting its decider
      expect(second).toMatchObject({
        status: 'proposed',
        awaiting: ['group:default/security-team'],
      });
      expect(await store.get(first.id)).toMatchObject({
        status: 'superseded',
        supersededBy: second.id,
      });
      await expect(
        store.create({ ...base, supersedes: first.id }),
      ).rejects.toBeInstanceOf(ConflictError);
      await store.create({
        ...base,
        findingId: 'f-2',
        consumer: 'component:default/x',
      });

      expect(
        (await store.list({ findingId: 'f-1' })).items.map(d => d.id),
      ).toEqual([first.id, second.id]);
      const bySupport = await store.list({
        entityRef: 'component:default/support',
      });
      expect(bySupport.total).toBe(2);
      const byRisk = await store.list({
        entityRef: 'component:default/risk',
        limit: 2,
        offset: 2,
      });
      expect(byRisk.total).toBe(3);
      expect(byRisk.items).toHaveLength(1);
      // nothing was updated: three rows, the old one unchanged
      const rows = await knex('contracts_decisions').select();
      expect(rows).toHaveLength(3);
      expect(rows.find(r => r.id === first.id).status).toBe('accepted');
    });

    it('answers a new record as it reads it back, from what it inserted (no read after the insert)', async () => {
      const { knex, store } = await createStore();
      const old = (await store.create({ ...base, status: 'proposed' }))
        .decision;
      const statements: string[] = [];
      const onQuery = (q: { sql: string }) => statements.push(q.sql);
      knex.on('query', onQuery);
      const { decision, created } = await store.create({
        ...base,
        context: 'Support needs fraud reasons',
        supersedes: old.id,
        signatures: [
          {
            decider: 'group:default/security-team',
            verdict: 'reject',
            signedBy: 'user:default/sam',
            carriedFrom: old.id,
          },
          {
            decider: 'group:default/security-team',
            verdict: 'accept',
            signedBy: 'user:default/sam',
          },
        ],
      });
      knex.off('query', onQuery);
      expect(created).toBe(true);
      // the same record, field for field, as the database gives it back
      expect(decision).toEqual(await store.get(decision.id));
      expect(decision.signatures).toHaveLength(2);
      // the last statements insert the record and its events; nothing is read after them
      const lastInsert = statements.findLastIndex(s => /^insert/i.test(s));
      expect(statements[lastInsert]).toMatch(/contracts_decision_events/);
      expect(
        statements.slice(lastInsert + 1).filter(s => /^select/i.test(s)),
      ).toEqual([]);
    });

    it('writes a new record, its events in order and the bound per finding in one statement on PostgreSQL', async () => {
      const { knex, store } = await createStore();
      const statements: string[] = [];
      const onQuery = (q: { sql: string }) => statements.push(q.sql);
      knex.on('query', onQuery);
      const { decision } = await store.create(
        {
          ...base,
          signatures: [
            {
              decider: 'group:default/security-team',
              verdict: 'reject',
              signedBy: 'user:default/sam',
            },
            {
              decider: 'group:default/security-team',
              verdict: 'accept',
              signedBy: 'user:default/sam',
            },
          ],
        },
        { maxPerFinding: 2 },
      );
      knex.off('query', onQuery);
      // SQLite: begin, count, two inserts, commit (local calls, not round trips)
      expect(statements).toHaveLength(id.startsWith('POSTGRES') ? 1 : 5);
      expect(decision).toEqual(await store.get(decision.id));
      expect(decision.status).toBe('accepted');
      const events = await knex('contracts_decision_events')
        .where('decision_id', decision.id)
        .orderBy('seq');
      expect(events.map(e => [e.kind, e.verdict])).toEqual([
        ['recorded', null],
        ['signed', 'reject'],
        ['signed', 'accept'],
      ]);
      await store.create(base, { maxPerFinding: 2 });
      await expect(store.create(base, { maxPerFinding: 2 })).rejects.toThrow(
        /has 2 decision records/,
      );
      // the refused record left neither a row nor an event
      expect(
        Number((await knex('contracts_decisions').count({ n: '*' }))[0].n),
      ).toBe(2);
      expect(
        Number(
          (await knex('contracts_decision_events').count({ n: '*' }))[0].n,
        ),
      ).toBe(4);
    });

    it("derives the status from every decider's latest signature; withdrawn and superseded records cannot change", async () => {
      const { store } = await createStore();
      const deciders = [
        'group:default/security-team',
        'group:default/support-team',
      ];
      const { decision } = await store.create({
        ...base,
        deciders,
        signatures: [],
      });
      expect(decision).toMatchObject({
        status: 'proposed',
        awaiting: deciders,
      });
      const sign = (decider: string, verdict: 'accept' | 'reject') =>
        store.sign(decision.id, [
          { decider, verdict, signedBy: 'user:default/x' },
        ]);
      expect(await sign(deciders[1], 'accept')).toMatchObject({
        status: 'proposed',
        awaiting: [deciders[0]],
      });
      expect((await sign(deciders[0], 'reject')).status).toBe('rejected');
      const accepted = await sign(deciders[0], 'accept');
      expect(accepted).toMatchObject({ status: 'accepted', awaiting: [] });
      expect(accepted.signatures.map(x => [x.decider, x.verdict])).toEqual([
        [deciders[1], 'accept'],
        [deciders[0], 'reject'],
        [deciders[0], 'accept'],
      ]);
      const withdrawn = await store.withdraw(decision.id, 'user:default/guest');
      expect(withdrawn).toMatchObject({
        status: 'withdrawn',
        withdrawnBy: 'user:default/guest',
      });
      await expect(sign(deciders[0], 'accept')).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(
        store.withdraw(decision.id, 'user:default/guest'),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(
        store.create({ ...base, supersedes: decision.id }),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(sign(deciders[1], 'reject')).rejects.toThrow(/withdrawn/);
      await expect(
        store.sign('00000000-0000-0000-0000-000000000000', []),
      ).rejects.toBeInstanceOf(NotFoundError);
    });

    it('bounds the records of a finding, and refuses a reused Idempotency-Key with another request', async () => {
      const { store } = await createStore();
      for (let i = 0; i < 3; i++) {
        await store.create({ ...base }, { maxPerFinding: 3 });
      }
      await expect(
        store.create({ ...base }, { maxPerFinding: 3 }),
      ).rejects.toBeInstanceOf(ConflictError);
      // another finding is not affected
      await store.create({ ...base, findingId: 'f-9' }, { maxPerFinding: 3 });

      const keyed = {
        ...base,
        findingId: 'f-2',
        idempotencyKey: 'k',
        requestHash: 'h1',
      };
      const first = await store.create(keyed);
      const retry = await store.create(keyed);
      expect(retry).toEqual({ decision: first.decision, created: false });
      await expect(
        store.create({ ...keyed, title: 'other', requestHash: 'h2' }),
      ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    });

    it("logs every write in order for the replicas' sync, by a cursor", async () => {
      const { store } = await createStore();
      const a = (await store.create(base)).decision;
      const b = (await store.create({ ...base, findingId: 'f-2' })).decision;
      await store.sign(a.id, [
        {
          decider: 'group:default/security-team',
          verdict: 'accept',
          signedBy: 'user:default/s',
        },
      ]);
      const all = await store.changes({ after: 0 });
      expect(all.map(c => c.decisionId)).toEqual([a.id, b.id, a.id]);
      expect(all.map(c => c.seq)).toEqual(
        [...all.map(c => c.seq)].sort((x, y) => x - y),
      );
      expect(await store.changes({ after: all[1].seq })).toEqual([all[2]]);
      expect(await store.changes({ seqs: [all[0].seq] })).toEqual([all[0]]);
      expect(await store.changes({ after: all[2].seq })).toEqual([]);
      const many = await store.getMany([b.id, a.id]);
      expect(many.map(d => d.id).sort()).toEqual([a.id, b.id].sort());
      expect(many.find(d => d.id === a.id)!.status).toBe('accepted');
    });

    it('migrates records made before signatures: logged for the sync, never accepted', async () => {
      const knex = await databases.init(id);
      // the first migration only, and a record as it stored them
      await knex.migrate.up({
        directory: path.resolve(__dirname, '../../migrations'),
        name: '20250601120000_decisions.js',
      });
      await knex('contracts_decisions').insert({
        id: '11111111-1111-1111-1111-111111111111',
        finding_id: 'f-1',
        evidence_hash: 'e',
        rule: 'access-policy',
        consumer: 'component:default/support',
        provider: 'component:default/risk',
        subject: 's',
        title: 'legacy',
        options: '[]',
        decision: 'd',
        rationale: 'r',
        deciders: '["group:default/"]',
        status: 'accepted',
        recorded_by: 'user:default/guest',
        recorded_at: '2026-01-01T00:00:00.000Z',
      });
      const store = await DatabaseDecisionsStore.create({
        database: mockServices.database({ knex }),
      });
      const legacy = await store.get('11111111-1111-1111-1111-111111111111');
      expect(legacy).toMatchObject({
        status: 'proposed',
        deciders: [],
        awaiting: [],
      });
      expect(
        (await store.changes({ after: 0 })).map(c => c.decisionId),
      ).toEqual(['11111111-1111-1111-1111-111111111111']);
    });

    it('loses nothing and duplicates nothing under 200 concurrent creates, half of them retries', async () => {
      const { knex, store } = await createStore();
      const requests = Array.from({ length: 200 }, (_, i) => ({
        ...base,
        title: `decision ${i % 100}`,
        recordedBy: `user:default/u${(i % 100) % 7}`,
        idempotencyKey: `key-${i % 100}`,
      }));
      const results = await Promise.all(requests.map(r => store.create(r)));
      const rows = await knex('contracts_decisions').select();
      // keys are per user: key-N is always sent by the same user (N % 7), so 100 records
      expect(rows).toHaveLength(100);
      expect(results.filter(r => r.created)).toHaveLength(100);
      for (let i = 0; i < 100; i++) {
        expect(results[i].decision.id).toBe(results[i + 100].decision.id);
        expect(results[i].decision.title).toBe(`decision ${i}`);
      }
      // the same key from another user is another record
      const other = await store.create({
        ...base,
        recordedBy: 'user:default/someone-else',
        idempotencyKey: 'key-0',
      });
      expect(other.created).toBe(true);
    });
  },
);

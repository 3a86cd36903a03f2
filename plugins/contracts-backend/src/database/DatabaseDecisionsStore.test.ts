import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { TestDatabaseId } from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import { DatabaseDecisionsStore } from './DatabaseDecisionsStore';
import type { NewDecision } from './DecisionsStore';

jest.setTimeout(60_000);

/** `.ci/run` sets BACKSTAGE_TEST_DATABASE_POSTGRES<NN>_CONNECTION_STRING and this id. */
const POSTGRES_ID = (process.env.CONTRACTS_TEST_POSTGRES_ID ??
  'POSTGRES_15') as TestDatabaseId;

const databases = TestDatabases.create({ ids: ['SQLITE_3', POSTGRES_ID] });

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

describe.each(databases.eachSupportedId())('DatabaseDecisionsStore on %p', id => {
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
    const { decision: first, created } = await store.create(base);
    expect(created).toBe(true);
    expect(first).toMatchObject({
      findingId: 'f-1',
      status: 'accepted',
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
    expect(await store.get(first.id)).toMatchObject({
      status: 'superseded',
      supersededBy: second.id,
    });
    await expect(
      store.create({ ...base, supersedes: first.id }),
    ).rejects.toBeInstanceOf(ConflictError);
    await store.create({ ...base, findingId: 'f-2', consumer: 'component:default/x' });

    expect((await store.list({ findingId: 'f-1' })).items.map(d => d.id)).toEqual([
      first.id,
      second.id,
    ]);
    const bySupport = await store.list({ entityRef: 'component:default/support' });
    expect(bySupport.total).toBe(2);
    const byRisk = await store.list({ entityRef: 'component:default/risk', limit: 2, offset: 2 });
    expect(byRisk.total).toBe(3);
    expect(byRisk.items).toHaveLength(1);
    // nothing was updated: three rows, the old one unchanged
    const rows = await knex('contracts_decisions').select();
    expect(rows).toHaveLength(3);
    expect(rows.find(r => r.id === first.id).status).toBe('accepted');
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
});

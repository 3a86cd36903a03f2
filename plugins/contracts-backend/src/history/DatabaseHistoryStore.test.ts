import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { parseEntityContract } from '@backstage-contracts/plugin-contracts-common';
import type { Knex } from 'knex';
import { knex as createKnex } from 'knex';
import { DatabaseDecisionsStore } from '../database/DatabaseDecisionsStore';
import { sqliteAndPostgres } from '../__testUtils__/testDatabases';
import {
  contractChanges,
  contractHash,
  stripContract,
} from './contractChanges';
import { DatabaseHistoryStore } from './DatabaseHistoryStore';
import type { HistoryFinding, HistoryRows, StrippedContract } from './types';

jest.setTimeout(60_000);

const databases = sqliteAndPostgres();

const RISK = 'component:default/risk';
const CHECKOUT = 'component:default/checkout';

/** A contract as recorded: its hash and its stripped form. */
interface RecordedContract {
  hash: string;
  contract: StrippedContract;
}

/** One thing a recompute changed, as these tests write it (the rows are made of it). */
type HistoryTransition =
  | {
      type: 'contract';
      entityRef: string;
      before?: RecordedContract;
      after?: RecordedContract;
      changes: unknown[];
      more: number;
    }
  | { type: 'finding'; before?: HistoryFinding; after?: HistoryFinding };

/** The rows the store writes for these transitions (as the worker makes them). */
function rows(transitions: HistoryTransition[]): HistoryRows {
  const out: HistoryRows = { contracts: [], findings: [] };
  for (const t of transitions) {
    if (t.type === 'contract') {
      out.contracts.push({
        ref: t.entityRef.toLowerCase(),
        before: t.before?.hash,
        after: t.after && {
          hash: t.after.hash,
          json: JSON.stringify(t.after.contract),
        },
        body: JSON.stringify({ changes: t.changes, more: t.more }),
      });
    } else {
      const f = (t.after ?? t.before)!;
      out.findings.push({
        id: f.id,
        consumer: f.consumer.toLowerCase(),
        provider: f.provider.toLowerCase(),
        before: t.before?.evidence,
        after: t.after && {
          evidence: t.after.evidence,
          json: JSON.stringify(t.after),
        },
        body: JSON.stringify({ after: t.after, before: t.before }),
      });
    }
  }
  return out;
}

/** `store.record` of these transitions' rows (the baseline's: `recordBaseline`, in one batch). */
const record = async (
  store: DatabaseHistoryStore,
  at: string,
  transitions: HistoryTransition[],
  options?: { baseline?: boolean },
) => {
  if (!options?.baseline) return store.record(at, rows(transitions));
  await store.recordBaseline(async function* batches() {
    yield rows(transitions);
  });
  return { events: 0 };
};

/** The stored state's pages, all read. */
async function statePages(
  store: DatabaseHistoryStore,
  kind: 'contracts' | 'findings',
  size?: number,
) {
  const out: Array<[string[], string[]]> = [];
  for await (const page of store.statePages(kind, size)) out.push(page);
  return out;
}

function riskContract(p95: number): RecordedContract {
  const { contract } = parseEntityContract(RISK, [
    {
      file: 'sla.yaml',
      text: `provides:\n  - operation: scoreTransaction\n    latency:\n      current: p50=800ms, p95=${p95}ms\n`,
    },
  ]);
  const stripped = stripContract(contract);
  return { hash: contractHash(stripped), contract: stripped };
}

function latency(actual: number): HistoryFinding {
  return {
    id: 'f-latency',
    rule: 'latency-budget',
    severity: 'error',
    consumer: CHECKOUT,
    provider: RISK,
    subject: 'scoreTransaction',
    title: 'Latency contract violation',
    expected: 'p95 < 200ms',
    actual: `p95 = ${actual}ms (current)`,
    evidence: `e-${actual}`,
  };
}

function riskChange(
  before: RecordedContract | undefined,
  after: RecordedContract | undefined,
): HistoryTransition {
  return {
    type: 'contract',
    entityRef: RISK,
    before,
    after,
    ...contractChanges(before?.contract, after?.contract),
  };
}

describe.each(databases.eachSupportedId())('DatabaseHistoryStore on %p', id => {
  async function createStore(knex?: Knex) {
    const client = knex ?? (await databases.init(id));
    const store = await DatabaseHistoryStore.create({
      database: mockServices.database({ knex: client }),
    });
    return { knex: client, store };
  }

  it('migrates up and down with the decisions tables', async () => {
    const knex = await databases.init(id);
    await DatabaseDecisionsStore.migrateUp(knex);
    expect(await knex.schema.hasTable('contracts_history_events')).toBe(true);
    await DatabaseDecisionsStore.migrateDownAll(knex);
    expect(await knex.schema.hasTable('contracts_history_events')).toBe(false);
    expect(await knex.schema.hasTable('contracts_history_entities')).toBe(
      false,
    );
  });

  it('takes a store recorded before the baseline was marked for one with its baseline complete', async () => {
    const knex = await databases.init(id);
    const directory = resolvePackagePath(
      '@backstage-contracts/plugin-contracts-backend',
      'migrations',
    );
    const migration = '20261212090000_history_baseline.js';
    await knex.migrate.latest({ directory });
    const { store } = await createStore(knex);
    expect(await store.hasBaseline()).toBe(false);
    await knex.migrate.down({ directory, name: migration });
    await knex('contracts_history_entities').insert({
      entity_ref: RISK,
      hash: 'h',
      contract: '{}',
    });
    await knex.migrate.up({ directory, name: migration });
    expect(await store.hasBaseline()).toBe(true);
  });

  it('records a baseline silently, then changes, and lists them newest first', async () => {
    const { store } = await createStore();
    expect(await store.hasBaseline()).toBe(false);
    const v900 = riskContract(900);
    const baseline = await record(
      store,
      '2026-03-01T10:00:00.000Z',
      [riskChange(undefined, v900)],
      { baseline: true },
    );
    expect(baseline).toEqual({ events: 0 });
    expect(await store.hasBaseline()).toBe(true);
    expect((await store.list(CHECKOUT, { limit: 10 })).items).toEqual([]);

    const v3200 = riskContract(3200);
    const first = await record(store, '2026-03-03T09:00:00.000Z', [
      riskChange(v900, v3200),
      { type: 'finding', after: latency(3200) },
    ]);
    expect(first.events).toBe(2);
    const second = await record(store, '2026-03-05T09:00:00.000Z', [
      riskChange(v3200, v900),
      { type: 'finding', before: latency(3200) },
    ]);
    expect(second.events).toBe(2);

    const { items, next } = await store.list(CHECKOUT, { limit: 10 });
    expect(next).toBeUndefined();
    expect(items).toHaveLength(2);
    // checkout's history shows risk's contract change beside checkout's finding
    expect(items[1]).toMatchObject({
      type: 'change',
      at: '2026-03-03T09:00:00.000Z',
      contracts: [
        {
          entityRef: RISK,
          change: 'changed',
          changes: [
            {
              kind: 'raised',
              item: 'operation scoreTransaction',
              field: 'p95 (current)',
              from: '900ms',
              to: '3200ms',
            },
          ],
        },
      ],
      findings: [{ change: 'opened', finding: { id: 'f-latency' } }],
    });
    expect(items[0]).toMatchObject({
      type: 'change',
      contracts: [{ changes: [{ kind: 'lowered', to: '900ms' }] }],
      findings: [{ change: 'closed' }],
    });
    // the state moved with them
    expect(await statePages(store, 'contracts')).toEqual([
      [[RISK], [v900.hash]],
    ]);
    expect(JSON.parse((await store.loadContracts([RISK])).get(RISK)!)).toEqual(
      v900.contract,
    );
    expect(await statePages(store, 'findings')).toEqual([]);
  });

  it('writes the baseline batch by batch, complete only at its end: one writer at a time, one cut off written again', async () => {
    const knex = await databases.init(id);
    const { store } = await createStore(knex);
    const other = (await createStore(knex)).store;
    const v900 = riskContract(900);
    const contract = (ref: string) =>
      rows([riskChange(undefined, v900)]).contracts.map(c => ({
        ...c,
        ref,
      }))[0];
    const stored = async () =>
      (await knex('contracts_history_entities').orderBy('entity_ref')).map(
        r => r.entity_ref,
      );
    // cut off after its first batch
    await expect(
      store.recordBaseline(async function* batches() {
        yield { contracts: [contract('a')], findings: [] };
        throw new Error('cut off');
      }),
    ).rejects.toThrow('cut off');
    expect(await stored()).toEqual(['a']);
    expect(await store.hasBaseline()).toBe(false);
    // written again (what the one cut off left deleted), batch by batch: each written while the
    // next is made, no transaction held meanwhile; another writer meanwhile is refused
    let resume!: () => void;
    const paused = new Promise<void>(r => {
      resume = r;
    });
    let reached!: () => void;
    const between = new Promise<void>(r => {
      reached = r;
    });
    const writing = store.recordBaseline(async function* batches() {
      yield { contracts: [contract('b')], findings: [] };
      reached();
      await paused;
      yield {
        contracts: [contract('c')],
        findings: rows([{ type: 'finding', after: latency(900) }]).findings,
      };
    });
    await between;
    expect(await stored()).toEqual(['b']);
    expect(await other.recordBaseline(async function* none() {})).toBe(false);
    expect(await other.hasBaseline()).toBe(false);
    resume();
    expect(await writing).toBe(true);
    expect(await stored()).toEqual(['b', 'c']);
    expect(await other.hasBaseline()).toBe(true);
    // complete: not written again
    expect(
      await other.recordBaseline(async function* batches() {
        yield { contracts: [contract('d')], findings: [] };
      }),
    ).toBe(false);
    expect(await stored()).toEqual(['b', 'c']);
  });

  it('reads the stored state in pages, in the order of its keys', async () => {
    const { store } = await createStore();
    const v900 = riskContract(900);
    // keys that a collation may sort otherwise than code units do: the pages are in the
    // database's order, and every key is read once
    const refs = ['a-c', 'ab', 'a_b', 'a.d', RISK];
    await store.recordBaseline(async function* batches() {
      yield rows(
        [...refs]
          .sort((a, b) => Number(a > b) - Number(a < b))
          .map(ref => ({ ...riskChange(undefined, v900), entityRef: ref })),
      );
    });
    const read = await statePages(store, 'contracts', 2);
    expect(read.map(([keys]) => keys.length)).toEqual([2, 2, 1]);
    expect(read.flatMap(([keys]) => keys).sort()).toEqual([...refs].sort());
    expect(read.flatMap(([, hashes]) => hashes)).toEqual(
      refs.map(() => v900.hash),
    );
    // a page as large as what is left ends it
    expect((await statePages(store, 'contracts', 5)).length).toBe(1);
    expect(await statePages(store, 'findings', 2)).toEqual([]);
  });

  it('writes a change once when two stores on one database record it', async () => {
    const knex = await databases.init(id);
    const a = await createStore(knex);
    // a second connection to the same database where the engine allows it (PostgreSQL)
    let other: Knex | undefined;
    if (knex.client.config.client === 'pg') {
      other = createKnex({
        client: 'pg',
        connection: knex.client.config.connection,
      });
    }
    expect(Boolean(other)).toBe(id !== 'SQLITE_3');
    try {
      const b = await createStore(other ?? knex);
      const v900 = riskContract(900);
      const v3200 = riskContract(3200);
      await record(
        a.store,
        '2026-03-01T10:00:00.000Z',
        [riskChange(undefined, v900), { type: 'finding', after: latency(900) }],
        { baseline: true },
      );
      const change = (): HistoryTransition[] => [
        riskChange(v900, v3200),
        { type: 'finding', before: latency(900), after: latency(3200) },
        {
          type: 'finding',
          after: {
            ...latency(3200),
            id: 'f-timeout',
            rule: 'timeout-below-tail',
          },
        },
      ];
      // both replicas computed the same change, at once
      const [ra, rb] = await Promise.all([
        record(a.store, '2026-03-03T09:00:00.000Z', change()),
        record(b.store, '2026-03-03T09:00:00.001Z', change()),
      ]);
      expect(ra.events + rb.events).toBe(3);
      expect([ra.changeId, rb.changeId].filter(Boolean)).toHaveLength(1);
      const [{ count }] = await knex('contracts_history_events').count({
        count: '*',
      });
      expect(Number(count)).toBe(3);
      // a replica that saw it late records nothing either
      expect(
        await record(b.store, '2026-03-03T09:00:10.000Z', change()),
      ).toEqual({ events: 0 });
      // a change back and again is recorded each time
      await record(a.store, '2026-03-04T09:00:00.000Z', [
        riskChange(v3200, v900),
      ]);
      await record(b.store, '2026-03-05T09:00:00.000Z', [
        riskChange(v900, v3200),
      ]);
      const { items } = await a.store.list(RISK, { limit: 10 });
      expect(items.map(i => i.at)).toEqual([
        '2026-03-05T09:00:00.000Z',
        '2026-03-04T09:00:00.000Z',
        expect.stringMatching(/^2026-03-03T09:00:00.00[01]Z$/),
      ]);
      const f = items[2].type === 'change' ? items[2].findings : [];
      expect(f.map(x => x.change).sort()).toEqual(['changed', 'opened']);
      expect(f.find(x => x.change === 'changed')?.previous).toMatchObject({
        actual: 'p95 = 900ms (current)',
      });
    } finally {
      await other?.destroy();
    }
  });

  it('pages with the decision events of the entity, by time then kind then id', async () => {
    const { knex, store } = await createStore();
    const decisions = await DatabaseDecisionsStore.create({
      database: mockServices.database({ knex }),
    });
    const v900 = riskContract(900);
    await record(
      store,
      '2000-01-01T00:00:00.000Z',
      [riskChange(undefined, v900)],
      {
        baseline: true,
      },
    );
    let previous = v900;
    for (let i = 0; i < 5; i++) {
      const next = riskContract(1000 + i);
      await record(store, `2026-03-0${i + 1}T09:00:00.000Z`, [
        riskChange(previous, next),
      ]);
      previous = next;
    }
    const { decision } = await decisions.create({
      findingId: 'f-access',
      evidenceHash: 'e',
      rule: 'access-policy',
      consumer: 'component:default/support',
      provider: RISK,
      subject: 'fraud_signal_breakdown',
      title: 'Redacted breakdown',
      decision: 'summary',
      rationale: 'PII stays with risk',
      deciders: ['group:default/risk-team'],
      status: 'proposed',
      recordedBy: 'user:default/guest',
    });
    await decisions.sign(decision.id, [
      {
        decider: 'group:default/risk-team',
        verdict: 'accept',
        signedBy: 'user:default/bob',
      },
    ]);
    const seen: string[] = [];
    let after;
    for (let pages = 0; pages < 10; pages++) {
      const page = await store.list(RISK, { after, limit: 2 });
      seen.push(
        ...page.items.map(i =>
          i.type === 'decision' ? `decision ${i.event}` : `change ${i.at}`,
        ),
      );
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual([
      'decision signed',
      'decision recorded',
      'change 2026-03-05T09:00:00.000Z',
      'change 2026-03-04T09:00:00.000Z',
      'change 2026-03-03T09:00:00.000Z',
      'change 2026-03-02T09:00:00.000Z',
      'change 2026-03-01T09:00:00.000Z',
    ]);
    // checkout is in none of them
    expect((await store.list(CHECKOUT, { limit: 10 })).items).toEqual([]);
  });

  it('prunes by age and by the number of events', async () => {
    const { knex, store } = await createStore();
    let previous = riskContract(900);
    await record(
      store,
      '2000-01-01T00:00:00.000Z',
      [riskChange(undefined, previous)],
      {
        baseline: true,
      },
    );
    for (let i = 0; i < 6; i++) {
      const next = riskContract(1000 + i);
      await record(store, `2026-03-0${i + 1}T09:00:00.000Z`, [
        riskChange(previous, next),
      ]);
      previous = next;
    }
    expect(
      await store.prune({ before: '2026-03-03T00:00:00.000Z', maxEvents: 100 }),
    ).toBe(2);
    expect(
      await store.prune({ before: '2000-01-01T00:00:00.000Z', maxEvents: 3 }),
    ).toBe(1);
    const { items } = await store.list(RISK, { limit: 10 });
    expect(items.map(i => i.at)).toEqual([
      '2026-03-06T09:00:00.000Z',
      '2026-03-05T09:00:00.000Z',
      '2026-03-04T09:00:00.000Z',
    ]);
    const [{ count }] = await knex('contracts_history_events').count({
      count: '*',
    });
    expect(Number(count)).toBe(3);
  });
});

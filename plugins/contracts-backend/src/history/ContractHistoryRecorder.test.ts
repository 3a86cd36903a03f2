import {
  mockServices,
  type TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  type EntityContract,
  type Finding,
  parseEntityContract,
} from '@backstage-contracts/plugin-contracts-common';
import type { Entity } from '@backstage/catalog-model';
import { defaultRules } from '@backstage-contracts/plugin-contracts-common';
import type { Knex } from 'knex';
import { generatedEntities } from '../__testUtils__/generatedCatalog';
import { pagedCatalog } from '../__testUtils__/pagedCatalog';
import {
  ContractsGraphService,
  type GraphSnapshot,
} from '../services/ContractsGraphService';
import { summaryFromRef } from '../services/analysis/AnalysisCore';
import type { AnalysisHost } from '../services/analysis/AnalysisHost';
import { pulledPart, writeItems } from '../services/analysis/graphItems';
import type { EntityWire } from '../services/analysis/protocol';
import { itemsOf, receiveTransfer } from '../services/analysis/receive';
import {
  contractChanges,
  contractHash,
  hashContract,
  stripContract,
} from './contractChanges';
import {
  ContractHistoryRecorder,
  historyWorkHere,
} from './ContractHistoryRecorder';
import { DatabaseHistoryStore } from './DatabaseHistoryStore';
import { type HistoryWork, prepareHistory } from './historyWork';

jest.setTimeout(60_000);

// the recorder's logic does not depend on the engine: SQLite (the store has its own tests on both)
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const RISK = 'component:default/risk';
const CHECKOUT = 'component:default/checkout';

function risk(yaml: string): EntityContract {
  return parseEntityContract(RISK, [{ file: 'sla.yaml', text: yaml }]).contract;
}
const sla = (p95: number, prefix = '') =>
  risk(
    `${prefix}provides:\n  - operation: scoreTransaction\n    latency:\n      current: p50=800ms, p95=${p95}ms\n`,
  );

const latency = (actual: number) =>
  ({
    id: 'f-latency',
    rule: 'latency-budget',
    severity: 'error',
    status: 'open',
    consumer: CHECKOUT,
    provider: RISK,
    subject: 'scoreTransaction',
    title: 'Latency contract violation',
    expected: 'p95 < 200ms',
    actual: `p95 = ${actual}ms (current)`,
    impact: '',
    resolutions: [],
    evidence: `e-${actual}`,
    message: '',
  } as Finding);

/** A graph with these contracts (by ref) and findings; `others`: entities without a contract. */
function snapshot(
  contracts: Record<string, EntityContract>,
  findings: Finding[],
  others: string[] = [],
): GraphSnapshot {
  const entities = new Map<string, any>();
  for (const [ref, contract] of Object.entries(contracts)) {
    entities.set(ref, { contract, problems: [] });
  }
  for (const ref of others) entities.set(ref, { problems: [] });
  return {
    items: itemsOf({ graph: { nodes: [], edges: [] }, findings }),
    entities,
    problems: [],
    computedAt: new Date().toISOString(),
    stale: false,
  };
}

async function setUp() {
  const knex = await databases.init('SQLITE_3');
  const store = await DatabaseHistoryStore.create({
    database: mockServices.database({ knex }),
  });
  const recorder = () =>
    new ContractHistoryRecorder({ store, logger: mockServices.logger.mock() });
  return { knex, store, recorder };
}

describe('contractChanges', () => {
  it('ignores where values were written, and says which values moved', () => {
    const a = stripContract(sla(900));
    // the same values two lines lower: no change
    const moved = stripContract(sla(900, '# moved\n\n'));
    expect(contractHash(moved)).toBe(contractHash(a));
    const b = stripContract(
      risk(
        `provides:\n  - operation: scoreTransaction\n    latency:\n      current: p50=800ms, p95=3200ms\n  - endpoint: /fraud\n    access: risk_team_only\noperations:\n  - name: scoreTransaction\n    window: 5m\n`,
      ),
    );
    expect(contractHash(b)).not.toBe(contractHash(a));
    expect(contractChanges(a, b)).toEqual({
      changes: [
        {
          kind: 'raised',
          item: 'operation scoreTransaction',
          field: 'p95 (current)',
          from: '900ms',
          to: '3200ms',
        },
        { kind: 'added', item: 'endpoint /fraud' },
        { kind: 'added', item: 'idempotency of scoreTransaction' },
      ],
      more: 0,
    });
    expect(contractChanges(b, a).changes).toContainEqual({
      kind: 'removed',
      item: 'endpoint /fraud',
    });
  });
});

describe('ContractHistoryRecorder', () => {
  it('stores the first graph ever as the baseline, then records what each graph changed', async () => {
    const { store, recorder } = await setUp();
    const r = recorder();
    await r.record(snapshot({ [RISK]: sla(900) }, []));
    expect((await store.list(RISK, { limit: 10 })).items).toEqual([]);
    // a graph with nothing new records nothing
    await r.record(snapshot({ [RISK]: sla(900, '\n') }, []));
    expect((await store.list(RISK, { limit: 10 })).items).toEqual([]);
    await r.record(snapshot({ [RISK]: sla(3200) }, [latency(3200)]));
    const { items } = await store.list(CHECKOUT, { limit: 10 });
    expect(items).toEqual([
      expect.objectContaining({
        type: 'change',
        contracts: [
          expect.objectContaining({
            entityRef: RISK,
            changes: [
              expect.objectContaining({ kind: 'raised', to: '3200ms' }),
            ],
          }),
        ],
        findings: [expect.objectContaining({ change: 'opened' })],
      }),
    ]);
  });

  it('writes again a baseline that was cut off, rather than take what it wrote for the stored state', async () => {
    const { store } = await setUp();
    const local = historyWorkHere();
    let fail = true;
    let cut = 0;
    const r = new ContractHistoryRecorder({
      store,
      logger: mockServices.logger.mock(),
      worker: {
        ...local,
        // (a row a page: the finding's page comes after the contract's is written)
        historyRows: async (id, _bytes) => {
          if (fail && cut++) {
            throw new Error('worker gone');
          }
          return local.historyRows(id, 1);
        },
      },
    });
    const first = snapshot({ [RISK]: sla(900) }, [latency(900)]);
    await expect(r.record(first)).rejects.toThrow('worker gone');
    expect(await store.hasBaseline()).toBe(false);
    fail = false;
    // the baseline again, of the next graph: nothing reported as changed
    await r.record(snapshot({ [RISK]: sla(1200) }, [latency(1000)]));
    expect(await store.hasBaseline()).toBe(true);
    expect((await store.list(CHECKOUT, { limit: 10 })).items).toEqual([]);
    await r.record(snapshot({ [RISK]: sla(1100) }, [latency(1000)]));
    expect((await store.list(RISK, { limit: 10 })).items).toMatchObject([
      { contracts: [{ changes: [{ from: '1200ms', to: '1100ms' }] }] },
    ]);
  });

  it('compares only what a delta says it changed, from the snapshot it was made of', async () => {
    const { store, recorder } = await setUp();
    const r = recorder();
    const first = snapshot({ [RISK]: sla(900) }, [latency(900)]);
    await r.record(first);
    const contentOf = (x: GraphSnapshot) => ({
      items: x.items,
      entities: x.entities,
    });
    // a delta of the snapshot last recorded, with what it changed
    const next = snapshot({ [RISK]: sla(100) }, [latency(100)]);
    await r.record({
      ...next,
      changes: {
        since: contentOf(first),
        entities: [RISK],
        findings: [latency(100).id],
      },
    });
    let items = (await store.list(CHECKOUT, { limit: 10 })).items;
    expect(items).toEqual([
      expect.objectContaining({
        contracts: [
          expect.objectContaining({
            entityRef: RISK,
            changes: [expect.objectContaining({ kind: 'lowered' })],
          }),
        ],
        findings: [expect.objectContaining({ change: 'changed' })],
      }),
    ]);
    // a delta of another snapshot than the last recorded: compared in full
    const third = snapshot({ [RISK]: sla(900) }, []);
    await r.record({
      ...third,
      changes: { since: contentOf(first), entities: [], findings: [] },
    });
    items = (await store.list(CHECKOUT, { limit: 10 })).items;
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ findings: [{ change: 'closed' }] });
    // only what a delta lists is compared (here: nothing)
    await r.record({
      ...snapshot({ [RISK]: sla(3200) }, [latency(3200)]),
      changes: { since: contentOf(third), entities: [], findings: [] },
    });
    expect((await store.list(CHECKOUT, { limit: 10 })).items).toHaveLength(2);
  });

  it('folds deltas that come while one is recorded into one delta of what they all changed', async () => {
    const { store, recorder } = await setUp();
    const r = recorder();
    const contentOf = (x: GraphSnapshot) => ({
      items: x.items,
      entities: x.entities,
    });
    /** A delta of `since` that changed these entities and findings. */
    const delta = (
      since: GraphSnapshot,
      made: GraphSnapshot,
      entities: string[],
      findings: string[],
    ): GraphSnapshot => ({
      ...made,
      changes: { since: contentOf(since), entities, findings },
    });
    const first = snapshot({ [RISK]: sla(900) }, [latency(900)]);
    r.onSnapshot(first);
    await r.idle();
    // three deltas while the first of them is recorded: the second and third are folded
    const second = delta(
      first,
      snapshot({ [RISK]: sla(950), [CHECKOUT]: sla(1) }, [latency(900)]),
      [RISK, CHECKOUT],
      [],
    );
    const third = delta(
      second,
      snapshot({ [RISK]: sla(950), [CHECKOUT]: sla(2) }, []),
      [CHECKOUT],
      [latency(900).id],
    );
    // (the fourth's entities are not walked: it is compared by what the deltas changed)
    const made = snapshot({ [RISK]: sla(990), [CHECKOUT]: sla(2) }, []);
    const entities = new Map(made.entities);
    entities[Symbol.iterator] = () => {
      throw new Error('walked');
    };
    const fourth = delta(third, { ...made, entities }, [RISK], []);
    r.onSnapshot(second);
    r.onSnapshot(third);
    r.onSnapshot(fourth);
    await r.idle();
    const { items } = await store.list(RISK, { limit: 10 });
    expect(items).toHaveLength(2);
    // the second's change, then the third's and fourth's as one
    expect(items[0]).toMatchObject({
      contracts: [
        { entityRef: RISK, changes: [{ from: '950ms', to: '990ms' }] },
        { entityRef: CHECKOUT, change: 'changed' },
      ],
      findings: [{ change: 'closed' }],
    });
  });

  it("compares a replica's first graph with the stored state, without closing what it has not read yet", async () => {
    const { store, recorder } = await setUp();
    const first = recorder();
    await first.record(snapshot({ [RISK]: sla(900) }, [latency(900)]));
    // a restarted replica: risk changed meanwhile; checkout (the finding's consumer) not read yet
    const restarted = recorder();
    await restarted.record(snapshot({ [RISK]: sla(3200) }, []));
    let items = (await store.list(RISK, { limit: 10 })).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      contracts: [{ entityRef: RISK, changes: [{ kind: 'raised' }] }],
      findings: [],
    });
    // once checkout is read without the finding, it closes (the graph, no delta of the last, is
    // compared with the stored state), once: not again by the first replica's next graph
    await restarted.record(snapshot({ [RISK]: sla(3200) }, [], [CHECKOUT]));
    await first.record(snapshot({ [RISK]: sla(3200) }, [], [CHECKOUT]));
    await restarted.record(snapshot({ [RISK]: sla(3200) }, [], [CHECKOUT]));
    items = (await store.list(CHECKOUT, { limit: 10 })).items;
    expect(items).toEqual([
      expect.objectContaining({
        findings: [expect.objectContaining({ change: 'closed' })],
      }),
    ]);
  });

  it("reads of the stored state only the findings that moved, when it compares a replica's first graph with it", async () => {
    const { store, recorder } = await setUp();
    const other = { ...latency(900), id: 'f-other', evidence: 'e-other' };
    await recorder().record(
      snapshot({ [RISK]: sla(900) }, [latency(900), other]),
    );
    const loaded = jest.spyOn(store, 'loadFindings');
    // restarted: the latency finding's evidence moved meanwhile, the other finding did not
    await recorder().record(
      snapshot({ [RISK]: sla(900) }, [latency(3200), other]),
    );
    expect(loaded.mock.calls).toEqual([[['f-latency']]]);
    const { items } = await store.list(CHECKOUT, { limit: 10 });
    expect(items).toEqual([
      expect.objectContaining({
        findings: [
          expect.objectContaining({
            change: 'changed',
            finding: expect.objectContaining({
              actual: 'p95 = 3200ms (current)',
            }),
          }),
        ],
      }),
    ]);
  });

  it("compares a replica's first graph in the worker; one the worker has moved on from is left for the next", async () => {
    const { store, recorder } = await setUp();
    await recorder().record(snapshot({ [RISK]: sla(900) }, [latency(900)]));
    const local = historyWorkHere();
    let movedOn = true;
    const restarted = new ContractHistoryRecorder({
      store,
      logger: mockServices.logger.mock(),
      worker: {
        ...local,
        historyBegin: async s => (movedOn ? undefined : local.historyBegin(s)),
      },
    });
    // the worker computed a newer graph meanwhile: nothing recorded from this one
    await restarted.record(snapshot({ [RISK]: sla(1000) }, []));
    expect((await store.list(RISK, { limit: 10 })).items).toEqual([]);
    // the next (here not a delta of one recorded) is compared with the stored state
    movedOn = false;
    const next = snapshot({ [RISK]: sla(3200) }, [], [CHECKOUT]);
    await restarted.record({
      ...next,
      changes: { since: next, entities: [RISK], findings: [] },
    });
    expect((await store.list(CHECKOUT, { limit: 10 })).items).toEqual([
      expect.objectContaining({
        contracts: [
          expect.objectContaining({
            entityRef: RISK,
            changes: [expect.objectContaining({ from: '900ms', to: '3200ms' })],
          }),
        ],
        findings: [expect.objectContaining({ change: 'closed' })],
      }),
    ]);
  });

  it('compares a graph that is no delta of the last recorded in the worker, not on this thread', async () => {
    const { store } = await setUp();
    const local = historyWorkHere();
    const begin = jest.fn(local.historyBegin);
    const r = new ContractHistoryRecorder({
      store,
      logger: mockServices.logger.mock(),
      worker: { ...local, historyBegin: begin },
    });
    await r.record(snapshot({ [RISK]: sla(900) }, [latency(900)], [CHECKOUT]));
    // a full recompute's graph: the contract moved, the finding's evidence too
    const full = snapshot({ [RISK]: sla(950) }, [latency(950)], [CHECKOUT]);
    const walks = [
      jest.spyOn(full.items, 'hasFinding'),
      jest.spyOn(full.items, 'evidenceOf'),
    ];
    await r.record(full);
    expect(begin).toHaveBeenCalledTimes(1);
    for (const walk of walks) expect(walk).not.toHaveBeenCalled();
    expect((await store.list(CHECKOUT, { limit: 10 })).items).toEqual([
      expect.objectContaining({
        contracts: [
          expect.objectContaining({
            entityRef: RISK,
            changes: [expect.objectContaining({ from: '900ms', to: '950ms' })],
          }),
        ],
        findings: [expect.objectContaining({ change: 'changed' })],
      }),
    ]);
    // and a finding gone from a full graph is closed (not only those of entities it has)
    await r.record(snapshot({ [RISK]: sla(950) }, []));
    expect((await store.list(CHECKOUT, { limit: 10 })).items[0]).toMatchObject({
      findings: [{ change: 'closed' }],
    });
  });

  it("has the worker strip the contracts it has, of the snapshot's hash, and sends it the others' text", async () => {
    const { store } = await setUp();
    const asked: HistoryWork[] = [];
    const checkout = (path: string) =>
      parseEntityContract(CHECKOUT, [
        { file: 'c.yaml', text: `provides:\n  - endpoint: ${path}\n` },
      ]).contract;
    // the worker has risk's contract as the snapshot's, and a newer checkout
    const own = new Map([
      [RISK, { contract: sla(950), contractHash: hashContract(sla(950)) }],
      [CHECKOUT, { contract: sla(1), contractHash: hashContract(sla(1)) }],
    ]);
    const r = new ContractHistoryRecorder({
      store,
      logger: mockServices.logger.mock(),
      worker: {
        ...historyWorkHere(),
        prepareHistory: async work => {
          asked.push(work);
          return prepareHistory(work, k => own.get(k));
        },
      },
    });
    // (the baseline's rows are the worker's own, made of its state: nothing asked)
    await r.record(
      snapshot({ [RISK]: sla(900), [CHECKOUT]: checkout('/pay') }, []),
    );
    expect(asked).toEqual([]);
    // (a graph that is no delta of the last: compared with the stored state, whose texts are
    // the before of what changed)
    const was = await store.loadContracts([RISK, CHECKOUT]);
    await r.record(
      snapshot({ [RISK]: sla(950), [CHECKOUT]: checkout('/paid') }, []),
    );
    const texts = await store.loadContracts([RISK, CHECKOUT]);
    const stored = (ref: string) => texts.get(ref);
    expect(asked.map(w => w.contracts)).toEqual([
      [
        {
          key: CHECKOUT,
          before: {
            hash: hashContract(checkout('/pay')),
            stored: was.get(CHECKOUT),
          },
          after: { hash: hashContract(checkout('/paid')) },
        },
        {
          key: RISK,
          before: { hash: hashContract(sla(900)), stored: was.get(RISK) },
          after: { hash: hashContract(sla(950)) },
        },
      ],
      [
        {
          key: CHECKOUT,
          before: {
            hash: hashContract(checkout('/pay')),
            stored: was.get(CHECKOUT),
          },
          after: {
            hash: hashContract(checkout('/paid')),
            entity: JSON.stringify({ contract: checkout('/paid') }),
          },
        },
      ],
    ]);
    expect(JSON.parse(stored(RISK)!)).toEqual(stripContract(sla(950)));
    expect(JSON.parse(stored(CHECKOUT)!)).toEqual(
      stripContract(checkout('/paid')),
    );
    // an unchanged graph asks for nothing
    await r.record(
      snapshot({ [RISK]: sla(950), [CHECKOUT]: checkout('/paid') }, []),
    );
    expect(asked).toHaveLength(2);
  });

  it('folds the graphs that come while one is recorded into the next, and survives a failing store', async () => {
    const { store, recorder, knex } = await setUp();
    const r = recorder();
    r.onSnapshot(snapshot({ [RISK]: sla(900) }, []));
    r.onSnapshot(snapshot({ [RISK]: sla(1000) }, []));
    r.onSnapshot(snapshot({ [RISK]: sla(1100) }, []));
    await r.idle();
    // the baseline, then one change to the latest
    let items = (await store.list(RISK, { limit: 10 })).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      contracts: [{ changes: [{ from: '900ms', to: '1100ms' }] }],
    });
    await knex.schema.renameTable(
      'contracts_history_changes',
      'contracts_history_changes_away',
    );
    r.onSnapshot(snapshot({ [RISK]: sla(1200) }, []));
    await r.idle();
    await knex.schema.renameTable(
      'contracts_history_changes_away',
      'contracts_history_changes',
    );
    // nothing was lost: the next graph is compared with the last one recorded
    r.onSnapshot(snapshot({ [RISK]: sla(1300) }, []));
    await r.idle();
    items = (await store.list(RISK, { limit: 10 })).items;
    expect(items[0]).toMatchObject({
      contracts: [{ changes: [{ from: '1100ms', to: '1300ms' }] }],
    });
  });
});

describe('ContractHistoryRecorder with the analysis worker', () => {
  /** What the history tables hold, without ids and times. */
  const tables = async (knex: Knex) => ({
    entities: await knex('contracts_history_entities').orderBy('entity_ref'),
    findings: await knex('contracts_history_findings').orderBy('finding_id'),
    events: await knex('contracts_history_events')
      .select(
        'kind',
        'entity_ref',
        'finding_id',
        'hash',
        'previous_hash',
        'body',
      )
      .orderBy(['kind', 'entity_ref', 'finding_id']),
  });

  it("compares a restarted replica's first graph with the stored state in the worker, as this thread does", async () => {
    const entities = generatedEntities(120);
    /** Every `step`-th entity from `offset` gets another contract. */
    const change = (offset: number, step: number, timeout: string) => {
      for (let i = offset; i < entities.length; i += step) {
        const e: Entity = entities[i];
        const annotations = Object.fromEntries(
          Object.entries(e.metadata.annotations ?? {}).map(([k, v]) => [
            k,
            v
              .replace('window: 10m', 'window: 20m')
              .replace(/timeout: (\d+)ms/, `timeout: ${timeout}$1ms`),
          ]),
        );
        const etag = `${e.metadata.etag}-${timeout}`;
        entities[i] = {
          ...e,
          metadata: { ...e.metadata, annotations, etag },
        };
      }
    };
    const service = new ContractsGraphService({
      catalog: pagedCatalog(entities),
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
      engineConfig: {},
      rules: defaultRules,
    });
    try {
      const [inWorker, onThread] = await Promise.all([setUp(), setUp()]);
      const recorders = (worker?: ContractsGraphService) =>
        [inWorker, onThread].map(
          ({ store }, i) =>
            new ContractHistoryRecorder({
              store,
              logger: mockServices.logger.mock(),
              ...(i === 0 && worker ? { worker: worker.historyWorker() } : {}),
            }),
        );
      await service.refreshAll();
      for (const r of recorders(service)) await r.record(service.snapshot());
      const before = service.snapshot();
      // a restart after a tenth of the contracts changed while none ran
      change(0, 10, '9');
      await service.refreshAll();
      const after = service.snapshot();
      expect(after.computedAt).not.toBe(before.computedAt);
      for (const r of recorders(service)) await r.record(after);
      const recorded = await tables(inWorker.knex);
      expect(recorded.events.length).toBeGreaterThan(12);
      expect(recorded).toEqual(await tables(onThread.knex));
      // the worker has moved on from the snapshot before: no comparison of it begins
      expect(
        await service.historyWorker().historyBegin(before),
      ).toBeUndefined();
    } finally {
      await service.close();
    }
  });
});

// the stored state's digest is made in SQL on PostgreSQL (undefined on SQLite)
const postgres = TestDatabases.create({
  ids: [
    (process.env.CONTRACTS_TEST_POSTGRES_ID ?? 'POSTGRES_15') as TestDatabaseId,
  ],
});

/** A graph with these contracts and findings as a full transfer makes it (its digest the worker's). */
async function received(
  contracts: Record<string, EntityContract>,
  findings: Finding[],
): Promise<GraphSnapshot> {
  const entities: EntityWire[] = [];
  let entityJson = '';
  for (const [ref, contract] of Object.entries(contracts)) {
    entityJson += JSON.stringify({ summary: summaryFromRef(ref), contract });
    entities.push([ref, null, null, entityJson.length, hashContract(contract)]);
  }
  const part = {
    ...writeItems({ f: findings.map(f => JSON.stringify(f)) }),
    entities,
    entityJson,
  };
  const host = {
    call: async (method: string) =>
      method === 'pull' ? pulledPart(part) : undefined,
  } as unknown as AnalysisHost;
  const computedAt = new Date().toISOString();
  const got = await receiveTransfer(
    host,
    {
      id: 1,
      full: true,
      parts: 1,
      removed: [],
      computedAt,
      workMs: 0,
      entities: entities.length,
    },
    snapshot({}, []),
  );
  return { ...got, computedAt, stale: false };
}

describe.each(postgres.eachSupportedId())(
  "a replica's first graph on %p",
  id => {
    it("is told the same as the stored state by their digests, without loading it (a follower's next full graph: without walking it); a different one is compared", async () => {
      const knex = await postgres.init(id);
      const store = await DatabaseHistoryStore.create({
        database: mockServices.database({ knex }),
      });
      const recorder = () =>
        new ContractHistoryRecorder({
          store,
          logger: mockServices.logger.mock(),
        });
      const first = await received({ [RISK]: sla(300) }, [latency(300)]);
      await recorder().record(first);
      // the SQL's digest of what was stored is the worker's of what it was stored from
      expect(await store.stateDigest()).toEqual(first.items.stateDigest);
      const load = jest.spyOn(store, 'statePages');
      // a restart: the same graph, nothing loaded nor recorded
      await recorder().record(
        await received({ [RISK]: sla(300) }, [latency(300)]),
      );
      expect(load).not.toHaveBeenCalled();
      expect((await store.list(RISK, { limit: 10 })).items).toHaveLength(0);
      // what changed while no replica ran: compared with the stored state as before
      await recorder().record(
        await received({ [RISK]: sla(400) }, [latency(400)]),
      );
      // (its contracts, then its findings)
      expect(load).toHaveBeenCalledTimes(2);
      expect((await store.list(RISK, { limit: 10 })).items).toMatchObject([
        { contracts: [{ changes: [{ from: '300ms', to: '400ms' }] }] },
      ]);
      // a replica that follows: its next full graph is one another replica recorded already,
      // told by the digests without walking it; one unlike the stored state is compared
      const follower = recorder();
      await follower.record(
        await received({ [RISK]: sla(400) }, [latency(400)]),
      );
      const same = await received({ [RISK]: sla(400) }, [latency(400)]);
      const entities = new Map(same.entities);
      entities[Symbol.iterator] = () => {
        throw new Error('walked');
      };
      await follower.record({ ...same, entities });
      // (the next, unlike it, is compared: by the test's worker, on this thread)
      delete (entities as Partial<typeof entities>)[Symbol.iterator];
      await follower.record(
        await received({ [RISK]: sla(500) }, [latency(500)]),
      );
      expect((await store.list(RISK, { limit: 10 })).items).toMatchObject([
        { contracts: [{ changes: [{ from: '400ms', to: '500ms' }] }] },
        { contracts: [{ changes: [{ from: '300ms', to: '400ms' }] }] },
      ]);
    });
  },
);

/*
 * The history's baseline written by the analysis worker itself on PostgreSQL (issue 22): the
 * same rows and digests as the main thread writes of the worker's pages; one cut off is written
 * again.
 */
import {
  mockServices,
  type TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { defaultRules } from '@backstage-contracts/plugin-contracts-common';
import type { Knex } from 'knex';
import { generatedEntities } from '../__testUtils__/generatedCatalog';
import { pagedCatalog } from '../__testUtils__/pagedCatalog';
import { ContractsGraphService } from '../services/ContractsGraphService';
import { workerDatabaseSettings } from '../services/analysis/workerDatabase';
import { writeBaseline } from './baselineWrite';
import { ContractHistoryRecorder } from './ContractHistoryRecorder';
import { DatabaseHistoryStore } from './DatabaseHistoryStore';
import { HistorySessions } from './storedComparison';

jest.setTimeout(120_000);

const databases = TestDatabases.create({
  ids: [
    (process.env.CONTRACTS_TEST_POSTGRES_ID ?? 'POSTGRES_15') as TestDatabaseId,
    'SQLITE_3',
  ],
});

/** What the history tables hold, without ids and times. */
const tables = async (knex: Knex) => ({
  entities: await knex('contracts_history_entities').orderBy('entity_ref'),
  findings: await knex('contracts_history_findings').orderBy('finding_id'),
  events: await knex('contracts_history_events').count({ n: '*' }),
  changes: await knex('contracts_history_changes').count({ n: '*' }),
});

async function storeOn(knex: Knex) {
  return DatabaseHistoryStore.create({
    database: mockServices.database({ knex }),
  });
}

describe.each(databases.eachSupportedId())(
  "the history's baseline on %p",
  id => {
    const postgres = id !== 'SQLITE_3';
    let service: ContractsGraphService | undefined;
    afterEach(async () => {
      await service?.close();
      service = undefined;
    });

    /** The graph service of 600 generated entities, its worker connected to `knex` if it can. */
    async function computed(knex: Knex) {
      service = new ContractsGraphService({
        catalog: pagedCatalog(generatedEntities(600)),
        auth: mockServices.auth(),
        logger: mockServices.logger.mock(),
        engineConfig: {},
        rules: defaultRules,
        database: workerDatabaseSettings(knex),
      });
      await service.refreshAll();
      return service;
    }

    it('is written by the worker itself where it has a connection (PostgreSQL), the same rows and digests as this thread writes of its pages', async () => {
      const [own, here] = [await databases.init(id), await databases.init(id)];
      const [ownStore, hereStore] = [await storeOn(own), await storeOn(here)];
      const graph = await computed(own);
      const snapshot = graph.snapshot();
      const worker = graph.historyWorker();
      // (SQLite: no connection of the worker's; this thread writes, as on the other store)
      expect(Boolean(worker.historyWriteBaseline)).toBe(postgres);
      const pages = jest.spyOn(worker, 'historyRows');
      await new ContractHistoryRecorder({
        store: ownStore,
        logger: mockServices.logger.mock(),
        worker,
      }).record(snapshot);
      // no page crossed to this thread (SQLite: each did)
      expect(pages.mock.calls.length > 0).toBe(!postgres);
      await new ContractHistoryRecorder({
        store: hereStore,
        logger: mockServices.logger.mock(),
        worker: { ...graph.historyWorker(), historyWriteBaseline: undefined },
      }).record(snapshot);
      expect(await ownStore.hasBaseline()).toBe(true);
      const written = await tables(own);
      expect(written.entities.length).toBeGreaterThan(500);
      expect(written.findings.length).toBeGreaterThan(0);
      expect(written).toEqual(await tables(here));
      // (the digests of the SQL: PostgreSQL's)
      const digest = postgres ? snapshot.items.stateDigest : undefined;
      expect(await ownStore.stateDigest()).toEqual(digest);
      expect(await hereStore.stateDigest()).toEqual(digest);
    });

    it('is written again when it was cut off: what was written deleted first', async () => {
      const [cut, here] = [await databases.init(id), await databases.init(id)];
      const [cutStore, hereStore] = [await storeOn(cut), await storeOn(here)];
      const snapshot = (await computed(here)).snapshot();
      const sessions = new HistorySessions((key: string) =>
        key === 'now'
          ? {
              entities: snapshot.entities,
              findings: Array.from(
                { length: snapshot.items.findings.length },
                (_, i) => snapshot.items.findings.at(i),
              ),
            }
          : undefined,
      );
      // the writing fails at its second page (a worker stopped, a connection lost)
      let pages = 0;
      const failing = {
        ...sessions,
        rows: (at: number, bytes: number) => {
          if (pages++) throw new Error('cut off');
          return sessions.rows(at, bytes);
        },
      } as unknown as HistorySessions<string>;
      await expect(writeBaseline(failing, 'now', cut)).rejects.toThrow(
        'cut off',
      );
      expect(await cutStore.hasBaseline()).toBe(false);
      expect(
        (await tables(cut)).entities.length +
          (await tables(cut)).findings.length,
      ).toBeGreaterThan(0);
      // a state moved on from: nothing written
      expect(await writeBaseline(sessions, 'then', cut)).toBeUndefined();
      // the next: written whole, as this thread writes it
      expect(await writeBaseline(sessions, 'now', cut)).toBe(true);
      expect(await cutStore.hasBaseline()).toBe(true);
      // (another recorder's baseline is not written again)
      expect(await writeBaseline(sessions, 'now', cut)).toBe(false);
      await new ContractHistoryRecorder({
        store: hereStore,
        logger: mockServices.logger.mock(),
        worker: {
          ...service!.historyWorker(),
          historyWriteBaseline: undefined,
        },
      }).record(snapshot);
      expect(await tables(cut)).toEqual(await tables(here));
    });
  },
);

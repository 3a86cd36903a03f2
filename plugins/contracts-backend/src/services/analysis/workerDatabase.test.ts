import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { defaultRules } from '@backstage-contracts/plugin-contracts-common';
import type { Knex } from 'knex';
import { generatedEntities } from '../../__testUtils__/generatedCatalog';
import { sqliteAndPostgres } from '../../__testUtils__/testDatabases';
import { SnapshotStore } from '../../database/SnapshotStore';
import { AnalysisCore } from './AnalysisCore';
import { decodeSnapshot, type SnapshotSource } from './persisted';
import { PERSISTED_SNAPSHOT_FORMAT, type TransferPart } from './protocol';
import {
  closeWorkerDatabase,
  connectWorkerDatabase,
  persistInThread,
  streamSnapshot,
  useWorkerDatabase,
  workerDatabaseSettings,
} from './workerDatabase';

jest.setTimeout(60_000);

const databases = sqliteAndPostgres();

const HEAD = {
  format: PERSISTED_SNAPSHOT_FORMAT,
  computedAt: '2026-12-08T01:00:00.000Z',
  lastSuccessAt: '2026-12-08T01:00:01.000Z',
};

/** A snapshot of `parts` pieces of `bytes` each (text that does not compress much). */
function bigSource(
  parts: number,
  bytes: number,
  changed?: () => boolean,
): SnapshotSource {
  const text = (i: number) =>
    Array.from({ length: bytes / 8 }, (_, k) =>
      ((i * 7919 + k * 104729) % 99991).toString(36).padStart(8, '0'),
    ).join('');
  return {
    head: HEAD,
    *pieces(): Iterable<TransferPart> {
      for (let i = 0; i < parts; i++) {
        yield {
          json: '{}',
          offsets: [0, 0, 0],
          entities: [],
          entityJson: changed?.() && i === parts - 1 ? `${text(i)}!` : text(i),
        };
      }
    },
  };
}

/** The snapshot of a computed generated catalog, as persisted (uncompressed), and its source. */
async function computed() {
  const core = new AnalysisCore({ engineConfig: {}, rules: defaultRules });
  core.beginFull();
  core.loadPage(generatedEntities(80));
  core.commitFull(HEAD.lastSuccessAt);
  const raw = Buffer.from((await core.exportSnapshot('identity'))!.bytes);
  const doc = decodeSnapshot(raw, PERSISTED_SNAPSHOT_FORMAT);
  const source: SnapshotSource = { head: doc.head, pieces: () => doc.parts };
  return { core, raw, source };
}

/** Counts the statements `knex` runs on the snapshot pieces' table. */
function countPieceInserts(knex: Knex) {
  const counted = { inserts: 0 };
  knex.on('query', (q: { sql: string }) => {
    if (/insert into .contracts_graph_snapshot_pieces/i.test(q.sql)) {
      counted.inserts++;
    }
  });
  return counted;
}

describe('workerDatabaseSettings', () => {
  const fake = (dialect: string, config: Record<string, unknown>) =>
    ({ client: { dialect, config } } as unknown as Knex);

  it('takes PostgreSQL settings that are plain data, with the role Backstage applies', () => {
    const connection = { host: 'db', port: 5432, user: 'u', password: 'p' };
    expect(
      workerDatabaseSettings(
        fake('postgresql', { client: 'pg', connection, searchPath: ['s'] }),
      ),
    ).toEqual({ client: 'pg', connection, searchPath: ['s'] });
    const config = new ConfigReader({
      backend: {
        database: { role: 'base', plugin: { contracts: { role: 'mine' } } },
      },
    });
    expect(
      workerDatabaseSettings(
        fake('postgresql', { client: 'pg', connection: 'postgres://x/y' }),
        config,
      ),
    ).toEqual({ client: 'pg', connection: 'postgres://x/y', role: 'mine' });
    expect(
      workerDatabaseSettings(
        fake('postgresql', { client: 'pg', connection }),
        new ConfigReader({ backend: { database: { role: 'base' } } }),
      )?.role,
    ).toBe('base');
  });

  it('takes none for SQLite, or a connection made by a function (a cloud connector)', () => {
    expect(
      workerDatabaseSettings(
        fake('sqlite3', { client: 'better-sqlite3', connection: ':memory:' }),
      ),
    ).toBeUndefined();
    expect(
      workerDatabaseSettings(
        fake('postgresql', { client: 'pg', connection: async () => ({}) }),
      ),
    ).toBeUndefined();
    expect(
      workerDatabaseSettings(
        fake('postgresql', {
          client: 'pg',
          connection: { host: 'db', password: () => 'token' },
        }),
      ),
    ).toBeUndefined();
    expect(
      workerDatabaseSettings(
        fake('postgresql', {
          client: 'pg',
          connection: { host: 'db', ssl: new (class Tls {})() },
        }),
      ),
    ).toBeUndefined();
  });
});

describe.each(databases.eachSupportedId())('the worker database on %p', id => {
  const postgres = id !== 'SQLITE_3';

  async function createStore(knex: Knex) {
    return SnapshotStore.create({
      database: mockServices.database({ knex }),
    });
  }

  it('has settings from the plugin database exactly on PostgreSQL', async () => {
    const knex = await databases.init(id);
    const settings = workerDatabaseSettings(knex);
    expect(Boolean(settings)).toBe(postgres);
    if (!settings) return;
    // a connection of its own to the same database
    const own = connectWorkerDatabase(settings);
    try {
      await knex.schema.createTable('contracts_probe', t => t.integer('n'));
      await own('contracts_probe').insert({ n: 7 });
      expect(await knex('contracts_probe').select('n')).toEqual([{ n: 7 }]);
    } finally {
      await own.destroy();
    }
  });

  it('applies the role on each of its connections', async () => {
    if (!postgres) return;
    const knex = await databases.init(id);
    const role = 'contracts_worker_probe';
    await knex.raw(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role}; END IF; END $$`,
    );
    const own = connectWorkerDatabase({
      ...workerDatabaseSettings(knex)!,
      role,
    });
    try {
      const users = await Promise.all(
        [1, 2].map(() =>
          own.transaction(async tx => {
            const { rows } = await tx.raw('select current_user as u');
            await new Promise(r => setTimeout(r, 50)); // (both connections at once)
            return rows[0].u;
          }),
        ),
      );
      expect(users).toEqual([role, role]);
    } finally {
      await own.destroy();
    }
    // the plugin's own connections are as they were
    const { rows } = await knex.raw('select current_user as u');
    expect(rows[0].u).not.toBe(role);
  });

  it('streams a snapshot into the store as it is compressed, the same bytes as exported', async () => {
    const knex = await databases.init(id);
    const store = await createStore(knex);
    const { raw, source } = await computed();
    const saved = await streamSnapshot(source, 'zstd', (body, sizeBytes) =>
      store.save({
        body,
        sizeBytes,
        format: PERSISTED_SNAPSHOT_FORMAT,
        encoding: 'zstd',
        computedAt: HEAD.computedAt,
        checkedAt: HEAD.lastSuccessAt,
      }),
    );
    expect(saved.sizeBytes).toBe(raw.length);
    const latest = (await store.latest(PERSISTED_SNAPSHOT_FORMAT))!;
    expect(latest).toMatchObject({
      version: saved.version,
      storedBytes: saved.storedBytes,
      encoding: 'zstd',
    });
    expect(latest.body.equals(raw)).toBe(true);
  });

  it('leaves no half snapshot when the writing fails mid-way, and the error says why', async () => {
    const knex = await databases.init(id);
    const store = await createStore(knex);
    const { source } = await computed();
    const kept = await streamSnapshot(source, 'identity', (body, sizeBytes) =>
      store.save({
        body,
        sizeBytes,
        format: PERSISTED_SNAPSHOT_FORMAT,
        encoding: 'identity',
        computedAt: HEAD.computedAt,
        checkedAt: HEAD.lastSuccessAt,
      }),
    );
    const counted = countPieceInserts(knex);
    // 12 MB in 12 pieces (more than the stream holds: the writing waits for the pieces' inserts);
    // the last one is longer the second time it is made
    let calls = 0;
    const changing = bigSource(12, 1 << 20, () => calls++ >= 12);
    const save = (body: AsyncIterable<Uint8Array>, sizeBytes: number) =>
      store.save({
        body,
        sizeBytes,
        format: PERSISTED_SNAPSHOT_FORMAT,
        encoding: 'identity',
        computedAt: '2026-12-08T02:00:00.000Z',
        checkedAt: '2026-12-08T02:00:00.000Z',
      });
    await expect(streamSnapshot(changing, 'identity', save)).rejects.toThrow(
      "a persisted snapshot's pieces changed while it was written",
    );
    // it had begun writing its pieces
    expect(counted.inserts).toBeGreaterThan(0);
    expect(await store.versions()).toEqual([kept.version]);
    expect((await store.head())!.version).toBe(kept.version);
    const pieces = await knex('contracts_graph_snapshot_pieces').distinct(
      'version',
    );
    expect(pieces.map(p => Number(p.version))).toEqual([kept.version]);
  });

  it('gives the writing up when the database fails (no wait for ever)', async () => {
    const knex = await databases.init(id);
    await createStore(knex);
    const failing = (body: AsyncIterable<Uint8Array>) =>
      (async () => {
        for await (const chunk of body) {
          if (chunk.length) throw new Error('the database went away');
        }
        return 0;
      })();
    await expect(
      streamSnapshot(bigSource(8, 1 << 20), 'zstd', failing),
    ).rejects.toThrow('the database went away');
  });

  it("persists with this thread's own connection (the worker's), read back by another as exported", async () => {
    if (!postgres) return;
    const knex = await databases.init(id);
    const store = await createStore(knex);
    const counted = countPieceInserts(knex);
    const { core, raw } = await computed();
    await expect(
      core.persistSnapshot({
        format: PERSISTED_SNAPSHOT_FORMAT,
        encoding: 'zstd',
        keep: 2,
      }),
    ).rejects.toThrow('the analysis worker has no database connection');
    useWorkerDatabase(workerDatabaseSettings(knex));
    try {
      const saved = (await core.persistSnapshot({
        format: PERSISTED_SNAPSHOT_FORMAT,
        encoding: 'zstd',
        computedBy: 'replica-w',
        keep: 2,
      }))!;
      expect(saved).toMatchObject({
        checkedAt: HEAD.lastSuccessAt,
        computedBy: 'replica-w',
        sizeBytes: raw.length,
      });
      // not through the plugin's connection
      expect(counted.inserts).toBe(0);
      const latest = (await store.latest(PERSISTED_SNAPSHOT_FORMAT))!;
      expect(latest.version).toBe(saved.version);
      expect(latest.body.equals(raw)).toBe(true);
      // its keep: the older ones pruned
      for (let i = 0; i < 2; i++) {
        await persistInThread(
          { head: HEAD, pieces: bigSource(1, 64).pieces },
          {
            format: PERSISTED_SNAPSHOT_FORMAT,
            encoding: 'zstd',
            keep: 2,
          },
        );
      }
      expect(await store.versions()).toHaveLength(2);
    } finally {
      await closeWorkerDatabase();
    }
  });
});

/*
 * The analysis worker's own connection to the plugin database (issue 22): on PostgreSQL the
 * worker writes the big things itself — the persisted snapshot, as its compressed bytes are
 * made — so that they never cross to the main thread. At 100k entities the stored snapshot is
 * 25-31 MB: inserted from the main thread (pg's bind copies each piece twice), its external
 * memory set off main-thread mark-compacts of 110-336 ms in bench:scale's recompute window.
 */
import type { RootConfigService } from '@backstage/backend-plugin-api';
import { knex as knexFactory, type Knex } from 'knex';
import {
  type SavedSnapshotMeta,
  SnapshotStore,
} from '../../database/SnapshotStore';
import {
  bodyStream,
  type BodyStream,
  type SnapshotEncoding,
} from '../../database/snapshotEncoding';
import { type SnapshotSource, writeSnapshot } from './persisted';

/**
 * How the worker connects to the plugin database: the plugin's knex's PostgreSQL settings, as
 * plain data (the worker is sent them in its `workerData`), and the role Backstage sets.
 */
export interface WorkerDatabaseSettings {
  client: 'pg';
  connection: string | Record<string, unknown>;
  searchPath?: string | string[];
  /** `SET ROLE` on each new connection, as backend-defaults' postgres connector does. */
  role?: string;
}

/** Plain data only: what a worker is sent as it is (no functions, no class instances). */
function isPlainData(value: unknown, depth = 0): boolean {
  if (depth > 8) return false;
  if (value === null || value === undefined) return true;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (value instanceof Uint8Array) return true;
  if (Array.isArray(value)) return value.every(v => isPlainData(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value as object).every(v => isPlainData(v, depth + 1));
}

/**
 * The settings of the analysis worker's own connection, from the plugin's `knex`: when it is
 * PostgreSQL and its connection is plain data (a connection string, or an object without
 * functions — not a cloud connector's token function). The role is Backstage's
 * (`backend.database.plugin.contracts.role`, else `backend.database.role`). Undefined otherwise
 * (SQLite: an in-memory database cannot be shared; the main thread writes then).
 */
export function workerDatabaseSettings(
  knex: Knex,
  config?: RootConfigService,
): WorkerDatabaseSettings | undefined {
  const clientConfig = knex.client.config as Knex.Config & { role?: unknown };
  if (knex.client.dialect !== 'postgresql') return undefined;
  const { connection, searchPath } = clientConfig;
  if (typeof connection !== 'string' && !isPlainData(connection)) {
    return undefined;
  }
  if (!connection || !isPlainData(searchPath)) return undefined;
  const role =
    config?.getOptionalString('backend.database.plugin.contracts.role') ??
    config?.getOptionalString('backend.database.role') ??
    (typeof clientConfig.role === 'string' ? clientConfig.role : undefined);
  return {
    client: 'pg',
    connection: connection as WorkerDatabaseSettings['connection'],
    ...(searchPath ? { searchPath: searchPath as string | string[] } : {}),
    ...(role ? { role } : {}),
  };
}

/**
 * A knex of these settings: a small pool (the worker writes one snapshot at a time), each new
 * connection's role set as Backstage sets it.
 */
export function connectWorkerDatabase(settings: WorkerDatabaseSettings): Knex {
  const db = knexFactory({
    client: settings.client,
    connection: settings.connection as Knex.StaticConnectionConfig,
    searchPath: settings.searchPath,
    pool: { min: 0, max: 2 },
  });
  const { role } = settings;
  if (role) {
    db.client.pool.on(
      'createSuccess',
      async (
        _event: unknown,
        client: { query(sql: string): Promise<unknown> },
      ) => {
        // (as backend-defaults: a quoted identifier)
        await client.query(`SET ROLE "${role.replace(/"/g, '""')}"`);
      },
    );
  }
  return db;
}

let settingsInThread: WorkerDatabaseSettings | undefined;
let databaseInThread: Knex | undefined;

/** The settings of this thread's connection (the worker's entry, from its `workerData`). */
export function useWorkerDatabase(
  settings: WorkerDatabaseSettings | undefined,
): void {
  settingsInThread = settings;
}

/** This thread's connection (the worker's), made when first asked for; undefined: none. */
export function workerDatabase(): Knex | undefined {
  if (!databaseInThread && settingsInThread) {
    databaseInThread = connectWorkerDatabase(settingsInThread);
  }
  return databaseInThread;
}

/** Closes this thread's connection, if made (the worker is stopping). */
export async function closeWorkerDatabase(): Promise<void> {
  const db = databaseInThread;
  databaseInThread = undefined;
  settingsInThread = undefined;
  await db?.destroy();
}

/** What the main thread asks the worker to persist with: SnapshotSync's settings. */
export interface PersistRequest {
  format: number;
  encoding: SnapshotEncoding;
  computedBy?: string;
  /** The snapshots kept (SnapshotStore's `keep`). */
  keep: number;
}

/**
 * Writes a snapshot (persisted.ts' writeSnapshot) compressed with `encoding` into `save`, which
 * reads its stored bytes as they are made (SnapshotStore.save): the snapshot is never whole in
 * memory, neither as its bytes nor as what is stored. Fails (`save` given up, its transaction
 * rolled back) when either side fails.
 */
export async function streamSnapshot<T>(
  source: SnapshotSource,
  encoding: SnapshotEncoding,
  save: (stored: AsyncIterable<Uint8Array>, sizeBytes: number) => Promise<T>,
): Promise<T> {
  let stream: BodyStream | undefined;
  let saving: Promise<T> | undefined;
  try {
    await writeSnapshot(source, size => {
      const opened = bodyStream(encoding, size);
      stream = opened;
      saving = save(opened.stored, size);
      // the database gave up: so does the writing (its write waiting for the stored bytes read)
      saving.catch(error =>
        opened.fail(error instanceof Error ? error : new Error(String(error))),
      );
      return opened;
    });
    stream!.end();
  } catch (error) {
    stream?.fail(error instanceof Error ? error : new Error(String(error)));
    // the database's failure first, when it was the cause
    const failed = await saving?.then(
      () => undefined,
      e => e as unknown,
    );
    throw failed ?? error;
  }
  return saving!;
}

/**
 * Persists `source` with this thread's connection (the worker's): its stored bytes written as
 * they are compressed. Throws when this thread has none.
 */
export async function persistInThread(
  source: SnapshotSource,
  request: PersistRequest,
): Promise<SavedSnapshotMeta> {
  const db = workerDatabase();
  if (!db) throw new Error('the analysis worker has no database connection');
  const store = new SnapshotStore(db, request.keep);
  const { computedAt, lastSuccessAt } = source.head;
  return streamSnapshot(source, request.encoding, (body, sizeBytes) =>
    store.save({
      body,
      sizeBytes,
      format: request.format,
      encoding: request.encoding,
      computedAt,
      checkedAt: lastSuccessAt ?? computedAt,
      computedBy: request.computedBy,
    }),
  );
}

import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { Knex } from 'knex';
import { decodeBody, SnapshotStore } from '../database/SnapshotStore';
import { sqliteAndPostgres } from '../__testUtils__/testDatabases';
import {
  type AdoptedSnapshotMeta,
  readSnapshotSettings,
  type SnapshotHost,
  SnapshotSync,
} from './SnapshotSync';

jest.setTimeout(60_000);

const databases = sqliteAndPostgres();

/** What the computing replica reads: a counter the test moves on. */
class Catalog {
  n = 1;
}

interface Served {
  n: number;
  computedAt: string;
  version?: number;
  stale: boolean;
  staleReason?: string;
  lastSuccessAt?: string;
}

/**
 * The sync's side of the graph service, in memory: while computing, `refreshAll` reads the
 * catalog and publishes what it read; `check` does the same when the catalog moved on (the quick
 * path). The graph service itself is exercised with the sync in plugin.snapshots.test.ts; this
 * host lets the sync's rules (lease, persist, poll, adopt, stale) be checked one by one.
 */
class Host implements SnapshotHost {
  computing = true;
  served?: Served;
  analysisHost?: SnapshotHost['analysisHost'];
  exports = 0;
  fullRecomputes = 0;
  adopted: number[] = [];
  private listeners = new Set<(s: Served) => void>();
  constructor(private readonly catalog: Catalog) {}

  async exportSnapshot() {
    this.exports++;
    return this.served
      ? {
          bytes: new Uint8Array(Buffer.from(JSON.stringify(this.served))),
          computedAt: this.served.computedAt,
          lastSuccessAt: this.served.lastSuccessAt,
        }
      : undefined;
  }
  async adoptSnapshot(
    stored: Uint8Array | AsyncIterable<Uint8Array>,
    meta: AdoptedSnapshotMeta,
  ) {
    const pieces: Uint8Array[] = [];
    if (stored instanceof Uint8Array) pieces.push(stored);
    else for await (const piece of stored) pieces.push(piece);
    const body = await decodeBody(
      Buffer.concat(pieces),
      meta.encoding ?? 'identity',
    );
    const s = JSON.parse(body.toString('utf8'));
    this.served = { ...s, version: meta.version, stale: false };
    this.adopted.push(meta.version);
  }
  setSnapshotVersion(version: number, computedAt: string) {
    if (this.served?.computedAt === computedAt) this.served.version = version;
  }
  setFreshness(f: { staleReason?: string; lastSuccessAt?: string }) {
    if (!this.served) return;
    this.served = {
      ...this.served,
      stale: Boolean(f.staleReason),
      staleReason: f.staleReason,
      lastSuccessAt: f.lastSuccessAt,
    };
  }
  setComputing(on: boolean) {
    this.computing = on;
  }
  onPublish(listener: (s: Served) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async refreshAll() {
    if (!this.computing) return;
    this.fullRecomputes++;
    this.publish();
  }
  async refreshChanges() {
    if (!this.computing) return;
    if (this.served?.n !== this.catalog.n) this.publish();
  }
  snapshot() {
    return { stale: this.served?.stale ?? true };
  }
  private publish() {
    const at = new Date().toISOString();
    this.served = {
      n: this.catalog.n,
      computedAt: at,
      stale: false,
      lastSuccessAt: at,
    };
    for (const l of this.listeners) l(this.served);
  }
}

const POLL_MS = 100;
const LEASE_MS = 1000;

async function until(ok: () => boolean, timeoutMs = 10_000): Promise<number> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise(r => setTimeout(r, 20));
  }
  return Date.now() - start;
}

describe.each(databases.eachSupportedId())('SnapshotSync on %p', id => {
  let knex: Knex;
  const running: SnapshotSync[] = [];
  beforeEach(async () => {
    knex = await databases.init(id);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map(s => s.stop()));
  });

  async function replica(
    catalog: Catalog,
    name: string,
    staleAfterMs = 60_000,
  ) {
    const store = await SnapshotStore.create({
      database: mockServices.database({ knex }),
    });
    const host = new Host(catalog);
    const logger = mockServices.logger.mock();
    const sync = new SnapshotSync({
      store,
      host,
      logger,
      format: 1,
      settings: {
        pollIntervalMs: POLL_MS,
        leaseMs: LEASE_MS,
        keep: 3,
        encoding: 'zstd',
      },
      staleAfterMs,
      replicaId: name,
    });
    running.push(sync);
    // the quick path, as plugin.ts runs it on every replica (a no-op off the lease)
    const timer = setInterval(
      () => sync.check(() => host.refreshChanges()).catch(() => {}),
      POLL_MS,
    );
    const stop = sync.stop.bind(sync);
    sync.stop = async () => {
      clearInterval(timer);
      await stop();
    };
    return { host, sync, store, logger };
  }

  it('has one replica compute and persist, and every replica serve the same version, a change included', async () => {
    const catalog = new Catalog();
    const a = await replica(catalog, 'a');
    const b = await replica(catalog, 'b');
    await Promise.all([a.sync.start(), b.sync.start()]);
    await until(() => a.sync.isComputing() || b.sync.isComputing());
    // the other one stays off for more than a lease
    await new Promise(r => setTimeout(r, LEASE_MS + 3 * POLL_MS));
    expect([a.sync.isComputing(), b.sync.isComputing()].sort()).toEqual([
      false,
      true,
    ]);
    const [computing, serving] = a.sync.isComputing() ? [a, b] : [b, a];
    expect(serving.host.fullRecomputes).toBe(0);
    expect(computing.host.fullRecomputes).toBe(1);
    await until(
      () =>
        serving.host.served?.version !== undefined &&
        serving.host.served.version === computing.host.served?.version,
    );
    expect(serving.host.served).toMatchObject({ n: 1, stale: false });

    catalog.n = 2;
    const ms = await until(
      () =>
        serving.host.served?.n === 2 &&
        serving.host.served.version === computing.host.served?.version,
    );
    expect(ms).toBeLessThan(2000);
    expect(computing.sync.version()).toBe(serving.sync.version());
  });

  it('serves the persisted snapshot on start before any recompute, flagged stale with its age when nobody checked the catalog for long', async () => {
    const catalog = new Catalog();
    const first = await replica(catalog, 'first');
    await first.sync.start();
    await until(() => first.host.served?.version !== undefined);
    const version = first.host.served!.version;
    const computedAt = first.host.served!.computedAt;
    await first.sync.stop();

    // a restart after the last check went too long ago: 50 ms old is stale here
    await new Promise(r => setTimeout(r, 100));
    const restarted = await replica(catalog, 'restarted', 50);
    catalog.n = 5;
    await restarted.sync.start(); // resolves once the persisted snapshot is served
    expect(restarted.host.fullRecomputes).toBe(0);
    expect(restarted.host.served).toMatchObject({
      n: 1,
      version,
      computedAt,
      stale: true,
      staleReason: expect.stringMatching(
        /^no replica has read the catalog since .+ \(\d+ s ago\): this is the last persisted snapshot$/,
      ),
      lastSuccessAt: computedAt,
    });
    // then it takes the free lease over, recomputes, and persists a newer version
    await until(() => restarted.host.served?.n === 5);
    await until(() => (restarted.host.served?.version ?? 0) > version!);
    expect(restarted.host.served!.stale).toBe(false);
  });

  it('hands the computing over at once on a clean stop, and after the lease when a replica dies', async () => {
    const catalog = new Catalog();
    const a = await replica(catalog, 'a');
    await a.sync.start();
    await until(() => a.sync.isComputing());
    const b = await replica(catalog, 'b');
    await b.sync.start();
    await until(() => b.host.served?.version !== undefined);

    await a.sync.stop(); // releases the lease
    const handover = await until(() => b.sync.isComputing());
    expect(handover).toBeLessThan(LEASE_MS);
    // b serves a's last version: it goes on from it (a quick check), no full recompute
    catalog.n = 2;
    await until(() => b.host.served?.n === 2);
    expect(b.host.fullRecomputes).toBe(0);

    // c joins, then b dies without a word: its lease runs out, c computes
    const c = await replica(catalog, 'c');
    await c.sync.start();
    await until(() => c.host.served?.version !== undefined);
    // the timers stop; the lease is not released (a crash)
    b.store.release = async () => {};
    await b.sync.stop();
    const started = Date.now();
    await until(() => c.sync.isComputing());
    expect(Date.now() - started).toBeGreaterThan(LEASE_MS / 2);
    catalog.n = 3;
    await until(() => c.host.served?.n === 3);
    expect(c.host.fullRecomputes).toBe(0);
  });

  it("has the host's worker save the snapshot when it has its own connection, else saves it here, and logs a save that fails", async () => {
    const catalog = new Catalog();
    const a = await replica(catalog, 'a');
    const requests: unknown[] = [];
    let failing = false;
    // the worker's side: it saves what it computed with a connection of its own (here the same
    // database), nothing of it exported to this thread
    const own = new SnapshotStore(knex, 3);
    a.host.analysisHost = {
      persistsItself: true,
      call: (async (method: string, request: { computedBy?: string }) => {
        requests.push([method, request]);
        if (failing) throw new Error('the worker lost its connection');
        const served = a.host.served!;
        return own.save({
          body: Buffer.from(JSON.stringify(served)),
          format: 1,
          computedAt: served.computedAt,
          checkedAt: served.lastSuccessAt!,
          computedBy: request.computedBy,
          encoding: 'identity',
        });
      }) as never,
    };
    await a.sync.start();
    await until(() => a.host.served?.version !== undefined);
    expect(requests[0]).toEqual([
      'persistSnapshot',
      { format: 1, encoding: 'zstd', computedBy: 'a', keep: 3 },
    ]);
    expect(a.host.exports).toBe(0);
    expect((await a.store.head())!.version).toBe(a.host.served!.version);
    expect(a.logger.info).toHaveBeenCalledWith(
      'Contracts graph: snapshot persisted',
      expect.objectContaining({ inWorker: true }),
    );

    // the worker's connection fails: this thread's saves it, and says so
    failing = true;
    const first = a.host.served!.version!;
    catalog.n = 2;
    await until(() => (a.host.served?.version ?? 0) > first);
    expect(a.host.served).toMatchObject({ n: 2 });
    expect(a.logger.warn).toHaveBeenCalledWith(
      "Contracts analysis worker could not persist the snapshot with its own connection; saving it with the plugin's",
      { error: 'Error: the worker lost its connection' },
    );
    expect(a.host.exports).toBe(1);
    expect((await a.store.head())!.version).toBe(a.host.served!.version);
    expect(a.logger.info).toHaveBeenLastCalledWith(
      'Contracts graph: snapshot persisted',
      expect.objectContaining({ inWorker: false }),
    );

    // both fail: logged; it goes on serving what it computed, the head stays where it was
    const before = a.host.served!.version;
    a.store.save = async () => {
      throw new Error('the database is gone');
    };
    catalog.n = 3;
    await until(() =>
      a.logger.warn.mock.calls.some(
        ([message]) => message === 'Contracts could not persist the snapshot',
      ),
    );
    expect(a.logger.warn).toHaveBeenCalledWith(
      'Contracts could not persist the snapshot',
      { error: 'Error: the database is gone' },
    );
    expect(a.host.served).toMatchObject({ n: 3 });
    expect((await a.store.head())!.version).toBe(before);
    expect(a.sync.isComputing()).toBe(true);
  });

  it('keeps only the last few snapshots', async () => {
    const catalog = new Catalog();
    const a = await replica(catalog, 'a');
    await a.sync.start();
    for (let n = 2; n <= 6; n++) {
      catalog.n = n;
      await until(() => a.host.served?.n === n && !!a.host.served.version);
    }
    expect(await a.store.versions()).toHaveLength(3);
  });
});

describe('contracts.snapshots', () => {
  const read = (snapshots?: object) =>
    readSnapshotSettings(new ConfigReader({ contracts: { snapshots } }));

  it('has defaults, and reads seconds and the compression', () => {
    expect(read()).toEqual({
      pollIntervalMs: 1000,
      leaseMs: 15_000,
      keep: 3,
      encoding: 'zstd',
    });
    expect(read({ compression: 'gzip' }).encoding).toBe('gzip');
    expect(read({ compression: 'none' }).encoding).toBe('identity');
    expect(
      read({
        pollIntervalSeconds: 0.5,
        leaseSeconds: 5,
        keep: 1,
        compression: 'brotli',
      }),
    ).toEqual({ pollIntervalMs: 500, leaseMs: 5000, keep: 1, encoding: 'br' });
  });

  it('refuses bad values by name', () => {
    expect(() => read({ pollIntervalSeconds: 0 })).toThrow(
      'contracts.snapshots.pollIntervalSeconds must be a number of seconds of at least 0.05',
    );
    expect(() => read({ leaseSeconds: 1, pollIntervalSeconds: 1 })).toThrow(
      'contracts.snapshots.leaseSeconds must be at least twice pollIntervalSeconds',
    );
    expect(() => read({ keep: 0 })).toThrow(
      'contracts.snapshots.keep must be a whole number above 0',
    );
    expect(() => read({ compression: 'lz4' })).toThrow(
      'contracts.snapshots.compression must be one of zstd, gzip, brotli, none, not "lz4"',
    );
  });
});

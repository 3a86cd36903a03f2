import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  DEFAULT_SNAPSHOT_ENCODING,
  type SnapshotEncoding,
  type SnapshotStore,
  zstdAvailable,
} from '../database/SnapshotStore';
import type { AnalysisHost } from './analysis/AnalysisHost';

/** What a replica is told of a persisted snapshot it adopts. */
export interface AdoptedSnapshotMeta {
  version: number;
  /** How the bytes are compressed (SnapshotEncoding; default identity): decoded by the host. */
  encoding?: string;
  computedAt: string;
  /** When the computing replica last read the catalog successfully (the head's check time). */
  lastSuccessAt?: string;
}

/**
 * A snapshot as the graph service exports it: serialized, with its times; compressed as asked
 * when `sizeBytes` (its size uncompressed) is given.
 */
export interface ExportedSnapshot {
  bytes: Uint8Array;
  sizeBytes?: number;
  computedAt: string;
  lastSuccessAt?: string;
}

/**
 * The graph service as the sync sees it (ContractsGraphService): it computes only while
 * `setComputing(true)`, exports what it published last (UTF-8 JSON of `format`), and serves a
 * snapshot it is given.
 */
export interface SnapshotHost {
  /** The snapshot last published, compressed with `encoding` (off the event loop) if it can. */
  exportSnapshot(
    encoding: SnapshotEncoding,
  ): Promise<ExportedSnapshot | undefined>;
  /**
   * Serves a persisted snapshot: its stored bytes, whole or (as the sync reads them) its pieces
   * as they come from the database.
   */
  adoptSnapshot(
    stored: Uint8Array | AsyncIterable<Uint8Array>,
    meta: AdoptedSnapshotMeta,
  ): Promise<void>;
  /** The served snapshot is persisted as `version`, when it is the one computed at `computedAt`. */
  setSnapshotVersion(version: number, computedAt: string): void;
  /** Marks the served snapshot stale with `staleReason`, or not stale when undefined. */
  setFreshness(freshness: {
    staleReason?: string;
    lastSuccessAt?: string;
  }): void;
  setComputing(on: boolean): void;
  /**
   * Where the host's analysis runs: when its worker has its own database connection
   * (`persistsItself`), it saves the snapshot itself — its bytes never reach this thread.
   */
  readonly analysisHost?: Pick<AnalysisHost, 'persistsItself' | 'call'>;
  onPublish(listener: (snapshot: unknown) => void): () => void;
  refreshAll(signal?: AbortSignal): Promise<void>;
  refreshChanges(): Promise<void>;
  snapshot(): { stale: boolean };
}

/** `contracts.snapshots.*` with their defaults. */
export interface SnapshotSettings {
  /** How often every replica reads the head (and the lease is renewed). */
  pollIntervalMs: number;
  /** How long the computing replica's lease runs without a renewal. */
  leaseMs: number;
  /** Snapshots kept in the database. */
  keep: number;
  encoding: SnapshotEncoding;
}

/** Reads `contracts.snapshots`, with clear errors on bad values. */
export function readSnapshotSettings(root: Config): SnapshotSettings {
  const config = root.getOptionalConfig('contracts.snapshots');
  const seconds = (key: string, fallback: number, min: number) => {
    const value = config?.getOptionalNumber(key) ?? fallback;
    if (!(value >= min) || !Number.isFinite(value)) {
      throw new Error(
        `contracts.snapshots.${key} must be a number of seconds of at least ${min}`,
      );
    }
    return value * 1000;
  };
  const pollIntervalMs = seconds('pollIntervalSeconds', 1, 0.05);
  const leaseMs = seconds('leaseSeconds', 15, 0.2);
  if (leaseMs < 2 * pollIntervalMs) {
    throw new Error(
      'contracts.snapshots.leaseSeconds must be at least twice pollIntervalSeconds (the lease is renewed every poll)',
    );
  }
  const keep = config?.getOptionalNumber('keep') ?? 3;
  if (!Number.isInteger(keep) || keep < 1) {
    throw new Error('contracts.snapshots.keep must be a whole number above 0');
  }
  const encodings: Record<string, SnapshotEncoding> = {
    zstd: 'zstd',
    gzip: 'gzip',
    brotli: 'br',
    none: 'identity',
  };
  const compression = config?.getOptionalString('compression');
  if (compression === undefined) {
    return {
      pollIntervalMs,
      leaseMs,
      keep,
      encoding: DEFAULT_SNAPSHOT_ENCODING,
    };
  }
  if (!encodings[compression]) {
    throw new Error(
      `contracts.snapshots.compression must be one of zstd, gzip, brotli, none, not ${JSON.stringify(
        compression,
      )}`,
    );
  }
  if (compression === 'zstd' && !zstdAvailable) {
    throw new Error(
      `contracts.snapshots.compression zstd needs Node 22.15 or later (this is ${process.version})`,
    );
  }
  return { pollIntervalMs, leaseMs, keep, encoding: encodings[compression] };
}

/**
 * One persisted truth for every replica (issue 22). The replica holding the compute lease
 * computes the graph and persists each snapshot it publishes; every replica polls the head
 * (one small row) and adopts a newer snapshot within a poll interval; a starting replica serves
 * the last persisted snapshot as soon as it has read it, flagged stale with its age when nobody
 * has checked the catalog for longer than `staleAfterMs`.
 */
export class SnapshotSync {
  readonly replicaId: string;
  private leading = false;
  /** Until when this replica's lease runs, as of its last renewal (epoch ms). */
  private leaseUntil = 0;
  /** The version this replica serves (adopted, or persisted by it). */
  private servedVersion?: number;
  /** The head version last looked at: a body is loaded once per version. */
  private seenHeadVersion?: number;
  /** When the last catalog check that succeeded here started (ISO), while computing. */
  private checkedAt?: string;
  private touchedAt?: string;
  private staleReason?: string;
  private persisting?: Promise<void>;
  private persistAgain = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private unsubscribe?: () => void;
  private ticking?: Promise<void>;

  constructor(
    private readonly options: {
      store: SnapshotStore;
      host: SnapshotHost;
      logger: LoggerService;
      /** The layout of the host's serialized snapshots. */
      format: number;
      settings: SnapshotSettings;
      /** A served snapshot nobody has checked against the catalog for longer is stale. */
      staleAfterMs: number;
      replicaId?: string;
    },
  ) {
    this.replicaId =
      options.replicaId ?? `${hostname()}:${process.pid}:${randomUUID()}`;
  }

  /** Whether this replica computes the graph now. */
  isComputing(): boolean {
    return this.leading;
  }

  /** The persisted version this replica serves, once it serves one. */
  version(): number | undefined {
    return this.servedVersion;
  }

  /**
   * Serves the last persisted snapshot (resolves once it is served, or there is none), then
   * polls: the lease, the head.
   */
  async start(): Promise<void> {
    const { host } = this.options;
    host.setComputing(false);
    this.unsubscribe = host.onPublish(() => {
      if (this.leading) this.persistSoon();
    });
    try {
      const head = await this.options.store.head();
      if (head) await this.adoptLatest(head.version);
    } catch (error) {
      this.options.logger.warn(
        'Contracts could not read the last persisted snapshot; waiting for a recompute',
        { error: String(error) },
      );
    }
    if (!this.stopped) this.schedule(0);
  }

  /** Stops polling; gives the lease up (another replica takes it at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe?.();
    await this.ticking?.catch(() => {});
    await this.persisting?.catch(() => {});
    if (this.leading) {
      this.leading = false;
      this.options.host.setComputing(false);
      await this.options.store.release(this.replicaId).catch(() => {});
    }
  }

  /**
   * Runs one catalog check of the computing replica (the quick path): when it succeeds, the
   * head's check time is moved on at the next poll, so the other replicas know the snapshot is
   * current although nothing changed.
   */
  async check(fn: () => Promise<void>): Promise<void> {
    const started = new Date().toISOString();
    const leading = this.leading;
    await fn();
    if (leading && this.leading) this.checkedAt = started;
  }

  private schedule(ms: number) {
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch(error =>
          this.options.logger.warn('Contracts snapshot poll failed', {
            error: String(error),
          }),
        )
        .finally(() => {
          this.ticking = undefined;
          if (!this.stopped)
            this.schedule(this.options.settings.pollIntervalMs);
        });
    }, ms);
  }

  /** One poll: the lease, then the head (adopt a newer snapshot; freshness; or the heartbeat). */
  private async tick(): Promise<void> {
    const { store, host, settings } = this.options;
    const now = Date.now();
    let lead: boolean;
    try {
      lead = await store.lead(this.replicaId, settings.leaseMs, now);
      if (lead) this.leaseUntil = now + settings.leaseMs;
    } catch (error) {
      // the database does not answer: keep computing while the lease surely runs
      lead = this.leading && Date.now() < this.leaseUntil;
      this.options.logger.warn('Contracts could not renew the compute lease', {
        error: String(error),
      });
    }
    if (lead !== this.leading) await this.changeLead(lead);
    if (this.stopped) return;
    const head = await store.head();
    if (this.leading) {
      // the heartbeat: the catalog was read successfully and nothing changed
      const checkedAt = this.checkedAt;
      if (
        checkedAt &&
        checkedAt !== this.touchedAt &&
        this.servedVersion !== undefined &&
        !host.snapshot().stale
      ) {
        await store.touch(this.servedVersion, checkedAt);
        this.touchedAt = checkedAt;
      }
      return;
    }
    if (!head) return;
    if (head.version !== this.seenHeadVersion) {
      await this.adoptLatest(head.version);
    }
    this.judgeFreshness(head.checkedAt);
  }

  private async changeLead(lead: boolean) {
    const { host, store, logger } = this.options;
    this.leading = lead;
    host.setComputing(lead);
    if (!lead) {
      logger.info('Contracts graph: this replica stopped computing', {
        replica: this.replicaId,
      });
      return;
    }
    this.checkedAt = undefined;
    this.staleReason = undefined;
    const head = await store.head();
    // What this replica serves is the latest (it computed it, or adopted it: the host keeps
    // the adopted entities and their etags): it goes on with a quick check. Otherwise (a newer
    // one it has not read, or none) a full recompute, while what it serves goes on being served.
    const current =
      this.servedVersion !== undefined && head?.version === this.servedVersion;
    logger.info('Contracts graph: this replica computes it now', {
      replica: this.replicaId,
      fullRecompute: !current,
    });
    const run = current
      ? this.check(() => host.refreshChanges())
      : host.refreshAll();
    run.catch(error =>
      logger.warn('Contracts graph refresh failed', { error: String(error) }),
    );
  }

  /** Loads and serves the latest snapshot of this replica's format, unless it is served. */
  private async adoptLatest(headVersion: number) {
    const { store, host, format, logger } = this.options;
    this.seenHeadVersion = headVersion;
    const started = Date.now();
    // as stored, piece by piece as read: the host decompresses each where it reads it (the
    // analysis worker) while the next is read, and serves the first ones meanwhile
    const snapshot = await store.latestPieces(format);
    if (!snapshot || snapshot.version === this.servedVersion) return;
    if (this.leading) return; // what it computes is newer
    let readMs = 0;
    const pieces = snapshot.pieces;
    await host.adoptSnapshot(
      (async function* timed() {
        for await (const piece of pieces) yield piece;
        readMs = Date.now() - started;
      })(),
      {
        version: snapshot.version,
        encoding: snapshot.encoding,
        computedAt: snapshot.computedAt,
        lastSuccessAt: snapshot.checkedAt,
      },
    );
    this.servedVersion = snapshot.version;
    this.staleReason = undefined;
    this.judgeFreshness(snapshot.checkedAt);
    logger.info('Contracts graph: serving a persisted snapshot', {
      version: snapshot.version,
      computedAt: snapshot.computedAt,
      storedBytes: snapshot.storedBytes,
      sizeBytes: snapshot.sizeBytes,
      readMs,
      durationMs: Date.now() - started,
    });
  }

  /** Flags the served snapshot stale when nobody has read the catalog since `checkedAt`. */
  private judgeFreshness(checkedAt: string) {
    if (this.leading || this.servedVersion === undefined) return;
    const ageMs = Date.now() - Date.parse(checkedAt);
    const reason =
      ageMs > this.options.staleAfterMs
        ? `no replica has read the catalog since ${checkedAt} (${Math.round(
            ageMs / 1000,
          )} s ago): this is the last persisted snapshot`
        : undefined;
    // only on a change of state: a new served snapshot object drops the cached bodies
    if (Boolean(reason) === Boolean(this.staleReason)) return;
    this.staleReason = reason;
    this.options.host.setFreshness(
      reason ? { staleReason: reason, lastSuccessAt: checkedAt } : {},
    );
  }

  /** Persists the last published snapshot; publishes that come meanwhile make one more. */
  private persistSoon() {
    if (this.persisting) {
      this.persistAgain = true;
      return;
    }
    this.persisting = (async () => {
      do {
        this.persistAgain = false;
        try {
          await this.persistOnce();
        } catch (error) {
          this.options.logger.warn('Contracts could not persist the snapshot', {
            error: String(error),
          });
        }
      } while (this.persistAgain && !this.stopped);
    })().finally(() => {
      this.persisting = undefined;
    });
  }

  private async persistOnce() {
    const { host, store, format, settings, logger } = this.options;
    const started = Date.now();
    const analysis = host.analysisHost;
    let inWorker = Boolean(analysis?.persistsItself);
    let saved: Awaited<ReturnType<SnapshotSync['saveHere']>>;
    try {
      saved = inWorker
        ? // the worker writes with its own connection, as it compresses
          await analysis!.call('persistSnapshot', {
            format,
            encoding: settings.encoding,
            computedBy: this.replicaId,
            keep: store.keep,
          })
        : await this.saveHere();
    } catch (error) {
      if (!inWorker) throw error;
      // The worker's own connection failed (its role lacks a right, a connection limit, the
      // database restarting...): this thread's connection saves it, as on SQLite — at the cost
      // of the bytes crossing to this event loop, but the other replicas get the snapshot.
      logger.warn(
        "Contracts analysis worker could not persist the snapshot with its own connection; saving it with the plugin's",
        { error: String(error) },
      );
      inWorker = false;
      saved = await this.saveHere();
    }
    if (!saved) return;
    this.servedVersion = saved.version;
    this.seenHeadVersion = saved.version;
    host.setSnapshotVersion(saved.version, saved.computedAt);
    logger.info('Contracts graph: snapshot persisted', {
      version: saved.version,
      sizeBytes: saved.sizeBytes,
      storedBytes: saved.storedBytes,
      inWorker,
      durationMs: Date.now() - started,
    });
  }

  /** The snapshot exported by the host, saved from this thread (SQLite; a host without a worker). */
  private async saveHere() {
    const { host, store, format, settings } = this.options;
    const exported = await host.exportSnapshot(settings.encoding);
    if (!exported) return undefined;
    const { bytes, sizeBytes, computedAt, lastSuccessAt } = exported;
    return store.save({
      body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      format,
      computedAt,
      checkedAt: lastSuccessAt ?? computedAt,
      computedBy: this.replicaId,
      encoding: settings.encoding,
      sizeBytes,
    });
  }
}

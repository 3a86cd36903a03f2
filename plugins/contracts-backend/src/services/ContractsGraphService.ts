import type {
  AuthService,
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type {
  QueryEntitiesRequest,
  QueryEntitiesResponse,
} from '@backstage/catalog-client';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  type ContractProblem,
  type ContractRule,
  type ContractSource,
  type EngineConfig,
  type Observation,
} from '@backstage-contracts/plugin-contracts-common';
import { ServiceUnavailableError } from '@backstage/errors';
import {
  type AnalysisHost,
  AnalysisWorkerStoppedError,
  createAnalysisHost,
} from './analysis/AnalysisHost';
import type {
  CheckOutcome,
  ExportedSnapshot,
  StoredEntity,
  TransferHeader,
} from './analysis/protocol';
import {
  type HistoryWorker,
  historyWorkerIn,
} from '../history/ContractHistoryRecorder';
import { GraphItems } from './analysis/graphItems';
import { type ReceivedSnapshot, receiveTransfer } from './analysis/receive';
import { adoptStored, type StoredSnapshotBytes } from './analysis/adopt';
import type { WorkerDatabaseSettings } from './analysis/workerDatabase';

export type { StoredEntity } from './analysis/protocol';

/** Kinds that may carry contracts or be named by them. */
const KINDS = ['component', 'resource', 'api', 'system'];
const FILTER = { kind: KINDS };
const FULL_FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'metadata.etag',
  'metadata.annotations',
  'spec.owner',
  'spec.system',
  'spec.dependsOn',
  'spec.dependencyOf',
  // an API entity's OpenAPI definition: imported promises (entityModel's apiDefinitionSource)
  'spec.type',
  'spec.definition',
  'relations',
];
/**
 * Entities are read in pages: each page is a short query and a short response, so requests
 * served from memory interleave with a read instead of waiting behind one large response. The
 * catalog's answer (its rows parsed and the fields picked, the JSON written) and the client's
 * parse of it run on this event loop: at 500 a page those were tasks of 100–200 ms each on the
 * loaded 2-core build machine (`yarn bench:scale --profile`), at 100 about a fifth.
 */
const PAGE_SIZE = 100;
const ETAG_FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.etag',
];
/**
 * The quick check's etag pages are larger: an answer of 500 etags is ≈ 65 KB, and each page
 * carries a fixed cost in the host (the catalog's token check, permission decision and query,
 * ≈ 7 ms CPU). A read of 100k etags over HTTP, load 1.5: pages of 100 took 11.2 s of the
 * backend's CPU, of 500 5.4 s, with the same event-loop max (20 and 24 ms; 14 ms idle).
 */
const ETAG_PAGE_SIZE = 500;

/** An immutable view of the graph, swapped whole on every refresh. */
export interface GraphSnapshot {
  /**
   * Its findings, nodes and edges, kept as the worker's JSON text and parsed when read: by id,
   * by entity, by ref, or all (see GraphItems).
   */
  items: GraphItems;
  /**
   * What changed since the snapshot this one is a delta of (none: a full one): for who compares
   * the two (the history) in O(changed).
   */
  changes?: SnapshotChanges;
  /** Lower-cased entity ref → its contract and problems. */
  entities: ReadonlyMap<string, StoredEntity>;
  problems: ContractProblem[];
  computedAt?: string;
  stale: boolean;
  /** Why the graph is stale, when it is. */
  staleReason?: string;
  /** Since when the graph has been stale (ISO time), when it is. */
  staleSince?: string;
  /**
   * When the graph was last checked against the catalog successfully (ISO time): when it is
   * stale, what it shows is the catalog as of then. Undefined before the first successful read.
   * (While the graph is current it is not updated at every check: it is then at most one
   * quick-check interval old.)
   */
  lastSuccessAt?: string;
  /** The persisted snapshot's version, when this one was adopted (adoptSnapshot). */
  version?: number | string;
}

/** What a delta changed, from the snapshot whose items and entities are `since`. */
export interface SnapshotChanges {
  since: Pick<GraphSnapshot, 'items' | 'entities'>;
  /** Entity keys added, changed or removed (the others are the same objects). */
  entities: readonly string[];
  /** Ids of the findings added, changed or gone (the others are the same JSON). */
  findings: readonly string[];
}

/** A catalog read that took longer than the configured timeout. */
export class CatalogReadTimeoutError extends Error {
  name = 'CatalogReadTimeoutError';
}

/**
 * The key of an entity ref in the graph's maps: lower-cased. (The same as
 * `toLocaleLowerCase('en-US')`, which only differs for Turkish, Azeri and Lithuanian, and is
 * many times slower: it is on the path of every request.)
 */
export const refKey = (ref: string) => ref.toLowerCase();
const key = refKey;

function refOf(entity: Entity): string {
  return key(
    `${entity.kind}:${entity.metadata.namespace ?? 'default'}/${
      entity.metadata.name
    }`,
  );
}

function emptySnapshot(): GraphSnapshot {
  return {
    staleSince: new Date().toISOString(),
    items: GraphItems.empty(),
    entities: new Map(),
    problems: [],
    stale: true,
    staleReason: 'the catalog has not been read yet',
  };
}

/** Default of {@link ContractsGraphService}'s `catalogReadTimeoutMs`. */
export const DEFAULT_CATALOG_READ_TIMEOUT_MS = 5000;

/**
 * Holds the conflict graph of the whole catalog in memory and keeps it current: a full
 * recompute (scheduled), and a quick path that re-reads only the entities whose etag changed.
 * Serves every read from memory; when the catalog cannot be read it keeps the last good graph,
 * marked stale.
 *
 * The analysis (parsing, the full recompute, the quick path's updates, what-if checks) runs in
 * a worker thread (see ./analysis): this thread reads the catalog, serves the snapshot it is
 * sent, and swaps a new one in whole once it has read all of it.
 *
 * Every catalog read has a timeout (`catalogReadTimeoutMs`): a read that fails or takes longer
 * fails its refresh, which marks the graph stale at once, with the reason and since when. A
 * quick check that comes while another refresh runs does not wait behind it: it looks at how
 * long that one has been running instead, and marks the graph stale when it is longer than a
 * read timeout and a quick-check interval (a full read answered page by page, each page slowly).
 */
export class ContractsGraphService {
  private readonly host: AnalysisHost;
  private snapshotValue: GraphSnapshot = emptySnapshot();
  private running: Promise<void> = Promise.resolve();
  private readonly firstLoad: Promise<void>;
  private resolveFirstLoad!: () => void;
  private loaded = false;
  /** Refreshes running or waiting to run. */
  private queued = 0;
  /** Since when the refresh in progress has been reading the catalog (Date.now()). */
  private runningSince?: number;
  /** When the last refresh that succeeded started: the graph is the catalog as of then. */
  private lastSuccessAt?: string;
  private readonly readTimeoutMs: number;
  private readonly quickCheckIntervalMs: number;
  private readonly publishListeners = new Set<(s: GraphSnapshot) => void>();
  /**
   * The analysis has no state the served snapshot agrees with (a new or restarted worker, a
   * transfer not read to its end): the next refresh is a full one.
   */
  private needsFull = true;
  /**
   * The worker's entities are its own parse of what the catalog answered, or an adopted
   * snapshot's parsed as this version parses (header.sameParse): a full recompute may keep
   * those whose etag the catalog still has, and re-read only the others.
   */
  private ownParse = false;
  /** Off: this replica only serves snapshots it is given (adoptSnapshot). */
  private computing = true;
  /** What the runtime verification measured last, by entity key. */
  private observations?: Array<[string, Observation[]]>;

  constructor(
    private readonly options: {
      catalog: CatalogService;
      auth: AuthService;
      logger: LoggerService;
      engineConfig: EngineConfig;
      rules: ContractRule[];
      /** The longest one catalog read may take. Default {@link DEFAULT_CATALOG_READ_TIMEOUT_MS}. */
      catalogReadTimeoutMs?: number;
      /** How often `refreshChanges` is called (for the watchdog's bound). Default 3 s. */
      quickCheckIntervalMs?: number;
      /**
       * The longest one step of the analysis (a page's parse, the evaluation, a check) may take
       * in the worker before it is stopped as hung. Default 10 minutes.
       */
      analysisTimeoutMs?: number;
      /** The worker's own connection to the plugin database (it persists snapshots itself). */
      database?: WorkerDatabaseSettings;
    },
  ) {
    this.readTimeoutMs =
      options.catalogReadTimeoutMs ?? DEFAULT_CATALOG_READ_TIMEOUT_MS;
    this.quickCheckIntervalMs = options.quickCheckIntervalMs ?? 3000;
    this.host = createAnalysisHost({
      ...options,
      callTimeoutMs: options.analysisTimeoutMs,
    });
    this.host.onStopped(error => {
      // what is served stays served, marked stale; the next refresh (the next quick check at
      // the latest) reads the whole catalog into a new worker
      this.needsFull = true;
      this.markStale(error.message);
    });
    this.firstLoad = new Promise(resolve => {
      this.resolveFirstLoad = resolve;
    });
    // the worker starts now (seconds from source): meanwhile a persisted snapshot is read
    this.host.call('exportSnapshot').catch(() => {});
  }

  /** Where the analysis runs (the sync asks it to persist; tests). */
  get analysisHost(): AnalysisHost {
    return this.host;
  }

  /** Stops the analysis worker. */
  close(): Promise<void> {
    return this.host.close();
  }

  /** The current graph. */
  snapshot(): GraphSnapshot {
    return this.snapshotValue;
  }

  /**
   * Calls `listener` with every graph a refresh publishes (not when the last one is only marked
   * stale), after it is served. Returns a function that removes the listener.
   */
  onPublish(listener: (snapshot: GraphSnapshot) => void): () => void {
    this.publishListeners.add(listener);
    return () => this.publishListeners.delete(listener);
  }

  /** Resolves once the first read of the catalog finished (or failed), at most after `timeoutMs`. */
  async ready(timeoutMs = 15000): Promise<void> {
    if (this.loaded) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.firstLoad,
      new Promise<void>(resolve => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * Turns this replica's own computing on or off: while off, `refreshAll` and `refreshChanges`
   * do nothing, and what is served is what `adoptSnapshot` is given.
   */
  setComputing(on: boolean): void {
    const starting = on && !this.computing;
    this.computing = on;
    if (starting && this.observations) {
      // what was measured meanwhile, only kept so far
      this.setObservations(new Map(this.observations)).catch(error =>
        this.options.logger.warn('Contracts observations not applied', {
          error: String(error),
        }),
      );
    }
  }

  /**
   * The snapshot last published, persisted (./analysis/persisted.ts) and compressed with
   * `encoding` (default identity), made in the worker (nothing is serialized or compressed on
   * this thread); `sizeBytes` its size uncompressed; undefined before the first one.
   */
  async exportSnapshot(
    encoding?: string,
  ): Promise<ExportedSnapshot | undefined> {
    return this.host.call('exportSnapshot', encoding);
  }

  /**
   * Serves a persisted snapshot (from {@link ContractsGraphService.exportSnapshot}) without
   * computing: decoded and loaded in the worker (what-if checks are answered against it, and a
   * later quick check is incremental from its entities and etags), then swapped in whole.
   * Resolves `ready()`. Takes `bytes` (its buffer is handed to the worker).
   */
  adoptSnapshot(
    bytes: StoredSnapshotBytes,
    meta: {
      version: number | string;
      computedAt: string;
      lastSuccessAt?: string;
      /** How `bytes` are compressed (gzip, br, identity: the default); the worker decodes them. */
      encoding?: string;
    },
  ): Promise<void> {
    return this.serialized(async () => {
      try {
        this.ownParse = false;
        const header = await adoptStored(
          this.host,
          bytes,
          meta.encoding ?? 'identity',
        );
        const receiving = Date.now();
        const received = await this.receive(header);
        this.options.logger.info(
          'Contracts graph: persisted snapshot adopted',
          {
            version: meta.version,
            entities: header.entities,
            parts: header.parts,
            workerMs: header.workMs,
            decompressMs: header.decompressMs,
            receiveMs: Date.now() - receiving,
          },
        );
        this.lastSuccessAt = meta.lastSuccessAt ?? header.lastSuccessAt;
        this.needsFull = false;
        this.ownParse = header.sameParse === true;
        this.publish(received, {
          computedAt: meta.computedAt,
          version: meta.version,
        });
      } finally {
        this.loaded = true;
        this.resolveFirstLoad();
      }
    });
  }

  /** Sets the served snapshot's `version` when it is the one computed at `computedAt`. */
  setSnapshotVersion(version: number | string, computedAt: string): void {
    const s = this.snapshotValue;
    if (s.computedAt !== computedAt || s.version === version) return;
    this.snapshotValue = { ...s, version };
  }

  /**
   * Sets the served snapshot's freshness as another replica knows it: `staleReason` marks it
   * stale with that reason (none: current); `lastSuccessAt` replaces the served one.
   */
  setFreshness(freshness: { staleReason?: string; lastSuccessAt?: string }) {
    if (freshness.lastSuccessAt !== undefined) {
      this.lastSuccessAt = freshness.lastSuccessAt;
    }
    if (freshness.staleReason !== undefined) {
      this.markStale(freshness.staleReason);
      this.snapshotValue = {
        ...this.snapshotValue,
        lastSuccessAt: this.lastSuccessAt,
      };
      return;
    }
    const { staleReason: _r, staleSince: _s, ...current } = this.snapshotValue;
    this.snapshotValue = {
      ...current,
      stale: false,
      lastSuccessAt: this.lastSuccessAt,
    };
  }

  /**
   * Reads the catalog and rebuilds the analysis from scratch (in the worker): every entity's
   * etag, and whole the entities whose etag changed (all of them when the worker's are not its
   * own parse). A graph equal to the served one is not published again (as after a quick check
   * that found nothing). `signal` (the scheduler's) stops it between two catalog reads.
   */
  refreshAll(signal?: AbortSignal): Promise<void> {
    if (!this.computing) return Promise.resolve();
    return this.serialized(() => this.doRefresh(true, signal));
  }

  /**
   * Re-reads only the entities whose etag changed, and re-analyses what they touch. While
   * another refresh runs it does not wait behind it: it marks the graph stale instead when that
   * one has been reading the catalog for longer than a read timeout and a quick-check interval.
   */
  refreshChanges(): Promise<void> {
    if (!this.computing) return Promise.resolve();
    if (this.queued > 0) {
      if (this.runningSince !== undefined) {
        this.watch(Date.now() - this.runningSince);
      }
      return Promise.resolve();
    }
    return this.serialized(() => this.doRefresh(false));
  }

  /** The watchdog: a refresh has been reading the catalog for `runningMs`. */
  private watch(runningMs: number) {
    const boundMs = this.readTimeoutMs + this.quickCheckIntervalMs;
    if (runningMs <= boundMs) return;
    if (!this.snapshotValue.stale) {
      this.options.logger.warn(
        'Contracts graph refresh is slow; serving the last graph, marked stale',
        { runningMs },
      );
    }
    this.markStale(
      `the catalog answers too slowly: a refresh has been reading it for more than ${
        boundMs / 1000
      } s`,
    );
  }

  /** Keeps the last graph, marked stale with `reason` (since the first time it became stale). */
  private markStale(reason: string) {
    const s = this.snapshotValue;
    // Unchanged: the same snapshot (served bodies are cached per snapshot).
    if (s.stale && s.staleReason === reason) return;
    this.snapshotValue = {
      ...s,
      stale: true,
      staleReason: reason,
      staleSince: (s.stale && s.staleSince) || new Date().toISOString(),
      lastSuccessAt: this.lastSuccessAt,
    };
  }

  /** A catalog call, failed with a {@link CatalogReadTimeoutError} when it takes too long. */
  private read<T>(
    what: string,
    call: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    signal?.throwIfAborted();
    const ms = this.readTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    // The call itself cannot be cancelled (the catalog client takes no signal): its late answer
    // is dropped, the refresh having failed already.
    return Promise.race([
      call(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new CatalogReadTimeoutError(
                `the catalog did not answer ${what} within ${ms} ms`,
              ),
            ),
          ms,
        );
        onAbort = () => reject(signal!.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]).finally(() => {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    });
  }

  private serialized(fn: () => Promise<void>): Promise<void> {
    this.queued++;
    const next = this.running.then(fn, fn).finally(() => {
      this.queued--;
    });
    this.running = next.catch(() => {});
    return next;
  }

  private async doRefresh(
    requestedFull: boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    const full = requestedFull || this.needsFull;
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    this.runningSince = started;
    const { host } = this;
    try {
      const credentials = await this.read(
        'for credentials',
        () => this.options.auth.getOwnServiceCredentials(),
        signal,
      );
      const { catalog } = this.options;
      const read: CatalogRead = (what, call) => this.read(what, call, signal);
      let header: TransferHeader | undefined;
      /** The entities a full recompute read whole (all of them, but when it kept some). */
      let reread: number | undefined;
      if (full && !this.needsFull && this.ownParse) {
        // Every entity the catalog has, as the first load reads them, but only those whose
        // etag changed are read whole: the unchanged ones are the worker's own parse of the
        // same entity (an etag is the hash of the stitched entity). The analysis is rebuilt
        // from scratch all the same, in the worker. What the catalog's answers cost this
        // event loop (its rows parsed, the fields picked and written, compressed, parsed here,
        // cloned to the worker) is then the quick check's, not 194 MB of JSON at 100k.
        const { changed, removed } = await this.lookAtEtags(read, credentials);
        reread = changed.length;
        await host.call('beginFullKeeping', changed, removed);
        const loads: Promise<void>[] = [];
        await this.readByRefs(read, credentials, changed, items => {
          const load = host.call('loadPage', items);
          load.catch(() => {});
          loads.push(load);
        });
        this.runningSince = undefined;
        await Promise.all(loads);
        header = await host.call('commitFull', startedAt, true);
      } else if (full) {
        // The worker parses each page while the next is read; its new analyzer is built beside
        // the live one, which keeps answering what-if checks until the new one is complete.
        await host.call('beginFull');
        const loads: Promise<void>[] = [];
        await readPaged(
          read,
          catalog,
          FULL_FIELDS,
          PAGE_SIZE,
          credentials,
          items => {
            const load = host.call('loadPage', items);
            // awaited below; not unhandled meanwhile when a later page's read fails
            load.catch(() => {});
            loads.push(load);
          },
        );
        this.runningSince = undefined;
        await Promise.all(loads);
        // (a delta against what this thread serves, unless it lacks the worker's last one)
        header = await host.call('commitFull', startedAt, !this.needsFull);
        this.ownParse = true;
      } else {
        const { changed: refs, removed } = await this.lookAtEtags(
          read,
          credentials,
        );
        // the changed entities, read in pages as the full path's, handed to the worker
        const pages: Promise<void>[] = [];
        await this.readByRefs(read, credentials, refs, items => {
          const page = host.call('changedPage', items);
          page.catch(() => {});
          pages.push(page);
        });
        await Promise.all(pages);
        this.runningSince = undefined;
        header = await host.call('applyChanges', removed, startedAt);
      }
      this.lastSuccessAt = startedAt;
      if (header) {
        this.publish(await this.receive(header), {
          computedAt: header.computedAt,
        });
        if (header.full) this.needsFull = false;
      } else if (this.snapshotValue.stale) {
        this.publish(this.snapshotValue);
      }
      if (header || full) {
        this.options.logger.info('Contracts graph refreshed', {
          full,
          reread,
          edits: header && !header.full ? header.parts : undefined,
          // (false: a full recompute whose graph is the served one, not published again)
          published: Boolean(header),
          entities: this.snapshotValue.entities.size,
          findings: this.snapshotValue.items.findings.length,
          analysisMs: header?.workMs,
          durationMs: Date.now() - started,
        });
      }
    } catch (error) {
      const reason = String((error as Error)?.message ?? error);
      this.options.logger.warn(
        'Contracts graph refresh failed; serving the last graph, marked stale',
        { full, error: reason },
      );
      this.markStale(
        error instanceof AnalysisWorkerStoppedError
          ? reason
          : `the catalog could not be read: ${reason}`,
      );
      throw error;
    } finally {
      this.runningSince = undefined;
      this.loaded = true;
      this.resolveFirstLoad();
    }
  }

  /**
   * The catalog's etags, compared with the worker's graph there, page by page (nothing here is
   * O(N)): the keys to read again (new or changed) and those gone.
   */
  private async lookAtEtags(
    read: CatalogRead,
    credentials: BackstageCredentials,
  ): Promise<{ changed: string[]; removed: string[] }> {
    const { host } = this;
    await host.call('beginEtags');
    const pages: Promise<void>[] = [];
    await readPaged(
      read,
      this.options.catalog,
      ETAG_FIELDS,
      ETAG_PAGE_SIZE,
      credentials,
      items => {
        const page = host.call(
          'etagPage',
          items.map((e): [string, string | null] => [
            refOf(e),
            e.metadata.etag ?? null,
          ]),
        );
        page.catch(() => {});
        pages.push(page);
      },
    );
    await Promise.all(pages);
    return host.call('endEtags');
  }

  /** The entities of `refs` with the graph's fields, in pages of PAGE_SIZE; gone ones left out. */
  private async readByRefs(
    read: CatalogRead,
    credentials: BackstageCredentials,
    refs: string[],
    onPage: (items: Entity[]) => void,
  ): Promise<void> {
    const { catalog } = this.options;
    for (let i = 0; i < refs.length; i += PAGE_SIZE) {
      const entityRefs = refs.slice(i, i + PAGE_SIZE);
      const byRefs = await read('getEntitiesByRefs', () =>
        catalog.getEntitiesByRefs(
          { entityRefs, fields: FULL_FIELDS },
          { credentials },
        ),
      );
      const items = byRefs.items.filter((e): e is Entity => Boolean(e));
      if (items.length) onPage(items);
    }
  }

  /** Reads a transfer; one not read to its end leaves the worker ahead: the next is full. */
  private async receive(header: TransferHeader): Promise<ReceivedSnapshot> {
    try {
      return await receiveTransfer(this.host, header, this.snapshotValue);
    } catch (error) {
      this.needsFull = true;
      throw error;
    }
  }

  /**
   * Takes what the runtime verification measured (by lower-cased entity ref): the contracts
   * whose observations changed are re-analysed, and the graph published again. While this
   * replica does not compute they are only kept (what it serves is another's snapshot), and
   * applied when it starts computing.
   */
  setObservations(observations: Map<string, Observation[]>): Promise<void> {
    this.observations = [...observations];
    const analyse = this.computing;
    return this.serialized(async () => {
      const header = await this.host.call(
        'setObservations',
        [...observations],
        analyse,
      );
      if (header) {
        this.publish(await this.receive(header), {
          computedAt: header.computedAt,
        });
      }
    });
  }

  /** Makes `received` the served graph, current. */
  private publish(
    received: ReceivedSnapshot,
    meta: { computedAt?: string; version?: number | string } = {},
  ) {
    this.snapshotValue = {
      items: received.items,
      changes: received.changes,
      entities: received.entities,
      problems: received.problems,
      computedAt: meta.computedAt ?? new Date().toISOString(),
      version: meta.version,
      stale: false,
      lastSuccessAt: this.lastSuccessAt,
    };
    for (const listener of this.publishListeners) {
      try {
        listener(this.snapshotValue);
      } catch (error) {
        this.options.logger.warn('Contracts graph listener failed', {
          error: String(error),
        });
      }
    }
  }

  /** The history's work (history/historyWork.ts) in the worker, which has the contracts parsed. */
  historyWorker(): HistoryWorker {
    return historyWorkerIn(this.host);
  }

  /**
   * The nodes and edges of `snapshot` as UTF-8 JSON (`{"nodes":[…],"edges":[…]}`) and their
   * SHA-1, serialized in the worker; undefined when the worker has moved on to a newer snapshot
   * (or stopped).
   */
  async graphJson(
    snapshot: GraphSnapshot,
  ): Promise<{ bytes: Uint8Array; digest: string } | undefined> {
    if (!snapshot.computedAt) return undefined;
    return this.host
      .call('graphJson', snapshot.computedAt)
      .catch(() => undefined);
  }

  /**
   * What-if: the findings the graph would have if `entityRef` had the proposed contract,
   * without storing anything. Answered in the worker, against its live analyzer.
   */
  async check(
    entityRef: string,
    sources: ContractSource[],
  ): Promise<CheckOutcome> {
    if (this.needsFull && this.loaded) {
      // the worker was restarted: its graph is being read again
      throw new ServiceUnavailableError(
        'The contracts graph is being rebuilt; try again shortly',
      );
    }
    try {
      return await this.host.call('check', entityRef, sources);
    } catch (error) {
      if (error instanceof AnalysisWorkerStoppedError) {
        throw new ServiceUnavailableError(
          'The contracts analysis was restarted; try again shortly',
        );
      }
      throw error;
    }
  }
}

/** One catalog call under the read timeout; `what` names it in the timeout's message. */
type CatalogRead = <T>(what: string, call: () => Promise<T>) => Promise<T>;

/** Every entity of the kinds the graph holds, page by page, each page under the read timeout. */
async function readPaged(
  read: CatalogRead,
  catalog: CatalogService,
  fields: string[],
  limit: number,
  credentials: BackstageCredentials,
  onPage: (items: Entity[]) => void,
): Promise<void> {
  let cursor: string | undefined;
  do {
    const request: QueryEntitiesRequest = cursor
      ? { cursor, fields, limit }
      : { filter: FILTER, fields, limit, totalItems: 'exclude' };
    const page: QueryEntitiesResponse = await read('queryEntities', () =>
      catalog.queryEntities(request, { credentials }),
    );
    onPage(page.items);
    cursor = page.pageInfo.nextCursor;
  } while (cursor);
}

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
  type AnalysisResult,
  type Analyzer,
  type ContractProblem,
  type ContractRule,
  type ContractSource,
  createAnalyzer,
  type EngineConfig,
  type EntityContract,
  type EntitySummary,
  type Finding,
  type GraphEdge,
  type GraphNode,
  type Observation,
  parseEntityContract,
} from '@backstage-contracts/plugin-contracts-common';
import {
  contractSourcesOf,
  entityToSummary,
  parseContractOf,
} from './entityModel';

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
/** How long one slice of graph edits (or of their evaluation) may hold the event loop. */
const APPLY_SLICE_MS = 10;
/**
 * Anchors (entities with a contract) evaluated between two looks at the clock: a few
 * milliseconds' work at most (one takes ~0.1 ms on average, a long chain's first walk more).
 */
const EVALUATE_STEP = 8;

/** Lets the event loop go round once (requests waiting are served) before going on. */
function nextTurn(): Promise<void> {
  return new Promise(resolve => setImmediate(resolve));
}
/**
 * Entities are read in pages: each page is a short query and a short response, so requests
 * served from memory interleave with a read instead of waiting behind one large response.
 */
const PAGE_SIZE = 500;
const ETAG_FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.etag',
];

interface StoredEntity {
  etag?: string;
  summary: EntitySummary;
  contract?: EntityContract;
  problems: ContractProblem[];
}

/** An immutable view of the graph, swapped whole on every refresh. */
export interface GraphSnapshot {
  result: AnalysisResult;
  findingById: Map<string, Finding>;
  /** Lower-cased entity ref → findings where it is consumer or provider. */
  findingsByEntity: Map<string, Finding[]>;
  nodeByRef: Map<string, GraphNode>;
  /** Lower-cased entity ref → its contract and problems. */
  entities: Map<string, StoredEntity>;
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
    result: { graph: { nodes: [], edges: [] }, findings: [] },
    findingById: new Map(),
    findingsByEntity: new Map(),
    nodeByRef: new Map(),
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
 * Every catalog read has a timeout (`catalogReadTimeoutMs`): a read that fails or takes longer
 * fails its refresh, which marks the graph stale at once, with the reason and since when. A
 * quick check that comes while another refresh runs does not wait behind it: it looks at how
 * long that one has been running instead, and marks the graph stale when it is longer than a
 * read timeout and a quick-check interval (a full read answered page by page, each page slowly).
 */
export class ContractsGraphService {
  private analyzer: Analyzer;
  private entities = new Map<string, StoredEntity>();
  private snapshotValue: GraphSnapshot = emptySnapshot();
  private running: Promise<void> = Promise.resolve();
  private readonly firstLoad: Promise<void>;
  private resolveFirstLoad!: () => void;
  private loaded = false;
  /** While the quick path edits the live analyzer (between its slices). */
  private applying?: Promise<number>;
  /** Refreshes running or waiting to run. */
  private queued = 0;
  /** When the refresh in progress started (Date.now()), while one runs. */
  private runningSince?: number;
  /** When the last refresh that succeeded started: the graph is the catalog as of then. */
  private lastSuccessAt?: string;
  private readonly readTimeoutMs: number;
  private readonly quickCheckIntervalMs: number;
  private readonly publishListeners = new Set<(s: GraphSnapshot) => void>();
  /** What Prometheus measured, by lower-cased entity ref (runtime verification). */
  private observations = new Map<string, Observation[]>();

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
    },
  ) {
    this.readTimeoutMs =
      options.catalogReadTimeoutMs ?? DEFAULT_CATALOG_READ_TIMEOUT_MS;
    this.quickCheckIntervalMs = options.quickCheckIntervalMs ?? 3000;
    this.analyzer = this.newAnalyzer();
    this.firstLoad = new Promise(resolve => {
      this.resolveFirstLoad = resolve;
    });
  }

  private newAnalyzer(): Analyzer {
    return createAnalyzer({
      config: this.options.engineConfig,
      rules: this.options.rules,
    });
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
   * Reads every entity and rebuilds the graph from scratch. `signal` (the scheduler's) stops it
   * between two catalog reads.
   */
  refreshAll(signal?: AbortSignal): Promise<void> {
    return this.serialized(() => this.doRefresh(true, signal));
  }

  /**
   * Re-reads only the entities whose etag changed, and re-analyses what they touch. While
   * another refresh runs it does not wait behind it: it marks the graph stale instead when that
   * one has been running for longer than a read timeout and a quick-check interval.
   */
  refreshChanges(): Promise<void> {
    if (this.queued > 0) {
      if (this.runningSince !== undefined) {
        this.watch(Date.now() - this.runningSince);
      }
      return Promise.resolve();
    }
    return this.serialized(() => this.doRefresh(false));
  }

  /** The watchdog: a refresh has been running for `runningMs`. */
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

  private async doRefresh(full: boolean, signal?: AbortSignal): Promise<void> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    this.runningSince = started;
    try {
      const credentials = await this.read(
        'for credentials',
        () => this.options.auth.getOwnServiceCredentials(),
        signal,
      );
      const { catalog } = this.options;
      const read: CatalogRead = (what, call) => this.read(what, call, signal);
      let changed: Entity[];
      let present: Set<string>;
      // A full recompute builds a new analyzer beside the live one, which keeps answering
      // (what-if checks) until the new one is complete; the quick path edits the live one.
      let analyzer = this.analyzer;
      let entities = this.entities;
      if (full) {
        const items = await readPaged(read, catalog, FULL_FIELDS, credentials);
        changed = items;
        present = new Set(items.map(refOf));
        analyzer = this.newAnalyzer();
        entities = new Map();
      } else {
        const items = await readPaged(read, catalog, ETAG_FIELDS, credentials);
        present = new Set(items.map(refOf));
        const refs = items
          .filter(e => {
            const known = this.entities.get(refOf(e));
            return !known || !e.metadata.etag || known.etag !== e.metadata.etag;
          })
          .map(refOf);
        changed = [];
        if (refs.length) {
          const byRefs = await read('getEntitiesByRefs', () =>
            catalog.getEntitiesByRefs(
              { entityRefs: refs, fields: FULL_FIELDS },
              { credentials },
            ),
          );
          changed = byRefs.items.filter((e): e is Entity => Boolean(e));
        }
      }
      let edits = 0;
      const applied = this.applyEdits(analyzer, entities, present, changed);
      if (!full) this.applying = applied;
      try {
        edits = await applied;
      } finally {
        if (!full) this.applying = undefined;
      }
      if (full) {
        // The new graph is assembled while the live one still serves, then indexed: a turn of
        // the event loop between the two (each is one piece: ≈ 0.6 s and 0.4 s at 100k).
        const result = analyzer.result();
        await nextTurn();
        this.analyzer = analyzer;
        this.entities = entities;
        this.lastSuccessAt = startedAt;
        this.publish(result);
      } else {
        this.analyzer = analyzer;
        this.entities = entities;
        this.lastSuccessAt = startedAt;
        if (edits > 0 || this.snapshotValue.stale) {
          this.publish();
        }
      }
      if (edits > 0 || full) {
        this.options.logger.info('Contracts graph refreshed', {
          full,
          edits,
          entities: this.entities.size,
          findings: this.snapshotValue.result.findings.length,
          durationMs: Date.now() - started,
        });
      }
    } catch (error) {
      const reason = String((error as Error)?.message ?? error);
      this.options.logger.warn(
        'Contracts graph refresh failed; serving the last graph, marked stale',
        { full, error: reason },
      );
      this.markStale(`the catalog could not be read: ${reason}`);
      throw error;
    } finally {
      this.runningSince = undefined;
      this.loaded = true;
      this.resolveFirstLoad();
    }
  }

  /**
   * Removes the entities no longer present and upserts the changed ones, then evaluates the
   * rules where they changed something (on a new analyzer: everywhere), yielding to the event
   * loop every few milliseconds: parsing 10k contracts takes seconds, and so does evaluating
   * them, which requests must not wait behind; `result()` then only assembles the graph.
   * Returns the number of edits.
   */
  private async applyEdits(
    analyzer: Analyzer,
    entities: Map<string, StoredEntity>,
    present: Set<string>,
    changed: Entity[],
  ): Promise<number> {
    let edits = 0;
    for (const ref of [...entities.keys()]) {
      if (!present.has(ref)) {
        analyzer.remove(entities.get(ref)!.summary.ref);
        entities.delete(ref);
        edits++;
      }
    }
    let sliceStart = Date.now();
    const endOfSlice = async () => {
      if (Date.now() - sliceStart >= APPLY_SLICE_MS) {
        await nextTurn();
        sliceStart = Date.now();
      }
    };
    for (const entity of changed) {
      this.upsertEntity(analyzer, entities, entity);
      edits++;
      await endOfSlice();
    }
    while (analyzer.evaluatePending(EVALUATE_STEP)) {
      await endOfSlice();
    }
    return edits;
  }

  private upsertEntity(
    analyzer: Analyzer,
    entities: Map<string, StoredEntity>,
    entity: Entity,
  ) {
    const summary = entityToSummary(entity);
    const declared = contractSourcesOf(entity);
    const stored: StoredEntity = {
      etag: entity.metadata.etag,
      summary,
      problems: declared?.problems ?? [],
    };
    if (declared) {
      const parsed = parseContractOf(summary.ref, declared);
      stored.contract = this.withObserved(parsed.contract);
      stored.problems = [...stored.problems, ...parsed.problems];
    }
    entities.set(key(summary.ref), stored);
    analyzer.upsert(summary, stored.contract);
  }

  /** The contract with what Prometheus measured for it, beside (never instead of) its values. */
  private withObserved(contract: EntityContract): EntityContract {
    const observed = this.observations.get(key(contract.entityRef));
    return observed ? { ...contract, observed } : contract;
  }

  /**
   * Takes what the runtime verification measured (by lower-cased entity ref): the contracts
   * whose observations changed are re-analysed, and the graph published again.
   */
  setObservations(observations: Map<string, Observation[]>): Promise<void> {
    return this.serialized(async () => {
      const before = this.observations;
      this.observations = observations;
      let edits = 0;
      for (const [k, stored] of this.entities) {
        if (!stored.contract) continue;
        const was = before.get(k);
        const now = observations.get(k);
        if (JSON.stringify(was) === JSON.stringify(now)) continue;
        const { observed: _, ...declared } = stored.contract;
        const contract = this.withObserved(declared);
        // a new entry: the map's entries are shared with the served snapshot
        this.entities.set(k, { ...stored, contract });
        this.analyzer.upsert(stored.summary, contract);
        edits++;
      }
      if (edits === 0) return;
      while (this.analyzer.evaluatePending(EVALUATE_STEP)) await nextTurn();
      this.publish();
    });
  }

  /** Makes the current graph the served one; `result`: the live analyzer's, when already made. */
  private publish(result = this.analyzer.result()) {
    this.snapshotValue = {
      ...indexResult(result),
      entities: this.entities,
      problems: [...this.entities.values()].flatMap(e => e.problems),
      computedAt: new Date().toISOString(),
      stale: false,
      lastSuccessAt: this.lastSuccessAt,
    };
    // The map is shared with the snapshot: later edits replace it instead of mutating it.
    this.entities = new Map(this.entities);
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

  /**
   * What-if: the findings the graph would have if `entityRef` had the proposed contract,
   * without storing anything.
   */
  async check(
    entityRef: string,
    sources: ContractSource[],
  ): Promise<{
    contract: EntityContract;
    problems: ContractProblem[];
    findings: Finding[];
    added: Finding[];
    removed: Finding[];
  }> {
    // not between two slices of edits to the live analyzer
    while (this.applying) await this.applying.catch(() => {});
    const k = key(entityRef);
    const existing = this.entities.get(k);
    const summary: EntitySummary =
      existing?.summary ?? summaryFromRef(entityRef);
    const parsed = parseEntityContract(summary.ref, sources);
    // what the code does stays what it is: a proposed contract is held against the same facts
    const facts = existing?.contract?.discovered;
    if (facts) parsed.contract.discovered = facts;
    // and against what Prometheus measured
    parsed.contract = this.withObserved(parsed.contract);
    const before = this.snapshotValue.result.findings;
    // Synchronous: no request can observe the analyzer between the edit and its undo.
    this.analyzer.upsert(summary, parsed.contract);
    let after: Finding[];
    try {
      after = this.analyzer.result().findings;
    } finally {
      if (existing) {
        this.analyzer.upsert(existing.summary, existing.contract);
      } else {
        this.analyzer.remove(summary.ref);
      }
    }
    const beforeIds = new Set(before.map(f => f.id));
    const afterIds = new Set(after.map(f => f.id));
    const involves = (f: Finding) =>
      key(f.consumer) === k || key(f.provider) === k;
    return {
      contract: parsed.contract,
      problems: parsed.problems,
      findings: after.filter(involves),
      added: after.filter(f => !beforeIds.has(f.id)),
      removed: before.filter(f => !afterIds.has(f.id)),
    };
  }
}

/** One catalog call under the read timeout; `what` names it in the timeout's message. */
type CatalogRead = <T>(what: string, call: () => Promise<T>) => Promise<T>;

/** Every entity of the kinds the graph holds, page by page, each page under the read timeout. */
async function readPaged(
  read: CatalogRead,
  catalog: CatalogService,
  fields: string[],
  credentials: BackstageCredentials,
): Promise<Entity[]> {
  const out: Entity[] = [];
  let cursor: string | undefined;
  do {
    const request: QueryEntitiesRequest = cursor
      ? { cursor, fields, limit: PAGE_SIZE }
      : { filter: FILTER, fields, limit: PAGE_SIZE, totalItems: 'exclude' };
    const page: QueryEntitiesResponse = await read('queryEntities', () =>
      catalog.queryEntities(request, { credentials }),
    );
    out.push(...page.items);
    cursor = page.pageInfo.nextCursor;
  } while (cursor);
  return out;
}

function summaryFromRef(ref: string): EntitySummary {
  const m = /^([^:]+):([^/]+)\/(.+)$/.exec(ref);
  const [kind, namespace, name] = m
    ? [m[1], m[2], m[3]]
    : ['component', 'default', ref];
  return {
    ref: `${kind}:${namespace}/${name}`.toLocaleLowerCase('en-US'),
    kind: kind.toLocaleLowerCase('en-US'),
    namespace,
    name,
    dependsOn: [],
    dependencyOf: [],
  };
}

function indexResult(
  result: AnalysisResult,
): Pick<
  GraphSnapshot,
  'result' | 'findingById' | 'findingsByEntity' | 'nodeByRef'
> {
  const findingById = new Map<string, Finding>();
  const findingsByEntity = new Map<string, Finding[]>();
  const add = (ref: string, f: Finding) => {
    const list = findingsByEntity.get(key(ref));
    if (list) {
      if (!list.includes(f)) list.push(f);
    } else findingsByEntity.set(key(ref), [f]);
  };
  for (const f of result.findings) {
    findingById.set(f.id, f);
    add(f.consumer, f);
    add(f.provider, f);
  }
  const nodeByRef = new Map<string, GraphNode>();
  for (const n of result.graph.nodes) nodeByRef.set(key(n.ref), n);
  return { result, findingById, findingsByEntity, nodeByRef };
}

/** Edges touching a node, for graph walks. */
export function edgesByNode(edges: GraphEdge[]): Map<string, GraphEdge[]> {
  const map = new Map<string, GraphEdge[]>();
  for (const e of edges) {
    for (const end of [key(e.from), key(e.to)]) {
      const list = map.get(end);
      if (list) list.push(e);
      else map.set(end, [e]);
    }
  }
  return map;
}

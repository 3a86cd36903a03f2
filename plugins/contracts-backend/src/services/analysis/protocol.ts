import type { Entity } from '@backstage/catalog-model';
import type {
  ContractProblem,
  ContractSource,
  EngineConfig,
  EntityContract,
  EntitySummary,
  Finding,
  GraphEdge,
  GraphNode,
  Observation,
} from '@backstage-contracts/plugin-contracts-common';
import type { HistoryWork, PreparedHistory } from '../../history/historyWork';
import type { StateDigest } from '../../history/stateDigest';
import type { SavedSnapshotMeta } from '../../database/SnapshotStore';
import type { PersistRequest, WorkerDatabaseSettings } from './workerDatabase';
import type {
  BaselinePage,
  StoredChangesPage,
} from '../../history/storedComparison';

/**
 * What the analysis worker and the main thread say to each other. Everything here is plain
 * data (structured-cloneable): the worker parses contracts and runs the engine; the main thread
 * reads the catalog, holds the served snapshot and answers requests.
 */

/** One entity of the graph, as the main thread serves it. */
export interface StoredEntity {
  etag?: string;
  summary: EntitySummary;
  contract?: EntityContract;
  problems: ContractProblem[];
  /**
   * The contract's hash as the history compares it (history/contractChanges' hashContract),
   * when it has one: made in the worker, where the contract is parsed, so that a new snapshot's
   * contracts are compared on the main thread without reading them.
   */
  contractHash?: string;
}

/** What the worker is started with (`workerData`). */
export interface AnalysisSettings {
  engineConfig: EngineConfig;
  /** Its own connection to the plugin database (PostgreSQL): it persists snapshots itself. */
  database?: WorkerDatabaseSettings;
}

/**
 * The version of the persisted snapshot's layout (./persisted.ts: the pieces of a full transfer);
 * it changes with any incompatible change of it (a replica reads only snapshots of its own).
 */
export const PERSISTED_SNAPSHOT_FORMAT = 3;

/**
 * A new snapshot, announced by the worker: its items follow in `parts` pieces (each a JSON
 * string of at most a few hundred kilobytes) that the main thread pulls one at a time, so that
 * no message takes it long to read. A full transfer replaces everything; a delta's arrays are
 * recipes over the previous transfer's: `recipe[i] >= 0` is the previous array's item at that
 * index, `-(k + 1)` the k-th new item of the parts.
 */
export interface TransferHeader {
  id: number;
  full: boolean;
  parts: number;
  /** Entity keys gone (delta only). */
  removed: string[];
  recipes?: {
    findings: Int32Array;
    nodes: Int32Array;
    edges: Int32Array;
  };
  /**
   * What a delta changes beside its recipes, so that the main thread's indexes are updated in
   * O(changed): the indices of the previous findings and nodes it drops, and every entity key
   * whose findings changed with its findings now (indices into the new findings, in order).
   */
  delta?: {
    goneFindings: number[];
    goneNodes: number[];
    findingsByEntity: Array<[string, number[]]>;
  };
  /** A delta's rows, ready (see TransferRows). */
  rows?: TransferRows;
  /** When the snapshot was computed (ISO time). */
  computedAt: string;
  /** When the catalog was last read successfully (ISO time), as of this snapshot. */
  lastSuccessAt?: string;
  /** Analysis time in the worker, for the log. */
  workMs: number;
  /** Of `workMs`, waiting for an adopted snapshot's head to be decompressed (adoptSnapshot only). */
  decompressMs?: number;
  /** Entities in the worker's graph. */
  entities: number;
  /**
   * An adopted snapshot's entities were parsed as this version parses them (persisted.ts'
   * ENTITY_PARSE_VERSION): the worker's entities count as its own parse (adoptSnapshot only).
   */
  sameParse?: boolean;
}

/**
 * A delta's rows as the main thread is to hold them, made in the worker (./sentRows.ts, which
 * knows where the main thread keeps each item) and handed over, so that the main thread follows a
 * delta without a step per row: the rows of each kind (its piece of text, start and end; none: as
 * before), the findings' and nodes' byte columns (none: as before), the recipes as runs (./graphItems
 * runsOf: what the main thread copies its string columns by) and, per piece of text it keeps, how
 * many rows read it (0: it lets the text go).
 */
export interface TransferRows {
  runs: { findings: Int32Array; nodes: Int32Array; edges: Int32Array };
  pieceRows: Int32Array;
  findings?: { piece: Uint32Array; start: Uint32Array; end: Uint32Array };
  nodes?: { piece: Uint32Array; start: Uint32Array; end: Uint32Array };
  edges?: { piece: Uint32Array; start: Uint32Array; end: Uint32Array };
  findingSeverity?: Uint8Array;
  findingFlags?: Uint8Array;
  nodeHasContract?: Uint8Array;
}

/**
 * An entity as sent: key, etag (or null), its problems as JSON (null: none), where its summary
 * and contract (as JSON) end in its piece's `entityJson` (they begin where the previous entity's
 * end), which the main thread parses when they are first read, and its contract's hash (null: no
 * contract).
 */
export type EntityWire = [
  string,
  string | null,
  string | null,
  number,
  string | null,
];

/** One piece of a transfer. */
export interface TransferPart {
  /** New findings (`f`), nodes (`n`) and edges (`e`), in order: a JSON object of arrays. */
  json: string;
  /**
   * Where each item is in `json`: the numbers of findings, nodes and edges, then each item's
   * start and end (findings, then nodes, then edges): the main thread keeps `json` as it is and
   * parses an item when it is read.
   */
  offsets: number[];
  /** New or changed entities. */
  entities: EntityWire[];
  /**
   * The entities' summaries and contracts as JSON, one after the other (see EntityWire): one
   * string, not one per entity, so that the main thread receives a piece as a few large strings
   * (outside the young generation's copying) instead of hundreds of small ones.
   */
  entityJson: string;
}

/**
 * A piece as the worker answers `pull`: its JSON and entities as sent, where each item is in its
 * JSON, and what the main thread indexes its items by (made in the worker, which parses the
 * piece: the main thread keeps its JSON as it is, and copies the places in). The typed arrays
 * are handed over (each its own memory), not copied.
 */
export interface PulledPart {
  json: string;
  entities: EntityWire[];
  /**
   * (An adopted snapshot's piece leaves the worker as UTF-8 bytes, handed over: the host makes
   * it this string before anyone reads it — AnalysisHost's wireText.)
   */
  entityJson: string;
  /** The numbers of findings, nodes and edges. */
  counts: [number, number, number];
  /**
   * Where each item is in `json`: the findings' starts, then their ends; the nodes' and the
   * edges' the same.
   */
  places: Uint32Array;
  columns: {
    /** Per finding: its id, evidence hash, lower-cased consumer and provider refs. */
    findingIds: string[];
    evidence: string[];
    consumers: string[];
    providers: string[];
    /** Per finding: its severity's code and flags (graphItems' SEVERITIES, FindingFlag). */
    findingSeverity: Uint8Array;
    findingFlags: Uint8Array;
    /** Per node: its lower-cased ref, and 1 when it has a contract. */
    nodeKeys: string[];
    nodeHasContract: Uint8Array;
  };
  /**
   * Its entities' contracts (key, hash) and its findings (id, evidence hash), digested (the
   * history's first comparison; a full transfer's pieces' sum the snapshot's).
   */
  digest: StateDigest;
}

/** A piece's JSON, parsed. */
export interface TransferItems {
  f?: Finding[];
  n?: GraphNode[];
  e?: GraphEdge[];
}

/** What a what-if check answers. */
export interface CheckOutcome {
  contract: EntityContract;
  problems: ContractProblem[];
  findings: Finding[];
  added: Finding[];
  removed: Finding[];
}

/**
 * The worker's methods: each call answered once, in order of arrival, except that one returning
 * a promise (the snapshot's compression, decompression) is answered when it settles.
 */
export interface AnalysisMethods {
  /** A full recompute starts: pages follow. Drops one begun before and not committed. */
  beginFull(): void;
  /**
   * A full recompute that re-reads only what changed since the last look at the etags: as
   * beginFull, and the new analyzer is loaded at once with the live entities except `reread`
   * (their pages follow, as loadPage) and `removed` (gone from the catalog).
   */
  beginFullKeeping(reread: string[], removed: string[]): void;
  /** A page of the full recompute's entities: parsed and loaded into the new analyzer. */
  loadPage(entities: Entity[]): void;
  /**
   * The full recompute's pages are all in: the new analyzer replaces the live one. `delta`: the
   * main thread holds the last transfer, and is sent only what differs from it. Undefined: a
   * delta that changes nothing (the served snapshot stays, computedAt and all; the analysis is
   * the new one).
   */
  commitFull(
    lastSuccessAt: string,
    delta?: boolean,
  ): TransferHeader | undefined;
  /** The quick path's look at the catalog starts: pages of (key, etag) follow. */
  beginEtags(): void;
  /** A page of the catalog's entities, each its key (lower-cased ref) and etag (null: none). */
  etagPage(page: Array<[string, string | null]>): void;
  /**
   * The quick path's pages are all in: the keys whose etag is new or changed (`changed`, to be
   * read) and the keys of the graph's entities the catalog no longer has (`removed`).
   */
  endEtags(): { changed: string[]; removed: string[] };
  /** A page of the changed entities the quick path read (applied by `applyChanges`). */
  changedPage(entities: Entity[]): void;
  /**
   * The quick path: the entities gone, and those of the `changedPage`s since `beginEtags`;
   * undefined when nothing changed.
   */
  applyChanges(
    removed: string[],
    lastSuccessAt: string,
  ): TransferHeader | undefined;
  /**
   * Observations by entity key; undefined when no contract's changed. `analyse` false: only kept
   * for the contracts parsed later (nothing changes in what is served).
   */
  setObservations(
    observations: Array<[string, Observation[]]>,
    analyse?: boolean,
  ): TransferHeader | undefined;
  /**
   * One piece of an announced transfer, with its items' places and columns (an adopted
   * snapshot's once its bytes are in).
   */
  pull(transferId: number, index: number): PulledPart | Promise<PulledPart>;
  /** The transfer is read (or given up): its pieces are freed. */
  release(transferId: number): void;
  /**
   * The history's rows of these contracts and findings, as the store writes them
   * (history/historyWork.ts): stripped, compared and written as JSON here, not on the main thread.
   */
  prepareHistory(work: HistoryWork): PreparedHistory;
  /** The order of these keys (history/historyWork.ts): their indices, sorted by code units. */
  historyOrder(keys: string[]): Uint32Array;
  /**
   * The history's work on the state last transferred (history/storedComparison.ts), while that
   * transfer is the one computed at `computedAt` (else undefined: the worker has moved on). A
   * comparison with the stored history begins: the stored pairs follow (`historyStored`), then
   * the changes are read (`historyChanges`: undefined once the worker has moved on).
   */
  historyBegin(computedAt: string): number | undefined;
  /** The baseline's rows begin: read page by page (`historyRows`), of about `bytes` each. */
  historyBaseline(computedAt: string): number | undefined;
  historyStored(
    id: number,
    kind: 'contracts' | 'findings',
    keys: string[],
    hashes: string[],
  ): void;
  historyChanges(id: number, max: number): StoredChangesPage | undefined;
  historyRows(id: number, bytes: number): BaselinePage;
  historyEnd(id: number): void;
  /**
   * The baseline of the state last transferred, while it is the one computed at `computedAt`,
   * written by this thread itself with its own database connection (history/baselineWrite.ts):
   * true once complete, false when another recorder writes it, undefined when moved on. Throws
   * when the worker has no connection.
   */
  historyWriteBaseline(computedAt: string): Promise<boolean | undefined>;
  /**
   * The last transfer's nodes and edges as UTF-8 JSON (`{"nodes":[…],"edges":[…]}`) and its
   * SHA-1 (base64), when that transfer is the one computed at `computedAt` (the served
   * snapshot's); undefined when the worker has moved on. GET /graph's largest part, serialized
   * here instead of on the main thread.
   */
  graphJson(
    computedAt: string,
  ): { bytes: Uint8Array; digest: string } | undefined;
  /** What-if against the worker's analyzer. */
  check(entityRef: string, sources: ContractSource[]): CheckOutcome;
  /**
   * The last transferred snapshot, persisted (./persisted.ts, format
   * {@link PERSISTED_SNAPSHOT_FORMAT}), compressed with `encoding` (default identity) on zlib's
   * thread pool; `sizeBytes` its size uncompressed.
   */
  exportSnapshot(encoding?: string): Promise<ExportedSnapshot | undefined>;
  /**
   * The last transferred snapshot, as exportSnapshot makes it, saved with this thread's own
   * database connection (./workerDatabase.ts) as its compressed bytes are made: they never leave
   * the worker. Undefined before the first transfer; throws when the worker has no connection.
   */
  persistSnapshot(
    request: PersistRequest,
  ): Promise<SavedSnapshotMeta | undefined>;
  /** Closes the worker's own database connection, if made (the worker is stopping). */
  closeDatabase(): Promise<void>;
  /**
   * Takes a persisted snapshot (compressed with `encoding`: zstd, gzip, br or identity, decoded
   * here as it comes) as the live state; announced as a full transfer, whose pieces are the
   * snapshot's as stored, once its head is in. `bytes` undefined: its stored bytes follow in
   * `adoptChunk`s. Every call but `pull`, `release` and `adoptChunk` waits until it is all in.
   */
  adoptSnapshot(bytes?: Uint8Array, encoding?: string): Promise<TransferHeader>;
  /**
   * The next stored bytes of the snapshot being adopted; null: no more (`failure`: they could
   * not be read). Resolves once they are decompressed.
   */
  adoptChunk(bytes: Uint8Array | null, failure?: string): Promise<void>;
}

export type AnalysisMethod = keyof AnalysisMethods;

/** A call from the main thread. */
export interface AnalysisRequest {
  id: number;
  method: AnalysisMethod;
  args: unknown[];
}

/** The worker's answer to one call. */
export type AnalysisResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };

/** A persisted snapshot as the worker exports it: its bytes (compressed as asked) and when it was computed. */
export type ExportedSnapshot = {
  bytes: Uint8Array;
  /** Its size uncompressed. */
  sizeBytes: number;
  computedAt: string;
  lastSuccessAt?: string;
};

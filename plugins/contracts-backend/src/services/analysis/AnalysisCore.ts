import type { Entity } from '@backstage/catalog-model';
import {
  type AnalysisResult,
  type Analyzer,
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
import type { SnapshotEncoding } from '../../database/snapshotEncoding';
import { hashContract } from '../../history/contractChanges';
import { historyOrder, prepareHistory } from '../../history/historyWork';
import { HistorySessions } from '../../history/storedComparison';
import { writeBaselineInThread } from '../../history/baselineWrite';
import {
  contractSourcesOf,
  entityToSummary,
  parseContractOf,
} from '../entityModel';
import {
  type AnalysisMethod,
  type AnalysisMethods,
  type CheckOutcome,
  type ExportedSnapshot,
  PERSISTED_SNAPSHOT_FORMAT,
  type PulledPart,
  type StoredEntity,
  type TransferHeader,
  type TransferItems,
} from './protocol';
import { isIdentity, pulledPart } from './graphItems';
import { graphJson } from './graphJson';
import { entitiesOf } from './lazyEntity';
import {
  digest,
  entityDigest,
  type EntityJson,
  entityWire,
  fullPieces,
  PartWriter,
} from './partWriter';
import {
  ENTITY_PARSE_VERSION,
  exportSnapshot,
  InOrder,
  type SnapshotDocument,
  type SnapshotSource,
} from './persisted';
import { IncomingSnapshot } from './arriving';
import {
  closeWorkerDatabase,
  persistInThread,
  type PersistRequest,
} from './workerDatabase';
import { SentRows } from './sentRows';

/** The key of an entity ref in the graph's maps: lower-cased. */
const key = (ref: string) => ref.toLowerCase();

/** What the main thread was last sent: the base of the next delta. */
interface Sent {
  findings: Finding[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The digests of the items' JSON, in the same order. */
  digests: Record<'f' | 'n' | 'e', string[]>;
  /** The digest of each entity's wire, by key. */
  entities: Map<string, string>;
  computedAt: string;
  lastSuccessAt?: string;
}

/**
 * The analysis state and its work, where it runs (the worker thread, or the main thread when
 * custom rules are registered: functions cannot be sent to a worker). Synchronous: in the
 * worker nothing else waits on its event loop.
 */
export class AnalysisCore implements AnalysisMethods {
  /** The live analyzer; undefined after an adopted snapshot until something needs it. */
  private analyzerValue?: Analyzer;
  private entities = new Map<string, StoredEntity>();
  private observations = new Map<string, Observation[]>();
  private pending?: { analyzer: Analyzer; entities: Map<string, StoredEntity> };
  private sent?: Sent;
  /**
   * An adopted snapshot, as stored: the base of the next delta, made into `sent` when one is
   * first needed (a replica that only serves never needs it).
   */
  private adopted?: SnapshotDocument;
  /** An adopted snapshot's pieces, decoded (their entities added) as the main thread pulls. */
  private opening?: InOrder;
  /** An adopted snapshot's bytes, as they come. */
  private incoming?: IncomingSnapshot;
  /** The quick path's look at the catalog in progress: the keys seen, those to read. */
  private etags?: { seen: Set<string>; changed: string[] };
  /** The changed entities the quick path has read since `beginEtags`. */
  private staged: Entity[] = [];
  private transfers = new Map<
    number,
    {
      length: number;
      /** Piece i as pulled (its places and columns made here). */
      pull(i: number): PulledPart;
      /** A promise of when piece i can be read; undefined: now. */
      until?(i: number): Promise<void> | undefined;
    }
  >();
  private nextTransfer = 1;
  private readonly sentRows = new SentRows();

  constructor(
    private readonly options: {
      engineConfig: EngineConfig;
      rules: ContractRule[];
    },
  ) {
    this.analyzerValue = this.newAnalyzer();
  }

  /** The live analyzer (loaded from the entities after an adopted snapshot). */
  private analyzer(): Analyzer {
    if (!this.analyzerValue) {
      const analyzer = this.newAnalyzer();
      for (const stored of this.entities.values()) {
        analyzer.upsert(stored.summary, stored.contract);
      }
      this.analyzerValue = analyzer;
    }
    return this.analyzerValue;
  }

  private newAnalyzer(): Analyzer {
    return createAnalyzer({
      config: this.options.engineConfig,
      rules: this.options.rules,
    });
  }

  beginFull(): void {
    this.pending = { analyzer: this.newAnalyzer(), entities: new Map() };
  }

  beginFullKeeping(reread: string[], removed: string[]): void {
    this.beginFull();
    const pending = this.pending!;
    const skip = new Set(reread);
    for (const k of removed) skip.add(k);
    for (const [k, stored] of this.entities) {
      if (skip.has(k)) continue;
      pending.entities.set(k, stored);
      pending.analyzer.upsert(stored.summary, stored.contract);
    }
  }

  loadPage(entities: Entity[]): void {
    const pending = this.pending;
    if (!pending) throw new Error('no full recompute begun');
    for (const entity of entities) {
      this.upsertEntity(pending.analyzer, pending.entities, entity);
    }
  }

  commitFull(lastSuccessAt: string, delta = false): TransferHeader | undefined {
    const pending = this.pending;
    if (!pending) throw new Error('no full recompute begun');
    const started = performance.now();
    this.pending = undefined;
    this.analyzerValue = pending.analyzer;
    this.entities = pending.entities;
    const result = this.analyzer().result();
    // the main thread holds the last transfer: only what differs from it is sent
    const before = delta ? this.base() : undefined;
    const header = this.transfer(
      result,
      lastSuccessAt,
      started,
      before ? 'compare' : undefined,
    );
    if (before && unchanged(header, before)) {
      // what the main thread serves is this result: it stays, as of when it was computed
      this.release(header.id);
      this.sent!.computedAt = before.computedAt;
      return undefined;
    }
    return header;
  }

  beginEtags(): void {
    this.etags = { seen: new Set(), changed: [] };
    this.staged = [];
  }

  changedPage(entities: Entity[]): void {
    for (const e of entities) this.staged.push(e);
  }

  etagPage(page: Array<[string, string | null]>): void {
    const etags = this.etags;
    if (!etags) throw new Error('no look at the catalog begun');
    for (const [k, etag] of page) {
      etags.seen.add(k);
      const known = this.entities.get(k);
      if (!known || !etag || known.etag !== etag) etags.changed.push(k);
    }
  }

  endEtags(): { changed: string[]; removed: string[] } {
    const etags = this.etags;
    if (!etags) throw new Error('no look at the catalog begun');
    this.etags = undefined;
    const removed: string[] = [];
    for (const k of this.entities.keys()) {
      if (!etags.seen.has(k)) removed.push(k);
    }
    return { changed: etags.changed, removed };
  }

  applyChanges(
    removed: string[],
    lastSuccessAt: string,
  ): TransferHeader | undefined {
    const started = performance.now();
    const changed = this.staged;
    this.staged = [];
    // a full recompute whose catalog read failed is dropped
    this.pending = undefined;
    const touched = new Set<string>();
    for (const k of removed) {
      const stored = this.entities.get(k);
      if (!stored) continue;
      this.analyzer().remove(stored.summary.ref);
      this.entities.delete(k);
      touched.add(k);
    }
    for (const entity of changed) {
      touched.add(this.upsertEntity(this.analyzer(), this.entities, entity));
    }
    const base = this.base();
    if (!touched.size && base) {
      base.lastSuccessAt = lastSuccessAt;
      return undefined;
    }
    return this.transfer(
      this.analyzer().result(),
      lastSuccessAt,
      started,
      touched,
    );
  }

  setObservations(
    observations: Array<[string, Observation[]]>,
    analyse = true,
  ): TransferHeader | undefined {
    const started = performance.now();
    this.observations = new Map(observations);
    // kept for the contracts parsed from now on (a replica that only serves: when it computes)
    if (!analyse) return undefined;
    const touched = new Set<string>();
    for (const [k, stored] of this.entities) {
      if (!stored.contract) continue;
      const now = this.observations.get(k);
      if (JSON.stringify(stored.contract.observed) === JSON.stringify(now)) {
        continue;
      }
      const { observed: _, ...declared } = stored.contract;
      const contract = this.withObserved(declared);
      this.entities.set(k, {
        etag: stored.etag,
        summary: stored.summary,
        problems: stored.problems,
        contract,
        contractHash: hashContract(contract),
      });
      this.analyzer().upsert(stored.summary, contract);
      touched.add(k);
    }
    const base = this.base();
    if (!touched.size || !base) return undefined;
    return this.transfer(
      this.analyzer().result(),
      base.lastSuccessAt,
      started,
      touched,
    );
  }

  pull(transferId: number, index: number): PulledPart | Promise<PulledPart> {
    const parts = this.transfers.get(transferId);
    if (!parts || index >= parts.length) {
      throw new Error(`no part ${index} of transfer ${transferId}`);
    }
    // parsed here (the main thread indexes it from the columns): while the main thread reads
    // the piece before it; an adopted snapshot's once its bytes are in
    const waiting = parts.until?.(index);
    if (waiting) return waiting.then(() => parts.pull(index));
    return parts.pull(index);
  }

  release(transferId: number): void {
    this.transfers.delete(transferId);
  }

  // (the history's work: ./history/historyWork.ts; a contract this has not: sent as text)
  prepareHistory: AnalysisMethods['prepareHistory'] = work =>
    prepareHistory(work, k => this.entities.get(k));
  historyOrder = historyOrder;
  // (of the state last transferred, while it is the snapshot's: computed at `computedAt`)
  private readonly history = new HistorySessions((computedAt: string) => {
    const sent = this.base();
    if (sent?.computedAt !== computedAt) return undefined;
    return { entities: this.entities, findings: sent.findings };
  });
  historyBegin = this.history.compare;
  historyBaseline = this.history.baseline;
  historyStored = this.history.stored;
  historyChanges = this.history.changes;
  historyRows = this.history.rows;
  historyEnd = this.history.end;
  historyWriteBaseline = (computedAt: string) =>
    writeBaselineInThread(this.history, computedAt);

  graphJson(
    computedAt: string,
  ): { bytes: Uint8Array; digest: string } | undefined {
    const sent = this.base();
    if (!sent || sent.computedAt !== computedAt) return undefined;
    return graphJson(sent);
  }

  check(entityRef: string, sources: ContractSource[]): CheckOutcome {
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
    const before = this.analyzer().result().findings;
    this.analyzer().upsert(summary, parsed.contract);
    let after: Finding[];
    try {
      after = this.analyzer().result().findings;
    } finally {
      if (existing) {
        this.analyzer().upsert(existing.summary, existing.contract);
      } else {
        this.analyzer().remove(summary.ref);
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

  async exportSnapshot(
    encoding = 'identity',
  ): Promise<ExportedSnapshot | undefined> {
    const source = this.persisted();
    return source && exportSnapshot(source, encoding as SnapshotEncoding);
  }

  async persistSnapshot(request: PersistRequest) {
    const source = this.persisted();
    return source && persistInThread(source, request);
  }

  closeDatabase(): Promise<void> {
    return closeWorkerDatabase();
  }

  /**
   * The last transferred snapshot as persisted: as adopted, or a full transfer's pieces, made
   * as they are written of the state as it is now (its entities' list taken: the writing waits
   * for the compression meanwhile, and other calls change the state).
   */
  private persisted(): SnapshotSource | undefined {
    this.settle();
    const adopted = this.adopted;
    if (adopted) return { head: adopted.head, pieces: () => adopted.parts };
    const sent = this.sent;
    if (!sent) return undefined;
    const entities = [...this.entities];
    const { findings, nodes, edges, computedAt, lastSuccessAt } = sent;
    return {
      head: {
        format: PERSISTED_SNAPSHOT_FORMAT,
        computedAt,
        lastSuccessAt,
        parse: ENTITY_PARSE_VERSION,
      },
      pieces: () => fullPieces(entities, { f: findings, n: nodes, e: edges }),
    };
  }

  async adoptSnapshot(
    bytes?: Uint8Array,
    encoding = 'identity',
  ): Promise<TransferHeader> {
    const started = performance.now();
    // decompressed as its stored bytes come (here, or in adoptChunk's as the main thread reads
    // them), and announced once its head is in: each piece is pulled once its bytes are in (the
    // last once the stream has ended well), its entities added when the state is next read
    const incoming = new IncomingSnapshot(encoding);
    this.incoming = incoming;
    if (bytes) {
      incoming.write(bytes).catch(() => {});
      incoming.end();
    }
    let opened;
    try {
      opened = await incoming.open(PERSISTED_SNAPSHOT_FORMAT);
    } catch (error) {
      incoming.end(String(error));
      if (this.incoming === incoming) this.incoming = undefined;
      throw error;
    }
    const decompressMs = Math.round(performance.now() - started);
    this.pending = undefined;
    // loaded into an analyzer when first needed (a check, an edit): not before it is served
    this.analyzerValue = undefined;
    this.entities = new Map();
    this.sent = undefined;
    this.adopted = undefined;
    const opening = new InOrder(opened, part => {
      for (const [k, stored] of entitiesOf(part)) this.entities.set(k, stored);
    });
    this.opening = opening;
    const id = this.nextTransfer++;
    this.transfers.set(id, {
      length: opened.parts,
      until: i => incoming.bytes.until(opened.end(i)),
      // its entity JSON as bytes: the main thread makes it strings (wireText), and this worker
      // when something reads its entities (settle): at 100k, of what a pull took the worker,
      // 0.4-0.5 s of decoding and 0.5-0.7 s of cloning strings into the message (9a75a63)
      pull: i => {
        const { entityJson, ...items } = opened.sent(i);
        const pulled = pulledPart({ ...items, entityJson: '' });
        return { ...pulled, entityJson } as PulledPart;
      },
    });
    return {
      id,
      full: true,
      parts: opened.parts,
      removed: [],
      workMs: Math.round(performance.now() - started),
      decompressMs,
      entities: opened.head.entities ?? 0,
      sameParse: opened.head.parse === ENTITY_PARSE_VERSION,
      computedAt: opened.head.computedAt,
      lastSuccessAt: opened.head.lastSuccessAt,
    };
  }

  adoptChunk(bytes: Uint8Array | null, failure?: string): Promise<void> {
    const incoming = this.incoming;
    if (incoming && bytes) return incoming.write(bytes);
    incoming?.end(failure);
    return Promise.resolve();
  }

  /**
   * Undefined when no adopted snapshot's bytes are arriving, once the one adopted is decoded
   * whole (before anything but its pulls reads the state: callCore); else a promise of when its
   * bytes are all in.
   */
  ready(): Promise<unknown> | undefined {
    const arriving = this.incoming?.bytes;
    if (arriving && !arriving.ended) return arriving.done;
    this.settle();
    return undefined;
  }

  /** The snapshot adopted, decoded whole (its bytes are in: see ready). */
  private settle() {
    const { opening, incoming } = this;
    if (incoming && !incoming.bytes.ended) {
      throw new Error('a persisted snapshot is still arriving');
    }
    this.incoming = undefined;
    if (!opening) return;
    this.opening = undefined;
    if (incoming && !incoming.bytes.complete) {
      // its bytes could not all be read: the main thread's receive failed, and its next
      // refresh is a full one
      this.entities = new Map();
      return;
    }
    opening.finish();
    this.adopted = opening.opened.document();
  }

  /**
   * What the main thread was last sent (the base of a delta): after an adopted snapshot, made
   * from its pieces when first needed.
   */
  private base(): Sent | undefined {
    this.settle();
    const adopted = this.adopted;
    if (adopted) {
      this.adopted = undefined;
      this.sentRows.next(adopted.parts);
      const items: TransferItems = { f: [], n: [], e: [] };
      const digests: Sent['digests'] = { f: [], n: [], e: [] };
      const entities = new Map<string, string>();
      for (const part of adopted.parts) {
        let start = 0;
        for (const [k, etag, problems, end, hash] of part.entities) {
          const json = part.entityJson.slice(start, end);
          const wire: EntityJson = [k, etag, problems, json, hash];
          entities.set(k, entityDigest(wire));
          start = end;
        }
        const parsed = JSON.parse(part.json) as TransferItems;
        for (const field of ['f', 'n', 'e'] as const) {
          for (const item of parsed[field] ?? []) {
            (items[field] as object[]).push(item);
            digests[field].push(digest(JSON.stringify(item)));
          }
        }
      }
      this.sent = {
        findings: items.f!,
        nodes: items.n!,
        edges: items.e!,
        digests,
        entities,
        computedAt: adopted.head.computedAt,
        lastSuccessAt: adopted.head.lastSuccessAt,
      };
    }
    return this.sent;
  }

  /**
   * Announces `result` to the main thread: everything (`touched` undefined), a delta with the
   * entities `touched`, or (`'compare'`, after a full recompute) a delta with what differs from
   * the last transfer, entity by entity and item by item (by the digest of its JSON): what did
   * not change stays the main thread's objects, and is neither sent nor read again.
   */
  private transfer(
    result: AnalysisResult,
    lastSuccessAt: string | undefined,
    started: number,
    touched: Set<string> | 'compare' | undefined,
    computedAt = new Date().toISOString(),
  ): TransferHeader {
    const { findings, graph } = result;
    const { nodes, edges } = graph;
    const base = touched ? this.base() : undefined;
    this.adopted = undefined;
    const writer = new PartWriter();
    const removed: string[] = [];
    const entityDigests = new Map(base?.entities);
    if (base && touched === 'compare') {
      for (const [k, stored] of this.entities) {
        const wire = entityWire(k, stored);
        const d = entityDigest(wire);
        if (entityDigests.get(k) === d) continue;
        entityDigests.set(k, d);
        writer.addEntity(wire);
      }
      for (const k of base.entities.keys()) {
        if (!this.entities.has(k)) {
          removed.push(k);
          entityDigests.delete(k);
        }
      }
    } else if (base && touched) {
      for (const k of touched) {
        const stored = this.entities.get(k);
        if (stored) {
          const wire = entityWire(k, stored);
          entityDigests.set(k, entityDigest(wire));
          writer.addEntity(wire);
        } else {
          removed.push(k);
          entityDigests.delete(k);
        }
      }
    } else {
      for (const [k, e] of this.entities) {
        const wire = entityWire(k, e);
        entityDigests.set(k, entityDigest(wire));
        writer.addEntity(wire);
      }
    }
    const digests: Sent['digests'] = { f: [], n: [], e: [] };
    /** Indices of `before`'s items that `items` no longer has. */
    const gone: Record<'f' | 'n' | 'e', number[]> = { f: [], n: [], e: [] };
    const recipe = <T extends object>(
      field: 'f' | 'n' | 'e',
      items: T[],
      before: T[] | undefined,
    ) => {
      const out = digests[field];
      if (!before || !base) {
        for (const item of items) {
          const json = JSON.stringify(item);
          out.push(digest(json));
          writer.add(field, json);
        }
        return undefined;
      }
      const beforeDigests = base.digests[field];
      const index = new Map<T, number>();
      before.forEach((item, i) => index.set(item, i));
      const byDigest = new Map<string, number>();
      if (touched === 'compare') {
        beforeDigests.forEach((d, i) => byDigest.set(d, i));
      }
      const recipeOut = new Int32Array(items.length);
      const kept = new Uint8Array(before.length);
      let added = 0;
      items.forEach((item, i) => {
        let at = index.get(item);
        let json: string | undefined;
        let d: string;
        if (at !== undefined) d = beforeDigests[at];
        else {
          json = JSON.stringify(item);
          d = digest(json);
          at = byDigest.get(d);
        }
        out.push(d);
        if (at !== undefined) {
          recipeOut[i] = at;
          kept[at] = 1;
        } else {
          recipeOut[i] = -++added;
          writer.add(field, json!);
        }
      });
      for (let i = 0; i < kept.length; i++) if (!kept[i]) gone[field].push(i);
      return recipeOut;
    };
    const f = recipe('f', findings, base?.findings);
    const n = recipe('n', nodes, base?.nodes);
    const e = recipe('e', edges, base?.edges);
    const parts = writer.finish();
    const id = this.nextTransfer++;
    this.transfers.set(id, {
      length: parts.length,
      pull: i => pulledPart(parts[i]),
    });
    let delta: TransferHeader['delta'];
    if (base && f) {
      // the entities whose findings changed, each with its findings (indices, in order)
      const affected = new Set<string>();
      const touch = (x: Finding) => {
        affected.add(key(x.consumer));
        affected.add(key(x.provider));
      };
      for (const i of gone.f) touch(base.findings[i]);
      f.forEach((r, i) => {
        if (r < 0) touch(findings[i]);
      });
      const lists = new Map<string, number[]>();
      if (affected.size) {
        findings.forEach((x, i) => {
          const c = key(x.consumer);
          const p = key(x.provider);
          if (affected.has(c)) push(lists, c, i);
          if (p !== c && affected.has(p)) push(lists, p, i);
        });
      }
      delta = {
        goneFindings: gone.f,
        goneNodes: gone.n,
        findingsByEntity: [...affected].map(k => [k, lists.get(k) ?? []]),
      };
    }
    this.sent = {
      findings,
      nodes,
      edges,
      digests,
      entities: entityDigests,
      computedAt,
      lastSuccessAt,
    };
    return {
      id,
      full: !base,
      parts: parts.length,
      removed,
      recipes: f && n && e ? { findings: f, nodes: n, edges: e } : undefined,
      rows: this.sentRows.next(parts, result, f, n, e),
      delta,
      workMs: Math.round(performance.now() - started),
      entities: this.entities.size,
      computedAt,
      lastSuccessAt,
    };
  }

  private upsertEntity(
    analyzer: Analyzer,
    entities: Map<string, StoredEntity>,
    entity: Entity,
  ): string {
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
      stored.contractHash = hashContract(stored.contract);
      stored.problems = [...stored.problems, ...parsed.problems];
    }
    const k = key(summary.ref);
    entities.set(k, stored);
    analyzer.upsert(summary, stored.contract);
    return k;
  }

  /** The contract with what Prometheus measured for it, beside (never instead of) its values. */
  private withObserved(contract: EntityContract): EntityContract {
    const observed = this.observations.get(key(contract.entityRef));
    return observed ? { ...contract, observed } : contract;
  }
}

/** A delta that changes nothing: no piece, nothing gone, every item where it was. */
function unchanged(h: TransferHeader, before: Sent): boolean {
  return (
    !h.parts &&
    !h.removed.length &&
    !!h.recipes &&
    !!h.delta &&
    !h.delta.goneFindings.length &&
    !h.delta.goneNodes.length &&
    !h.delta.findingsByEntity.length &&
    isIdentity(h.recipes.findings, before.findings.length) &&
    isIdentity(h.recipes.nodes, before.nodes.length) &&
    isIdentity(h.recipes.edges, before.edges.length)
  );
}

function push(lists: Map<string, number[]>, k: string, i: number) {
  const list = lists.get(k);
  if (list) list.push(i);
  else lists.set(k, [i]);
}

/** What is answered while an adopted snapshot's bytes are still arriving: its pieces, its bytes. */
const WHILE_ARRIVING = new Set<string>(['pull', 'release', 'adoptChunk']);

/**
 * Calls `method` of `core` as the hosts do (the worker's dispatch, the main thread's): any other
 * than those above waits until an adopted snapshot is all in, and decoded (AnalysisCore.ready).
 */
export function callCore(
  core: AnalysisCore,
  method: AnalysisMethod,
  args: unknown[],
): unknown {
  const waiting = WHILE_ARRIVING.has(method) ? undefined : core.ready();
  if (waiting) return waiting.then(() => callCore(core, method, args));
  return (core[method] as (...a: unknown[]) => unknown).apply(core, args);
}

export function summaryFromRef(ref: string): EntitySummary {
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

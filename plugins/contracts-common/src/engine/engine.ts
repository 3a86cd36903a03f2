/*
 * The engine: evaluates the rules per anchor (an entity with a contract), records what each
 * anchor read, and keeps the conflict graph and the sorted findings up to date as entities
 * change. `analyze` is the same machinery run once without recording.
 */
import type {
  EntityContract,
  EntitySummary,
  Finding,
  Severity,
} from '../types';
import {
  CatalogIndex,
  IndexedRuleContext,
  normalizeRef,
  summaryFromRef,
} from './catalog';
import type { Slot } from './catalog';
import { composeMessage, entityName } from './format';
import { attachKey, contractEdges, EdgeDraft, NO_FINDINGS } from './graph';
import { evidenceHash, fingerprint, stableStringify } from './hash';
import { defaultRules } from './rules';
import type {
  AnalysisResult,
  AnalyzeInput,
  Analyzer,
  ContractRule,
  EdgeRef,
  EngineConfig,
  FindingDraft,
  GraphEdge,
  GraphNode,
} from './types';

/** The default of {@link EngineConfig.retryAmplificationBound}. */
export const DEFAULT_RETRY_AMPLIFICATION_BOUND = 10;
/** The default of {@link EngineConfig.promiseDriftTolerance}. */
export const DEFAULT_PROMISE_DRIFT_TOLERANCE = 0.1;

const SEVERITY_RANK: Record<Severity, number> = {
  error: 0,
  warning: 1,
  tradeoff: 2,
  info: 3,
};

/** Kinds shown as graph nodes even without a contract. */
const NODE_KINDS = new Set(['component', 'resource', 'api', 'system']);

function cmp(a: string, b: string): number {
  if (a < b) {
    return -1;
  }
  return a > b ? 1 : 0;
}

/**
 * The order of findings: severity (error, warning, trade-off, info), then rule, consumer,
 * provider, subject.
 * @public
 */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    cmp(a.rule, b.rule) ||
    cmp(a.consumer, b.consumer) ||
    cmp(a.provider, b.provider) ||
    cmp(a.subject, b.subject) ||
    cmp(a.id, b.id)
  );
}

/**
 * Sorts in place like `arr.sort(compare)`; short arrays (the edges of one entity) by insertion,
 * without the work array `Array.prototype.sort` allocates on every call.
 */
function sortSmall<T>(arr: T[], compare: (a: T, b: T) => number): T[] {
  if (arr.length > 16) {
    return arr.sort(compare);
  }
  for (let i = 1; i < arr.length; i++) {
    const item = arr[i];
    let j = i - 1;
    while (j >= 0 && compare(arr[j], item) > 0) {
      arr[j + 1] = arr[j];
      j--;
    }
    arr[j + 1] = item;
  }
  return arr;
}

function compareEdges(a: EdgeDraft, b: EdgeDraft): number {
  return (
    cmp(a.from, b.from) ||
    cmp(a.to, b.to) ||
    cmp(a.kind, b.kind) ||
    cmp(a.subject, b.subject) ||
    cmp(a.id, b.id)
  );
}

/**
 * The draft shown of an edge several anchors draw (contracts on two entities that both say they
 * are the same one): the same from, to, kind and subject, so at most `via` differs. The first
 * without one, else the first with the smallest: whatever the order they were drawn in.
 */
function edgeWinner(drafts: EdgeDraft[]): EdgeDraft {
  let winner = drafts[0];
  for (let i = 1; i < drafts.length; i++) {
    const via = drafts[i].via;
    if (winner.via !== undefined && (via === undefined || via < winner.via)) {
      winner = drafts[i];
    }
  }
  return winner;
}

function compareNodes(a: GraphNode, b: GraphNode): number {
  return cmp(a.ref, b.ref);
}

interface ResolvedConfig {
  rules: ContractRule[];
  severity: Map<string, Severity>;
  deciders: Record<string, string[]>;
  settings: { retryAmplificationBound: number; promiseDriftTolerance: number };
}

function resolveConfig(
  config: EngineConfig | undefined,
  rules: ContractRule[] | undefined,
): ResolvedConfig {
  const all = rules ?? defaultRules;
  const ids = new Set<string>();
  for (const rule of all) {
    if (ids.has(rule.id)) {
      throw new Error(`Duplicate contract rule id '${rule.id}'`);
    }
    ids.add(rule.id);
  }
  const severity = new Map<string, Severity>();
  for (const [id, c] of Object.entries(config?.rules ?? {})) {
    if (c.severity) {
      severity.set(id, c.severity);
    }
  }
  return {
    rules: all.filter(r => config?.rules?.[r.id]?.enabled !== false),
    severity,
    deciders: config?.deciders ?? {},
    settings: {
      retryAmplificationBound:
        config?.retryAmplificationBound ?? DEFAULT_RETRY_AMPLIFICATION_BOUND,
      promiseDriftTolerance:
        config?.promiseDriftTolerance ?? DEFAULT_PROMISE_DRIFT_TOLERANCE,
    },
  };
}

/** A finding with the graph edges it lies on. */
interface FindingEntry {
  anchor: string;
  finding: Finding;
  /** The {@link attachKey}s of the edges it lies on, without duplicates. */
  attach: string[];
  /** The same edges as from, to and subject (`on[i]` is `attach[i]`). */
  on: EdgeRef[];
}

interface UnitOutput {
  findings: FindingEntry[];
  edges: EdgeDraft[];
}

function buildFinding(
  rule: ContractRule,
  draft: FindingDraft,
  cfg: ResolvedConfig,
  ctx: IndexedRuleContext,
): Finding {
  const severity =
    cfg.severity.get(rule.id) ?? draft.severity ?? rule.defaultSeverity;
  const deciders: string[] = [];
  for (const d of [
    ...(cfg.deciders[rule.id] ?? []),
    ctx.entity(draft.consumer)?.owner,
    ctx.entity(draft.provider)?.owner,
  ]) {
    if (d && !deciders.includes(d)) {
      deciders.push(d);
    }
  }
  const finding: Finding = {
    id: fingerprint(rule.id, draft.consumer, draft.provider, draft.subject),
    rule: rule.id,
    severity,
    status: 'open',
    consumer: draft.consumer,
    provider: draft.provider,
    subject: draft.subject,
    title: draft.title,
    expected: draft.expected,
    actual: draft.actual,
    impact: draft.impact,
    resolutions: draft.resolutions,
    evidence: evidenceHash(draft.evidence),
    message: composeMessage({
      severity,
      title: draft.title,
      details: draft.details,
      notes: draft.notes,
      action: draft.action,
      deciders,
    }),
  };
  if (deciders.length) {
    finding.deciders = deciders;
  }
  if (draft.chain) {
    finding.chain = draft.chain;
  }
  if (draft.location) {
    finding.location = { ...draft.location, entity: draft.consumer };
  }
  return finding;
}

function evaluateAnchor(
  anchor: string,
  contract: EntityContract,
  cfg: ResolvedConfig,
  ctx: IndexedRuleContext,
): UnitOutput {
  const anchorSlot = ctx.anchorSlot;
  const from =
    (anchorSlot && anchorSlot.key === contract.entityRef
      ? ctx.entityOfSlot(anchorSlot)
      : ctx.entity(contract.entityRef)
    )?.ref ?? contract.entityRef;
  const edges = contractEdges(from, contract, ctx);
  const findings: FindingEntry[] = [];
  let seen: Set<string> | undefined;
  for (const rule of cfg.rules) {
    let drafts: FindingDraft[];
    try {
      drafts = rule.evaluate(contract, ctx);
    } catch (e) {
      drafts = [
        {
          severity: 'warning',
          consumer: from,
          provider: from,
          subject: 'rule-failure',
          title: 'Rule evaluation failed',
          expected: 'the rule evaluates',
          actual: e instanceof Error ? e.message : String(e),
          impact: `The rule '${rule.id}' could not check ${entityName(from)}`,
          resolutions: [],
          evidence: [String(e)],
          details: [`${rule.id} failed: ${String(e)}`],
        },
      ];
    }
    for (const draft of drafts) {
      const finding = buildFinding(rule, draft, cfg, ctx);
      seen ??= new Set();
      if (seen.has(finding.id)) {
        continue;
      }
      seen.add(finding.id);
      // Findings name the anchor as its contract spells it; edges start at its entity ref.
      const attach: string[] = [];
      const on: EdgeRef[] = [];
      for (const e of draft.edges ?? [
        { from: draft.consumer, to: draft.provider, subject: draft.subject },
      ]) {
        const ref: EdgeRef = {
          from: e.from === contract.entityRef ? from : e.from,
          to: e.to === contract.entityRef ? from : e.to,
          subject: e.subject,
        };
        const key = attachKey(ref.from, ref.to, ref.subject);
        if (!attach.includes(key)) {
          attach.push(key);
          on.push(ref);
        }
      }
      findings.push({ anchor, finding, attach, on });
    }
  }
  return { findings, edges };
}

/** Removes `item` (found by identity near its sorted position) from a sorted array. */
function sortedRemove<T>(arr: T[], item: T, compare: (a: T, b: T) => number) {
  const i = sortedIndexOf(arr, item, compare);
  if (i >= 0) {
    arr.splice(i, 1);
  }
}

/** Where `item` goes in a sorted array: after every item that does not sort after it. */
function insertionIndex<T>(
  arr: T[],
  item: T,
  compare: (a: T, b: T) => number,
): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(arr[mid], item) <= 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

function sortedInsert<T>(arr: T[], item: T, compare: (a: T, b: T) => number) {
  arr.splice(insertionIndex(arr, item, compare), 0, item);
}

/** The index of `item` (by identity) in a sorted array, searched near its sorted position. */
function sortedIndexOf<T>(
  arr: T[],
  item: T,
  compare: (a: T, b: T) => number,
): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(arr[mid], item) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  for (let i = lo; i < arr.length && compare(arr[i], item) === 0; i++) {
    if (arr[i] === item) {
      return i;
    }
  }
  return arr.indexOf(item);
}

/**
 * A new sorted array: `base` with the first `count` entries of `changes` applied, in order
 * (pairs of the item shown before and the item shown after; `undefined`: none). One pass over
 * `base` whatever the number of changes, not a splice per change.
 */
function withChanges<T>(
  base: T[],
  changes: Array<T | undefined>,
  count: number,
  compare: (a: T, b: T) => number,
): T[] {
  // The net change: an item added by one change and removed by a later one is neither.
  const removed = new Set<T>();
  const added = new Set<T>();
  for (let i = 0; i < count; i += 2) {
    const before = changes[i];
    const next = changes[i + 1];
    if (before !== undefined && !added.delete(before)) {
      removed.add(before);
    }
    if (next !== undefined && !removed.delete(next)) {
      added.add(next);
    }
  }
  // Where each removed item is, and where each added item goes, among the items of `base`.
  const cut: number[] = [];
  for (const item of removed) {
    const i = sortedIndexOf(base, item, compare);
    if (i >= 0) {
      cut.push(i);
    }
  }
  cut.sort((a, b) => a - b);
  const inserts = [...added].sort(compare);
  const at = inserts.map(item => insertionIndex(base, item, compare));
  // The common change replaces an item by one in its place (an edge whose findings changed):
  // a plain copy with that slot set, no pass of our own over the array.
  const out = base.slice();
  const cutLeft: number[] = [];
  const insertLeft: number[] = [];
  let c = 0;
  for (let k = 0; k < inserts.length; k++) {
    const i = at[k] - 1;
    while (c < cut.length && cut[c] < i) {
      cutLeft.push(cut[c++]);
    }
    if (c < cut.length && cut[c] === i && compare(base[i], inserts[k]) === 0) {
      out[i] = inserts[k];
      c++;
    } else {
      insertLeft.push(k);
    }
  }
  while (c < cut.length) {
    cutLeft.push(cut[c++]);
  }
  if (cutLeft.length === 0 && insertLeft.length === 0) {
    return out;
  }
  // Items come and go: one merge pass.
  const merged: T[] = new Array(
    out.length - cutLeft.length + insertLeft.length,
  );
  let o = 0;
  let x = 0;
  c = 0;
  for (let i = 0; i < out.length; i++) {
    while (x < insertLeft.length && at[insertLeft[x]] === i) {
      merged[o++] = inserts[insertLeft[x++]];
    }
    if (c < cutLeft.length && cutLeft[c] === i) {
      c++;
      continue;
    }
    merged[o++] = out[i];
  }
  while (x < insertLeft.length) {
    merged[o++] = inserts[insertLeft[x++]];
  }
  return merged;
}

/** Appends `item` to the list of `key`, made when there is none. */
function addToList<K, V>(map: Map<K, V[]>, key: K, item: V) {
  const list = map.get(key);
  if (list) {
    list.push(item);
  } else {
    map.set(key, [item]);
  }
}

/**
 * Removes `item` from the list of `key`, and the list once empty; false when `key` has no list.
 */
function removeFromList<K, V>(map: Map<K, V[]>, key: K, item: V): boolean {
  const list = map.get(key);
  if (!list) {
    return false;
  }
  const i = list.indexOf(item);
  if (i >= 0) {
    list.splice(i, 1);
  }
  if (list.length === 0) {
    map.delete(key);
  }
  return true;
}

/**
 * A sorted view of a keyed collection, patched in place for small changes and rebuilt for
 * large ones. It keeps no map of what it shows: whoever changes an item tells it what was
 * shown for the key before ({@link touch}).
 *
 * A deferred view ({@link snapshot}) does not patch its array at each flush: it notes the
 * changes, and the array of a result is made when first asked for (a large graph's edges are
 * copied only for a result whose edges someone reads).
 */
class SortedView<T> {
  /** Keys changed since the last flush → the item shown for each then (the first touch's). */
  private readonly dirty = new Map<string, T | undefined>();
  private arr: T[] = [];
  /** `arr` was handed out: copy it before changing it (copy on write, no copy per result). */
  private shared = false;
  /**
   * Deferred views: the changes flushed since `arr`, as pairs (before, after), appended only;
   * replaced by a new list (never emptied) when `arr` is replaced, since snapshots keep it.
   */
  private changes: Array<T | undefined> = [];
  /** The last {@link snapshot} with changes, handed out again while nothing changes. */
  private lastSnapshot?: {
    base: T[];
    changes: Array<T | undefined>;
    count: number;
    read: () => T[];
  };

  constructor(
    private readonly compare: (a: T, b: T) => number,
    private readonly current: (key: string) => T | undefined,
    /** All current items (what the view shows once flushed). */
    private readonly all: () => Iterable<T>,
    private readonly equals?: (a: T, b: T) => boolean,
    /** Flushes note changes instead of patching (see {@link snapshot}). */
    private readonly deferred = false,
  ) {}

  /** Rebuild from all items at the next flush (many changes: no need to note each). */
  private rebuild = false;

  /** The item of `key` changes; `before`: the item it had (shown since the last flush). */
  touch(key: string, before: T | undefined) {
    if (!this.rebuild && !this.dirty.has(key)) {
      this.dirty.set(key, before);
    }
  }

  /** Any items may change: the next flush sorts them all. */
  touchAll() {
    if (!this.rebuild) {
      this.rebuild = true;
      this.dirty.clear();
    }
  }

  /** Shows exactly these items, sorted; `sorted`: the items already in order, when the caller has them. */
  reset(items: Iterable<T> | undefined, sorted?: T[]) {
    this.replace(sorted ?? [...(items ?? [])].sort(this.compare));
    this.rebuild = false;
    this.dirty.clear();
  }

  /** The sorted items; the array is never changed afterwards (later flushes copy it). */
  flush(): T[] {
    return this.snapshot()();
  }

  /**
   * The sorted items as they are now, made when the returned function is first called (and
   * kept): the same array {@link flush} would return, without copying a large array for a
   * result nobody reads. Later flushes do not change it.
   */
  snapshot(): () => T[] {
    this.flushInternal();
    const base = this.arr;
    const changes = this.changes;
    const count = changes.length;
    // Whoever calls the function later reads `base`: it is not patched in place any more.
    this.shared = true;
    if (count === 0) {
      return () => base;
    }
    const last = this.lastSnapshot;
    if (
      last &&
      last.base === base &&
      last.changes === changes &&
      last.count === count
    ) {
      // Nothing changed since the last snapshot: the same array, made once.
      return last.read;
    }
    let made: T[] | undefined;
    const read = () => {
      if (!made) {
        made = withChanges(base, changes, count, this.compare);
        if (
          this.arr === base &&
          this.changes === changes &&
          changes.length === count
        ) {
          // Still the view's current state: it goes on from the array made.
          this.replace(made);
          this.shared = true;
        }
      }
      return made;
    };
    this.lastSnapshot = { base, changes, count, read };
    return read;
  }

  private replace(arr: T[]) {
    this.arr = arr;
    this.shared = false;
    this.lastSnapshot = undefined;
    if (this.changes.length) {
      this.changes = [];
    }
  }

  private writable(): T[] {
    if (this.shared) {
      this.arr = this.arr.slice();
      this.shared = false;
    }
    return this.arr;
  }

  private flushInternal() {
    if (this.rebuild) {
      this.replace([...this.all()].sort(this.compare));
      this.rebuild = false;
      this.dirty.clear();
      return;
    }
    if (this.dirty.size === 0) {
      return;
    }
    if (this.dirty.size > 256 && this.dirty.size * 8 > this.arr.length) {
      this.replace([...this.all()].sort(this.compare));
    } else if (this.deferred) {
      for (const [key, before] of this.dirty) {
        const next = this.current(key);
        if (before !== next) {
          this.changes.push(before, next);
        }
      }
      if (this.changes.length > Math.max(256, this.arr.length / 2)) {
        // Many changes noted: applied once, so that no snapshot has to apply them all.
        this.replace(
          withChanges(
            this.arr,
            this.changes,
            this.changes.length,
            this.compare,
          ),
        );
      }
    } else {
      for (const [key, before] of this.dirty) {
        const next = this.current(key);
        if (before === next) {
          continue;
        }
        if (
          before !== undefined &&
          next !== undefined &&
          this.equals?.(before, next)
        ) {
          // Equal content: swap the object in place, the order does not change.
          const i = this.arr.indexOf(before);
          if (i >= 0) {
            this.writable()[i] = next;
            continue;
          }
        }
        if (before !== undefined) {
          sortedRemove(this.writable(), before, this.compare);
        }
        if (next !== undefined) {
          sortedInsert(this.writable(), next, this.compare);
        }
      }
    }
    this.dirty.clear();
  }
}

function* visibleFindings(
  visible: Map<string, FindingEntry>,
): Iterable<Finding> {
  for (const entry of visible.values()) {
    yield entry.finding;
  }
}

function sameNode(a: GraphNode, b: GraphNode): boolean {
  return (
    a.ref === b.ref &&
    a.kind === b.kind &&
    a.name === b.name &&
    a.hasContract === b.hasContract &&
    a.owner === b.owner &&
    a.system === b.system &&
    Object.keys(a).length === Object.keys(b).length
  );
}

function sameFinding(a: Finding, b: Finding): boolean {
  return stableStringify(a) === stableStringify(b);
}

class IncrementalAnalyzer implements Analyzer {
  private readonly index = new CatalogIndex();
  private readonly cfg: ResolvedConfig;
  private readonly ctx: IndexedRuleContext;
  /** Anchor → what its evaluation produced and read. */
  private readonly units = new Map<
    string,
    { output: UnitOutput; reads?: number[] }
  >();
  /** Read key → anchors that read it. */
  /**
   * Read key → the ids of the slots of the anchors that read it, in the order they read it
   * (numbers: no string kept or hashed per read; read keys are small, dense numbers).
   */
  private readonly readers: Array<number[] | undefined> = [];
  /** The reads of the evaluation under way (see `evaluate`). */
  private readonly log: number[] = [];
  /** Anchors to evaluate (again), with their slots: key → slot. */
  private readonly pending = new Map<string, Slot>();
  /** The iteration of `pending` that {@link evaluatePending} goes on with. */
  private pendingIteration?: IterableIterator<Slot>;

  /** Finding id → entries (normally one; on a clash the smallest anchor wins). */
  private readonly findingEntries = new Map<string, FindingEntry[]>();
  private readonly visible = new Map<string, FindingEntry>();
  private readonly attachFindings = new Map<string, Set<string>>();
  /** Edge id → the draft shown (of several anchors', {@link edgeWinner}'s). */
  private readonly edgeDrafts = new Map<string, EdgeDraft>();
  /**
   * Edge id → every anchor's draft of it, only for the ids more than one anchor draws (their
   * contracts say they are the same entity): one anchor's going does not take the edge away.
   */
  private readonly sharedEdges = new Map<string, EdgeDraft[]>();
  /** The current edge drafts by their `from` (an entity draws a handful), shown or not. */
  private readonly edgesByFrom = new Map<string, EdgeDraft[]>();
  private readonly edgeObjects = new Map<string, GraphEdge>();
  private readonly nodeObjects = new Map<string, GraphNode>();

  private readonly findingView = new SortedView<Finding>(
    compareFindings,
    id => this.visible.get(id)?.finding,
    () => visibleFindings(this.visible),
    sameFinding,
  );
  private readonly edgeView = new SortedView<GraphEdge>(
    compareEdges,
    id => this.edgeObjects.get(id),
    () => this.edgeObjects.values(),
    undefined,
    true,
  );
  private readonly nodeView = new SortedView<GraphNode>(
    compareNodes,
    key => this.nodeObjects.get(key),
    () => this.nodeObjects.values(),
  );
  private readonly dirtyEdges = new Set<string>();
  /**
   * No result assembled yet (or none left: every anchor was removed): evaluated anchors only
   * keep their output in `units`, and the next `result()` builds the graph from them in bulk.
   */
  private bulk = true;

  constructor(
    config: EngineConfig | undefined,
    rules: ContractRule[] | undefined,
    private readonly track: boolean,
  ) {
    this.cfg = resolveConfig(config, rules);
    this.ctx = new IndexedRuleContext(this.index, this.cfg.settings);
  }

  upsert(entity: EntitySummary, contract?: EntityContract): void {
    this.set(entity.ref, entity, contract);
  }

  remove(ref: string): void {
    this.set(ref, undefined, undefined);
  }

  /**
   * Loads `analyze`'s input: each contract waits in its entity's slot (the last one for a ref
   * wins), goes in with its entity, or after all entities when none has it, in input order.
   */
  loadAll(input: AnalyzeInput) {
    const waiting: Slot[] = [];
    for (const c of input.contracts) {
      const slot = this.index.slot(normalizeRef(c.entityRef));
      if (slot.loading === undefined) {
        waiting.push(slot);
      }
      slot.loading = c;
    }
    for (const entity of input.entities) {
      const slot = this.index.slot(normalizeRef(entity.ref));
      const contract = slot.loading;
      slot.loading = undefined;
      this.set(entity.ref, entity, contract, slot);
    }
    // Contracts of entities the input does not list still count.
    for (const slot of waiting) {
      const c = slot.loading;
      if (c) {
        slot.loading = undefined;
        this.upsert(summaryFromRef(c.entityRef), c);
      }
    }
  }

  private set(
    ref: string,
    entity: EntitySummary | undefined,
    contract: EntityContract | undefined,
    known?: Slot,
  ) {
    // Nothing reads anything before the first evaluation: no dirty keys to collect then.
    const dirty = this.index.set(
      ref,
      entity,
      contract,
      this.track && this.units.size > 0,
      known,
    );
    const slot = this.index.lastSet!;
    const key = slot.key;
    this.ctx.clearCache();
    if (this.track) {
      for (const k of dirty) {
        const list = this.readers[k];
        if (list) {
          for (const id of list) {
            const reader = this.index.slotById(id);
            this.pending.set(reader.key, reader);
          }
        }
      }
    }
    if (contract || this.units.has(key)) {
      this.pending.set(key, slot);
    }
    this.updateNode(slot);
  }

  private updateNode(slot: Slot) {
    const key = slot.key;
    const stored = slot.stored;
    const hasContract = slot.contract !== undefined;
    const before = this.nodeObjects.get(key);
    if (
      stored &&
      (hasContract || NODE_KINDS.has(stored.entity.kind.toLowerCase()))
    ) {
      const e = stored.entity;
      // One literal per shape, in the field order: no property added afterwards.
      const { ref, kind, name, owner, system } = e;
      let node: GraphNode;
      if (owner && system) {
        node = { ref, kind, name, hasContract, owner, system };
      } else if (owner) {
        node = { ref, kind, name, hasContract, owner };
      } else if (system) {
        node = { ref, kind, name, hasContract, system };
      } else {
        node = { ref, kind, name, hasContract };
      }
      if (before && sameNode(before, node)) {
        // Unchanged: keep the shown object, the node view need not change.
        return;
      }
      this.nodeObjects.set(key, node);
    } else {
      this.nodeObjects.delete(key);
    }
    if (this.bulk) {
      // Loading (nothing assembled yet): the nodes are sorted all at once, not noted one by one.
      this.nodeView.touchAll();
    } else {
      this.nodeView.touch(key, before);
    }
  }

  evaluatePending(maxAnchors: number): boolean {
    // One iteration of the pending anchors across calls: a Map's iteration skips the entries
    // deleted (each anchor is, when it is evaluated) and visits those added meanwhile (by edits
    // between calls); a new iteration per call would walk past every anchor done so far.
    const pending = (this.pendingIteration ??= this.pending.values());
    for (let n = 0; n < maxAnchors; n++) {
      const next = pending.next();
      if (next.done) {
        this.pendingIteration = undefined;
        return false;
      }
      const slot = next.value;
      this.pending.delete(slot.key);
      if (this.bulk) {
        this.evaluateForBulk(slot);
      } else {
        this.reevaluate(slot);
      }
    }
    return this.pending.size > 0;
  }

  result(): AnalysisResult {
    this.evaluatePending(Infinity);
    if (this.bulk) {
      this.assembleBulk();
    }
    for (const id of this.dirtyEdges) {
      const draft = this.edgeDrafts.get(id);
      const before = this.edgeObjects.get(id);
      if (!draft) {
        this.edgeObjects.delete(id);
      } else {
        const findings = this.edgeFindings(draft);
        if (
          !before ||
          before.via !== draft.via ||
          before.findings.join() !== findings.join()
        ) {
          this.edgeObjects.set(id, { ...draft, findings });
        }
      }
      this.edgeView.touch(id, before);
    }
    this.dirtyEdges.clear();
    // Memoized walks are only valid for one state of the catalog; free them.
    this.ctx.clearCache();
    // Nothing left to patch (no anchor): the next anchors are loaded in bulk again.
    this.bulk = this.units.size === 0;
    // Copy on write in the views: an unchanged view costs nothing, and no result's arrays
    // change later. The edges (hundreds of thousands in a large catalog) are made when first
    // read: a result after a small edit copies them only if someone reads them.
    const edges = this.edgeView.snapshot();
    return {
      graph: {
        nodes: this.nodeView.flush(),
        get edges() {
          return edges();
        },
        // A plain array property to whoever sets it, as the type says.
        set edges(value: GraphEdge[]) {
          Object.defineProperty(this, 'edges', {
            value,
            writable: true,
            enumerable: true,
            configurable: true,
          });
        },
      },
      findings: this.findingView.flush(),
    };
  }

  private edgeFindings(draft: EdgeDraft): string[] {
    const ids = this.attachFindings.get(
      attachKey(draft.from, draft.to, draft.subject),
    );
    return ids ? [...ids].sort() : NO_FINDINGS;
  }

  /**
   * Before the first assembly: evaluates an anchor and notes its output in the indexes the graph
   * is then built from at once ({@link assembleBulk}). An anchor evaluated before, whose reads
   * an edit touched since, first takes its earlier output and reads out.
   */
  private evaluateForBulk(slot: Slot) {
    const anchor = slot.key;
    const old = this.units.get(anchor);
    if (old) {
      this.dropReads(slot, old.reads);
      this.unindexBulk(old.output);
      this.units.delete(anchor);
    }
    // The anchor's contract is its slot's.
    const contract = slot.contract;
    if (contract) {
      const unit = this.evaluate(anchor, slot, contract);
      // In graph order now, in the stepped part: the assembly then only orders the anchors.
      sortSmall(unit.output.edges, compareEdges);
      this.units.set(anchor, unit);
      this.indexBulk(unit.output);
    }
  }

  /** Notes an anchor's output before the first assembly (no view is told: they are reset then). */
  private indexBulk(output: UnitOutput) {
    if (this.track) {
      const edges = output.edges;
      for (const edge of edges) {
        // Fresh drafts, not shown yet: they become the edges once given their findings.
        this.edgeObjects.set(edge.id, this.putDraft(edge) as GraphEdge);
      }
      if (edges.length) {
        // A contract's edges all start at its entity: indexed in one go.
        const list = this.edgesByFrom.get(edges[0].from);
        if (list) {
          list.push(...edges);
        } else {
          this.edgesByFrom.set(edges[0].from, edges.slice());
        }
      }
    }
    for (const entry of output.findings) {
      const id = entry.finding.id;
      if (this.track) {
        addToList(this.findingEntries, id, entry);
      }
      const shown = this.visible.get(id);
      if (!shown || entry.anchor < shown.anchor) {
        this.visible.set(id, entry);
      }
    }
  }

  /**
   * Takes an output {@link indexBulk} noted out again (an edit between two steps touched its
   * anchor; only when tracking: `analyze` makes no edit between steps).
   */
  private unindexBulk(output: UnitOutput) {
    for (const edge of output.edges) {
      const shown = this.dropDraft(edge);
      if (shown) {
        this.edgeObjects.set(edge.id, shown as GraphEdge);
      } else {
        this.edgeObjects.delete(edge.id);
      }
      removeFromList(this.edgesByFrom, edge.from, edge);
    }
    for (const entry of output.findings) {
      const id = entry.finding.id;
      removeFromList(this.findingEntries, id, entry);
      if (this.visible.get(id) === entry) {
        const winner = this.winnerOf(id);
        if (winner) {
          this.visible.set(id, winner);
        } else {
          this.visible.delete(id);
        }
      }
    }
  }

  /**
   * The first evaluation of everything, once every anchor is evaluated: same state as
   * re-evaluating each anchor, built in bulk from their outputs (noted by {@link indexBulk}).
   */
  private assembleBulk() {
    // The edges of one anchor all start at its entity: sorted per anchor, then by anchor, they
    // are in graph order without sorting them all at once.
    const groups: EdgeDraft[][] = [];
    for (const { output } of this.units.values()) {
      if (output.edges.length) {
        groups.push(output.edges);
      }
    }
    // The findings on each edge, looked up by the edge's `from` (no key per edge).
    const byFrom = new Map<
      string,
      Array<{ to: string; subject: string; ids: string[] }>
    >();
    for (const [id, entry] of this.visible) {
      if (this.track) {
        for (const key of entry.attach) {
          let set = this.attachFindings.get(key);
          if (!set) {
            set = new Set();
            this.attachFindings.set(key, set);
          }
          set.add(id);
        }
      }
      for (const on of entry.on) {
        let list = byFrom.get(on.from);
        if (!list) {
          list = [];
          byFrom.set(on.from, list);
        }
        let item = list.find(x => x.to === on.to && x.subject === on.subject);
        if (!item) {
          item = { to: on.to, subject: on.subject, ids: [] };
          list.push(item);
        }
        item.ids.push(id);
      }
    }
    groups.sort((a, b) => cmp(a[0].from, b[0].from));
    // Two anchors drawing from one entity (contracts that say they are the same one; never in
    // `analyze`, whose contracts go to the entity they name): their edges are sorted together,
    // and an edge both draw is shown once, as `edgeDrafts` has it.
    let sharedFrom = false;
    for (let i = 1; i < groups.length && !sharedFrom; i++) {
      sharedFrom = groups[i][0].from === groups[i - 1][0].from;
    }
    const shown = sharedFrom && this.track ? this.edgeDrafts : undefined;
    const edges: GraphEdge[] = [];
    for (const group of groups) {
      // Each group was sorted when its anchor was evaluated (evaluateForBulk).
      const list = byFrom.get(group[0].from);
      for (const draft of group) {
        if (shown && shown.get(draft.id) !== draft) {
          continue;
        }
        // Fresh drafts, not shown yet: they become the edges (`edgeObjects` has them already).
        const edge = draft as GraphEdge;
        const item = list?.find(
          x => x.to === edge.to && x.subject === edge.subject,
        );
        edge.findings = item ? sortSmall(item.ids.slice(), cmp) : NO_FINDINGS;
        edges.push(edge);
      }
    }
    if (sharedFrom) {
      edges.sort(compareEdges);
    }
    this.findingView.reset(visibleFindings(this.visible));
    this.edgeView.reset(undefined, edges);
    this.nodeView.reset(this.nodeObjects.values());
    this.dirtyEdges.clear();
  }

  private reevaluate(slot: Slot) {
    const anchor = slot.key;
    const old = this.units.get(anchor);
    if (old) {
      for (const entry of old.output.findings) {
        this.removeEntry(entry);
      }
      for (const edge of old.output.edges) {
        this.removeEdge(edge);
      }
      this.dropReads(slot, old.reads);
      this.units.delete(anchor);
    }
    const contract = slot.contract;
    if (!contract) {
      return;
    }
    const { output, reads } = this.evaluate(anchor, slot, contract);
    for (const edge of output.edges) {
      this.addEdge(edge);
    }
    for (const entry of output.findings) {
      this.addEntry(entry);
    }
    this.units.set(anchor, { output, reads });
  }

  /** The anchor of `slot` no longer reads `reads`: a change to them no longer re-evaluates it. */
  private dropReads(slot: Slot, reads: number[] | undefined) {
    for (const k of reads ?? []) {
      const list = this.readers[k];
      if (list) {
        const i = list.indexOf(slot.id);
        if (i >= 0) {
          list.splice(i, 1);
        }
        if (list.length === 0) {
          this.readers[k] = undefined;
        }
      }
    }
  }

  /**
   * Evaluates one anchor; when tracking, records what it read and registers the anchor as a
   * reader of each key, so that a change to any of them re-evaluates it.
   */
  private evaluate(anchor: string, slot: Slot, contract: EntityContract) {
    // The anchor reads its own entity (its key, as the slot's first read key). One log for
    // every evaluation: its distinct keys are copied out below.
    let log: number[] | undefined;
    if (this.track) {
      log = this.log;
      log.length = 0;
      log.push(slot.id * 4);
    }
    this.ctx.log = log;
    this.ctx.setAnchor(slot);
    const output = evaluateAnchor(anchor, contract, this.cfg, this.ctx);
    this.ctx.setAnchor(undefined);
    this.ctx.log = undefined;
    let reads: number[] | undefined;
    if (log) {
      // Small integers in a plain array: 4 bytes each, no typed array's headers per anchor.
      reads = this.ctx.distinctReads(log);
      for (const k of reads) {
        const readers = this.readers;
        // Grown one element at a time: a dense array, indexed without hashing.
        while (readers.length <= k) {
          readers.push(undefined);
        }
        const list = readers[k];
        if (list) {
          list.push(slot.id);
        } else {
          readers[k] = [slot.id];
        }
      }
    }
    return { output, reads };
  }

  private addEdge(edge: EdgeDraft) {
    this.putDraft(edge);
    addToList(this.edgesByFrom, edge.from, edge);
    this.dirtyEdges.add(edge.id);
  }

  private removeEdge(edge: EdgeDraft) {
    this.dropDraft(edge);
    removeFromList(this.edgesByFrom, edge.from, edge);
    this.dirtyEdges.add(edge.id);
  }

  /** Notes an anchor's draft of an edge; returns the draft shown for its id now. */
  private putDraft(edge: EdgeDraft): EdgeDraft {
    const id = edge.id;
    const shown = this.edgeDrafts.get(id);
    if (!shown) {
      this.edgeDrafts.set(id, edge);
      return edge;
    }
    // Another anchor draws it too.
    let drafts = this.sharedEdges.get(id);
    if (!drafts) {
      drafts = [shown];
      this.sharedEdges.set(id, drafts);
    }
    drafts.push(edge);
    const winner = edgeWinner(drafts);
    this.edgeDrafts.set(id, winner);
    return winner;
  }

  /** Takes out a draft {@link putDraft} noted; returns the draft shown for its id now, if any. */
  private dropDraft(edge: EdgeDraft): EdgeDraft | undefined {
    const id = edge.id;
    const drafts = this.sharedEdges.get(id);
    if (!drafts) {
      const shown = this.edgeDrafts.get(id);
      if (shown !== edge) {
        return shown;
      }
      this.edgeDrafts.delete(id);
      return undefined;
    }
    const i = drafts.indexOf(edge);
    if (i >= 0) {
      drafts.splice(i, 1);
    }
    if (drafts.length === 1) {
      this.sharedEdges.delete(id);
    }
    const winner = edgeWinner(drafts);
    this.edgeDrafts.set(id, winner);
    return winner;
  }

  private addEntry(entry: FindingEntry) {
    const id = entry.finding.id;
    addToList(this.findingEntries, id, entry);
    this.pickVisible(id);
  }

  private removeEntry(entry: FindingEntry) {
    const id = entry.finding.id;
    if (removeFromList(this.findingEntries, id, entry)) {
      this.pickVisible(id);
    }
  }

  /** The entry of a finding id that is shown: the smallest anchor's (on a clash). */
  private winnerOf(id: string): FindingEntry | undefined {
    let winner: FindingEntry | undefined;
    for (const e of this.findingEntries.get(id) ?? []) {
      if (!winner || e.anchor < winner.anchor) {
        winner = e;
      }
    }
    return winner;
  }

  private pickVisible(id: string) {
    const winner = this.winnerOf(id);
    const before = this.visible.get(id);
    if (before === winner) {
      return;
    }
    if (
      before &&
      winner &&
      before.attach.join('\n') === winner.attach.join('\n') &&
      sameFinding(before.finding, winner.finding)
    ) {
      // Same finding re-evaluated: keep the shown object, nothing changes.
      winner.finding = before.finding;
      this.visible.set(id, winner);
      return;
    }
    if (before) {
      this.setAttach(before, id, false);
    }
    if (winner) {
      this.visible.set(id, winner);
      this.setAttach(winner, id, true);
    } else {
      this.visible.delete(id);
    }
    this.findingView.touch(id, before?.finding);
  }

  private setAttach(entry: FindingEntry, id: string, on: boolean) {
    for (let i = 0; i < entry.attach.length; i++) {
      const key = entry.attach[i];
      let set = this.attachFindings.get(key);
      if (on) {
        if (!set) {
          set = new Set();
          this.attachFindings.set(key, set);
        }
        set.add(id);
      } else if (set) {
        set.delete(id);
        if (set.size === 0) {
          this.attachFindings.delete(key);
        }
      }
      const ref = entry.on[i];
      for (const edge of this.edgesByFrom.get(ref.from) ?? []) {
        if (edge.to === ref.to && edge.subject === ref.subject) {
          this.dirtyEdges.add(edge.id);
        }
      }
    }
  }
}

/**
 * Creates an incremental analyzer: `upsert`/`remove` entities as they change; `result()`
 * re-evaluates only the anchors whose reads an edit touched, and equals {@link analyze} over
 * the same entities.
 * @public
 */
export function createAnalyzer(
  opts: { config?: EngineConfig; rules?: ContractRule[] } = {},
): Analyzer {
  return new IncrementalAnalyzer(opts.config, opts.rules, true);
}

/**
 * Computes the conflict graph and the findings of all rules over the given entities and their
 * contracts.
 * @public
 */
export function analyze(input: AnalyzeInput): AnalysisResult {
  const analyzer = new IncrementalAnalyzer(input.config, input.rules, false);
  analyzer.loadAll(input);
  return analyzer.result();
}

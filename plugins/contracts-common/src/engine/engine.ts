/*
 * The engine: evaluates the rules per anchor (an entity with a contract), records what each
 * anchor read, and keeps the conflict graph and the sorted findings up to date as entities
 * change. `analyze` is the same machinery run once without recording.
 */
import type { EntityContract, EntitySummary, Finding } from '../types';
import { CatalogIndex, summaryFromRef } from './catalog';
import {
  cmp,
  compareEdges,
  compareFindings,
  compareNodes,
  edgeWinner,
  evaluateAnchor,
  NODE_KINDS,
  resolveConfig,
} from './evaluate';
import type { FindingEntry, ResolvedConfig, UnitOutput } from './evaluate';
import { attachKey, EdgeDraft, NO_FINDINGS } from './graph';
import { stableStringify } from './hash';
import { IndexedRuleContext } from './ruleContext';
import type { Slot } from './slot';
import { SortedView, sortSmall } from './sortedView';
import type {
  AnalysisResult,
  AnalyzeInput,
  Analyzer,
  ContractRule,
  EngineConfig,
  GraphEdge,
  GraphNode,
} from './types';

export {
  compareFindings,
  DEFAULT_PROMISE_DRIFT_TOLERANCE,
  DEFAULT_RETRY_AMPLIFICATION_BOUND,
} from './evaluate';

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

function* visibleFindings(
  visible: Map<string, FindingEntry>,
): Iterable<Finding> {
  for (const entry of visible.values()) {
    yield entry.finding;
  }
}

/**
 * The ids of the findings on an edge from `list`, the findings on the edges from its entity (a
 * loop, not `find` with a closure: that made a closure and its scope per edge, ~2 MB of a 10k
 * run's garbage).
 */
function findingsOn(
  list: Array<{ to: string; subject: string; ids: string[] }>,
  to: string,
  subject: string,
): string[] | undefined {
  for (let i = 0; i < list.length; i++) {
    if (list[i].to === to && list[i].subject === subject) {
      return list[i].ids;
    }
  }
  return undefined;
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
  /**
   * Anchor's slot id → what its evaluation produced and read (an array by slot id, not a map by
   * key: no key hashed per anchor — ~2 % of bench:floor's engine time at 10k).
   */
  private readonly units: Array<UnitOutput | undefined> = [];
  /** How many `units` are set. */
  private unitCount = 0;
  /** Read key → anchors that read it. */
  /**
   * Read key → the ids of the slots of the anchors that read it, in the order they read it
   * (numbers: no string kept or hashed per read; read keys are small, dense numbers).
   */
  private readonly readers: Array<number[] | undefined> = [];
  /** The reads of the evaluation under way (see `evaluate`). */
  private readonly log: number[] = [];
  /** Anchors to evaluate (again), with their slots: key → slot. */
  private pending: Slot[] = [];

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
    key => this.index.peek(key)?.node,
    () => this.nodes(),
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
      // `slot` normalizes a spelling it does not know yet: no normalizing here first.
      const slot = this.index.slot(c.entityRef);
      if (slot.loading === undefined) {
        waiting.push(slot);
      }
      slot.loading = c;
    }
    for (const entity of input.entities) {
      const slot = this.index.slot(entity.ref);
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
      this.track && this.unitCount > 0,
      known,
    );
    const slot = this.index.lastSet!;
    this.ctx.clearCache();
    if (this.track) {
      for (const k of dirty) {
        const list = this.readers[k];
        if (list) {
          for (const id of list) {
            const reader = this.index.slotById(id);
            this.addPending(reader);
          }
        }
      }
    }
    if (contract || this.units[slot.id]) {
      this.addPending(slot);
    }
    this.updateNode(slot);
  }

  /**
   * Notes an anchor to evaluate (again), once. (A flag on its slot and a list, not a map by key:
   * with the nodes on the slots too, ~2 maps of 10k keys fewer per 10k-entity load.)
   */
  private addPending(slot: Slot) {
    if (!slot.pending) {
      slot.pending = true;
      this.pending.push(slot);
    }
  }

  /** The anchors to evaluate, in the order noted; none are pending afterwards. */
  private takePending(): Slot[] {
    const list = this.pending;
    this.pending = [];
    for (let i = 0; i < list.length; i++) {
      list[i].pending = false;
    }
    return list;
  }

  /** The graph nodes shown (an array: no generator's result object per node). */
  private nodes(): GraphNode[] {
    const out: GraphNode[] = [];
    const slots = this.index.allSlots();
    for (let i = 0; i < slots.length; i++) {
      const node = slots[i].node;
      if (node) {
        out.push(node);
      }
    }
    return out;
  }

  private updateNode(slot: Slot) {
    const key = slot.key;
    const stored = slot.stored;
    const hasContract = slot.contract !== undefined;
    const before = slot.node;
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
      slot.node = node;
    } else {
      slot.node = undefined;
    }
    if (this.bulk) {
      // Loading (nothing assembled yet): the nodes are sorted all at once, not noted one by one.
      this.nodeView.touchAll();
    } else {
      this.nodeView.touch(key, before);
    }
  }

  result(): AnalysisResult {
    // Two paths: the first evaluation of everything (a full run) in bulk, then edits.
    if (this.bulk) {
      // Indexed: this loop runs once per full run, where a `for…of` step makes an iterator
      // result (see assembleBulk).
      const pending = this.takePending();
      for (let i = 0; i < pending.length; i++) {
        this.evaluateForBulk(pending[i]);
      }
      this.assembleBulk();
    } else {
      for (const slot of this.takePending()) {
        this.reevaluate(slot);
      }
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
    this.bulk = this.unitCount === 0;
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
   * Before the first assembly: evaluates an anchor (once: nothing is evaluated yet) and notes
   * its output in the indexes the graph is then built from at once ({@link assembleBulk}).
   */
  private evaluateForBulk(slot: Slot) {
    const anchor = slot.key;
    // The anchor's contract is its slot's.
    const contract = slot.contract;
    if (contract) {
      const output = this.evaluate(anchor, slot, contract);
      // In graph order now: the assembly then only orders the anchors.
      sortSmall(output.edges, compareEdges);
      this.setUnit(slot, output);
      this.indexBulk(output);
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
    for (let i = 0; i < output.findings.length; i++) {
      const entry = output.findings[i];
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
   * The first evaluation of everything, once every anchor is evaluated: same state as
   * re-evaluating each anchor, built in bulk from their outputs (noted by {@link indexBulk}).
   */
  private assembleBulk() {
    // The edges of one anchor all start at its entity: sorted per anchor, then by anchor, they
    // are in graph order without sorting them all at once.
    // Indexed loops here: this runs once per analysis, before the optimizing compiler takes
    // it, and there each step of a `for…of` makes an iterator result (~1.5 MB of a 10k run's
    // garbage for its 46,664 edges).
    const groups: EdgeDraft[][] = [];
    for (let i = 0; i < this.units.length; i++) {
      const output = this.units[i];
      if (output && output.edges.length) {
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
    // Made at its length (an array grown by `push` copies itself as it grows: ~1 MB of a
    // 10k run's garbage for 46,664 edges); shorter only when `shown` leaves some out.
    let total = 0;
    for (let g = 0; g < groups.length; g++) {
      total += groups[g].length;
    }
    const edges: GraphEdge[] = new Array(total);
    let n = 0;
    for (let g = 0; g < groups.length; g++) {
      // Each group was sorted when its anchor was evaluated (evaluateForBulk).
      const group = groups[g];
      const list = byFrom.get(group[0].from);
      for (let i = 0; i < group.length; i++) {
        const draft = group[i];
        if (shown && shown.get(draft.id) !== draft) {
          continue;
        }
        // Fresh drafts, not shown yet: they become the edges (`edgeObjects` has them already).
        const edge = draft as GraphEdge;
        const ids = list && findingsOn(list, edge.to, edge.subject);
        edge.findings = ids ? sortSmall(ids.slice(), cmp) : NO_FINDINGS;
        edges[n++] = edge;
      }
    }
    edges.length = n;
    if (sharedFrom) {
      edges.sort(compareEdges);
    }
    this.findingView.reset(visibleFindings(this.visible));
    this.edgeView.reset(undefined, edges);
    this.nodeView.reset(undefined, this.nodes().sort(compareNodes));
    this.dirtyEdges.clear();
  }

  private reevaluate(slot: Slot) {
    const anchor = slot.key;
    const old = this.units[slot.id];
    if (old) {
      for (const entry of old.findings) {
        this.removeEntry(entry);
      }
      for (const edge of old.edges) {
        this.removeEdge(edge);
      }
      this.dropReads(slot, old.reads);
      this.setUnit(slot, undefined);
    }
    const contract = slot.contract;
    if (!contract) {
      return;
    }
    const output = this.evaluate(anchor, slot, contract);
    for (const edge of output.edges) {
      this.addEdge(edge);
    }
    for (const entry of output.findings) {
      this.addEntry(entry);
    }
    this.setUnit(slot, output);
  }

  private setUnit(slot: Slot, output: UnitOutput | undefined) {
    const units = this.units;
    while (units.length <= slot.id) {
      // Grown one element at a time: a dense array.
      units.push(undefined);
    }
    this.unitCount += (output ? 1 : 0) - (units[slot.id] ? 1 : 0);
    units[slot.id] = output;
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
    if (log) {
      // Small integers in a plain array: 4 bytes each, no typed array's headers per anchor.
      const reads = this.ctx.distinctReads(log);
      output.reads = reads;
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
    return output;
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

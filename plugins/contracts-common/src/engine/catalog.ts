/*
 * The indexed catalog the rules read, and the recording context given to them.
 */
import type { EntityContract, EntitySummary } from '../types';
import { callsOf, resolveCalls, resolvedCall } from './calls';
import type { ResolvedCall } from './calls';
import type { DatasetMatch, RuleContext } from './types';

const normalized = new Map<string, string>();

/** Lower-cased ref with namespace: `resource:orders-db` → `resource:default/orders-db`. */
export function normalizeRef(
  ref: string,
  defaultNamespace = 'default',
  defaultKind = 'component',
): string {
  const plain = defaultNamespace === 'default' && defaultKind === 'component';
  if (isNormalized(ref)) {
    // Already `kind:namespace/name` in lower case: the common case, no lookup, no copy.
    return ref;
  }
  if (plain) {
    const hit = normalized.get(ref);
    if (hit !== undefined) {
      return hit;
    }
  }
  let rest = ref.trim();
  let kind = defaultKind;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    kind = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  let ns = defaultNamespace;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    ns = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
  }
  const out = `${kind}:${ns}/${rest}`.toLowerCase();
  if (plain) {
    if (normalized.size > 1_000_000) {
      normalized.clear();
    }
    normalized.set(ref, out);
  }
  return out;
}

/**
 * True when `ref` is already in normalized form: a kind before the first `:`, a namespace
 * before the first `/` after it, no upper-case letters and no surrounding spaces.
 */
function isNormalized(ref: string): boolean {
  let colon = -1;
  let slash = -1;
  const n = ref.length;
  for (let i = 0; i < n; i++) {
    const c = ref.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      return false;
    }
    if (c === 58 /* : */ && colon < 0 && slash < 0) {
      colon = i;
    } else if (c === 47 /* / */ && slash < 0) {
      slash = i;
    } else if (c > 127) {
      // toLowerCase of non-ASCII text: leave it to the general path.
      return false;
    }
  }
  return (
    colon > 0 &&
    slash > colon &&
    ref.charCodeAt(0) > 32 &&
    ref.charCodeAt(n - 1) > 32
  );
}

function nameKeyOf(normRef: string): string {
  const colon = normRef.indexOf(':');
  return `#n:${normRef.slice(colon + 1)}`;
}

const KIND_PREFERENCE = ['component', 'resource', 'api', 'system'];

function kindRank(normRef: string): number {
  const kind = normRef.slice(0, normRef.indexOf(':'));
  const i = KIND_PREFERENCE.indexOf(kind);
  return i < 0 ? KIND_PREFERENCE.length : i;
}

function addTo(map: Map<string, Set<string>>, key: string, value: string) {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

function removeFrom(map: Map<string, Set<string>>, key: string, value: string) {
  const set = map.get(key);
  if (set) {
    set.delete(value);
    if (set.size === 0) {
      map.delete(key);
    }
  }
}

interface StoredEntity {
  entity: EntitySummary;
  dependsOn: string[];
  dependencyOf: string[];
}

/** Everything known under one normalized ref; found by any spelling of the ref. */
export class Slot {
  stored?: StoredEntity = undefined;
  contract?: EntityContract = undefined;
  /** The id of the lookup by this ref's namespace/name (see {@link readKey}), once needed. */
  nameId = -1;
  /** What the context memoized about this ref, for one state of the catalog. */
  memos?: SlotMemos = undefined;
  /** While `analyze` loads its input: the contract waiting for this entity. */
  loading?: EntityContract = undefined;

  /** `id`: the slot's number, the base of its read keys (see {@link readKey}). */
  constructor(readonly key: string, readonly id: number) {}
}

/**
 * The memos about one slot, valid while `epoch` is current (the catalog does not change within
 * an epoch): one object, made when first needed and dropped as a whole, so that a slot costs
 * little between analyses.
 */
class SlotMemos {
  /** Memoized computations of `memo` (custom rules' among them). */
  memo?: Map<string, unknown> = undefined;
  /**
   * The built-in memos (stored as `memo` stores values), in fields: no key built, no map
   * searched. `resolve` of the ref when no entity has it exactly:
   */
  resolved: unknown = undefined;
  /** The resolved calls of the contract. */
  resolvedCalls: unknown = undefined;
  /** `findDataset` from this ref: the first dataset name asked for, then any others. */
  datasetName?: string = undefined;
  dataset: unknown = undefined;
  datasets?: Map<string, unknown> = undefined;
  /** Further built-in memos by table ({@link MemoTable}) and key. */
  tables?: Array<KeyedMemo | undefined> = undefined;

  constructor(readonly epoch: number) {}
}

/** A built-in memo's values by key: the first key in fields, any others in a map. */
class KeyedMemo {
  more?: Map<string, unknown> = undefined;
  constructor(readonly key: string, public value: unknown) {}

  get(key: string): unknown {
    return key === this.key ? this.value : this.more?.get(key);
  }

  set(key: string, value: unknown) {
    if (key === this.key) {
      this.value = value;
    } else {
      (this.more ??= new Map()).set(key, value);
    }
  }
}

/** The tables of {@link IndexedRuleContext.memoAt}: one per built-in memoized computation. */
export const MemoTable = {
  /** timeout-ordering's downstream wait, by operation. */
  DownstreamWait: 0,
  /** `chainLatency` walks, by operation and percentile. */
  ChainLatency: 1,
  /** `chainFreshness` walks, by dataset. */
  ChainFreshness: 2,
} as const;
export type MemoTableId = (typeof MemoTable)[keyof typeof MemoTable];

/**
 * The slots of a contract's refs other than its calls, index for index: `dataDependencies`,
 * the `derivedFrom` of each dataset, `requires`.
 */
export interface ContractRefs {
  dataDependencies: Slot[];
  derivedFrom: Slot[][];
  requires: Slot[];
}

/**
 * Reads are recorded as numbers: per slot, the entity and contract under its key (`id * 4`),
 * who lists it in `dependsOn` (`+ 1`), who lists it in `dependencyOf` (`+ 2`); per
 * namespace/name, the entities of any kind with it (`nameId * 4 + 3`).
 */
export const ReadKind = {
  Entity: 0,
  DependsOnRev: 1,
  DependencyOfRev: 2,
  Name: 3,
} as const;

/** The read key of a slot's entity, or of one of its relations. */
function readKey(slot: Slot, kind: 0 | 1 | 2 = 0): number {
  return slot.id * 4 + kind;
}

/** A memoized value with the reads that computed it (kept when reads are recorded). */
class MemoEntry {
  constructor(readonly value: unknown, readonly reads: number[]) {}
}

/** A memoized `undefined` when reads are not recorded (values are stored as they are). */
const UNDEFINED = Symbol('undefined');

/** Nothing usable memoized: compute. */
const NONE = Symbol('none');

/** A summary for an entity known only by its contract. */
export function summaryFromRef(ref: string): EntitySummary {
  const norm = normalizeRef(ref);
  const kind = norm.slice(0, norm.indexOf(':'));
  const namespace = norm.slice(norm.indexOf(':') + 1, norm.indexOf('/'));
  return {
    ref,
    kind,
    namespace,
    name: norm.slice(norm.indexOf('/') + 1),
    dependsOn: [],
    dependencyOf: [],
  };
}

/**
 * Entities and contracts, indexed by normalized ref, by namespace/name and by the reverse of
 * the catalog's dependency relations. Mutations return the keys whose readers are now stale.
 */
export class CatalogIndex {
  readonly entities = new Map<string, StoredEntity>();
  /** The slot of the entity last set (its contract is the slot's `contract`). */
  lastSet?: Slot;
  /**
   * How many entities have a ref other than their key (not in normalized form): while none
   * has, an entity's key is its own spelling of its ref.
   */
  otherSpellings = 0;
  /**
   * The lookups by name and the reverse relations: built on first use (a catalog whose refs
   * all resolve exactly, and whose data is where the contracts say, never needs the first
   * two), then kept up to date.
   */
  private byName?: Map<string, Set<string>>;
  private dependsOnRev?: Map<string, Set<string>>;
  private dependencyOfRev?: Map<string, Set<string>>;
  /** Any spelling of a ref → its slot. */
  private readonly slots = new Map<string, Slot>();
  /** How many keys of `slots` are other spellings (not a slot's key). */
  private aliases = 0;
  /** The slots by id. */
  private readonly slotList: Slot[] = [];
  /** Namespace/name lookup keys → their ids. */
  private readonly nameIds = new Map<string, number>();

  /** The slot with this id. */
  slotById(id: number): Slot {
    return this.slotList[id];
  }

  /** The read key of the lookup by a slot's namespace/name. */
  nameReadKey(slot: Slot): number {
    let id = slot.nameId;
    if (id < 0) {
      const nameKey = nameKeyOf(slot.key);
      id = this.nameIds.get(nameKey) ?? -1;
      if (id < 0) {
        id = this.nameIds.size;
        this.nameIds.set(nameKey, id);
      }
      slot.nameId = id;
    }
    return id * 4 + ReadKind.Name;
  }

  /** The slot of a ref (created empty for refs nothing has). */
  slot(ref: string): Slot {
    let slot = this.slots.get(ref);
    if (!slot) {
      const key = normalizeRef(ref);
      slot = this.slots.get(key);
      if (!slot) {
        slot = new Slot(key, this.slotList.length);
        this.slotList.push(slot);
        this.slots.set(key, slot);
      }
      if (ref !== key) {
        if (this.aliases > 3 * (this.entities.size + 1000)) {
          // Forget other spellings; every slot stays reachable by its key. (Counted apart
          // from the slots: slots made before their entities never start a scan.)
          for (const [k, v] of this.slots) {
            if (k !== v.key) {
              this.slots.delete(k);
            }
          }
          this.aliases = 0;
        }
        this.slots.set(ref, slot);
        this.aliases++;
      }
    }
    return slot;
  }

  /**
   * Sets (or with `entity` undefined removes) an entity; returns the dirty read keys (none
   * when `collect` is false: nothing reads them).
   */
  set(
    ref: string,
    entity: EntitySummary | undefined,
    contract: EntityContract | undefined,
    collect = true,
    known?: Slot,
  ): number[] {
    // `known`: the slot of `ref`, when the caller has it.
    const slot = known ?? this.slot(normalizeRef(ref));
    const key = slot.key;
    const dirty: number[] | undefined = collect ? [readKey(slot)] : undefined;
    // The slot holds what `entities` holds under its key: no second lookup.
    const old = slot.stored;
    const ns = entity?.namespace ?? old?.entity.namespace ?? 'default';
    const next: StoredEntity | undefined = entity && {
      entity,
      dependsOn: entity.dependsOn.map(r => normalizeRef(r, ns)),
      dependencyOf: entity.dependencyOf.map(r => normalizeRef(r, ns)),
    };
    if (!old !== !next) {
      dirty?.push(this.nameReadKey(slot));
      if (!this.byName) {
        // Not built yet: built from the entities when first needed.
      } else if (next) {
        addTo(this.byName, nameKeyOf(key), key);
      } else {
        removeFrom(this.byName, nameKeyOf(key), key);
      }
    }
    this.diffRelations(
      key,
      old?.dependsOn,
      next?.dependsOn,
      this.dependsOnRev,
      ReadKind.DependsOnRev,
      dirty,
    );
    this.diffRelations(
      key,
      old?.dependencyOf,
      next?.dependencyOf,
      this.dependencyOfRev,
      ReadKind.DependencyOfRev,
      dirty,
    );
    if (next) {
      this.entities.set(key, next);
    } else {
      this.entities.delete(key);
    }
    if (old && old.entity.ref !== key) {
      this.otherSpellings--;
    }
    if (next && next.entity.ref !== key) {
      this.otherSpellings++;
    }
    slot.stored = next;
    const nextContract = next ? contract : undefined;
    if (slot.contract !== nextContract) {
      // Readings of the old contract (the context's clearCache drops them anyway).
      slot.memos = undefined;
    }
    slot.contract = nextContract;
    this.lastSet = slot;
    return dirty ?? [];
  }

  private diffRelations(
    key: string,
    before: string[] | undefined,
    after: string[] | undefined,
    rev: Map<string, Set<string>> | undefined,
    kind: 1 | 2,
    dirty: number[] | undefined,
  ) {
    if (!rev && !dirty) {
      return;
    }
    if (!before || before.length === 0) {
      for (const t of after ?? []) {
        if (rev) {
          addTo(rev, t, key);
        }
        dirty?.push(readKey(this.slot(t), kind));
      }
      return;
    }
    const b = new Set(before);
    const a = new Set(after ?? []);
    for (const t of b) {
      if (!a.has(t)) {
        if (rev) {
          removeFrom(rev, t, key);
        }
        dirty?.push(readKey(this.slot(t), kind));
      }
    }
    for (const t of a) {
      if (!b.has(t)) {
        if (rev) {
          addTo(rev, t, key);
        }
        dirty?.push(readKey(this.slot(t), kind));
      }
    }
  }

  lookupByName(nameKey: string): Set<string> | undefined {
    if (!this.byName) {
      this.byName = new Map();
      for (const key of this.entities.keys()) {
        addTo(this.byName, nameKeyOf(key), key);
      }
    }
    return this.byName.get(nameKey);
  }

  reverse(
    kind: 'dependsOn' | 'dependencyOf',
    key: string,
  ): Set<string> | undefined {
    let rev = kind === 'dependsOn' ? this.dependsOnRev : this.dependencyOfRev;
    if (!rev) {
      rev = new Map();
      for (const [from, stored] of this.entities) {
        for (const to of stored[kind]) {
          addTo(rev, to, from);
        }
      }
      if (kind === 'dependsOn') {
        this.dependsOnRev = rev;
      } else {
        this.dependencyOfRev = rev;
      }
    }
    return rev.get(key);
  }
}

/** Where a ref goes among the context's recent refs: by its last two characters. */
function recentIndex(ref: string): number {
  const n = ref.length;
  return n < 2 ? 0 : (ref.charCodeAt(n - 1) + 3 * ref.charCodeAt(n - 2)) & 15;
}

/** Reads through this record their keys; `undefined` records nothing (full analysis). */
export type ReadLog = number[] | undefined;

/** The {@link RuleContext} over a catalog index, recording reads into a log. */
export class IndexedRuleContext implements RuleContext {
  log: ReadLog;
  /**
   * Memos: a {@link MemoEntry} when reads are recorded; else the value itself (`UNDEFINED` for
   * undefined), one object less per memo in a full analysis.
   */
  private readonly cache = new Map<string, unknown>();
  /**
   * Memos about objects, until the next clear. A Map, not a WeakMap: it lives for one state of
   * the catalog only, and a WeakMap of 100k keys slows every garbage collection.
   */
  private readonly objectCache = new Map<object, Map<string, unknown>>();
  /** Slots holding memos of the current epoch, freed on clear. */
  private memoSlots: Slot[] = [];
  /** Anything memoized since the last clear. */
  private used = false;
  private epoch = 0;

  constructor(
    private readonly index: CatalogIndex,
    readonly settings: RuleContext['settings'],
  ) {}

  /**
   * The last refs looked up and their slots, by their last two characters: rules ask about
   * the anchor and a few targets over and over. A ref's slot never changes (slots are never
   * replaced, only filled and emptied), so these never go stale.
   */
  private readonly recentRefs: Array<string | undefined> = new Array(16);
  private readonly recentSlots: Array<Slot | undefined> = new Array(16);

  private slotOf(ref: string): Slot {
    const anchor = this.anchorSlot;
    if (anchor !== undefined && anchor.key === ref) {
      // Rules ask about their anchor by its (normalized) ref over and over.
      return anchor;
    }
    const i = recentIndex(ref);
    if (this.recentRefs[i] === ref) {
      return this.recentSlots[i]!;
    }
    const slot = this.index.slot(ref);
    this.recentRefs[i] = ref;
    this.recentSlots[i] = slot;
    return slot;
  }

  /**
   * Notes the slot of an entity just resolved through slots: rules go on to ask about it by
   * its ref (`ctx.operation(target.ref, …)`), found then without a lookup.
   */
  private remember(ref: string, slot: Slot) {
    const i = recentIndex(ref);
    this.recentRefs[i] = ref;
    this.recentSlots[i] = slot;
  }

  /** The slot of the anchor being evaluated (see {@link setAnchor}). */
  anchorSlot: Slot | undefined = undefined;
  /** The slots of the anchor's contract's refs, once asked for. */
  private anchorRefs: ContractRefs | undefined = undefined;

  /** Starts (with a slot) or ends (without) the evaluation of an anchor. */
  setAnchor(slot: Slot | undefined) {
    this.anchorSlot = slot;
    this.anchorRefs = undefined;
  }

  /** The slot holding `contract`, if the catalog holds it. */
  private slotOfContract(contract: EntityContract): Slot | undefined {
    const anchor = this.anchorSlot;
    if (anchor && anchor.contract === contract) {
      return anchor;
    }
    const slot = this.slotOf(contract.entityRef);
    return slot.contract === contract ? slot : undefined;
  }

  /**
   * The slots of the refs of a contract the catalog holds (undefined for another contract):
   * built-in rules look its refs up through them. Reads nothing: resolving them does.
   */
  refsOf(contract: EntityContract): ContractRefs | undefined {
    const slot = this.slotOfContract(contract);
    if (!slot) {
      return undefined;
    }
    // Only the anchor's rules ask: kept for its evaluation, not with the slot.
    const anchor = slot === this.anchorSlot;
    let refs = anchor ? this.anchorRefs : undefined;
    if (!refs) {
      const derivedFrom = contract.datasets.map(ds =>
        ds.derivedFrom.map(src => this.index.slot(src.ref)),
      );
      refs = {
        dataDependencies: contract.dataDependencies.map(d =>
          this.index.slot(d.ref),
        ),
        derivedFrom,
        requires: contract.requires.map(r => this.index.slot(r.ref)),
      };
      if (anchor) {
        this.anchorRefs = refs;
      }
    }
    return refs;
  }

  /** The last objects memoized about (the anchor's contract, mostly) and their memos. */
  private readonly recentObjects: Array<object | undefined> = new Array(4);
  private readonly recentObjectMemos: Array<Map<string, unknown>> = new Array(
    4,
  );
  private nextRecentObject = 0;

  private objectMemo(about: object): Map<string, unknown> {
    for (let i = 0; i < 4; i++) {
      if (this.recentObjects[i] === about) {
        return this.recentObjectMemos[i];
      }
    }
    let m = this.objectCache.get(about);
    if (!m) {
      m = new Map();
      this.objectCache.set(about, m);
    }
    const i = this.nextRecentObject;
    this.nextRecentObject = (i + 1) & 3;
    this.recentObjects[i] = about;
    this.recentObjectMemos[i] = m;
    return m;
  }

  /** Forgets memoized computations: call whenever the index changes. */
  clearCache() {
    if (!this.used) {
      return;
    }
    this.used = false;
    this.objectCache.clear();
    this.recentObjects.fill(undefined);
    this.cache.clear();
    for (const slot of this.memoSlots) {
      slot.memos = undefined;
    }
    this.memoSlots = [];
    this.epoch++;
  }

  memo<T>(key: string, compute: () => T, about?: string | object): T {
    this.used = true;
    let map = this.cache;
    if (typeof about === 'object') {
      map = this.objectMemo(about);
    } else if (about !== undefined) {
      const slot = this.slotOf(about);
      map = this.fresh(slot).memo ??= new Map();
    }
    const hit = this.replay(map.get(key));
    if (hit !== NONE) {
      return hit as T;
    }
    // Recording reads: a value memoized without its reads is computed again.
    const mark = this.enter();
    const value = compute();
    map.set(key, this.leave(mark, value));
    return value;
  }

  private read(key: number) {
    if (this.log) {
      this.log.push(key);
    }
  }

  private stored(ref: string) {
    const slot = this.slotOf(ref);
    this.read(readKey(slot));
    return slot.stored;
  }

  entity(ref: string): EntitySummary | undefined {
    return this.stored(ref)?.entity;
  }

  /** {@link entity} of a slot's ref. */
  entityOfSlot(slot: Slot): EntitySummary | undefined {
    const log = this.log;
    if (log) {
      log.push(readKey(slot));
    }
    return slot.stored?.entity;
  }

  contract(ref: string): EntityContract | undefined {
    const slot = this.slotOf(ref);
    this.read(readKey(slot));
    return slot.contract;
  }

  resolve(ref: string): EntitySummary | undefined {
    return this.resolveSlot(this.slotOf(ref));
  }

  /** {@link resolve} of a slot's ref. */
  resolveSlot(slot: Slot): EntitySummary | undefined {
    const log = this.log;
    if (log) {
      log.push(readKey(slot));
    }
    const stored = slot.stored;
    if (stored) {
      this.remember(stored.entity.ref, slot);
      return stored.entity;
    }
    const memos = this.fresh(slot);
    const hit = this.replay(memos.resolved);
    if (hit !== NONE) {
      return hit as EntitySummary | undefined;
    }
    const mark = this.enter();
    const value: EntitySummary | undefined = this.resolveByName(slot);
    memos.resolved = this.leave(mark, value);
    return value;
  }

  private resolveByName(slot: Slot): EntitySummary | undefined {
    const nameKey = nameKeyOf(slot.key);
    this.read(this.index.nameReadKey(slot));
    const candidates = this.index.lookupByName(nameKey);
    if (!candidates || candidates.size === 0) {
      return undefined;
    }
    let best: string | undefined;
    for (const c of candidates) {
      if (
        best === undefined ||
        kindRank(c) < kindRank(best) ||
        (kindRank(c) === kindRank(best) && c < best)
      ) {
        best = c;
      }
    }
    if (this.log) {
      // The answer is that entity's summary: a change to it changes the answer.
      this.read(readKey(this.index.slot(best!)));
    }
    return this.index.entities.get(best!)!.entity;
  }

  /** The slot holding `entity`, found through `slot` when that is where it was resolved. */
  private slotOfEntity(slot: Slot, entity: EntitySummary): Slot {
    return slot.stored?.entity === entity ? slot : this.index.slot(entity.ref);
  }

  /** {@link contract} of a slot (recorded as a read of its key). */
  contractOfSlot(slot: Slot): EntityContract | undefined {
    const log = this.log;
    if (log) {
      log.push(readKey(slot));
    }
    return slot.contract;
  }

  /** The memos of a slot for the current epoch (made when the epoch has none yet). */
  private fresh(slot: Slot): SlotMemos {
    this.used = true;
    let memos = slot.memos;
    if (memos === undefined || memos.epoch !== this.epoch) {
      memos = new SlotMemos(this.epoch);
      slot.memos = memos;
      this.memoSlots.push(slot);
    }
    return memos;
  }

  /**
   * A memoized value as `memo` stored it, for the current reader: its reads replayed into the
   * log; {@link NONE} when it must be computed (nothing stored, or stored without its reads while
   * reads are recorded).
   */
  private replay(hit: unknown): unknown {
    if (hit instanceof MemoEntry) {
      const log = this.log;
      if (log) {
        for (const k of hit.reads) {
          log.push(k);
        }
      }
      return hit.value;
    }
    if (hit !== undefined && !this.log) {
      return hit === UNDEFINED ? undefined : hit;
    }
    return NONE;
  }

  /**
   * Starts a memoized computation: returns where its reads start in the log (-1 when reads
   * are not recorded). The reads stay in the log: they are the caller's reads too.
   */
  private enter(): number {
    return this.log ? this.log.length : -1;
  }

  /**
   * Ends a computation started by {@link enter}: returns what to store for `value` (as `memo`
   * stores it), with its distinct reads when they are recorded; they replace its reads in
   * the log (the same keys, once each).
   */
  private leave(mark: number, value: unknown): unknown {
    const log = this.log;
    if (mark < 0 || !log) {
      return value === undefined ? UNDEFINED : value;
    }
    const reads = this.distinctReads(log, mark);
    log.length = mark;
    for (const k of reads) {
      log.push(k);
    }
    return new MemoEntry(value, reads);
  }

  /** Read keys seen by the current {@link distinctReads}: `seen[key] === stamp`. */
  private seen = new Int32Array(1024);
  private stamp = 0;

  /** The distinct keys of `log` from `from`, in the order first read (no set built). */
  distinctReads(log: number[], from = 0): number[] {
    if (this.stamp === 0x7fffffff) {
      this.seen.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    let seen = this.seen;
    const out: number[] = [];
    for (let i = from; i < log.length; i++) {
      const k = log[i];
      if (k >= seen.length) {
        const grown = new Int32Array(Math.max(k + 1, seen.length * 2));
        grown.set(seen);
        this.seen = seen = grown;
      }
      if (seen[k] !== stamp) {
        seen[k] = stamp;
        out.push(k);
      }
    }
    return out;
  }

  /**
   * `memo(key, compute, ref)` for the built-in computations, kept in a table of the ref's slot
   * (no key built, no per-slot map): same values, same reads replayed.
   */
  memoAt<T>(slot: Slot, table: MemoTableId, key: string, compute: () => T): T {
    const tables = (this.fresh(slot).tables ??= []);
    const memo = tables[table];
    const hit = this.replay(memo?.get(key));
    if (hit !== NONE) {
      return hit as T;
    }
    const mark = this.enter();
    const value: T = compute();
    const stored = this.leave(mark, value);
    if (memo) {
      memo.set(key, stored);
    } else {
      tables[table] = new KeyedMemo(key, stored);
    }
    return value;
  }

  /** `resolvedCalls(ctx, ctx.contract(ref))` for the slot of `ref`: the same reads. */
  callsAt(slot: Slot): ResolvedCall[] {
    const log = this.log;
    if (log) {
      log.push(readKey(slot));
    }
    const contract = slot.contract;
    if (
      !contract ||
      (contract.dependsOn.length === 0 && contract.retryPolicies.length === 0)
    ) {
      return [];
    }
    return this.resolvedCallsOfSlot(slot);
  }

  /** The calls of a contract with their targets resolved (see `resolvedCalls` in paths). */
  resolvedCalls(contract: EntityContract): ResolvedCall[] {
    const slot = this.slotOfContract(contract);
    if (!slot) {
      // A contract the catalog does not hold: memoized by the object.
      return this.memo(
        'resolvedCalls',
        () => resolveCalls(this, contract),
        contract,
      );
    }
    return this.resolvedCallsOfSlot(slot);
  }

  /** {@link resolvedCalls} of the contract a slot holds (no reads of its own: see the callers). */
  resolvedCallsOfSlot(slot: Slot): ResolvedCall[] {
    const memos = this.fresh(slot);
    const hit = this.replay(memos.resolvedCalls);
    if (hit !== NONE) {
      return hit as ResolvedCall[];
    }
    const mark = this.enter();
    const value: ResolvedCall[] = this.computeResolvedCalls(slot);
    memos.resolvedCalls = this.leave(mark, value);
    return value;
  }

  /** Computed once per slot and epoch (the result is memoized): nothing else kept. */
  private computeResolvedCalls(slot: Slot): ResolvedCall[] {
    const calls = callsOf(slot.contract);
    const out: ResolvedCall[] = new Array(calls.length);
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i];
      const at = this.index.slot(call.ref);
      const target = this.resolveSlot(at);
      if (!target) {
        out[i] = resolvedCall(call, undefined, undefined);
        continue;
      }
      const targetSlot = this.slotOfEntity(at, target);
      out[i] = resolvedCall(
        call,
        target,
        this.contractOfSlot(targetSlot),
        targetSlot,
      );
    }
    return out;
  }

  tiedEntities(ref: string): string[] {
    const slot = this.slotOf(ref);
    const key = slot.key;
    return this.memo(
      'tied',
      () => {
        const own = this.stored(ref);
        this.read(readKey(slot, ReadKind.DependsOnRev));
        this.read(readKey(slot, ReadKind.DependencyOfRev));
        const out = new Set<string>([
          ...(own?.dependsOn ?? []),
          ...(own?.dependencyOf ?? []),
          ...(this.index.reverse('dependsOn', key) ?? []),
          ...(this.index.reverse('dependencyOf', key) ?? []),
        ]);
        out.delete(key);
        return this.canonical([...out]);
      },
      key,
    );
  }

  catalogDependencies(ref: string): string[] {
    const slot = this.slotOf(ref);
    const key = slot.key;
    return this.memo(
      'catalogDependencies',
      () => {
        const own = this.stored(ref);
        this.read(readKey(slot, ReadKind.DependencyOfRev));
        const reverse = this.index.reverse('dependencyOf', key);
        const out = new Set<string>(own?.dependsOn ?? []);
        for (const r of reverse ?? []) {
          out.add(r);
        }
        out.delete(key);
        return this.canonical([...out]);
      },
      key,
    );
  }

  /** Sorted; the entity's own spelling of the ref when it is known. */
  private canonical(keys: string[]): string[] {
    if (keys.length > 16) {
      keys.sort();
    } else {
      // As `sort()` orders strings, without the work array it allocates per call.
      for (let i = 1; i < keys.length; i++) {
        const k = keys[i];
        let j = i - 1;
        while (j >= 0 && keys[j] > k) {
          keys[j + 1] = keys[j];
          j--;
        }
        keys[j + 1] = k;
      }
    }
    if (this.log) {
      // The spelling given is the entity's: a re-spelled entity changes the answer.
      for (const k of keys) {
        this.read(readKey(this.index.slot(k)));
      }
    }
    if (this.index.otherSpellings === 0) {
      // Every entity's ref is its key: nothing to look up.
      return keys;
    }
    return keys.map(k => this.index.entities.get(k)?.entity.ref ?? k);
  }

  operation(ref: string, name: string) {
    const ops = this.contract(ref)?.operations;
    if (!ops) {
      return undefined;
    }
    for (const o of ops) {
      if (o.name === name) {
        return o;
      }
    }
    return undefined;
  }

  idempotency(ref: string, name: string) {
    const specs = this.contract(ref)?.idempotency;
    if (!specs) {
      return undefined;
    }
    for (const o of specs) {
      if (o.name === name) {
        return o;
      }
    }
    return undefined;
  }

  dataset(ref: string, name: string) {
    const datasets = this.contract(ref)?.datasets;
    if (!datasets) {
      return undefined;
    }
    for (const d of datasets) {
      if (d.name === name) {
        return d;
      }
    }
    return undefined;
  }

  findDataset(sourceRef: string, dataset: string): DatasetMatch {
    return this.findDatasetAt(this.slotOf(sourceRef), dataset);
  }

  /** {@link findDataset} from a slot's ref. */
  findDatasetAt(slot: Slot, dataset: string): DatasetMatch {
    const memos = this.fresh(slot);
    const hit = this.replay(
      memos.datasetName === dataset
        ? memos.dataset
        : memos.datasets?.get(dataset),
    );
    if (hit !== NONE) {
      return hit as DatasetMatch;
    }
    const mark = this.enter();
    const value: DatasetMatch = this.computeFindDataset(slot, dataset);
    const stored = this.leave(mark, value);
    if (memos.datasetName === undefined || memos.datasetName === dataset) {
      memos.datasetName = dataset;
      memos.dataset = stored;
    } else {
      (memos.datasets ??= new Map()).set(dataset, stored);
    }
    return value;
  }

  private computeFindDataset(slot: Slot, dataset: string): DatasetMatch {
    const source = this.resolveSlot(slot);
    if (!source) {
      return {
        candidatesDeclareDatasets: false,
        candidatesHaveContract: false,
      };
    }
    // The source itself first; the entities tied to it only when it does not provide it.
    const own = this.contractOfSlot(this.slotOfEntity(slot, source));
    let declares = !!own && own.datasets.length > 0;
    let contracted = !!own;
    let ds;
    if (own) {
      for (const d of own.datasets) {
        if (d.name === dataset) {
          ds = d;
          break;
        }
      }
    }
    if (ds) {
      return {
        source: source.ref,
        provider: source.ref,
        dataset: ds,
        candidatesDeclareDatasets: true,
        candidatesHaveContract: true,
      };
    }
    for (const candidate of this.tiedEntities(source.ref)) {
      const c = this.contract(candidate);
      if (!c) {
        continue;
      }
      contracted = true;
      declares = declares || c.datasets.length > 0;
      const found = c.datasets.find(d => d.name === dataset);
      if (found) {
        return {
          source: source.ref,
          provider: candidate,
          dataset: found,
          candidatesDeclareDatasets: true,
          candidatesHaveContract: true,
        };
      }
    }
    return {
      source: source.ref,
      candidatesDeclareDatasets: declares,
      candidatesHaveContract: contracted,
    };
  }
}

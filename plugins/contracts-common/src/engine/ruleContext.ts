/*
 * The rule context over the catalog index: what rules read, recorded as read keys so that an
 * edit re-evaluates exactly the anchors that read what it changed; memos per slot.
 */
import type { EntityContract, EntitySummary } from '../types';
import { CatalogIndex, kindRank, nameKeyOf } from './catalog';
import { ReadKind, readKey, Slot, SlotMemos } from './slot';
import { sortStrings } from './sortStrings';
import type { DatasetMatch, RuleContext } from './types';

/** A memoized value with the reads that computed it (kept when reads are recorded). */
class MemoEntry {
  constructor(readonly value: unknown, readonly reads: number[]) {}
}

/**
 * The memos about one object (a contract, mostly): the first key's value in fields, others in
 * a map made only when an object has more than one. Most objects have one memo (its resolved
 * calls): a Map per contract cost 10k Maps per run at 10k entities (bench:floor, three rules:
 * 6-8 of ~170 ms with the Maps' collection).
 */
class ObjectMemos {
  private key?: string = undefined;
  private value: unknown = undefined;
  private rest?: Map<string, unknown> = undefined;

  get(key: string): unknown {
    return key === this.key ? this.value : this.rest?.get(key);
  }

  set(key: string, value: unknown) {
    if (this.key === undefined || key === this.key) {
      this.key = key;
      this.value = value;
    } else {
      (this.rest ??= new Map()).set(key, value);
    }
  }
}

/** A memoized `undefined` when reads are not recorded (values are stored as they are). */
const UNDEFINED = Symbol('undefined');

/** Nothing usable memoized: compute. */
const NONE = Symbol('none');

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
  private readonly objectCache = new Map<object, ObjectMemos>();
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

  /** Starts (with a slot) or ends (without) the evaluation of an anchor. */
  setAnchor(slot: Slot | undefined) {
    this.anchorSlot = slot;
  }

  /** The last objects memoized about (the anchor's contract, mostly) and their memos. */
  private readonly recentObjects: Array<object | undefined> = new Array(4);
  private readonly recentObjectMemos: ObjectMemos[] = new Array(4);
  private nextRecentObject = 0;

  private objectMemo(about: object): ObjectMemos {
    for (let i = 0; i < 4; i++) {
      if (this.recentObjects[i] === about) {
        return this.recentObjectMemos[i];
      }
    }
    let m = this.objectCache.get(about);
    if (!m) {
      m = new ObjectMemos();
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
    let map: Pick<ObjectMemos, 'get' | 'set'> = this.cache;
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

  contract(ref: string): EntityContract | undefined {
    const slot = this.slotOf(ref);
    this.read(readKey(slot));
    return slot.contract;
  }

  resolve(ref: string): EntitySummary | undefined {
    return this.resolveSlot(this.slotOf(ref));
  }

  /** {@link resolve} of a slot's ref. */
  private resolveSlot(slot: Slot): EntitySummary | undefined {
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
    return this.index.stored(best!)!.entity;
  }

  /** The slot holding `entity`, found through `slot` when that is where it was resolved. */
  private slotOfEntity(slot: Slot, entity: EntitySummary): Slot {
    return slot.stored?.entity === entity ? slot : this.index.slot(entity.ref);
  }

  /** {@link contract} of a slot (recorded as a read of its key). */
  private contractOfSlot(slot: Slot): EntityContract | undefined {
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
    sortStrings(keys);
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
    return keys.map(k => this.index.stored(k)?.entity.ref ?? k);
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
  private findDatasetAt(slot: Slot, dataset: string): DatasetMatch {
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

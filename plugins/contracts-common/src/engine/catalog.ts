/*
 * The indexed catalog the rules read: entities and contracts by normalized ref, by
 * namespace/name and by the reverse of the catalog's relations (the context over it:
 * `ruleContext.ts`).
 */
import type { EntityContract, EntitySummary } from '../types';
import { ReadKind, readKey, Slot } from './slot';
import type { StoredEntity } from './slot';

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

export function nameKeyOf(normRef: string): string {
  const colon = normRef.indexOf(':');
  return `#n:${normRef.slice(colon + 1)}`;
}

const KIND_PREFERENCE = ['component', 'resource', 'api', 'system'];

export function kindRank(normRef: string): number {
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
 * An entity as the index holds it, its relations normalized when first read: a full analysis
 * whose rules never ask for them (no dataset outside its provider, no tied entities) does not
 * normalize 5 refs and make 2 arrays per entity (bench:floor 10k: ~8 ms of ~170, three rules).
 */
class Stored implements StoredEntity {
  private deps?: string[] = undefined;
  private depOf?: string[] = undefined;

  constructor(readonly entity: EntitySummary, private readonly ns: string) {}

  get dependsOn(): string[] {
    return (this.deps ??= this.entity.dependsOn.map(r =>
      normalizeRef(r, this.ns),
    ));
  }

  get dependencyOf(): string[] {
    return (this.depOf ??= this.entity.dependencyOf.map(r =>
      normalizeRef(r, this.ns),
    ));
  }
}

/**
 * Entities and contracts, indexed by normalized ref, by namespace/name and by the reverse of
 * the catalog's dependency relations. Mutations return the keys whose readers are now stale.
 */
export class CatalogIndex {
  /**
   * How many slots hold an entity. (The entities are the slots' `stored`: no map of them beside
   * the slots, which cost a set per entity — ~1.5 % of bench:floor's engine time at 10k.)
   */
  entityCount = 0;
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

  /** The entity under a normalized ref, if any (no slot made for it). */
  stored(key: string): StoredEntity | undefined {
    return this.slots.get(key)?.stored;
  }

  /** The slot of a normalized ref, if it has one (none made). */
  peek(key: string): Slot | undefined {
    return this.slots.get(key);
  }

  /** Every slot, by id. */
  allSlots(): readonly Slot[] {
    return this.slotList;
  }

  /** The slot of a ref (created empty for refs nothing has). */
  slot(ref: string): Slot {
    let slot = this.slots.get(ref);
    if (!slot) {
      const key = normalizeRef(ref);
      // A ref in normalized form was looked up already.
      slot = key === ref ? undefined : this.slots.get(key);
      if (!slot) {
        slot = new Slot(key, this.slotList.length);
        this.slotList.push(slot);
        this.slots.set(key, slot);
      }
      if (ref !== key) {
        if (this.aliases > 3 * (this.entityCount + 1000)) {
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
    const next: StoredEntity | undefined = entity && new Stored(entity, ns);
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
    // Nothing to keep up to date (no reverse map built, no reader): the relations stay unread.
    if (this.dependsOnRev || dirty) {
      this.diffRelations(
        key,
        old?.dependsOn,
        next?.dependsOn,
        this.dependsOnRev,
        ReadKind.DependsOnRev,
        dirty,
      );
    }
    if (this.dependencyOfRev || dirty) {
      this.diffRelations(
        key,
        old?.dependencyOf,
        next?.dependencyOf,
        this.dependencyOfRev,
        ReadKind.DependencyOfRev,
        dirty,
      );
    }
    this.entityCount += (next ? 1 : 0) - (old ? 1 : 0);
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
      for (const slot of this.slotList) {
        if (slot.stored) {
          addTo(this.byName, nameKeyOf(slot.key), slot.key);
        }
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
      for (const slot of this.slotList) {
        for (const to of slot.stored?.[kind] ?? []) {
          addTo(rev, to, slot.key);
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

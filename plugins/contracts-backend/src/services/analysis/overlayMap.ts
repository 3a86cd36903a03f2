import { ReadonlyMapBase } from './readonlyMapBase';

/** What one delta changed: keys set, and keys deleted (none of them set). */
export interface OverlayLevel<K, V> {
  changed: ReadonlyMap<K, V>;
  deleted: ReadonlySet<K>;
}

/**
 * What flattens overlays into a map of their own, instead of merging them (at a depth of 8) or
 * copying a Map: `root` (the first map beneath them) with each level's changes applied in turn,
 * as a Map's deletes and sets would; undefined: not a map it edits (merged or copied, then).
 */
export type Compact<K, V> = (
  root: ReadonlyMap<K, V>,
  levels: ReadonlyArray<OverlayLevel<K, V>>,
) => ReadonlyMap<K, V> | undefined;

/**
 * A map made of another (`base`, not changed) and what a delta changed in it: set and deleted
 * keys. Reads and iteration are those of a Map built by copying `base` and applying the
 * changes (a changed key keeps its place, new keys come last), without copying it: a delta of
 * the served snapshot costs O(changed) on the main thread instead of a copy of every entity
 * (100k entities: `new Map(previous)` and the loops beside it were ≈ 27 ms of the one task at
 * the end of a delta, `node --cpu-prof --import tsx scripts/bench-recompute.ts --entities 100000
 * --runs 2`). Overlays on overlays are merged into one over the first Map beneath them at a
 * depth of 8 (O(their changes)), and into a Map of their own once their changes reach an eighth
 * of the whole (a copy of that Map, builtin, and the changes over it: at 100k entities a copy
 * through the overlays' iterators was ~100 ms every ninth delta) — or, given a {@link Compact}
 * that edits the map beneath them (./slotMap.ts, ./entityTable.ts), into one it makes, at
 * either point (a Map copied and overlays merged were 46.6 + 19.9 ms of a delta's task for the
 * findings by entity at 100k, `yarn bench:recompute --entities 100000 --change 1 --notifier`).
 */
export class OverlayMap<K, V> extends ReadonlyMapBase<K, V> {
  readonly size: number;
  private readonly depth: number;

  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    readonly changed: ReadonlyMap<K, V>,
    readonly deleted: ReadonlySet<K>,
    size: number,
    depth: number,
  ) {
    super();
    this.size = size;
    this.depth = depth;
  }

  /**
   * `base` with `set` set and `deleted` deleted (a key in both: set). `compact`: what flattens
   * the overlays, when they are (see {@link Compact}), instead of a merge or a copied Map.
   */
  static of<K, V>(
    base: ReadonlyMap<K, V>,
    set: Iterable<readonly [K, V]>,
    deleted: Iterable<K>,
    compact?: Compact<K, V>,
  ): ReadonlyMap<K, V> {
    const changed = new Map<K, V>();
    for (const [k, v] of set) changed.set(k, v);
    const gone = new Set<K>();
    for (const k of deleted) {
      if (!changed.has(k) && base.has(k)) gone.add(k);
    }
    let size = base.size - gone.size;
    for (const k of changed.keys()) if (!base.has(k)) size++;
    const depth = base instanceof OverlayMap ? base.depth + 1 : 1;
    let overlay = new OverlayMap(base, changed, gone, size, depth);
    const flatten = depth > 8 || overlay.weight() * 8 > size;
    const compacted = flatten && compact?.(...overlay.levels());
    if (compacted) return compacted;
    if (depth > 8) overlay = overlay.merged();
    return overlay.weight() * 8 > size ? overlay.copied() : overlay;
  }

  /** The changes of this overlay and those under it. */
  private weight(): number {
    const below = this.base instanceof OverlayMap ? this.base.weight() : 0;
    return below + this.changed.size + this.deleted.size;
  }

  /**
   * The same map as one overlay over the first Map beneath this one (`root`): a key of `root`
   * deleted and set again (which comes last) is in both its `deleted` and its `changed`.
   */
  private merged(): OverlayMap<K, V> {
    const levels: Array<OverlayMap<K, V>> = [this];
    let root = this.base;
    while (root instanceof OverlayMap) {
      levels.unshift(root);
      root = root.base;
    }
    const changed = new Map<K, V>();
    const deleted = new Set<K>();
    for (const level of levels) {
      for (const k of level.deleted) {
        changed.delete(k);
        if (root.has(k)) deleted.add(k);
      }
      for (const [k, v] of level.changed) {
        // a key its base lacks comes last (its place in `changed`)
        if (!level.base.has(k)) changed.delete(k);
        changed.set(k, v);
      }
    }
    return new OverlayMap(root, changed, deleted, this.size, 1);
  }

  /** The first map beneath this overlay, and the levels over it (oldest first). */
  private levels(): [ReadonlyMap<K, V>, Array<OverlayLevel<K, V>>] {
    const levels: Array<OverlayLevel<K, V>> = [this];
    let root = this.base;
    while (root instanceof OverlayMap) {
      levels.unshift(root);
      root = root.base;
    }
    return [root, levels];
  }

  /** The same map, as a Map of its own. */
  private copied(): Map<K, V> {
    const { base, changed, deleted } = this.merged();
    const out = new Map(base);
    for (const k of deleted) out.delete(k);
    for (const [k, v] of changed) out.set(k, v);
    return out;
  }

  get(k: K): V | undefined {
    if (this.changed.has(k)) return this.changed.get(k);
    return this.deleted.has(k) ? undefined : this.base.get(k);
  }

  has(k: K): boolean {
    return this.changed.has(k) || (!this.deleted.has(k) && this.base.has(k));
  }

  *entries(): MapIterator<[K, V]> {
    // (a key both deleted and changed: deleted from its place, set again at the end)
    for (const [k, v] of this.base) {
      if (this.deleted.has(k)) continue;
      yield this.changed.has(k) ? [k, this.changed.get(k)!] : [k, v];
    }
    for (const [k, v] of this.changed) {
      if (!this.base.has(k) || this.deleted.has(k)) yield [k, v];
    }
  }

  *keys(): MapIterator<K> {
    // (the base's keys: not its values, which a table makes when read)
    for (const k of this.base.keys()) if (!this.deleted.has(k)) yield k;
    for (const k of this.changed.keys()) {
      if (!this.base.has(k) || this.deleted.has(k)) yield k;
    }
  }

  /**
   * The entries, each value as `of` makes it, the base's as `ofBase` makes them of the base (a
   * table whose values are made when read gives what is asked of them without them).
   */
  *projected<W>(
    ofBase: (base: ReadonlyMap<K, V>) => Iterable<[K, W]>,
    of: (v: V) => W,
  ): IterableIterator<[K, W]> {
    for (const [k, w] of ofBase(this.base)) {
      if (this.deleted.has(k)) continue;
      yield this.changed.has(k) ? [k, of(this.changed.get(k)!)] : [k, w];
    }
    for (const [k, v] of this.changed) {
      if (!this.base.has(k) || this.deleted.has(k)) yield [k, of(v)];
    }
  }
}

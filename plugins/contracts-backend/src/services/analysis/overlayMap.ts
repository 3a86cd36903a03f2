/**
 * A map made of another (`base`, not changed) and what a delta changed in it: set and deleted
 * keys. Reads and iteration are those of a Map built by copying `base` and applying the
 * changes (a changed key keeps its place, new keys come last), without copying it: a delta of
 * the served snapshot costs O(changed) on the main thread instead of a copy of every entity
 * (100k entities: `new Map(previous)` and the loops beside it were ≈ 27 ms of the one task at
 * the end of a delta, `node --cpu-prof --import tsx scripts/bench-recompute.ts --entities 100000
 * --runs 2`). Overlays on overlays are
 * flattened into one Map once their changes reach an eighth of the whole, or a depth of 8.
 */
export class OverlayMap<K, V> implements ReadonlyMap<K, V> {
  readonly size: number;
  private readonly depth: number;

  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    private readonly changed: ReadonlyMap<K, V>,
    private readonly deleted: ReadonlySet<K>,
    size: number,
    depth: number,
  ) {
    this.size = size;
    this.depth = depth;
  }

  /** `base` with `set` set and `deleted` deleted (a key in both: set). */
  static of<K, V>(
    base: ReadonlyMap<K, V>,
    set: Iterable<readonly [K, V]>,
    deleted: Iterable<K>,
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
    const overlay = new OverlayMap(base, changed, gone, size, depth);
    const weight =
      (base instanceof OverlayMap ? base.weight() : 0) +
      changed.size +
      gone.size;
    return depth > 8 || weight * 8 > size ? new Map(overlay) : overlay;
  }

  /** The changes of this overlay and those under it. */
  private weight(): number {
    const below = this.base instanceof OverlayMap ? this.base.weight() : 0;
    return below + this.changed.size + this.deleted.size;
  }

  get(k: K): V | undefined {
    if (this.changed.has(k)) return this.changed.get(k);
    return this.deleted.has(k) ? undefined : this.base.get(k);
  }

  has(k: K): boolean {
    return this.changed.has(k) || (!this.deleted.has(k) && this.base.has(k));
  }

  *entries(): MapIterator<[K, V]> {
    for (const [k, v] of this.base) {
      if (this.changed.has(k)) yield [k, this.changed.get(k)!];
      else if (!this.deleted.has(k)) yield [k, v];
    }
    for (const [k, v] of this.changed) if (!this.base.has(k)) yield [k, v];
  }

  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(
    fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void,
    thisArg?: unknown,
  ): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
}

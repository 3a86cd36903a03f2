/**
 * A ReadonlyMap of what a subclass gives — `size`, `get`, `has` and `entries` — the rest derived
 * from `entries` once here: `keys`, `values`, the iterator and `forEach`. A subclass whose keys
 * cost less than its entries (a table whose values are made when read) gives `keys` too.
 */
export abstract class ReadonlyMapBase<K, V> implements ReadonlyMap<K, V> {
  abstract readonly size: number;

  abstract get(k: K): V | undefined;

  abstract has(k: K): boolean;

  abstract entries(): MapIterator<[K, V]>;

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

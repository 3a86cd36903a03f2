/*
 * Sorted arrays kept up to date as items change: the findings, edges and nodes of the results.
 * A result's arrays never change afterwards (copy on write).
 */

/**
 * Sorts in place like `arr.sort(compare)`; short arrays (the edges of one entity) by insertion,
 * without the work array `Array.prototype.sort` allocates on every call.
 */
export function sortSmall<T>(arr: T[], compare: (a: T, b: T) => number): T[] {
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

/**
 * A sorted view of a keyed collection, patched in place for small changes and rebuilt for
 * large ones. It keeps no map of what it shows: whoever changes an item tells it what was
 * shown for the key before ({@link touch}).
 *
 * A deferred view ({@link snapshot}) does not patch its array at each flush: it notes the
 * changes, and the array of a result is made when first asked for (a large graph's edges are
 * copied only for a result whose edges someone reads).
 */
export class SortedView<T> {
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

import { ReadonlyMapBase } from './readonlyMapBase';

/** A run of rows a delta keeps: `n` rows from `src` (before) at `dst` (after). */
type Kept = readonly [src: number, dst: number, n: number];

/** The rows `runs` (./graphItems runsOf) keep, in order of `src`. */
function keptOf(runs: Int32Array): Kept[] {
  const kept: Kept[] = [];
  let at = 0;
  for (let i = 0; i < runs.length; i += 2) {
    if (runs[i] >= 0) kept.push([runs[i], at, runs[i + 1]]);
    at += runs[i + 1];
  }
  return kept.sort((a, b) => a[0] - b[0]);
}

/** Where `moves` take row `row` (-1: nowhere). */
function moved(moves: readonly Kept[], row: number): number {
  let lo = 0;
  let hi = moves.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [src, dst, n] = moves[mid];
    if (row < src) hi = mid - 1;
    else if (row >= src + n) lo = mid + 1;
    else return dst + row - src;
  }
  return -1;
}

/** `first` then `second` (each in order of `src`, their sources not overlapping), as one. */
function composed(first: readonly Kept[], second: readonly Kept[]): Kept[] {
  const out: Kept[] = [];
  for (const [s1, d1, n1] of first) {
    // the runs of `second` that take some of d1 … d1 + n1 - 1
    let lo = 0;
    let hi = second.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (second[mid][0] + second[mid][2] <= d1) lo = mid + 1;
      else hi = mid;
    }
    for (let j = lo; j < second.length && second[j][0] < d1 + n1; j++) {
      const [s2, d2, n2] = second[j];
      const a = Math.max(d1, s2);
      const b = Math.min(d1 + n1, s2 + n2);
      if (b > a) out.push([s1 + a - d1, d2 + a - s2, b - a]);
    }
  }
  return out;
}

/**
 * Keys (unique) → rows, after deltas whose rows move: a Map made once (`base`, of a full
 * transfer's rows or the last rebuild) and what the deltas since did to it — the runs of its rows
 * they kept, composed into one (root row → row now), and the rows of the keys they added — so that
 * a delta costs the main thread O(its runs and changed keys), not a Map of every key (at 100k
 * entities 40k findings: 5–16 ms of the delta's end task, `node --cpu-prof --import tsx
 * scripts/bench-recompute.ts --entities 100000 --runs 2 --change 1`, 906cbd9). A Map again once
 * the runs and added keys reach half the rows. Reads check the row's key (`keys`, the rows' keys
 * now).
 */
export class RowIndex extends ReadonlyMapBase<string, number> {
  private constructor(
    private readonly base: ReadonlyMap<string, number>,
    private readonly moves: readonly Kept[],
    private readonly added: ReadonlyMap<string, number>,
    private readonly rowKeys: readonly string[],
  ) {
    super();
  }

  /** The index of `keys` (each row's key), `previous`'s after a delta of these runs. */
  static after(
    previous: ReadonlyMap<string, number>,
    runs: Int32Array,
    keys: readonly string[],
  ): ReadonlyMap<string, number> {
    const kept = keptOf(runs);
    const base = previous instanceof RowIndex ? previous.base : previous;
    const moves =
      previous instanceof RowIndex ? composed(previous.moves, kept) : kept;
    const added = new Map<string, number>();
    if (previous instanceof RowIndex) {
      for (const [k, row] of previous.added) {
        const now = moved(kept, row);
        if (now >= 0) added.set(k, now);
      }
    }
    let at = 0;
    for (let i = 0; i < runs.length; i += 2) {
      if (runs[i] < 0) {
        for (let j = at; j < at + runs[i + 1]; j++) added.set(keys[j], j);
      }
      at += runs[i + 1];
    }
    if ((moves.length + added.size) * 2 > keys.length) {
      const out = new Map<string, number>();
      for (let i = 0; i < keys.length; i++) out.set(keys[i], i);
      return out;
    }
    return new RowIndex(base, moves, added, keys);
  }

  get size(): number {
    return this.rowKeys.length;
  }

  get(k: string): number | undefined {
    const row = this.added.get(k);
    if (row !== undefined) return row;
    const before = this.base.get(k);
    if (before === undefined) return undefined;
    const now = moved(this.moves, before);
    return now >= 0 && this.rowKeys[now] === k ? now : undefined;
  }

  has(k: string): boolean {
    return this.get(k) !== undefined;
  }

  *entries(): MapIterator<[string, number]> {
    for (let i = 0; i < this.rowKeys.length; i++) yield [this.rowKeys[i], i];
  }

  *keys(): MapIterator<string> {
    yield* this.rowKeys;
  }
}

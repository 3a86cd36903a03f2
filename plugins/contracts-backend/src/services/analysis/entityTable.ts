import type { ContractProblem } from '@backstage-contracts/plugin-contracts-common';
import { OverlayMap, type OverlayLevel } from './overlayMap';
import type { StoredEntity } from './protocol';
import {
  CELLS,
  EntityColumns,
  EntityColumnsBuilder,
  type EntityText,
  IntColumn,
  LazyEntity,
} from './lazyEntity';
import { ReadonlyMapBase } from './readonlyMapBase';
import { SlotIndex } from './slotMap';

/** The text of a piece no row reads any longer. */
const NO_TEXT: EntityText = { json: '', meta: '' };

/**
 * The served snapshot's entities, by key: {@link EntityColumns} (a row per slot of the index)
 * and a {@link SlotIndex} of key → row (a Map of numbers: no object per entry), each entity read
 * through a {@link LazyEntity} made by `get` (or the iteration). What the main thread keeps per
 * entity is its key (the string in the Map, shared with the graph's node of it) and its numbers,
 * instead of an object and its etag and hash strings: at 100k entities, ~300k objects fewer for
 * each of its major GCs to mark (`yarn bench:heap --entities 100000 --breakdown`).
 *
 * Immutable. A delta is an OverlayMap over it (./overlayMap.ts), flattened by
 * {@link EntityTable.compact} into a new table that shares this one's texts and index: its rows
 * keep their places (a row gone is marked, not moved) — a copy of its numbers (a memcpy) and
 * O(changed) otherwise, no Map of every key made again.
 */
export class EntityTable extends ReadonlyMapBase<string, StoredEntity> {
  private constructor(
    private readonly columns: EntityColumns,
    private readonly index: SlotIndex<string>,
    readonly size: number,
  ) {
    super();
  }

  /** The table of `columns`, row `i` the entity of `index`'s slot `i` (every row held). */
  static of(columns: EntityColumns, index: SlotIndex<string>): EntityTable {
    return new EntityTable(columns, index, index.slots);
  }

  private readonly live = (row: number) => this.columns.isLive(row);

  get(k: string): StoredEntity | undefined {
    const row = this.index.slotOf(k, this.live);
    return row === undefined ? undefined : this.columns.entity(row);
  }

  has(k: string): boolean {
    return this.index.slotOf(k, this.live) !== undefined;
  }

  /** The key string this table holds for `k` (to share it), if it has `k`. */
  keyOf(k: string): string | undefined {
    const row = this.index.slotOf(k, this.live);
    return row === undefined ? undefined : this.index.keyAt(row);
  }

  *entries(): MapIterator<[string, StoredEntity]> {
    const { columns, index } = this;
    for (let row = 0; row < index.slots; row++) {
      if (columns.isLive(row)) yield [index.keyAt(row), columns.entity(row)];
    }
  }

  *keys(): MapIterator<string> {
    const { columns, index } = this;
    for (let row = 0; row < index.slots; row++) {
      if (columns.isLive(row)) yield index.keyAt(row);
    }
  }

  /** Each entity's key and contract hash (see {@link entityHashes}). */
  *hashes(): IterableIterator<[string, string | undefined]> {
    const { columns, index } = this;
    for (let row = 0; row < index.slots; row++) {
      if (columns.isLive(row)) {
        yield [index.keyAt(row), columns.contractHash(row)];
      }
    }
  }

  /**
   * `root` with the changes of `levels` applied in turn (see OverlayMap's Compact), as a table:
   * undefined (merged or copied, then) unless `root` is a table and every entity set a
   * LazyEntity.
   */
  static compact(
    root: ReadonlyMap<string, StoredEntity>,
    levels: ReadonlyArray<OverlayLevel<string, StoredEntity>>,
  ): ReadonlyMap<string, StoredEntity> | undefined {
    if (!(root instanceof EntityTable)) return undefined;
    for (const { changed } of levels) {
      for (const v of changed.values()) {
        if (!(v instanceof LazyEntity)) return undefined;
      }
    }
    return root.edited(
      levels as ReadonlyArray<OverlayLevel<string, LazyEntity>>,
    );
  }

  private edited(
    levels: ReadonlyArray<OverlayLevel<string, LazyEntity>>,
  ): EntityTable {
    const before = this.columns;
    const texts = [...before.texts];
    const pieceOf = new Map<EntityText, number>(texts.map((t, i) => [t, i]));
    let added = 0;
    for (const { changed } of levels) added += changed.size;
    const cells = new IntColumn();
    cells.reserve(before.cells.length + added * CELLS);
    cells.values.set(before.cells);
    cells.length = before.cells.length;
    const problems = new Map(before.problems);
    const live = (row: number) => cells.values[row * CELLS] >= 0;
    const edit = this.index.edit();
    let size = this.size;
    /** Row `row`'s cells those of `e` (a row of other columns). */
    const copy = (row: number, e: LazyEntity) => {
      const from = e.columns;
      const text = from.texts[from.cells[e.row * CELLS]];
      let piece = pieceOf.get(text);
      if (piece === undefined) {
        piece = texts.length;
        texts.push(text);
        pieceOf.set(text, piece);
      }
      const at = row * CELLS;
      cells.values.set(
        from.cells.subarray(e.row * CELLS, (e.row + 1) * CELLS),
        at,
      );
      cells.values[at] = piece;
      const list = from.problems.get(e.row);
      if (list) problems.set(row, list);
      else problems.delete(row);
    };
    for (const { changed, deleted } of levels) {
      for (const k of deleted) {
        const row = edit.slotOf(k, live);
        if (row === undefined) continue;
        cells.values[row * CELLS] = -1;
        problems.delete(row);
        edit.gone(k);
        size--;
      }
      for (const [k, e] of changed) {
        let row = edit.slotOf(k, live);
        if (row === undefined) {
          row = edit.add(k);
          for (let i = 0; i < CELLS; i++) cells.push(0);
          size++;
        }
        copy(row, e);
      }
    }
    // the texts no row reads any longer let go (their places kept)
    const read = new Uint8Array(texts.length);
    for (let at = 0; at < cells.length; at += CELLS) {
      const piece = cells.values[at];
      if (piece >= 0) read[piece] = 1;
    }
    read.forEach((isRead, piece) => {
      if (!isRead) texts[piece] = NO_TEXT;
    });
    const index = edit;
    const table = new EntityTable(
      new EntityColumns(texts, cells.done(), problems),
      index,
      size,
    );
    return (index.slots - size + index.added) * 8 > size
      ? table.rebuilt()
      : table;
  }

  /** The same table, its rows in order without the rows gone, and one Map of key → row. */
  private rebuilt(): EntityTable {
    const builder = new EntityColumnsBuilder();
    const rowOf = new Map<string, number>();
    const before = this.columns;
    builder.texts.push(...before.texts);
    builder.cells.reserve(this.size * CELLS);
    for (let row = 0; row < this.index.slots; row++) {
      if (!before.isLive(row)) continue;
      const k = this.index.keyAt(row);
      const at = builder.keys.length;
      rowOf.set(k, at);
      builder.keys.push(k);
      for (let i = 0; i < CELLS; i++) {
        builder.cells.push(before.cells[row * CELLS + i]);
      }
      const list = before.problems.get(row);
      if (list) builder.problems.set(at, list);
    }
    return EntityTable.of(builder.columns(), SlotIndex.of(builder.keys, rowOf));
  }
}

/** The most entities an {@link EntityTableBuilder} takes memory for before they come. */
const MAX_EXPECTED = 1 << 20;

/**
 * A full transfer's entities as its pieces come, and the Map of key → row (keys unique: the
 * worker's entities are a Map).
 */
export class EntityTableBuilder {
  private readonly columns = new EntityColumnsBuilder();
  private readonly rowOf = new Map<string, number>();

  /**
   * `expected`: how many entities are to come (the header's count): their cells' memory taken
   * at once, its pages touched as the pieces fill it, instead of grown by doubling — at 100k
   * entities each doubling a copy of up to 2.4 MB into fresh memory within one piece's task.
   * Only a hint (an adopted snapshot's head says it): not a count, or over
   * {@link MAX_EXPECTED}, and the cells grow as they come.
   */
  constructor(expected = 0) {
    if (Number.isSafeInteger(expected) && expected > 0) {
      this.columns.cells.reserve(Math.min(expected, MAX_EXPECTED) * CELLS);
    }
  }

  /** Adds a piece's entities (their problems to `problems`, in order). */
  add(
    part: Parameters<EntityColumnsBuilder['add']>[0],
    problems: ContractProblem[],
  ) {
    const { keys } = this.columns;
    const first = this.columns.add(part, problems);
    for (let row = first; row < keys.length; row++)
      this.rowOf.set(keys[row], row);
  }

  /** The key string held for `k` (to share it), if there is an entity of key `k`. */
  keyOf(k: string): string | undefined {
    const row = this.rowOf.get(k);
    return row === undefined ? undefined : this.columns.keys[row];
  }

  table(): EntityTable {
    return EntityTable.of(
      this.columns.columns(),
      SlotIndex.of(this.columns.keys, this.rowOf),
    );
  }
}

/**
 * Each entity's key and contract hash (undefined: it has no contract), in order, without the
 * entities: what reads every entity's hash (the counts of the whole report, the history) does
 * not make an object per entity of the served table (at 100k a 206 ms task making them, in the
 * first load's whole report, `yarn bench:scale --entities 100000 --profile`).
 */
export function entityHashes(
  entities: ReadonlyMap<string, StoredEntity>,
  /** The hash of an entity not of a table (one made on this thread: tests). */
  hashOf: (e: StoredEntity) => string | undefined = e => e.contractHash,
): Iterable<[string, string | undefined]> {
  if (entities instanceof EntityTable) return entities.hashes();
  if (entities instanceof OverlayMap) {
    return entities.projected(base => entityHashes(base, hashOf), hashOf);
  }
  return [...entities].map(([k, e]) => [k, hashOf(e)]);
}

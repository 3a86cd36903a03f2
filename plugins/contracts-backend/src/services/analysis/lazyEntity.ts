import type {
  ContractProblem,
  EntityContract,
  EntitySummary,
} from '@backstage-contracts/plugin-contracts-common';
import { reserve } from './graphItems';
import type { StoredEntity, TransferPart } from './protocol';

/**
 * A piece's entities as text: their summaries and contracts (JSON, one after the other), and
 * their etags and contract hashes (one after the other, each entity's etag then its hash).
 */
export interface EntityText {
  json: string;
  meta: string;
}

/**
 * The numbers of each entity row in {@link EntityColumns.cells}: its piece (its index in
 * `texts`; -1: a row no longer held), where its JSON starts and ends in the piece's `json`, where
 * its etag starts in the piece's `meta`, and the lengths of its etag and its hash (-1: none).
 */
export const CELLS = 6;

/**
 * The problems of every entity without any: one array (frozen), not one per entity — at 100k
 * entities, 100k arrays fewer for each major GC of the main thread to mark.
 */
const NO_PROBLEMS = Object.freeze([]) as unknown as ContractProblem[];

/**
 * An entity as a transfer's piece (or a persisted snapshot) carries it: a row of
 * {@link EntityColumns}, its summary and contract parsed when first read through this object (a
 * snapshot of a large catalog is tens of megabytes of contracts, most of which no request reads).
 * Made when an entity is asked for: two reads of an entity are two objects (each parses its own).
 */
export class LazyEntity implements StoredEntity {
  private body?: { summary: EntitySummary; contract?: EntityContract };

  constructor(
    /** The columns it is a row of. */
    readonly columns: EntityColumns,
    readonly row: number,
  ) {}

  private read() {
    this.body ??= JSON.parse(this.json());
    return this.body!;
  }

  get etag(): string | undefined {
    return this.columns.etag(this.row);
  }

  get contractHash(): string | undefined {
    return this.columns.contractHash(this.row);
  }

  get problems(): ContractProblem[] {
    return this.columns.problemsOf(this.row);
  }

  get summary(): EntitySummary {
    return this.read().summary;
  }

  get contract(): EntityContract | undefined {
    return this.read().contract;
  }

  /**
   * Whether `other` is the same entity as received (not sent again since): a row of the same
   * piece's text, at the same place (the objects themselves are made when asked for).
   */
  isSame(other: StoredEntity | undefined): boolean {
    return (
      other instanceof LazyEntity &&
      this.columns.textOf(this.row) === other.columns.textOf(other.row) &&
      this.columns.startOf(this.row) === other.columns.startOf(other.row)
    );
  }

  /** Its summary and contract as JSON (as sent: `{"summary":…,"contract":…}`), unparsed. */
  json(): string {
    return this.columns.json(this.row);
  }

  toJSON(): StoredEntity {
    return {
      etag: this.etag,
      summary: this.summary,
      contract: this.contract,
      problems: this.problems,
      contractHash: this.contractHash,
    };
  }
}

/**
 * Entities as columns: their pieces' text (a few large strings), their places in it (numbers in
 * one Int32Array) and the problems of those that have some — instead of an object and two or
 * three strings per entity (an etag, a hash, …), which every major GC of the main thread marks
 * (100k entities: ~400k objects, `yarn bench:heap --entities 100000 --breakdown`). An entity is
 * read through a {@link LazyEntity} made when it is asked for.
 */
export class EntityColumns {
  constructor(
    readonly texts: readonly EntityText[],
    readonly cells: Int32Array,
    /** Row → its problems (rows with none are not here). */
    readonly problems: ReadonlyMap<number, ContractProblem[]>,
  ) {}

  /** How many rows (including those no longer held). */
  get rows(): number {
    return this.cells.length / CELLS;
  }

  /** Whether row `row` is held. */
  isLive(row: number): boolean {
    return this.cells[row * CELLS] >= 0;
  }

  /** Row `row`'s summary and contract as JSON (`{"summary":…,"contract":…}`). */
  json(row: number): string {
    const at = row * CELLS;
    return this.texts[this.cells[at]].json.slice(
      this.cells[at + 1],
      this.cells[at + 2],
    );
  }

  /** The text of row `row`'s piece. */
  textOf(row: number): EntityText {
    return this.texts[this.cells[row * CELLS]];
  }

  /** Where row `row`'s JSON starts in its piece's. */
  startOf(row: number): number {
    return this.cells[row * CELLS + 1];
  }

  etag(row: number): string | undefined {
    const at = row * CELLS;
    const n = this.cells[at + 4];
    if (n < 0) return undefined;
    const from = this.cells[at + 3];
    return this.texts[this.cells[at]].meta.slice(from, from + n);
  }

  contractHash(row: number): string | undefined {
    const at = row * CELLS;
    const n = this.cells[at + 5];
    if (n < 0) return undefined;
    const from = this.cells[at + 3] + Math.max(this.cells[at + 4], 0);
    return this.texts[this.cells[at]].meta.slice(from, from + n);
  }

  problemsOf(row: number): ContractProblem[] {
    return this.problems.get(row) ?? NO_PROBLEMS;
  }

  /** Row `row`, to read. */
  entity(row: number): LazyEntity {
    return new LazyEntity(this, row);
  }
}

/** An Int32Array grown by doubling. */
export class IntColumn {
  values = new Int32Array(1024);
  length = 0;

  /** Room for `n` more values. */
  reserve(n: number) {
    this.values = reserve(this.values, this.length + n);
  }

  push(value: number) {
    this.values[this.length++] = value;
  }

  /** The values (a view of its memory: nothing is added after). */
  done(): Int32Array {
    return this.values.subarray(0, this.length);
  }
}

/**
 * Entity rows made of pieces as they come (see TransferPart's `entities` and `entityJson`): each
 * piece's text kept as it is, its etags and hashes joined into one string.
 */
export class EntityColumnsBuilder {
  readonly texts: EntityText[] = [];
  readonly cells = new IntColumn();
  readonly problems = new Map<number, ContractProblem[]>();
  /** The rows' keys, in order. */
  readonly keys: string[] = [];

  /** Adds a piece's entities (their problems also to `problems`, in order); their first row. */
  add(
    part: Pick<TransferPart, 'entities' | 'entityJson'>,
    problems?: ContractProblem[],
  ): number {
    const first = this.keys.length;
    const piece = this.texts.length;
    const meta: string[] = [];
    let metaLength = 0;
    let start = 0;
    this.cells.reserve(part.entities.length * CELLS);
    for (const [k, etag, problemJson, end, hash] of part.entities) {
      const row = this.keys.length;
      this.keys.push(k);
      this.cells.push(piece);
      this.cells.push(start);
      this.cells.push(end);
      this.cells.push(metaLength);
      this.cells.push(etag === null ? -1 : etag.length);
      this.cells.push(hash === null ? -1 : hash.length);
      if (etag !== null) {
        meta.push(etag);
        metaLength += etag.length;
      }
      if (hash !== null) {
        meta.push(hash);
        metaLength += hash.length;
      }
      if (problemJson) {
        const list = JSON.parse(problemJson) as ContractProblem[];
        this.problems.set(row, list);
        if (problems) for (const p of list) problems.push(p);
      }
      start = end;
    }
    // (joined: one flat string, not a chain of concatenations)
    this.texts.push({ json: part.entityJson, meta: meta.join('') });
    return first;
  }

  columns(): EntityColumns {
    return new EntityColumns(this.texts, this.cells.done(), this.problems);
  }
}

/** The entities of a piece, each with its JSON in the piece's `entityJson`. */
export function entitiesOf(
  part: Pick<TransferPart, 'entities' | 'entityJson'>,
): Array<[string, LazyEntity]> {
  const builder = new EntityColumnsBuilder();
  builder.add(part);
  const columns = builder.columns();
  return builder.keys.map((k, row) => [k, columns.entity(row)]);
}

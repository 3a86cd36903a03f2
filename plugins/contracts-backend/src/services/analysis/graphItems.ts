import type {
  AnalysisResult,
  Finding,
  GraphEdge,
  GraphNode,
  Severity,
} from '@backstage-contracts/plugin-contracts-common';
import {
  addPair,
  emptyDigest,
  type StateDigest,
} from '../../history/stateDigest';
import type { PulledPart, TransferPart } from './protocol';
import { TextColumn } from './textColumn';

/** The severities, by their code in {@link GraphItems.findingSeverity}. */
export const SEVERITIES: readonly Severity[] = [
  'error',
  'warning',
  'tradeoff',
  'info',
];

/** What {@link GraphItems.findingFlags} says of a finding: a bit each. */
export const FindingFlag = {
  /** It names deciders (a non-empty `deciders`). */
  deciders: 1,
  /** Its status is not `open` (the engine's: JSON.stringify of it with its status differs). */
  notOpen: 2,
} as const;

/** A finding's columns: its severity's code and its {@link FindingFlag}s. */
export function findingColumns(f: Finding): [number, number] {
  return [
    SEVERITIES.indexOf(f.severity),
    (f.deciders?.length ? FindingFlag.deciders : 0) |
      (f.status !== 'open' ? FindingFlag.notOpen : 0),
  ];
}

/**
 * Items of one kind (findings, nodes or edges) as the transfer's pieces carry them: each the
 * JSON text of its piece from `start` to `end`, parsed when it is read. A served snapshot of a
 * 100k-entity catalog is ≈ 600k items: as objects they were millions of heap objects on the
 * host's main thread that each of its major GCs marked (+90–120 ms a full GC,
 * `node --expose-gc --import tsx scripts/bench-heap.ts`); as text they are a few hundred
 * strings and typed arrays.
 */
export class JsonRows<T> {
  /** Every item parsed, while something that read them all holds them (see {@link all}). */
  private parsed?: WeakRef<T[]>;

  constructor(
    /** The pieces' texts (shared by the snapshots that follow one another). */
    private readonly texts: readonly string[],
    private readonly piece: Uint32Array,
    private readonly start: Uint32Array,
    private readonly end: Uint32Array,
  ) {}

  static empty<T>(): JsonRows<T> {
    return new JsonRows<T>(
      [],
      new Uint32Array(0),
      new Uint32Array(0),
      new Uint32Array(0),
    );
  }

  get length(): number {
    return this.piece.length;
  }

  /** Item `i` as JSON (as JSON.stringify wrote it). */
  json(i: number): string {
    return this.texts[this.piece[i]].slice(this.start[i], this.end[i]);
  }

  /** Item `i`, parsed (the same object as {@link all}'s while that is held). */
  at(i: number): T {
    const all = this.parsed?.deref();
    return all ? all[i] : JSON.parse(this.json(i));
  }

  /**
   * Every item, in order, parsed: for what reads them all (a filtered route, a report), which
   * keeps what it needs. Parsed again after a GC once nothing holds them; the runs of items that
   * follow one another in a piece are parsed as one array.
   */
  all(): T[] {
    let all = this.parsed?.deref();
    if (all) return all;
    all = [];
    for (let i = 0; i < this.length; ) i = this.parseRun(i, all);
    this.parsed = new WeakRef(all);
    return all;
  }

  /**
   * The end of the run of items from `i` that follow one another in a piece (separated by a
   * comma only: their JSON one slice of its text), before `stop`.
   */
  private runEnd(i: number, stop?: ReadonlyMap<number, unknown>): number {
    let j = i + 1;
    const p = this.piece[i];
    while (
      j < this.length &&
      this.piece[j] === p &&
      this.start[j] === this.end[j - 1] + 1 &&
      !stop?.has(j)
    ) {
      j++;
    }
    return j;
  }

  /** Parses the run of items from `i` that follow one another in a piece into `out`; its end. */
  private parseRun(i: number, out: T[]): number {
    const j = this.runEnd(i);
    const run = JSON.parse(
      `[${this.texts[this.piece[i]].slice(this.start[i], this.end[j - 1])}]`,
    ) as T[];
    for (const item of run) out.push(item);
    return j;
  }

  /** The items of `rows`, parsed. */
  pick(rows: readonly number[]): T[] {
    return rows.map(i => this.at(i));
  }

  /**
   * The items as a JSON array (the same text as JSON.stringify of {@link all}), but the rows of
   * `replaced` written as it has them: made of the pieces' text, a slice per run of items (none
   * parsed).
   */
  arrayJson(replaced?: ReadonlyMap<number, string>): string {
    const parts: string[] = [];
    for (let i = 0; i < this.length; ) {
      const json = replaced?.get(i);
      if (json !== undefined) {
        parts.push(json);
        i++;
        continue;
      }
      const j = this.runEnd(i, replaced);
      parts.push(
        this.texts[this.piece[i]].slice(this.start[i], this.end[j - 1]),
      );
      i = j;
    }
    return `[${parts.join(',')}]`;
  }

  /** The same rows over `texts` (a delta's, which extend these rows' texts). */
  over(texts: readonly string[]): JsonRows<T> {
    return new JsonRows<T>(texts, this.piece, this.start, this.end);
  }

  /** The piece of `texts` row `row` reads. */
  pieceOf(row: number): number {
    return this.piece[row];
  }
}

/** Whether a delta's recipe keeps every one of `length` items where it was. */
export function isIdentity(recipe: Int32Array, length: number): boolean {
  if (recipe.length !== length) return false;
  for (let i = 0; i < length; i++) if (recipe[i] !== i) return false;
  return true;
}

/**
 * A delta's recipe (see TransferHeader) as runs: pairs `(from, n)`, `from >= 0` the previous
 * rows `from … from + n - 1`, `from < 0` the new items `-from - 1 …` (`n` of them). A delta of a
 * few changed entities is a few runs however large the graph: the main thread copies its string
 * columns by them (array `slice`/`concat`, ./sentRows.ts makes them in the worker) instead of a
 * JS step per row (100k entities, 1 % changed: ~25 ms of per-row loops in the delta's end task,
 * `node --cpu-prof --import tsx scripts/bench-recompute.ts --entities 100000 --runs 2 --change 1`).
 */
export function runsOf(recipe: Int32Array): Int32Array {
  const out: number[] = [];
  const n = recipe.length;
  for (let i = 0; i < n; ) {
    const r = recipe[i];
    const step = r >= 0 ? 1 : -1;
    let j = i + 1;
    while (j < n && recipe[j] === recipe[j - 1] + step) j++;
    out.push(r, j - i);
    i = j;
  }
  return Int32Array.from(out);
}

/** Whether `runs` keep every one of `length` rows where it was. */
export function isSameRows(runs: Int32Array, length: number): boolean {
  return length === 0
    ? runs.length === 0
    : runs.length === 2 && runs[0] === 0 && runs[1] === length;
}

/** An array followed by `runs`: `before`'s items and `added`'s, a slice per run. */
export function followArray<T>(
  runs: Int32Array,
  before: readonly T[],
  added: readonly T[],
): readonly T[] {
  if (isSameRows(runs, before.length)) return before;
  // (T is not an array: concat would spread it)
  let out: T[] = [];
  let slices: T[][] = [];
  for (let i = 0; i < runs.length; i += 2) {
    const r = runs[i];
    const n = runs[i + 1];
    slices.push(
      r >= 0 ? before.slice(r, r + n) : added.slice(-r - 1, -r - 1 + n),
    );
    // (a bounded number of arguments per call)
    if (slices.length === 4096) {
      out = out.concat(...slices);
      slices = [];
    }
  }
  return out.concat(...slices);
}

/** A column of bytes grown by doubling, a copy a memcpy. */
export class ByteColumn {
  bytes = new Uint8Array(1024);
  length = 0;

  /** Appends `values`. */
  addAll(values: Uint8Array) {
    this.bytes = reserve(this.bytes, this.length + values.length);
    this.bytes.set(values, this.length);
    this.length += values.length;
  }

  /** The values (a view of its memory: the column is not added to after). */
  values(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/** `a`, or a copy of it with room for `n` items (at least twice its length). */
export function reserve<A extends Uint8Array | Uint32Array | Int32Array>(
  a: A,
  n: number,
): A {
  if (n <= a.length) return a;
  const b = new (a.constructor as new (length: number) => A)(
    Math.max(n, a.length * 2),
  );
  b.set(a);
  return b;
}

/**
 * Rows as they are read from a transfer's pieces: typed arrays grown by doubling, a piece's rows
 * copied in as the worker sent them (memcpy; with number arrays, the 100k first load's CPU
 * profile showed stretches of 30–40 ms in their pushes,
 * `node --cpu-prof --import tsx scripts/bench-recompute.ts --entities 100000`).
 */
export class RowBuilder {
  piece = new Uint32Array(1024);
  start = new Uint32Array(1024);
  end = new Uint32Array(1024);
  length = 0;

  /** The items of piece `piece` from `starts[i]` to `ends[i]`. */
  addPiece(piece: number, starts: Uint32Array, ends: Uint32Array) {
    const n = this.length + starts.length;
    this.piece = reserve(this.piece, n);
    this.start = reserve(this.start, n);
    this.end = reserve(this.end, n);
    this.piece.fill(piece, this.length, n);
    this.start.set(starts, this.length);
    this.end.set(ends, this.length);
    this.length = n;
  }

  /**
   * The rows, over `texts` (views of its memory, not copies: nothing is added after; a copy of a
   * 100k-entity first load's ~700k rows was ~8 MB of fresh memory in its last task, which this
   * VM faults in at ~5 ms/MB).
   */
  rows<T>(texts: readonly string[]): JsonRows<T> {
    const n = this.length;
    return new JsonRows<T>(
      texts,
      this.piece.subarray(0, n),
      this.start.subarray(0, n),
      this.end.subarray(0, n),
    );
  }
}

/** The ids of an entity's findings: one as itself, more as an array (see GraphItems). */
export type FindingIds = string | readonly string[];

/** `ids` as {@link FindingIds}. */
export const asFindingIds = (ids: readonly string[]): FindingIds =>
  ids.length === 1 ? ids[0] : ids;

/**
 * A served snapshot's findings, nodes and edges ({@link JsonRows}), with what its reads need
 * without parsing them: findings by id and by entity, nodes by ref (and whether each has a
 * contract), findings' evidence hashes (the history). Immutable: a delta makes a new one, which
 * shares the texts and what did not change.
 */
export class GraphItems {
  constructor(
    /** The pieces' texts the rows read (a delta's extend its previous one's). */
    readonly texts: readonly string[],
    readonly findings: JsonRows<Finding>,
    readonly nodes: JsonRows<GraphNode>,
    readonly edges: JsonRows<GraphEdge>,
    /** Per finding row: its id and evidence hash. */
    readonly findingIds: readonly string[],
    readonly evidence: TextColumn,
    /**
     * Per finding row: its severity (the index in {@link SEVERITIES}) and flags ({@link FindingFlag}):
     * what reads every finding's (the notifier, the whole report's counts) without parsing it.
     */
    readonly findingSeverity: Uint8Array,
    readonly findingFlags: Uint8Array,
    /** Finding id → row. */
    readonly findingRowIndex: ReadonlyMap<string, number>,
    /**
     * Lower-cased entity ref → the ids of its findings (consumer or provider), in order: ids, not
     * rows, so that a delta whose rows move keeps the entries of the entities it did not change;
     * one id as itself (most entities with findings have one: an array each was twice as many
     * heap objects for the main thread's GCs to mark).
     */
    readonly findingIdsByEntity: ReadonlyMap<string, FindingIds>,
    /** Per node row: its lower-cased ref, and 1 when it has a contract. */
    readonly nodeKeys: readonly string[],
    readonly nodeHasContract: Uint8Array,
    /** Lower-cased ref → node row. */
    readonly nodeRowIndex: ReadonlyMap<string, number>,
    /**
     * A full transfer's entities' contracts and findings, digested (see StateDigest): what the
     * history's first comparison holds against the stored state's.
     */
    readonly stateDigest?: StateDigest,
  ) {}

  static empty(): GraphItems {
    return new GraphItems(
      [],
      JsonRows.empty(),
      JsonRows.empty(),
      JsonRows.empty(),
      [],
      TextColumn.of([]),
      new Uint8Array(0),
      new Uint8Array(0),
      new Map(),
      new Map(),
      [],
      new Uint8Array(0),
      new Map(),
    );
  }

  /** The severity of finding row `row`. */
  severity(row: number): Severity {
    return SEVERITIES[this.findingSeverity[row]];
  }

  /** Whether finding row `row` has this {@link FindingFlag}. */
  flag(row: number, flag: number): boolean {
    return (this.findingFlags[row] & flag) !== 0;
  }

  private severityCountsValue?: Record<Severity, number>;

  /** How many findings there are of each severity (a new object each call). */
  severityCounts(): Record<Severity, number> {
    if (!this.severityCountsValue) {
      const counts = [0, 0, 0, 0];
      for (const code of this.findingSeverity) counts[code]++;
      this.severityCountsValue = {
        error: counts[0],
        warning: counts[1],
        tradeoff: counts[2],
        info: counts[3],
      };
    }
    return { ...this.severityCountsValue };
  }

  /** The finding of this id. */
  finding(id: string): Finding | undefined {
    const row = this.findingRowIndex.get(id);
    return row === undefined ? undefined : this.findings.at(row);
  }

  hasFinding(id: string): boolean {
    return this.findingRowIndex.has(id);
  }

  /** The evidence hash of the finding of this id. */
  evidenceOf(id: string): string | undefined {
    const row = this.findingRowIndex.get(id);
    return row === undefined ? undefined : this.evidence.at(row);
  }

  /** The findings where this entity (lower-cased ref) is consumer or provider, in order. */
  findingsOf(ref: string): Finding[] {
    return this.findingIdsOf(ref).map(id =>
      this.findings.at(this.findingRowIndex.get(id)!),
    );
  }

  /** The ids of {@link findingsOf}. */
  findingIdsOf(ref: string): string[] {
    const ids = this.findingIdsByEntity.get(ref);
    if (ids === undefined) return [];
    return typeof ids === 'string' ? [ids] : [...ids];
  }

  hasFindings(ref: string): boolean {
    return this.findingIdsByEntity.has(ref);
  }

  /** The entities (lower-cased refs) that have findings. */
  entitiesWithFindings(): Iterable<string> {
    return this.findingIdsByEntity.keys();
  }

  /** The node of this lower-cased ref. */
  node(ref: string): GraphNode | undefined {
    const row = this.nodeRowIndex.get(ref);
    return row === undefined ? undefined : this.nodes.at(row);
  }

  /** Whether the node of this lower-cased ref has a contract (false: none, or no node). */
  hasContract(ref: string): boolean {
    const row = this.nodeRowIndex.get(ref);
    return row !== undefined && this.nodeHasContract[row] === 1;
  }

  /** Findings, nodes and edges, parsed (see {@link JsonRows.all}). */
  result(): AnalysisResult {
    return {
      graph: { nodes: this.nodes.all(), edges: this.edges.all() },
      findings: this.findings.all(),
    };
  }

  /** `{"nodes":[…],"edges":[…]}`: JSON.stringify's text of the nodes and edges, unparsed. */
  graphText(): string {
    return `{"nodes":${this.nodes.arrayJson()},"edges":${this.edges.arrayJson()}}`;
  }
}

/**
 * A piece's findings (`f`), nodes (`n`) and edges (`e`), each already JSON: the piece's JSON
 * (`{"f":[…],"n":[…],"e":[…]}`, fields without items left out) and each item's place in it
 * (TransferPart's `offsets`).
 */
export function writeItems(fields: {
  f?: readonly string[];
  n?: readonly string[];
  e?: readonly string[];
}): { json: string; offsets: number[] } {
  const counts: number[] = [];
  const places: number[] = [];
  let json = '{';
  for (const field of ['f', 'n', 'e'] as const) {
    const items = fields[field] ?? [];
    counts.push(items.length);
    if (!items.length) continue;
    json += `${json.length > 1 ? ',' : ''}"${field}":[`;
    for (let i = 0; i < items.length; i++) {
      if (i) json += ',';
      places.push(json.length, json.length + items[i].length);
      json += items[i];
    }
    json += ']';
  }
  return { json: `${json}}`, offsets: [...counts, ...places] };
}

/**
 * A piece as the worker answers `pull`: with where its items are and what the main thread
 * indexes them by, made here from its JSON (in the worker: the main thread then indexes a piece
 * without parsing it, and copies its places in).
 */
export function pulledPart(part: TransferPart): PulledPart {
  const { json, offsets } = part;
  const [nf, nn, ne] = offsets;
  const places = new Uint32Array(2 * (nf + nn + ne));
  let at = 3;
  let out = 0;
  /** The next `n` items' places (their starts, then their ends), and their JSON as an array. */
  const items = (n: number) => {
    for (let i = 0; i < n; i++) {
      places[out + i] = offsets[at + 2 * i];
      places[out + n + i] = offsets[at + 2 * i + 1];
    }
    const text = n
      ? `[${json.slice(offsets[at], offsets[at + 2 * n - 1])}]`
      : '[]';
    at += 2 * n;
    out += 2 * n;
    return text;
  };
  const findings = JSON.parse(items(nf)) as Finding[];
  const nodes = JSON.parse(items(nn)) as GraphNode[];
  items(ne);
  const severity = new Uint8Array(nf);
  const flags = new Uint8Array(nf);
  findings.forEach((f, i) => {
    [severity[i], flags[i]] = findingColumns(f);
  });
  const hasContract = new Uint8Array(nn);
  nodes.forEach((n, i) => {
    hasContract[i] = n.hasContract ? 1 : 0;
  });
  const digest = emptyDigest();
  for (const [k, , , , hash] of part.entities) {
    if (hash !== null) addPair(digest.contracts, k, hash);
  }
  for (const f of findings) addPair(digest.findings, f.id, f.evidence);
  return {
    json,
    entities: part.entities,
    entityJson: part.entityJson,
    counts: [nf, nn, ne],
    places,
    columns: {
      findingIds: findings.map(f => f.id),
      evidence: findings.map(f => f.evidence),
      consumers: findings.map(f => f.consumer.toLowerCase()),
      providers: findings.map(f => f.provider.toLowerCase()),
      findingSeverity: severity,
      findingFlags: flags,
      nodeKeys: nodes.map(n => n.ref.toLowerCase()),
      nodeHasContract: hasContract,
    },
    digest,
  };
}

/** The memory of a pulled piece's typed arrays: handed over to the main thread, not copied. */
export function pulledBuffers(part: PulledPart): ArrayBuffer[] {
  const { places, columns } = part;
  return [
    places,
    columns.findingSeverity,
    columns.findingFlags,
    columns.nodeHasContract,
  ].map(a => a.buffer as ArrayBuffer);
}

import type {
  AnalysisResult,
  ContractProblem,
} from '@backstage-contracts/plugin-contracts-common';
import type { GraphSnapshot } from '../ContractsGraphService';
import type { AnalysisHost } from './AnalysisHost';
import {
  ByteColumn,
  asFindingIds,
  followArray,
  GraphItems,
  isSameRows,
  JsonRows,
  pulledPart,
  RowBuilder,
  writeItems,
} from './graphItems';
import {
  addDigest,
  emptyDigest,
  type StateDigest,
} from '../../history/stateDigest';
import { EntityTable, EntityTableBuilder } from './entityTable';
import { entitiesOf } from './lazyEntity';
import { OverlayMap } from './overlayMap';
import { RowIndex } from './rowIndex';
import { SlotMap } from './slotMap';
import { TextColumnBuilder } from './textColumn';
import type {
  PulledPart,
  StoredEntity,
  TransferHeader,
  TransferRows,
} from './protocol';

/**
 * Pieces of a transfer asked for ahead of the one being read: one, so that the next is on its
 * way while this one is read, and no more (pieces answered together are delivered together).
 */
const PULL_AHEAD = 1;

/** A turn of the event loop: each piece is read in a task of its own. */
const turn = () => new Promise<void>(resolve => setImmediate(resolve));

/** What a transfer makes: a snapshot's content, to serve once it is complete. */
export type ReceivedSnapshot = Pick<
  GraphSnapshot,
  'items' | 'entities' | 'problems' | 'changes'
>;

/** The new items of a transfer: where each is, and the few fields the indexes need. */
class Added {
  readonly texts: string[];
  readonly findings = new RowBuilder();
  readonly nodes = new RowBuilder();
  readonly edges = new RowBuilder();
  readonly findingIds: string[] = [];
  readonly evidence = new TextColumnBuilder();
  readonly findingSeverity = new ByteColumn();
  readonly findingFlags = new ByteColumn();
  readonly nodeKeys: string[] = [];
  readonly nodeHasContract = new ByteColumn();
  /** A full transfer's pieces' digests, summed (none: not made of a transfer's pieces). */
  private digest?: StateDigest;
  /** A full transfer's indexes, made while its pieces come (no task at its end is O(N)). */
  private readonly index?: {
    findingRow: Map<string, number>;
    byEntity: ByEntity;
    nodeRow: Map<string, number>;
  };

  /** `previousTexts`: a delta's, whose rows extend the previous snapshot's; none: a full one. */
  constructor(previousTexts?: readonly string[]) {
    this.texts = previousTexts ? [...previousTexts] : [];
    if (!previousTexts) {
      this.index = {
        findingRow: new Map(),
        byEntity: { slots: new Map(), keys: [], lists: [] },
        nodeRow: new Map(),
      };
    }
  }

  /**
   * A piece's items: their places copied in, and the indexes fed from the columns the worker
   * made (nothing parsed here).
   */
  read(part: PulledPart, keyOf: (k: string) => string = k => k) {
    const { json, counts, places, columns: c } = part;
    const [nf, nn, ne] = counts;
    if (!nf && !nn && !ne) return;
    const piece = this.texts.length;
    this.texts.push(json);
    let at = 0;
    for (const [n, into] of [
      [nf, this.findings],
      [nn, this.nodes],
      [ne, this.edges],
    ] as const) {
      into.addPiece(
        piece,
        places.subarray(at, at + n),
        places.subarray(at + n, at + 2 * n),
      );
      at += 2 * n;
    }
    const { index } = this;
    if (index) {
      const first = this.findingIds.length;
      for (let i = 0; i < nf; i++) {
        const id = c.findingIds[i];
        index.findingRow.set(id, first + i);
        addId(index.byEntity, c.consumers[i], id, keyOf);
        addId(index.byEntity, c.providers[i], id, keyOf);
      }
    }
    const firstNode = this.nodeKeys.length;
    for (let i = 0; i < nn; i++) {
      // (an entity's node: its key the entity's string)
      const k = keyOf(c.nodeKeys[i]);
      index?.nodeRow.set(k, firstNode + i);
      this.nodeKeys.push(k);
    }
    for (const id of c.findingIds) this.findingIds.push(id);
    this.evidence.add(c.evidence);
    this.findingSeverity.addAll(c.findingSeverity);
    this.findingFlags.addAll(c.findingFlags);
    this.nodeHasContract.addAll(c.nodeHasContract);
  }

  /** A piece's entities' and findings' digest (a piece may have entities only). */
  digestOf(part: PulledPart) {
    if (!this.index) return;
    this.digest ??= emptyDigest();
    addDigest(this.digest, part.digest);
  }

  /** The items of a full transfer. */
  full(): GraphItems {
    const { findingRow, byEntity, nodeRow } = this.index!;
    return new GraphItems(
      this.texts,
      this.findings.rows(this.texts),
      this.nodes.rows(this.texts),
      this.edges.rows(this.texts),
      this.findingIds,
      this.evidence.done(),
      this.findingSeverity.values(),
      this.findingFlags.values(),
      findingRow,
      SlotMap.of(byEntity.keys, byEntity.lists, byEntity.slots),
      this.nodeKeys,
      this.nodeHasContract.values(),
      nodeRow,
      this.digest,
    );
  }
}

/** An analysis result's items as one piece of a transfer, as the worker hands it over (tests). */
export function pulledPartOf(result: AnalysisResult) {
  const json = (items: object[]) => items.map(x => JSON.stringify(x));
  return pulledPart({
    ...writeItems({
      f: json(result.findings),
      n: json(result.graph.nodes),
      e: json(result.graph.edges),
    }),
    entities: [],
    entityJson: '',
  });
}

/** The items of an analysis result, as a full transfer of it makes them (tests, benchmarks). */
export function itemsOf(result: AnalysisResult): GraphItems {
  const added = new Added();
  added.read(pulledPartOf(result));
  return added.full();
}

/** Findings by entity as a full transfer's pieces come: each entity's slot, key and list. */
interface ByEntity {
  slots: Map<string, number>;
  keys: string[];
  lists: Array<string | string[]>;
}

/**
 * Adds finding `id` to the findings of entity `k` (once: a finding may be its own provider); a
 * new entry's key `keyOf(k)`.
 */
function addId(
  byEntity: ByEntity,
  k: string,
  id: string,
  keyOf: (k: string) => string,
) {
  const slot = byEntity.slots.get(k);
  if (slot === undefined) {
    const key = keyOf(k);
    byEntity.slots.set(key, byEntity.keys.length);
    byEntity.keys.push(key);
    byEntity.lists.push(id);
    return;
  }
  // (one id as itself: see GraphItems.findingIdsByEntity)
  const list = byEntity.lists[slot];
  if (typeof list === 'string') {
    if (list !== id) byEntity.lists[slot] = [list, id];
  } else if (list[list.length - 1] !== id) list.push(id);
}

/** Keys → rows, the previous one when no row moved (./rowIndex.ts: O(the delta's runs)). */
function rowIndex(
  previous: ReadonlyMap<string, number>,
  runs: Int32Array,
  before: readonly string[],
  after: readonly string[],
): ReadonlyMap<string, number> {
  return isSameRows(runs, before.length)
    ? previous
    : RowIndex.after(previous, runs, after);
}

/**
 * A delta's items: its rows and byte columns as the worker made them (TransferRows, handed over;
 * the previous ones where they did not move), the string columns copied a run at a time, the
 * findings by entity the previous ones with the changed entities over them (O(changed)), and the
 * texts no row reads any longer let go.
 */
function followDelta(
  header: TransferHeader,
  previous: GraphItems,
  added: Added,
): GraphItems {
  const delta = header.delta!;
  const ready = header.rows;
  if (!ready)
    throw new Error(`transfer ${header.id}: a delta without its rows`);
  const { runs } = ready;
  const { texts } = added;
  const rows = <T>(
    before: JsonRows<T>,
    made: TransferRows['findings'],
  ): JsonRows<T> =>
    made
      ? new JsonRows<T>(texts, made.piece, made.start, made.end)
      : before.over(texts);
  const findingIds = followArray(
    runs.findings,
    previous.findingIds,
    added.findingIds,
  );
  const nodeKeys = followArray(runs.nodes, previous.nodeKeys, added.nodeKeys);
  // the entities whose findings changed have their findings in the delta; the others the same
  const byEntity = OverlayMap.of(
    previous.findingIdsByEntity,
    delta.findingsByEntity
      .filter(([, list]) => list.length)
      .map(
        ([k, list]) => [k, asFindingIds(list.map(r => findingIds[r]))] as const,
      ),
    delta.findingsByEntity.filter(([, list]) => !list.length).map(([k]) => k),
    SlotMap.compact,
  );
  ready.pieceRows.forEach((n, piece) => {
    if (!n) texts[piece] = '';
  });
  return new GraphItems(
    texts,
    rows(previous.findings, ready.findings),
    rows(previous.nodes, ready.nodes),
    rows(previous.edges, ready.edges),
    findingIds,
    previous.evidence.followed(runs.findings, added.evidence.done()),
    ready.findingSeverity ?? previous.findingSeverity,
    ready.findingFlags ?? previous.findingFlags,
    rowIndex(
      previous.findingRowIndex,
      runs.findings,
      previous.findingIds,
      findingIds,
    ),
    byEntity,
    nodeKeys,
    ready.nodeHasContract ?? previous.nodeHasContract,
    rowIndex(previous.nodeRowIndex, runs.nodes, previous.nodeKeys, nodeKeys),
  );
}

/**
 * The problems after a delta, in the order of its entities (what a walk of them gives): the
 * previous list (the same objects as its entities') with those of the changed and removed
 * entities replaced where they were and those of new entities last — O(problems + changed)
 * instead of a walk of every entity (100k at 100k entities) whenever one with problems changed;
 * undefined (walk them) when an entity there already gains its first problems, whose place
 * only the walk knows.
 */
function problemsAfter(
  previous: GraphSnapshot,
  added: ReadonlyArray<[string, StoredEntity]>,
  removed: readonly string[],
): ContractProblem[] | undefined {
  const replaced = new Map<ContractProblem, readonly ContractProblem[]>();
  // the first problem of each changed entity that had some: where its new ones go
  const places = new Set<ContractProblem>();
  const appended: ContractProblem[] = [];
  for (const k of removed) {
    for (const p of previous.entities.get(k)?.problems ?? []) {
      replaced.set(p, []);
    }
  }
  for (const [k, e] of added) {
    const before = previous.entities.get(k);
    if (!before) {
      appended.push(...e.problems);
    } else if (before.problems.length) {
      before.problems.forEach((p, i) => replaced.set(p, i ? [] : e.problems));
      places.add(before.problems[0]);
    } else if (e.problems.length) return undefined;
  }
  if (!replaced.size && !appended.length) return previous.problems;
  const out: ContractProblem[] = [];
  for (const p of previous.problems) {
    const instead = replaced.get(p);
    if (instead === undefined) out.push(p);
    else {
      places.delete(p);
      out.push(...instead);
    }
  }
  // (a place not found: the list is not its entities' — walk them)
  return places.size ? undefined : out.concat(appended);
}

/**
 * Reads an announced transfer, one piece per message (the event loop goes round between two:
 * no piece takes more than a few milliseconds to read), and assembles the snapshot it makes.
 * Nothing served changes meanwhile: the caller swaps the result in whole.
 */
export async function receiveTransfer(
  host: AnalysisHost,
  header: TransferHeader,
  previous: GraphSnapshot,
): Promise<ReceivedSnapshot> {
  const addedEntities: Array<[string, StoredEntity]> = [];
  // a full transfer's entities are indexed while they come
  const full = header.full;
  const added = new Added(full ? undefined : previous.items.texts);
  const entities = full ? new EntityTableBuilder(header.entities) : undefined;
  // (a node's or a finding's entity key: the entity's own string where there is one)
  const newKeys = new Map<string, string>();
  const keyOf = (k: string) => entities?.keyOf(k) ?? newKeys.get(k) ?? k;
  const problems: GraphSnapshot['problems'] = [];
  // the next piece is asked for while one is read: the worker answers meanwhile, and no piece
  // waits for a round trip of its own; a turn of the event loop between two pieces keeps each
  // in a task of its own, also when their answers are delivered together
  const asked = new Map<number, Promise<PulledPart>>();
  const ask = (i: number) => {
    if (i >= header.parts || asked.has(i)) return;
    const part = host.call('pull', header.id, i);
    part.catch(() => {}); // awaited in order below; not unhandled if an earlier one fails
    asked.set(i, part);
  };
  try {
    for (let i = 0; i < header.parts; i++) {
      if (i > 0) await turn();
      for (let j = i; j <= i + PULL_AHEAD; j++) ask(j);
      const wire = await asked.get(i)!;
      asked.delete(i);
      if (entities) entities.add(wire, problems);
      else {
        for (const [k, stored] of entitiesOf(wire)) {
          addedEntities.push([k, stored]);
          newKeys.set(k, k);
        }
      }
      added.read(wire, keyOf);
      added.digestOf(wire);
    }
  } finally {
    host.call('release', header.id).catch(() => {});
  }
  if (entities) {
    return { items: added.full(), entities: entities.table(), problems };
  }
  const items = followDelta(header, previous.items, added);
  // the previous map with what changed over it: the previous one is the served snapshot's
  const next = OverlayMap.of(
    previous.entities,
    addedEntities,
    header.removed,
    EntityTable.compact,
  );
  let after = problemsAfter(previous, addedEntities, header.removed);
  if (!after) {
    after = problems;
    for (const e of next.values()) for (const p of e.problems) after.push(p);
  }
  const findings = new Set(added.findingIds);
  for (const i of header.delta!.goneFindings) {
    findings.add(previous.items.findingIds[i]);
  }
  return {
    items,
    entities: next,
    problems: after,
    changes: {
      since: { items: previous.items, entities: previous.entities },
      entities: [...header.removed, ...addedEntities.map(([k]) => k)],
      findings: [...findings],
    },
  };
}

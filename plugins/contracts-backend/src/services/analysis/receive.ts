import type {
  AnalysisResult,
  Finding,
  GraphEdge,
  GraphNode,
} from '@backstage-contracts/plugin-contracts-common';
import type { GraphSnapshot } from '../ContractsGraphService';
import type { AnalysisHost } from './AnalysisHost';
import { entitiesOf } from './lazyEntity';
import type {
  StoredEntity,
  TransferHeader,
  TransferItems,
  TransferPart,
} from './protocol';

/**
 * Pieces of a transfer asked for ahead of the one being read: one, so that the next is on its
 * way while this one is read, and no more (pieces answered together are delivered together).
 */
const PULL_AHEAD = 1;

/** A turn of the event loop: each piece is read in a task of its own. */
const turn = () => new Promise<void>(resolve => setImmediate(resolve));

/** The key of an entity ref in the graph's maps: lower-cased. */
const key = (ref: string) => ref.toLowerCase();

/** What a transfer makes: a snapshot's content, to serve once it is complete. */
export type ReceivedSnapshot = Pick<
  GraphSnapshot,
  | 'result'
  | 'findingById'
  | 'findingsByEntity'
  | 'nodeByRef'
  | 'entities'
  | 'problems'
>;

/** Findings indexed by id and by the entities they concern. */
class FindingIndex {
  readonly findingById = new Map<string, Finding>();
  readonly findingsByEntity = new Map<string, Finding[]>();

  add(f: Finding) {
    this.findingById.set(f.id, f);
    this.addTo(f.consumer, f);
    this.addTo(f.provider, f);
  }

  private addTo(ref: string, f: Finding) {
    const list = this.findingsByEntity.get(key(ref));
    if (list) {
      if (!list.includes(f)) list.push(f);
    } else this.findingsByEntity.set(key(ref), [f]);
  }
}

/** Rebuilds an array from the previous one and the new items (see TransferHeader). */
function follow<T>(recipe: Int32Array, before: T[], added: T[]): T[] {
  const out = new Array<T>(recipe.length);
  for (let i = 0; i < recipe.length; i++) {
    const r = recipe[i];
    out[i] = r >= 0 ? before[r] : added[-r - 1];
  }
  return out;
}

function resultOf(
  nodes: GraphNode[],
  edges: GraphEdge[],
  findings: Finding[],
): AnalysisResult {
  return { graph: { nodes, edges }, findings };
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
  const added = {
    entities: [] as Array<[string, StoredEntity]>,
    findings: [] as Finding[],
    nodes: [] as GraphNode[],
    edges: [] as GraphEdge[],
  };
  // a full transfer is indexed while it comes: nothing is left to do at its end
  const full = header.full;
  const index = new FindingIndex();
  const nodeByRef = new Map<string, GraphNode>();
  const entities = full ? new Map<string, StoredEntity>() : undefined;
  const problems: GraphSnapshot['problems'] = [];
  // the next piece is asked for while one is read: the worker answers meanwhile, and no piece
  // waits for a round trip of its own; a turn of the event loop between two pieces keeps each
  // in a task of its own, also when their answers are delivered together
  const asked = new Map<number, Promise<TransferPart>>();
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
      for (const [k, stored] of entitiesOf(wire)) {
        if (entities) {
          entities.set(k, stored);
          for (const p of stored.problems) problems.push(p);
        } else added.entities.push([k, stored]);
      }
      const part = JSON.parse(wire.json) as TransferItems;
      if (part.f) {
        for (const f of part.f) {
          added.findings.push(f);
          if (full) index.add(f);
        }
      }
      if (part.n) {
        for (const n of part.n) {
          added.nodes.push(n);
          if (full) nodeByRef.set(key(n.ref), n);
        }
      }
      if (part.e) for (const e of part.e) added.edges.push(e);
    }
  } finally {
    host.call('release', header.id).catch(() => {});
  }
  if (entities) {
    return {
      result: resultOf(added.nodes, added.edges, added.findings),
      findingById: index.findingById,
      findingsByEntity: index.findingsByEntity,
      nodeByRef,
      entities,
      problems,
    };
  }
  // a delta: the previous snapshot's indexes, copied and changed where the delta says
  const recipes = header.recipes!;
  const delta = header.delta!;
  const before = previous.result;
  const findings = follow(recipes.findings, before.findings, added.findings);
  const nodes = follow(recipes.nodes, before.graph.nodes, added.nodes);
  const edges = follow(recipes.edges, before.graph.edges, added.edges);
  const findingById = new Map(previous.findingById);
  for (const i of delta.goneFindings) {
    findingById.delete(before.findings[i].id);
  }
  for (const f of added.findings) findingById.set(f.id, f);
  const findingsByEntity = new Map(previous.findingsByEntity);
  for (const [k, list] of delta.findingsByEntity) {
    if (list.length) {
      findingsByEntity.set(
        k,
        list.map(i => findings[i]),
      );
    } else findingsByEntity.delete(k);
  }
  const nodeByRefNext = new Map(previous.nodeByRef);
  for (const i of delta.goneNodes) {
    nodeByRefNext.delete(key(before.graph.nodes[i].ref));
  }
  for (const n of added.nodes) nodeByRefNext.set(key(n.ref), n);
  // a new map: the previous one is the served snapshot's
  const next = new Map(previous.entities);
  let problemsMoved = false;
  for (const k of header.removed) {
    if (next.get(k)?.problems.length) problemsMoved = true;
    next.delete(k);
  }
  for (const [k, e] of added.entities) {
    if (e.problems.length || next.get(k)?.problems.length) problemsMoved = true;
    next.set(k, e);
  }
  if (problemsMoved) {
    for (const e of next.values()) for (const p of e.problems) problems.push(p);
  }
  return {
    result: resultOf(nodes, edges, findings),
    findingById,
    findingsByEntity,
    nodeByRef: nodeByRefNext,
    entities: next,
    problems: problemsMoved ? problems : previous.problems,
  };
}

/*
 * The edges of the conflict graph an entity's contract draws.
 */
import type { EntityContract } from '../types';
import { hashParts, HashPrefix, hashPartsFrom } from './hash';
import { resolvedCalls } from './paths';
import type { GraphEdge, RuleContext } from './types';

/** An edge before the findings on it are known. */
export type EdgeDraft = Omit<GraphEdge, 'findings'>;

/**
 * The `findings` of every edge without findings: one frozen array shared by the hundreds of
 * thousands of such edges of a large catalog.
 */
export const NO_FINDINGS = Object.freeze([]) as unknown as string[];

/** The key edges and findings meet on: from, to and subject (any kind), canonical refs. */
export function attachKey(from: string, to: string, subject: string): string {
  return `${from}\n${to}\n${subject}`;
}

export function edgeId(
  kind: GraphEdge['kind'],
  from: string,
  to: string,
  subject: string,
): string {
  return hashParts(['edge', kind, from, to, subject]);
}

/** The subject of a call edge: the operation, or `*` for a call to a whole service. */
export function callSubject(operation: string | undefined): string {
  return operation ?? '*';
}

/**
 * {@link edgeId} of an edge being drawn: the shared start (`edge`, kind, from) of a contract's
 * edges hashed once per kind, in three prefixes reused from contract to contract (an object
 * and an array per kind and contract before: ~60k at 10k entities, for ~2 ms of bench:floor's
 * ~170 with their collection).
 */
const prefixes = [
  new HashPrefix(['edge', 'call', '']),
  new HashPrefix(['edge', 'dataset', '']),
  new HashPrefix(['edge', 'data-need', '']),
];
const prefixFrom: Array<string | undefined> = [undefined, undefined, undefined];
const prefixParts = ['edge', '', ''];

function drawnEdgeId(
  kind: GraphEdge['kind'],
  from: string,
  to: string,
  subject: string,
): string {
  let k = 2;
  if (kind === 'call') {
    k = 0;
  } else if (kind === 'dataset') {
    k = 1;
  }
  const prefix = prefixes[k];
  if (prefixFrom[k] !== from) {
    prefixParts[1] = kind;
    prefixParts[2] = from;
    prefix.set(prefixParts);
    prefixFrom[k] = from;
  }
  return hashPartsFrom(prefix, to, subject);
}

/**
 * The edges of the contract being drawn (the first `drawnCount`), copied out at their number
 * once drawn: an array grown by `push` from empty reserves 16 slots or more, and a contract's
 * edges (a handful) are kept for the analysis (~1.4 MB of a 10k-entity run's heap).
 */
const drawn: EdgeDraft[] = [];
let drawnCount = 0;

function addEdge(
  from: string,
  kind: GraphEdge['kind'],
  to: string,
  subject: string,
  via?: string,
) {
  const id = drawnEdgeId(kind, from, to, subject);
  // A contract draws a handful of edges: a scan, not a map per contract.
  for (let i = 0; i < drawnCount; i++) {
    if (drawn[i].id === id) {
      return;
    }
  }
  // Made with every field of a graph edge, in its order (`findings` filled in later): no
  // property added afterwards, so no out-of-object property store per edge.
  const edge: GraphEdge = via
    ? { id, from, to, kind, subject, via, findings: NO_FINDINGS }
    : { id, from, to, kind, subject, findings: NO_FINDINGS };
  drawn[drawnCount++] = edge;
}

/**
 * A dataset read (a data dependency, or a derived dataset's source): the edge goes to the
 * provider, `via` the named source when that is another entity (orders via orders-db).
 */
function addDatasetEdge(
  from: string,
  ctx: RuleContext,
  ref: string,
  dataset: string,
) {
  const m = ctx.findDataset(ref, dataset);
  const to = m.provider ?? m.source;
  if (to) {
    addEdge(
      from,
      'dataset',
      to,
      dataset,
      m.provider && m.source !== m.provider ? m.source : undefined,
    );
  }
}

/** The edges drawn by one contract, in contract order, without duplicates. */
export function contractEdges(
  from: string,
  contract: EntityContract,
  ctx: RuleContext,
): EdgeDraft[] {
  drawnCount = 0;
  for (const { call, target } of resolvedCalls(ctx, contract)) {
    if (target) {
      addEdge(from, 'call', target.ref, callSubject(call.operation));
    }
  }
  for (const dd of contract.dataDependencies) {
    addDatasetEdge(from, ctx, dd.ref, dd.dataset);
  }
  for (const ds of contract.datasets) {
    for (const src of ds.derivedFrom) {
      addDatasetEdge(from, ctx, src.ref, src.dataset);
    }
  }
  for (let i = 0; i < contract.requires.length; i++) {
    const r = contract.requires[i];
    const target = ctx.resolve(r.ref);
    if (target) {
      addEdge(from, 'data-need', target.ref, r.data);
    }
  }
  return drawn.slice(0, drawnCount);
}

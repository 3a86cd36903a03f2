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
 * {@link edgeId}s of the edges from one entity: the shared start (`edge`, kind, from) hashed
 * once per kind.
 */
class EdgeIds {
  private readonly prefixes: Partial<Record<GraphEdge['kind'], HashPrefix>> =
    {};

  constructor(private readonly from: string) {}

  id(kind: GraphEdge['kind'], to: string, subject: string): string {
    const prefix = (this.prefixes[kind] ??= new HashPrefix([
      'edge',
      kind,
      this.from,
    ]));
    return hashPartsFrom(prefix, to, subject);
  }
}

function addEdge(
  edges: EdgeDraft[],
  ids: EdgeIds,
  from: string,
  kind: GraphEdge['kind'],
  to: string,
  subject: string,
  via?: string,
) {
  const id = ids.id(kind, to, subject);
  // A contract draws a handful of edges: a scan, not a map per contract.
  for (let i = 0; i < edges.length; i++) {
    if (edges[i].id === id) {
      return;
    }
  }
  // Made with every field of a graph edge, in its order (`findings` filled in later): no
  // property added afterwards, so no out-of-object property store per edge.
  const edge: GraphEdge = via
    ? { id, from, to, kind, subject, via, findings: NO_FINDINGS }
    : { id, from, to, kind, subject, findings: NO_FINDINGS };
  edges.push(edge);
}

/** The edges drawn by one contract, in contract order, without duplicates. */
export function contractEdges(
  from: string,
  contract: EntityContract,
  ctx: RuleContext,
): EdgeDraft[] {
  const edges: EdgeDraft[] = [];
  const ids = new EdgeIds(from);
  for (const { call, target } of resolvedCalls(ctx, contract)) {
    if (target) {
      addEdge(
        edges,
        ids,
        from,
        'call',
        target.ref,
        callSubject(call.operation),
      );
    }
  }
  // a dataset read (a data dependency, or a derived dataset's source): the edge goes to the
  // provider, `via` the named source when that is another entity (orders via orders-db)
  const addDatasetEdge = (ref: string, dataset: string) => {
    const m = ctx.findDataset(ref, dataset);
    const to = m.provider ?? m.source;
    if (to) {
      addEdge(
        edges,
        ids,
        from,
        'dataset',
        to,
        dataset,
        m.provider && m.source !== m.provider ? m.source : undefined,
      );
    }
  };
  contract.dataDependencies.forEach(dd => addDatasetEdge(dd.ref, dd.dataset));
  contract.datasets.forEach(ds =>
    ds.derivedFrom.forEach(src => addDatasetEdge(src.ref, src.dataset)),
  );
  for (let i = 0; i < contract.requires.length; i++) {
    const r = contract.requires[i];
    const target = ctx.resolve(r.ref);
    if (target) {
      addEdge(edges, ids, from, 'data-need', target.ref, r.data);
    }
  }
  return edges;
}

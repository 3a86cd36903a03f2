/*
 * The edges of the conflict graph an entity's contract draws.
 */
import type { EntityContract } from '../types';
import { hashParts } from './hash';
import { resolvedCalls } from './paths';
import type { GraphEdge, RuleContext } from './types';

/** An edge before the findings on it are known. */
export type EdgeDraft = Omit<GraphEdge, 'findings'>;

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

function addEdge(
  edges: Map<string, EdgeDraft>,
  from: string,
  kind: GraphEdge['kind'],
  to: string,
  subject: string,
  via?: string,
) {
  const id = edgeId(kind, from, to, subject);
  if (!edges.has(id)) {
    const edge: EdgeDraft = { id, from, to, kind, subject };
    if (via) {
      edge.via = via;
    }
    edges.set(id, edge);
  }
}

/** The edges drawn by one contract, in contract order, without duplicates. */
export function contractEdges(
  from: string,
  contract: EntityContract,
  ctx: RuleContext,
): EdgeDraft[] {
  const edges = new Map<string, EdgeDraft>();
  for (const { call, target } of resolvedCalls(ctx, contract)) {
    if (target) {
      addEdge(edges, from, 'call', target.ref, callSubject(call.operation));
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
        from,
        'dataset',
        to,
        dataset,
        m.provider && m.source !== m.provider ? m.source : undefined,
      );
    }
  };
  for (const dd of contract.dataDependencies) {
    addDatasetEdge(dd.ref, dd.dataset);
  }
  for (const ds of contract.datasets) {
    for (const src of ds.derivedFrom) {
      addDatasetEdge(src.ref, src.dataset);
    }
  }
  for (const r of contract.requires) {
    const target = ctx.resolve(r.ref);
    if (target) {
      addEdge(edges, from, 'data-need', target.ref, r.data);
    }
  }
  return [...edges.values()];
}

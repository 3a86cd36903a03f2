/*
 * The edges of the conflict graph an entity's contract draws.
 */
import type { EntityContract } from '../types';
import { hashParts } from './hash';
import {
  contractRefs,
  findDatasetVia,
  resolvedCalls,
  resolveVia,
} from './paths';
import type { Slot } from './catalog';
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
  edges: EdgeDraft[],
  from: string,
  kind: GraphEdge['kind'],
  to: string,
  subject: string,
  via?: string,
) {
  const id = edgeId(kind, from, to, subject);
  // A contract draws a handful of edges: a scan, not a map per contract.
  for (let i = 0; i < edges.length; i++) {
    if (edges[i].id === id) {
      return;
    }
  }
  const edge: EdgeDraft = { id, from, to, kind, subject };
  if (via) {
    edge.via = via;
  }
  edges.push(edge);
}

/** The edges drawn by one contract, in contract order, without duplicates. */
export function contractEdges(
  from: string,
  contract: EntityContract,
  ctx: RuleContext,
): EdgeDraft[] {
  const edges: EdgeDraft[] = [];
  const refs = contractRefs(ctx, contract);
  for (const { call, target } of resolvedCalls(ctx, contract)) {
    if (target) {
      addEdge(edges, from, 'call', target.ref, callSubject(call.operation));
    }
  }
  // a dataset read (a data dependency, or a derived dataset's source): the edge goes to the
  // provider, `via` the named source when that is another entity (orders via orders-db)
  const addDatasetEdge = (
    slot: Slot | undefined,
    ref: string,
    dataset: string,
  ) => {
    const m = findDatasetVia(ctx, slot, ref, dataset);
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
  contract.dataDependencies.forEach((dd, i) =>
    addDatasetEdge(refs?.dataDependencies[i], dd.ref, dd.dataset),
  );
  contract.datasets.forEach((ds, d) =>
    ds.derivedFrom.forEach((src, i) =>
      addDatasetEdge(refs?.derivedFrom[d][i], src.ref, src.dataset),
    ),
  );
  for (let i = 0; i < contract.requires.length; i++) {
    const r = contract.requires[i];
    const target = resolveVia(ctx, refs?.requires[i], r.ref);
    if (target) {
      addEdge(edges, from, 'data-need', target.ref, r.data);
    }
  }
  return edges;
}

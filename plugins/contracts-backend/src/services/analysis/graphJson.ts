import { createHash } from 'node:crypto';
import type {
  GraphEdge,
  GraphNode,
} from '@backstage-contracts/plugin-contracts-common';

/**
 * A graph's nodes and edges as GET /graph embeds them — UTF-8 JSON `{"nodes":[…],"edges":[…]}` —
 * and their SHA-1 (base64, the ETag's part). Made in the analysis worker once per snapshot, and
 * on the main thread only for a snapshot the worker has moved on from.
 */
export function graphJson(
  graph: { nodes: GraphNode[]; edges: GraphEdge[] } | string,
): {
  bytes: Uint8Array;
  digest: string;
} {
  // its own ArrayBuffer (not Buffer's shared pool): the worker may hand it over; a string: the
  // same JSON, written already (the main thread's items' text, GraphItems.graphText)
  const bytes = new TextEncoder().encode(
    typeof graph === 'string'
      ? graph
      : JSON.stringify({ nodes: graph.nodes, edges: graph.edges }),
  );
  return { bytes, digest: createHash('sha1').update(bytes).digest('base64') };
}

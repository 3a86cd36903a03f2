import type { Hop } from '../paths';
import type { EdgeRef } from '../types';

/**
 * The edges of a chain from `from` through `path`: each hop is reached by calling (or reading)
 * its subject.
 */
export function chainEdges(from: string, path: Hop[]): EdgeRef[] {
  const edges: EdgeRef[] = [];
  let at = from;
  for (const hop of path) {
    edges.push({ from: at, to: hop.ref, subject: hop.subject });
    at = hop.ref;
  }
  return edges;
}

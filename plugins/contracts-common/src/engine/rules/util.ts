import type { Hop } from '../paths';
import type { EdgeRef, FindingDraft } from '../types';

/**
 * What a rule returns for an anchor without findings (most anchors): one frozen array, not an
 * empty array per anchor and rule (30k per three-rule run at 10k entities).
 */
export const NO_DRAFTS = Object.freeze([]) as unknown as FindingDraft[];

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

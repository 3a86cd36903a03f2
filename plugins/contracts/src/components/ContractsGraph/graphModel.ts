import Graph from 'graphology';
import { bfsFromNode } from 'graphology-traversal';
import { bidirectional } from 'graphology-shortest-path/unweighted';
import type { Severity } from '@backstage-contracts/plugin-contracts-common';
import type {
  ContractsFinding,
  ContractsGraph,
  ContractsGraphEdge,
  ContractsGraphNode,
} from '../../api';
import { worstSeverity } from '../shared';
import type { GraphViewState } from './graphState';

/** A finding counts towards a node's size while nobody has settled it. */
export function isOpen(f: ContractsFinding): boolean {
  return f.status !== 'accepted';
}

/** What the filters and the focus leave of the graph: plain data, no rendering. */
export interface GraphSlice {
  nodes: ContractsGraphNode[];
  edges: ContractsGraphEdge[];
  /** Per visible edge: the findings the severity and rule filters count. */
  edgeFindings: Map<string, ContractsFinding[]>;
  /** Per visible edge: the worst severity among its counted findings. */
  edgeSeverity: Map<string, Severity | undefined>;
  /** Per visible node: its counted open findings (as consumer or provider). */
  nodeOpenFindings: Map<string, ContractsFinding[]>;
  /** Refs the focus names (centre of the neighbourhood, ends of the path). */
  focus: string[];
  /** Refs of the path, in order (when a path is asked for and found). */
  path?: string[];
  /** Why the focus shows nothing (an unknown entity, no path), for the user. */
  notice?: string;
}

/** The rules present in the graph's findings, sorted. */
export function rulesOf(graph: ContractsGraph): string[] {
  return [...new Set(graph.findings.map(f => f.rule))].sort();
}

/** A directed multigraph of the given nodes and edges (graphology), for traversals and drawing. */
export function toGraphology(
  nodes: ContractsGraphNode[],
  edges: ContractsGraphEdge[],
): Graph {
  const g = new Graph({ type: 'directed', multi: true, allowSelfLoops: true });
  for (const n of nodes) g.mergeNode(n.ref);
  for (const e of edges) {
    if (g.hasNode(e.from) && g.hasNode(e.to) && !g.hasEdge(e.id)) {
      g.addDirectedEdgeWithKey(e.id, e.from, e.to);
    }
  }
  return g;
}

function neighbourhood(g: Graph, centre: string, depth: number): Set<string> {
  const keep = new Set<string>();
  bfsFromNode(
    g,
    centre,
    (node, _attr, d) => {
      if (d > depth) return true;
      keep.add(node);
      return d >= depth;
    },
    { mode: 'directed' }, // in- and out-neighbours: callers and providers
  );
  return keep;
}

/**
 * The shortest path from `from` to `to`: following the edges' direction when there is such a
 * path, otherwise ignoring direction (who depends on both, who is between them).
 */
export function shortestPath(
  g: Graph,
  from: string,
  to: string,
): string[] | undefined {
  if (!g.hasNode(from) || !g.hasNode(to)) return undefined;
  const directed = bidirectional(g, from, to);
  if (directed) return directed;
  const undirected = new Graph({ type: 'undirected' });
  g.forEachNode(n => undirected.addNode(n));
  g.forEachEdge((_e, _a, s, t) => undirected.mergeEdge(s, t));
  return bidirectional(undirected, from, to) ?? undefined;
}

/**
 * Applies the view's filters and focus to the graph. Order: findings counted by severity and
 * rule; "conflicts only" keeps the edges with a counted finding; then the focus (a path
 * between two entities, else a neighbourhood) is taken within what is left.
 */
export function sliceGraph(
  graph: ContractsGraph,
  state: Pick<
    GraphViewState,
    'severities' | 'rules' | 'conflictsOnly' | 'around' | 'depth' | 'from' | 'to'
  >,
): GraphSlice {
  const sev = new Set(state.severities);
  const rules = new Set(state.rules);
  const counted = (f: ContractsFinding) =>
    sev.has(f.severity) && (rules.size === 0 || rules.has(f.rule));
  const findingById = new Map(graph.findings.map(f => [f.id, f]));
  const known = new Set(graph.nodes.map(n => n.ref));

  const edgeFindings = new Map<string, ContractsFinding[]>();
  let edges = graph.edges.filter(e => known.has(e.from) && known.has(e.to));
  for (const e of edges) {
    edgeFindings.set(
      e.id,
      e.findings
        .map(id => findingById.get(id))
        .filter((f): f is ContractsFinding => !!f && counted(f)),
    );
  }
  if (state.conflictsOnly) {
    edges = edges.filter(e => edgeFindings.get(e.id)!.length > 0);
  }

  const focus = [state.around, state.from, state.to].filter(
    (r): r is string => !!r,
  );
  let keep: Set<string> | undefined;
  if (state.conflictsOnly) {
    keep = new Set(edges.flatMap(e => [e.from, e.to]));
    focus.forEach(r => known.has(r) && keep!.add(r));
  }
  let nodes = keep ? graph.nodes.filter(n => keep!.has(n.ref)) : graph.nodes;

  let path: string[] | undefined;
  let notice: string | undefined;
  const unknown = focus.filter(r => !known.has(r));
  if (unknown.length) {
    notice = `Not in this graph: ${unknown.join(', ')}`;
  }
  if (state.from && state.to && !unknown.length) {
    const g = toGraphology(nodes, edges);
    path = shortestPath(g, state.from, state.to);
    if (!path) {
      notice = `No path between ${state.from} and ${state.to} with these filters`;
      nodes = nodes.filter(n => n.ref === state.from || n.ref === state.to);
      edges = [];
    } else {
      const onPath = new Set(path);
      const steps = new Set<string>();
      for (let i = 0; i + 1 < path.length; i++) {
        steps.add(`${path[i]}\u0000${path[i + 1]}`);
        steps.add(`${path[i + 1]}\u0000${path[i]}`);
      }
      nodes = nodes.filter(n => onPath.has(n.ref));
      edges = edges.filter(e => steps.has(`${e.from}\u0000${e.to}`));
    }
  } else if (state.around && known.has(state.around)) {
    const g = toGraphology(nodes, edges);
    if (g.hasNode(state.around)) {
      const near = neighbourhood(g, state.around, state.depth);
      nodes = nodes.filter(n => near.has(n.ref));
      edges = edges.filter(e => near.has(e.from) && near.has(e.to));
    }
  }

  const visible = new Set(nodes.map(n => n.ref));
  const edgeSeverity = new Map<string, Severity | undefined>();
  for (const e of edges) {
    edgeSeverity.set(
      e.id,
      worstSeverity(edgeFindings.get(e.id)!.map(f => f.severity)),
    );
  }
  const nodeOpenFindings = new Map<string, ContractsFinding[]>();
  for (const n of nodes) nodeOpenFindings.set(n.ref, []);
  for (const f of graph.findings) {
    if (!counted(f) || !isOpen(f)) continue;
    if (visible.has(f.consumer)) nodeOpenFindings.get(f.consumer)!.push(f);
    if (f.provider !== f.consumer && f.provider && visible.has(f.provider)) {
      nodeOpenFindings.get(f.provider)!.push(f);
    }
  }
  for (const e of [...edgeFindings.keys()]) {
    if (!edgeSeverity.has(e)) edgeFindings.delete(e);
  }
  return {
    nodes,
    edges,
    edgeFindings,
    edgeSeverity,
    nodeOpenFindings,
    focus: focus.filter(r => visible.has(r)),
    path,
    notice,
  };
}

/** Twelve colours that stay apart on light and dark backgrounds (Tableau 10 plus two). */
export const TEAM_PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b6992d',
  '#499894',
  '#e15759',
  '#79706e',
  '#d37295',
  '#b07aa1',
  '#9d7660',
  '#86bcb6',
  '#a0cbe8',
];
/** The colour of entities with no owner, and of teams past the palette's length. */
export const OTHER_TEAM_COLOR = '#9e9e9e';

/**
 * Colours by owning team: the teams with most entities in the slice get the palette's colours,
 * in order; the rest share one colour (the legend says "other teams").
 */
export function teamColors(nodes: ContractsGraphNode[]): {
  color: (owner: string | undefined) => string;
  legend: Array<{ owner: string; color: string; count: number }>;
  others: number;
} {
  const counts = new Map<string, number>();
  for (const n of nodes) {
    if (n.owner) counts.set(n.owner, (counts.get(n.owner) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort(
    (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
  );
  const legend = ranked
    .slice(0, TEAM_PALETTE.length)
    .map(([owner, count], i) => ({ owner, color: TEAM_PALETTE[i], count }));
  const byOwner = new Map(legend.map(l => [l.owner, l.color]));
  return {
    color: owner => (owner && byOwner.get(owner)) || OTHER_TEAM_COLOR,
    legend,
    others: ranked.length - legend.length,
  };
}

/** A node's drawn size: grows with the square root of its open findings. */
export function nodeSize(openFindings: number): number {
  return Math.min(22, 4 + 3 * Math.sqrt(openFindings));
}

/**
 * An initial position for every node, computed in one pass: teams sit on a circle, each team's
 * entities on a sunflower spiral around its centre. Deterministic, so a link shows the same
 * picture; ForceAtlas2 then refines it.
 */
export function initialPositions(
  nodes: ContractsGraphNode[],
): Map<string, { x: number; y: number }> {
  const groups = new Map<string, ContractsGraphNode[]>();
  for (const n of nodes) {
    const k = n.owner ?? '';
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(n);
  }
  const teams = [...groups.keys()].sort();
  const golden = Math.PI * (3 - Math.sqrt(5));
  const total = nodes.length;
  const ring = teams.length > 1 ? Math.sqrt(total) * 4 : 0;
  const out = new Map<string, { x: number; y: number }>();
  teams.forEach((team, t) => {
    const angle = (2 * Math.PI * t) / teams.length;
    const cx = ring * Math.cos(angle);
    const cy = ring * Math.sin(angle);
    groups.get(team)!.forEach((n, i) => {
      const r = 1.5 * Math.sqrt(i + 0.5);
      out.set(n.ref, {
        x: cx + r * Math.cos(i * golden),
        y: cy + r * Math.sin(i * golden),
      });
    });
  });
  return out;
}

/*
 * A layered layout computed once per graph, in O(V + E) (plus cycle breaking): ranks by longest
 * path from the sources (Kahn's algorithm, releasing the least-blocked node when a cycle stalls
 * it), one barycentre pass to order each rank, and tall ranks wrapped into several columns so a
 * 1,000-node graph stays readable. No layout library: the core DependencyGraph (dagre + one
 * React-rendered SVG element per node and per frame) is what stalls at this size.
 */

export interface LayoutInput {
  nodes: Array<{ ref: string }>;
  edges: Array<{ from: string; to: string }>;
}

export interface NodePosition {
  x: number;
  y: number;
}

export interface GraphLayout {
  positions: Map<string, NodePosition>;
  width: number;
  height: number;
}

export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 28;
const COLUMN_GAP = 90;
const ROW_GAP = 14;
const MAX_PER_COLUMN = 30;

export function layoutGraph({ nodes, edges }: LayoutInput): GraphLayout {
  const index = new Map<string, number>();
  nodes.forEach((n, i) => index.set(n.ref, i));
  const n = nodes.length;
  const out: number[][] = Array.from({ length: n }, () => []);
  const inc: number[][] = Array.from({ length: n }, () => []);
  const indeg = new Array<number>(n).fill(0);
  for (const e of edges) {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    out[a].push(b);
    inc[b].push(a);
    indeg[b]++;
  }

  // ranks: longest path from the sources; cycles released at the least-blocked node
  const rank = new Array<number>(n).fill(0);
  const done = new Array<boolean>(n).fill(false);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  let processed = 0;
  let head = 0;
  const remaining = indeg.slice();
  while (processed < n) {
    if (head >= queue.length) {
      let best = -1;
      for (let i = 0; i < n; i++) {
        if (!done[i] && (best < 0 || remaining[i] < remaining[best])) best = i;
      }
      remaining[best] = 0;
      queue.push(best);
    }
    const v = queue[head++];
    if (done[v]) continue;
    done[v] = true;
    processed++;
    for (const w of out[v]) {
      if (done[w]) continue;
      rank[w] = Math.max(rank[w], rank[v] + 1);
      if (--remaining[w] === 0) queue.push(w);
    }
  }

  // group into ranks; order each rank by the barycentre of its predecessors
  const maxRank = rank.reduce((m, r) => Math.max(m, r), 0);
  const ranks: number[][] = Array.from({ length: maxRank + 1 }, () => []);
  for (let i = 0; i < n; i++) ranks[rank[i]].push(i);
  const order = new Array<number>(n).fill(0);
  ranks[0]?.forEach((v, i) => (order[v] = i));
  for (let r = 1; r < ranks.length; r++) {
    const bary = (v: number) => {
      const preds = inc[v].filter(p => rank[p] < r);
      return preds.length
        ? preds.reduce((s, p) => s + order[p], 0) / preds.length
        : Number.MAX_SAFE_INTEGER;
    };
    const keyed = ranks[r].map(v => [bary(v), v] as const);
    keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    ranks[r] = keyed.map(k => k[1]);
    ranks[r].forEach((v, i) => (order[v] = i));
  }

  const positions = new Map<string, NodePosition>();
  let column = 0;
  let height = 0;
  for (const members of ranks) {
    if (members.length === 0) continue;
    const columns = Math.ceil(members.length / MAX_PER_COLUMN);
    for (let i = 0; i < members.length; i++) {
      const v = members[i];
      const c = Math.floor(i / MAX_PER_COLUMN);
      const row = i % MAX_PER_COLUMN;
      const y = row * (NODE_HEIGHT + ROW_GAP) + (c % 2) * ((NODE_HEIGHT + ROW_GAP) / 2);
      positions.set(nodes[v].ref, { x: (column + c) * (NODE_WIDTH + COLUMN_GAP), y });
      height = Math.max(height, y + NODE_HEIGHT);
    }
    column += columns;
  }
  return {
    positions,
    width: Math.max(0, column * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP),
    height,
  };
}

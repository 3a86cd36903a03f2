import { useEffect, useRef } from 'react';
import Graph from 'graphology';
import Sigma from 'sigma';
import type { NodeHoverDrawingFunction } from 'sigma/rendering';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import FA2Layout from 'graphology-layout-forceatlas2/worker';
import { useTheme } from '@material-ui/core/styles';
import { SEVERITY_COLOR, SEVERITY_ORDER } from '../shared';
import { GraphSlice, initialPositions, nodeSize } from './graphModel';

/** What the pointer is over (viewport coordinates inside the canvas). */
export type GraphHover =
  | { type: 'node'; ref: string; x: number; y: number }
  | { type: 'edge'; id: string; x: number; y: number };

/** Props of {@link GraphCanvas}. */
export interface GraphCanvasProps {
  slice: GraphSlice;
  teamColor: (owner: string | undefined) => string;
  /** Nodes drawn with a highlight ring and a label at every zoom. */
  highlighted: Set<string>;
  onSelect: (
    s: { type: 'node'; ref: string } | { type: 'edge'; id: string },
  ) => void;
  onHover: (h: GraphHover | undefined) => void;
  /** The canvas element's data-* and `contractsGraph` handle, for automation. */
  testId?: string;
}

/** Graphs up to this size are laid out before the first frame; larger ones in a web worker. */
const SYNC_LAYOUT_MAX_NODES = 300;
/** How long the worker refines a large layout before it stops (ms). */
const WORKER_LAYOUT_MS = 6000;

function mark(name: string) {
  try {
    performance.mark(name);
  } catch {
    // marks are best effort
  }
}

/** The hover box of a node in the theme's paper colour (sigma's default is white). */
function hoverDrawer(
  background: string,
  foreground: string,
): NodeHoverDrawingFunction {
  return (ctx, data, settings) => {
    const size = settings.labelSize;
    ctx.font = `${settings.labelWeight} ${size}px ${settings.labelFont}`;
    ctx.fillStyle = background;
    ctx.shadowOffsetX = 0;
    ctx.shadowOffsetY = 0;
    ctx.shadowBlur = 8;
    ctx.shadowColor = 'rgba(0,0,0,0.45)';
    const label = data.label ?? '';
    const w = label ? ctx.measureText(label).width + 10 : 0;
    const h = size + 8;
    ctx.beginPath();
    ctx.arc(data.x, data.y, data.size + 3, 0, Math.PI * 2);
    ctx.fill();
    if (label) ctx.fillRect(data.x + data.size + 2, data.y - h / 2, w, h);
    ctx.shadowBlur = 0;
    if (label) {
      ctx.fillStyle = foreground;
      ctx.fillText(label, data.x + data.size + 7, data.y + size / 3);
    }
  };
}

function rank(sev: string | undefined) {
  return sev ? SEVERITY_ORDER.length - SEVERITY_ORDER.indexOf(sev as any) : 0;
}

/**
 * The conflict graph drawn with sigma (WebGL) from a graphology graph: directed edges with
 * arrowheads coloured by worst severity, nodes coloured by owning team and sized by open
 * findings. Small graphs are laid out by ForceAtlas2 before the first frame; large ones are
 * drawn at once from a deterministic team-clustered layout that ForceAtlas2 then refines in a
 * web worker for a few seconds (`data-layout` says `running`, then `settled`).
 */
export const GraphCanvas = ({
  slice,
  teamColor,
  highlighted,
  onSelect,
  onHover,
  testId = 'contracts-graph-canvas',
}: GraphCanvasProps) => {
  const theme = useTheme();
  const containerRef = useRef<HTMLDivElement>(null);
  const sigmaRef = useRef<Sigma | undefined>();
  const callbacks = useRef({ onSelect, onHover });
  callbacks.current = { onSelect, onHover };
  const dark = theme.palette.type === 'dark';
  const plainEdge = dark ? '#6b6b6b' : '#b0b0b0';

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return undefined;
    const graph = new Graph({
      type: 'directed',
      multi: true,
      allowSelfLoops: true,
    });
    const pos = initialPositions(slice.nodes);
    for (const n of slice.nodes) {
      const open = slice.nodeOpenFindings.get(n.ref)?.length ?? 0;
      const p = pos.get(n.ref)!;
      graph.addNode(n.ref, {
        x: p.x,
        y: p.y,
        size: nodeSize(open),
        label: n.name,
        color: teamColor(n.owner),
      });
    }
    for (const e of slice.edges) {
      if (graph.hasEdge(e.id)) continue;
      const sev = slice.edgeSeverity.get(e.id);
      graph.addDirectedEdgeWithKey(e.id, e.from, e.to, {
        label: e.subject,
        color: sev ? SEVERITY_COLOR[sev] : plainEdge,
        size: sev ? 2.5 : 1,
        zIndex: rank(sev),
        type: e.from === e.to ? 'line' : 'arrow',
      });
    }
    const large = graph.order > SYNC_LAYOUT_MAX_NODES;
    if (!large && graph.order > 1) {
      forceAtlas2.assign(graph, {
        iterations: 300,
        settings: { ...forceAtlas2.inferSettings(graph), adjustSizes: true },
      });
    }
    const sigma = new Sigma(graph, container, {
      defaultEdgeType: 'arrow',
      // A large graph draws no edge labels and picks no edges under the pointer (its edges are
      // reachable through the conflict list and a node's panel), and hides edges and labels
      // while the camera moves: per-frame label drawing and edge picking dominated its frame
      // times in `yarn bench:graph`.
      renderEdgeLabels: !large,
      enableEdgeEvents: !large,
      hideEdgesOnMove: large,
      hideLabelsOnMove: large,
      zIndex: true,
      labelColor: { color: theme.palette.text.primary },
      edgeLabelColor: { color: theme.palette.text.secondary },
      labelFont: String(theme.typography.fontFamily),
      edgeLabelFont: String(theme.typography.fontFamily),
      labelSize: 12,
      edgeLabelSize: 10,
      // every label in a small graph; in a large one, labels as the zoom makes room
      labelRenderedSizeThreshold: large ? 6 : 0,
      defaultDrawNodeHover: hoverDrawer(
        theme.palette.background.paper,
        theme.palette.text.primary,
      ),
      minCameraRatio: 0.005,
      maxCameraRatio: 20,
    });
    sigmaRef.current = sigma;
    sigma.once('afterRender', () => mark('contracts-graph-rendered'));
    sigma.on('enterNode', ({ node, event }) =>
      callbacks.current.onHover({
        type: 'node',
        ref: node,
        x: event.x,
        y: event.y,
      }),
    );
    sigma.on('leaveNode', () => callbacks.current.onHover(undefined));
    sigma.on('enterEdge', ({ edge, event }) =>
      callbacks.current.onHover({
        type: 'edge',
        id: edge,
        x: event.x,
        y: event.y,
      }),
    );
    sigma.on('leaveEdge', () => callbacks.current.onHover(undefined));
    sigma.on('clickNode', ({ node }) =>
      callbacks.current.onSelect({ type: 'node', ref: node }),
    );
    sigma.on('clickEdge', ({ edge }) =>
      callbacks.current.onSelect({ type: 'edge', id: edge }),
    );
    sigma.on('enterNode', () => (container.style.cursor = 'pointer'));
    sigma.on('enterEdge', () => (container.style.cursor = 'pointer'));
    sigma.on('leaveNode', () => (container.style.cursor = ''));
    sigma.on('leaveEdge', () => (container.style.cursor = ''));

    // for automation (e2e, benchmark): where a node or an edge's middle is on screen
    const at = (ref: string) =>
      sigma.graphToViewport(
        graph.getNodeAttributes(ref) as { x: number; y: number },
      );
    (container as any).contractsGraph = {
      nodePosition: (ref: string) => (graph.hasNode(ref) ? at(ref) : undefined),
      edgePosition: (id: string) => {
        if (!graph.hasEdge(id)) return undefined;
        const a = at(graph.source(id));
        const b = at(graph.target(id));
        return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      },
      camera: () => sigma.getCamera(),
    };

    let layout: FA2Layout | undefined;
    let stopTimer: ReturnType<typeof setTimeout> | undefined;
    if (large && graph.size > 0) {
      container.dataset.layout = 'running';
      layout = new FA2Layout(graph, {
        settings: {
          ...forceAtlas2.inferSettings(graph),
          barnesHutOptimize: true,
        },
      });
      layout.start();
      stopTimer = setTimeout(() => {
        layout?.stop();
        container.dataset.layout = 'settled';
      }, WORKER_LAYOUT_MS);
    } else {
      container.dataset.layout = 'settled';
    }
    return () => {
      if (stopTimer) clearTimeout(stopTimer);
      layout?.kill();
      sigma.kill();
      sigmaRef.current = undefined;
      delete (container as any).contractsGraph;
    };
    // teamColor is derived from slice.nodes
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [slice, theme, plainEdge]);

  // highlights change without a new layout
  useEffect(() => {
    const sigma = sigmaRef.current;
    if (!sigma) return;
    const graph = sigma.getGraph();
    graph.updateEachNodeAttributes(
      (node, attr) => {
        const on = highlighted.has(node);
        if (!!attr.highlighted === on && !!attr.forceLabel === on) return attr;
        return { ...attr, highlighted: on, forceLabel: on };
      },
      { attributes: ['highlighted', 'forceLabel'] },
    );
  }, [highlighted, slice, theme]);

  return (
    <div
      ref={containerRef}
      data-testid={testId}
      style={{ position: 'absolute', inset: 0 }}
    />
  );
};

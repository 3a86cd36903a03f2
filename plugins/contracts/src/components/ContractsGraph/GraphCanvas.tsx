import { useEffect, useRef } from 'react';
import Graph from 'graphology';
import Sigma from 'sigma';
import type { NodeHoverDrawingFunction } from 'sigma/rendering';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import FA2Layout from 'graphology-layout-forceatlas2/worker';
import { useTheme } from '@material-ui/core/styles';
import { SEVERITY_COLOR, SEVERITY_ORDER } from '../shared';
import { GraphSlice, initialPositions, nodeSize } from './graphModel';
import {
  BitmapTransform,
  IDENTITY,
  boundedFactor,
  cameraFor,
  cssTransform,
  isIdentity,
  panBy,
  relativeTo,
  wheelFactor,
  zoomAbout,
} from './bitmapMotion';

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

/** How long after the last wheel event a zoom counts as finished and is drawn (ms). */
const WHEEL_SETTLE_MS = 200;
/** How far the pointer moves with the button down before it is a pan, not a click (px). */
const DRAG_THRESHOLD_PX = 3;

/**
 * Zoom and pan of a large graph as a moved bitmap (see bitmapMotion.ts): the wheel and drags
 * over `outer` are taken before sigma sees them, `inner` (sigma's container) is moved with a
 * CSS transform during the gesture, and sigma draws once at the matching camera when it ends.
 * Clicks, hovers and touch gestures stay sigma's. Returns the detach function.
 */
function attachBitmapMotion(
  outer: HTMLElement,
  inner: HTMLElement,
  sigma: Sigma,
  onMotionStart: () => void,
): () => void {
  let t: BitmapTransform = IDENTITY;
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  let drag: { x: number; y: number; moved: boolean } | undefined;
  let swallowClick = false;

  const apply = (next: BitmapTransform) => {
    if (isIdentity(t) && !isIdentity(next)) onMotionStart();
    t = next;
    inner.style.transform = cssTransform(t);
  };
  // set while sigma has the new camera but has not drawn with it yet
  let drawing: BitmapTransform | undefined;
  const settle = () => {
    if (settleTimer) clearTimeout(settleTimer);
    settleTimer = undefined;
    if (isIdentity(t) || drawing) return;
    const camera = sigma.getCamera();
    const { width, height } = sigma.getDimensions();
    const before = camera.getState();
    const next = cameraFor(t, before, width, height, p =>
      sigma.viewportToFramedGraph(p),
    );
    camera.setState(next);
    if (camera.hasState(before)) {
      apply(IDENTITY);
      return;
    }
    // the transform goes in the same frame as the drawing at the new camera; what the user
    // did meanwhile stays on top of it
    drawing = t;
    sigma.once('afterRender', () => {
      const rest = relativeTo(t, drawing!);
      drawing = undefined;
      t = rest;
      inner.style.transform = cssTransform(t);
      if (!isIdentity(t) && !drag?.moved && !settleTimer) settle();
    });
  };
  const local = (e: MouseEvent) => {
    const r = outer.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    e.stopPropagation();
    const { x, y } = local(e);
    const ratio = sigma.getCamera().getState().ratio;
    const factor = boundedFactor(
      t,
      wheelFactor(e.deltaY, sigma.getSetting('zoomingRatio')),
      ratio,
      sigma.getSetting('minCameraRatio') ?? 0,
      sigma.getSetting('maxCameraRatio') ?? Infinity,
    );
    apply(zoomAbout(t, factor, x, y));
    if (settleTimer) clearTimeout(settleTimer);
    settleTimer = setTimeout(settle, WHEEL_SETTLE_MS);
  };
  const onDown = (e: MouseEvent) => {
    if (e.button === 0) drag = { x: e.clientX, y: e.clientY, moved: false };
  };
  const onUp = () => {
    if (!drag) return;
    if (drag.moved) {
      swallowClick = true;
      setTimeout(() => (swallowClick = false), 0);
      settle();
    }
    drag = undefined;
  };
  // on the window, in the capture phase: sigma follows the mouse on the document
  const onMove = (e: MouseEvent) => {
    if (!drag) return;
    if (e.buttons === 0) {
      // released outside the window: the drag ended there
      onUp();
      return;
    }
    e.stopPropagation();
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return;
    drag = { x: e.clientX, y: e.clientY, moved: true };
    apply(panBy(t, dx, dy));
  };
  const onClick = (e: MouseEvent) => {
    if (swallowClick) {
      swallowClick = false;
      e.stopPropagation();
    }
  };
  outer.addEventListener('wheel', onWheel, { capture: true, passive: false });
  outer.addEventListener('mousedown', onDown, { capture: true });
  outer.addEventListener('click', onClick, { capture: true });
  window.addEventListener('mousemove', onMove, { capture: true });
  window.addEventListener('mouseup', onUp, { capture: true });
  return () => {
    if (settleTimer) clearTimeout(settleTimer);
    outer.removeEventListener('wheel', onWheel, { capture: true });
    outer.removeEventListener('mousedown', onDown, { capture: true });
    outer.removeEventListener('click', onClick, { capture: true });
    window.removeEventListener('mousemove', onMove, { capture: true });
    window.removeEventListener('mouseup', onUp, { capture: true });
    inner.style.transform = '';
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
  const outerRef = useRef<HTMLDivElement>(null);
  const containerRef = useRef<HTMLDivElement>(null);
  const sigmaRef = useRef<Sigma | undefined>();
  const callbacks = useRef({ onSelect, onHover });
  callbacks.current = { onSelect, onHover };
  const dark = theme.palette.type === 'dark';
  const plainEdge = dark ? '#6b6b6b' : '#b0b0b0';

  useEffect(() => {
    const outer = outerRef.current;
    const container = containerRef.current;
    if (!outer || !container) return undefined;
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
    const detachMotion = large
      ? attachBitmapMotion(outer, container, sigma, () =>
          callbacks.current.onHover(undefined),
        )
      : undefined;

    (outer as any).contractsGraph = {
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
      outer.dataset.layout = 'running';
      layout = new FA2Layout(graph, {
        settings: {
          ...forceAtlas2.inferSettings(graph),
          barnesHutOptimize: true,
        },
      });
      layout.start();
      stopTimer = setTimeout(() => {
        layout?.stop();
        outer.dataset.layout = 'settled';
      }, WORKER_LAYOUT_MS);
    } else {
      outer.dataset.layout = 'settled';
    }
    return () => {
      if (stopTimer) clearTimeout(stopTimer);
      layout?.kill();
      detachMotion?.();
      sigma.kill();
      sigmaRef.current = undefined;
      delete (outer as any).contractsGraph;
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
      ref={outerRef}
      data-testid={testId}
      style={{ position: 'absolute', inset: 0, overflow: 'hidden' }}
    >
      <div
        ref={containerRef}
        style={{ position: 'absolute', inset: 0, transformOrigin: '0 0' }}
      />
    </div>
  );
};

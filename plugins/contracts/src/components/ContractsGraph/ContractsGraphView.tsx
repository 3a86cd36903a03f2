import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import IconButton from '@material-ui/core/IconButton';
import Paper from '@material-ui/core/Paper';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CloseIcon from '@material-ui/icons/Close';
import type { Severity } from '@backstage-contracts/plugin-contracts-common';
import type { ContractsFinding, ContractsGraph } from '../../api';
import {
  EntityRef,
  ItemErrorBoundary,
  SEVERITY_COLOR,
  SEVERITY_ORDER,
  worstSeverity,
} from '../shared';
import { FindingItem, sortFindings } from '../ConflictsCard';
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH } from './layout';

const useStyles = makeStyles(theme => ({
  canvas: {
    position: 'relative',
    overflow: 'hidden',
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: 4,
    background: theme.palette.background.default,
    touchAction: 'none',
    cursor: 'grab',
    '&:active': { cursor: 'grabbing' },
  },
  pane: {
    position: 'absolute',
    inset: 0,
    overflow: 'hidden',
  },
  stage: {
    // the compositor moves this layer; pan and zoom re-paint nothing
    position: 'absolute',
    left: 0,
    top: 0,
    transformOrigin: '0 0',
    willChange: 'transform',
  },
  svg: {
    display: 'block',
    overflow: 'visible',
    userSelect: 'none',
    '&.lod-low text': { display: 'none' },
  },
  node: {
    fill: theme.palette.background.paper,
    stroke: theme.palette.text.secondary,
    strokeWidth: 1,
    cursor: 'pointer',
  },
  nodeNoContract: { strokeDasharray: '4 3' },
  nodeHighlight: { stroke: theme.palette.primary.main, strokeWidth: 3 },
  label: {
    fill: theme.palette.text.primary,
    fontSize: 12,
    pointerEvents: 'none',
    fontFamily: theme.typography.fontFamily,
  },
  edges: { fill: 'none', pointerEvents: 'none' },
  // invisible (never painted) but clickable along a 10px band: pointer-events `stroke` ignores
  // visibility
  hit: {
    stroke: '#000',
    strokeWidth: 10,
    fill: 'none',
    visibility: 'hidden',
    pointerEvents: 'stroke',
    cursor: 'pointer',
  },
  side: {
    position: 'absolute',
    top: 8,
    right: 8,
    bottom: 8,
    width: 420,
    overflowY: 'auto',
    padding: theme.spacing(1),
    zIndex: 2,
  },
  controls: {
    position: 'absolute',
    left: 8,
    top: 8,
    zIndex: 1,
    display: 'flex',
    flexDirection: 'column',
  },
}));

/** Props of {@link ContractsGraphView}. */
export interface ContractsGraphViewProps {
  graph: ContractsGraph;
  height?: number | string;
  /** Entity refs to highlight (e.g. the entity whose neighbourhood is shown). */
  highlight?: string[];
}

type Selection =
  | { type: 'edge'; id: string }
  | { type: 'node'; ref: string }
  | undefined;

/** Layout padding around the drawing, in layout units. */
const PAD = 12;
/** A gesture is over when no wheel or drag event came for this long. */
const IDLE_MS = 150;

function edgePath(x1: number, y1: number, x2: number, y2: number) {
  const mid = (x1 + x2) / 2;
  return `M${x1},${y1}C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
}

/**
 * The conflict graph: a layered layout computed once, drawn as one SVG the size of the layout.
 * Edges are merged into a few paths (one for the plain edges, one per severity for conflicts);
 * conflict edges also get an invisible hit path each, for clicks. Pan and zoom set a CSS
 * transform on the HTML layer around the SVG, once per animation frame, without re-rendering
 * React: the compositor moves the cached layer instead of re-painting thousands of elements.
 */
export const ContractsGraphView = ({
  graph,
  height = 600,
  highlight = [],
}: ContractsGraphViewProps) => {
  const classes = useStyles();
  const [severities, setSeverities] = useState<Set<Severity>>(
    () => new Set(SEVERITY_ORDER),
  );
  const [conflictsOnly, setConflictsOnly] = useState(false);
  const [search, setSearch] = useState('');
  const [selection, setSelection] = useState<Selection>();

  const findingById = useMemo(
    () => new Map(graph.findings.map(f => [f.id, f])),
    [graph.findings],
  );

  const edgeSeverity = useMemo(() => {
    const m = new Map<string, Severity | undefined>();
    for (const e of graph.edges) {
      m.set(
        e.id,
        worstSeverity(
          e.findings
            .map(id => findingById.get(id))
            .filter(
              (f): f is ContractsFinding => !!f && severities.has(f.severity),
            )
            .map(f => f.severity),
        ),
      );
    }
    return m;
  }, [graph.edges, findingById, severities]);

  const visible = useMemo(() => {
    if (!conflictsOnly) return graph;
    const edges = graph.edges.filter(e => edgeSeverity.get(e.id));
    const refs = new Set(edges.flatMap(e => [e.from, e.to]));
    highlight.forEach(r => refs.add(r));
    return { ...graph, edges, nodes: graph.nodes.filter(n => refs.has(n.ref)) };
  }, [graph, conflictsOnly, edgeSeverity, highlight]);

  const layout = useMemo(() => layoutGraph(visible), [visible]);

  // pan / zoom: kept in a ref, written to the DOM once per animation frame
  const paneRef = useRef<HTMLDivElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const view = useRef({ x: 20, y: 20, k: 1 });
  const frame = useRef<number | undefined>();
  const idle = useRef<ReturnType<typeof setTimeout> | undefined>();
  const apply = useCallback(() => {
    frame.current = undefined;
    const { x, y, k } = view.current;
    const stage = stageRef.current;
    if (stage) stage.style.transform = `translate(${x}px,${y}px) scale(${k})`;
  }, []);
  const schedule = useCallback(() => {
    if (frame.current === undefined) {
      frame.current = requestAnimationFrame(apply);
    }
  }, [apply]);
  // When a gesture is over: level of detail (labels) and a crisp raster at the new scale. Both
  // re-paint, so neither happens while panning or zooming. A will-change layer keeps the raster
  // scale it was created with (zooming in would stay blurry): dropping will-change for one frame
  // makes the compositor raster it afresh.
  const rasterK = useRef<number | undefined>();
  const settle = useCallback(() => {
    idle.current = undefined;
    const { k } = view.current;
    svgRef.current?.classList.toggle('lod-low', k < 0.45);
    const stage = stageRef.current;
    if (!stage || rasterK.current === k) return;
    if (rasterK.current !== undefined) {
      stage.style.willChange = 'auto';
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          stage.style.willChange = '';
        }),
      );
    }
    rasterK.current = k;
  }, []);
  const gesture = useCallback(() => {
    schedule();
    const stage = stageRef.current;
    if (stage?.style.willChange) stage.style.willChange = '';
    if (idle.current !== undefined) clearTimeout(idle.current);
    idle.current = setTimeout(settle, IDLE_MS);
  }, [schedule, settle]);
  useEffect(
    () => () => {
      if (frame.current !== undefined) cancelAnimationFrame(frame.current);
      if (idle.current !== undefined) clearTimeout(idle.current);
    },
    [],
  );

  const fit = useCallback(() => {
    const pane = paneRef.current;
    const w = pane?.clientWidth || 1000;
    const h = pane?.clientHeight || 600;
    const k = Math.min(
      1.5,
      Math.max(
        0.05,
        Math.min(w / (layout.width + 40), h / (layout.height + 40)),
      ),
    );
    view.current = {
      k,
      x: (w - layout.width * k) / 2 - PAD * k,
      y: Math.max(10, (h - layout.height * k) / 2) - PAD * k,
    };
    schedule();
    settle();
  }, [layout, schedule, settle]);

  useLayoutEffect(() => {
    fit();
  }, [fit]);

  useEffect(() => {
    const pane = paneRef.current;
    if (!pane) return undefined;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = pane.getBoundingClientRect();
      const px = e.clientX - rect.left;
      const py = e.clientY - rect.top;
      const { x, y, k } = view.current;
      const nk = Math.min(4, Math.max(0.03, k * Math.exp(-e.deltaY * 0.0015)));
      view.current = {
        k: nk,
        x: px - ((px - x) * nk) / k,
        y: py - ((py - y) * nk) / k,
      };
      gesture();
    };
    pane.addEventListener('wheel', onWheel, { passive: false });
    return () => pane.removeEventListener('wheel', onWheel);
  }, [gesture]);

  const drag = useRef<{ x: number; y: number; moved: boolean } | undefined>();
  const onPointerDown = (e: React.PointerEvent) => {
    drag.current = { x: e.clientX, y: e.clientY, moved: false };
  };
  const onPointerMove = (e: React.PointerEvent) => {
    const d = drag.current;
    if (!d || e.buttons === 0) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && Math.abs(dx) + Math.abs(dy) < 3) return;
    if (!d.moved) {
      (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
    }
    d.moved = true;
    d.x = e.clientX;
    d.y = e.clientY;
    view.current = {
      ...view.current,
      x: view.current.x + dx,
      y: view.current.y + dy,
    };
    gesture();
  };
  const onPointerUp = () => {
    setTimeout(() => (drag.current = undefined), 0);
  };
  const clicked = () => !drag.current?.moved;

  const zoomBy = (factor: number) => {
    const pane = paneRef.current;
    const w = (pane?.clientWidth || 1000) / 2;
    const h = (pane?.clientHeight || 600) / 2;
    const { x, y, k } = view.current;
    const nk = Math.min(4, Math.max(0.03, k * factor));
    view.current = {
      k: nk,
      x: w - ((w - x) * nk) / k,
      y: h - ((h - y) * nk) / k,
    };
    gesture();
  };

  const searchLower = search.trim().toLowerCase();
  const highlighted = new Set(highlight);

  const { positions } = layout;
  // a handful of merged paths to draw every edge, and one hit path per conflict edge
  const edgeLayers = useMemo(() => {
    const drawn = new Map<
      string,
      { sev?: Severity; dashed: boolean; d: string[] }
    >();
    const hits: JSX.Element[] = [];
    for (const e of visible.edges) {
      const a = positions.get(e.from);
      const b = positions.get(e.to);
      if (!a || !b) continue;
      const sev = edgeSeverity.get(e.id);
      const dashed = e.kind !== 'call';
      const d = edgePath(
        a.x + NODE_WIDTH + PAD,
        a.y + NODE_HEIGHT / 2 + PAD,
        b.x + PAD,
        b.y + NODE_HEIGHT / 2 + PAD,
      );
      const key = `${sev ?? ''}|${dashed}`;
      let layer = drawn.get(key);
      if (!layer) drawn.set(key, (layer = { sev, dashed, d: [] }));
      layer.d.push(d);
      if (sev) {
        hits.push(
          <path
            key={e.id}
            d={d}
            className={classes.hit}
            data-testid="conflict-edge"
            data-edge-id={e.id}
            data-severity={sev}
            data-from={e.from}
            data-to={e.to}
          >
            <title>{`${e.subject}: ${e.findings.length} finding(s)`}</title>
          </path>,
        );
      }
    }
    // plain edges first, then conflicts from the least to the most severe (drawn on top)
    const rankOf = (sev?: Severity) =>
      sev ? SEVERITY_ORDER.length - SEVERITY_ORDER.indexOf(sev) : 0;
    const paths = [...drawn.entries()]
      .sort(([, a], [, b]) => rankOf(a.sev) - rankOf(b.sev))
      .map(([key, { sev, dashed, d }]) => (
        <path
          key={key}
          d={d.join('')}
          data-testid={sev ? 'conflict-edges' : 'edges'}
          data-severity={sev}
          stroke={sev ? SEVERITY_COLOR[sev] : '#9e9e9e'}
          strokeWidth={sev ? 2.5 : 1}
          strokeOpacity={sev ? 0.9 : 0.5}
          strokeDasharray={dashed ? '6 4' : undefined}
        />
      ));
    return { paths, hits };
  }, [visible.edges, positions, edgeSeverity, classes]);

  const onEdgeClick = (e: React.MouseEvent) => {
    const id = (e.target as Element)
      .closest?.('[data-edge-id]')
      ?.getAttribute('data-edge-id');
    if (id && clicked()) setSelection({ type: 'edge', id });
  };
  const onNodeClick = (e: React.MouseEvent) => {
    const ref = (e.target as Element)
      .closest?.('[data-ref]')
      ?.getAttribute('data-ref');
    if (ref && clicked()) setSelection({ type: 'node', ref });
  };

  const nodeElements = useMemo(
    () =>
      visible.nodes.map(n => {
        const p = positions.get(n.ref);
        if (!p) return null;
        const match = searchLower && n.name.toLowerCase().includes(searchLower);
        return (
          <g
            key={n.ref}
            transform={`translate(${p.x + PAD},${p.y + PAD})`}
            data-ref={n.ref}
            data-testid="graph-node"
          >
            <rect
              width={NODE_WIDTH}
              height={NODE_HEIGHT}
              rx={4}
              className={`${classes.node} ${
                n.hasContract ? '' : classes.nodeNoContract
              } ${
                match || highlighted.has(n.ref) ? classes.nodeHighlight : ''
              }`}
            />
            <text x={8} y={18} className={classes.label}>
              {n.name.length > 24 ? `${n.name.slice(0, 23)}…` : n.name}
            </text>
          </g>
        );
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [visible.nodes, positions, classes, searchLower, highlight.join(',')],
  );

  const selectedEdge =
    selection?.type === 'edge'
      ? graph.edges.find(e => e.id === selection.id)
      : undefined;
  let selectedFindings: ContractsFinding[] = [];
  if (selectedEdge) {
    selectedFindings = sortFindings(
      selectedEdge.findings
        .map(id => findingById.get(id))
        .filter((f): f is ContractsFinding => !!f),
    );
  } else if (selection?.type === 'node') {
    selectedFindings = sortFindings(
      graph.findings.filter(
        f => f.consumer === selection.ref || f.provider === selection.ref,
      ),
    );
  }

  const toggleSeverity = (s: Severity) =>
    setSeverities(prev => {
      const next = new Set(prev);
      if (next.has(s)) next.delete(s);
      else next.add(s);
      return next;
    });

  return (
    <Box>
      <Box
        display="flex"
        alignItems="center"
        flexWrap="wrap"
        style={{ gap: 8 }}
        mb={1}
      >
        {SEVERITY_ORDER.map(s => (
          <FormControlLabel
            key={s}
            control={
              <Checkbox
                size="small"
                checked={severities.has(s)}
                onChange={() => toggleSeverity(s)}
                style={{ color: SEVERITY_COLOR[s] }}
              />
            }
            label={s}
          />
        ))}
        <FormControlLabel
          control={
            <Checkbox
              size="small"
              checked={conflictsOnly}
              onChange={e => setConflictsOnly(e.target.checked)}
            />
          }
          label="conflicts only"
        />
        <TextField
          size="small"
          id="graph-search"
          label="Find entity"
          value={search}
          onChange={e => setSearch(e.target.value)}
        />
        <Typography
          variant="caption"
          color="textSecondary"
          data-testid="graph-stats"
        >
          {visible.nodes.length} entities · {visible.edges.length} edges ·{' '}
          {visible.edges.filter(e => edgeSeverity.get(e.id)).length} with
          conflicts
        </Typography>
      </Box>
      <div className={classes.canvas} style={{ height }}>
        <div className={classes.controls}>
          <Button
            size="small"
            variant="outlined"
            onClick={() => zoomBy(1.25)}
            aria-label="zoom in"
          >
            +
          </Button>
          <Button
            size="small"
            variant="outlined"
            onClick={() => zoomBy(0.8)}
            aria-label="zoom out"
          >
            −
          </Button>
          <Button
            size="small"
            variant="outlined"
            onClick={fit}
            aria-label="fit"
          >
            fit
          </Button>
        </div>
        <div
          ref={paneRef}
          className={classes.pane}
          data-testid="contracts-graph-canvas"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerLeave={onPointerUp}
        >
          <div
            ref={stageRef}
            className={classes.stage}
            data-testid="graph-viewport"
          >
            <svg
              ref={svgRef}
              width={layout.width + 2 * PAD}
              height={layout.height + 2 * PAD}
              className={classes.svg}
              data-testid="contracts-graph-svg"
            >
              <g className={classes.edges}>{edgeLayers.paths}</g>
              <g onClick={onEdgeClick}>{edgeLayers.hits}</g>
              <g onClick={onNodeClick}>{nodeElements}</g>
            </svg>
          </div>
        </div>
        {selection && (
          <Paper
            className={classes.side}
            elevation={4}
            data-testid="graph-selection"
          >
            <Box display="flex" alignItems="center">
              <Typography variant="subtitle1" style={{ flexGrow: 1 }}>
                <ItemErrorBoundary
                  what="selection"
                  resetKeys={[selection, selectedEdge]}
                >
                  {selectedEdge && (
                    <>
                      <EntityRef entityRef={selectedEdge.from} /> →{' '}
                      <EntityRef entityRef={selectedEdge.to} /> ·{' '}
                      {selectedEdge.subject}
                    </>
                  )}
                  {!selectedEdge && selection.type === 'node' && (
                    <EntityRef entityRef={selection.ref} />
                  )}
                </ItemErrorBoundary>
              </Typography>
              <IconButton
                size="small"
                aria-label="close"
                onClick={() => setSelection(undefined)}
              >
                <CloseIcon />
              </IconButton>
            </Box>
            {selectedFindings.length === 0 ? (
              <Typography variant="body2">No conflicts.</Typography>
            ) : (
              selectedFindings.map(f => <FindingItem key={f.id} finding={f} />)
            )}
          </Paper>
        )}
      </div>
    </Box>
  );
};

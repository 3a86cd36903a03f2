import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
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
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import type { Severity } from '@internal/backstage-plugin-contracts-common';
import type { ContractsFinding, ContractsGraph } from '../../api';
import {
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
  svg: {
    display: 'block',
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
  edge: { fill: 'none' },
  hit: { stroke: 'transparent', strokeWidth: 10, cursor: 'pointer', fill: 'none' },
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

/**
 * The conflict graph: a layered layout computed once, drawn as SVG; pan and zoom change only
 * the transform of one group, in an animation frame, without re-rendering React.
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
            .filter((f): f is ContractsFinding => !!f && severities.has(f.severity))
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
  const svgRef = useRef<SVGSVGElement>(null);
  const viewportRef = useRef<SVGGElement>(null);
  const view = useRef({ x: 20, y: 20, k: 1 });
  const frame = useRef<number | undefined>();
  const apply = useCallback(() => {
    frame.current = undefined;
    const { x, y, k } = view.current;
    viewportRef.current?.setAttribute('transform', `translate(${x},${y}) scale(${k})`);
    svgRef.current?.classList.toggle('lod-low', k < 0.45);
  }, []);
  const schedule = useCallback(() => {
    if (frame.current === undefined) {
      frame.current = requestAnimationFrame(apply);
    }
  }, [apply]);

  const fit = useCallback(() => {
    const svg = svgRef.current;
    const w = svg?.clientWidth || 1000;
    const h = svg?.clientHeight || 600;
    const k = Math.min(
      1.5,
      Math.max(0.05, Math.min(w / (layout.width + 40), h / (layout.height + 40))),
    );
    view.current = { k, x: (w - layout.width * k) / 2, y: Math.max(10, (h - layout.height * k) / 2) };
    schedule();
  }, [layout, schedule]);

  useLayoutEffect(() => {
    fit();
  }, [fit]);

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return undefined;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = svg.getBoundingClientRect();
      const px = e.clientX - rect.left;
      const py = e.clientY - rect.top;
      const { x, y, k } = view.current;
      const nk = Math.min(4, Math.max(0.03, k * Math.exp(-e.deltaY * 0.0015)));
      view.current = { k: nk, x: px - ((px - x) * nk) / k, y: py - ((py - y) * nk) / k };
      schedule();
    };
    svg.addEventListener('wheel', onWheel, { passive: false });
    return () => svg.removeEventListener('wheel', onWheel);
  }, [schedule]);

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
    view.current = { ...view.current, x: view.current.x + dx, y: view.current.y + dy };
    schedule();
  };
  const onPointerUp = () => {
    setTimeout(() => (drag.current = undefined), 0);
  };
  const clicked = () => !drag.current?.moved;

  const zoomBy = (factor: number) => {
    const svg = svgRef.current;
    const w = (svg?.clientWidth ?? 1000) / 2;
    const h = (svg?.clientHeight ?? 600) / 2;
    const { x, y, k } = view.current;
    const nk = Math.min(4, Math.max(0.03, k * factor));
    view.current = { k: nk, x: w - ((w - x) * nk) / k, y: h - ((h - y) * nk) / k };
    schedule();
  };

  const searchLower = search.trim().toLowerCase();
  const highlighted = new Set(highlight);

  const { positions } = layout;
  const edgeElements = useMemo(
    () =>
      visible.edges.map(e => {
        const a = positions.get(e.from);
        const b = positions.get(e.to);
        if (!a || !b) return null;
        const sev = edgeSeverity.get(e.id);
        const x1 = a.x + NODE_WIDTH;
        const y1 = a.y + NODE_HEIGHT / 2;
        const x2 = b.x;
        const y2 = b.y + NODE_HEIGHT / 2;
        const mid = (x1 + x2) / 2;
        const d = `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
        return (
          <g
            key={e.id}
            data-testid={sev ? 'conflict-edge' : 'edge'}
            data-severity={sev}
            data-from={e.from}
            data-to={e.to}
            onClick={sev ? () => clicked() && setSelection({ type: 'edge', id: e.id }) : undefined}
          >
            <path
              d={d}
              className={classes.edge}
              stroke={sev ? SEVERITY_COLOR[sev] : '#9e9e9e'}
              strokeWidth={sev ? 2.5 : 1}
              strokeOpacity={sev ? 0.9 : 0.5}
              strokeDasharray={e.kind === 'call' ? undefined : '6 4'}
            />
            {sev && (
              <path
                d={d}
                className={classes.hit}
              >
                <title>{`${e.subject}: ${e.findings.length} finding(s)`}</title>
              </path>
            )}
          </g>
        );
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [visible.edges, positions, edgeSeverity, classes],
  );

  const nodeElements = useMemo(
    () =>
      visible.nodes.map(n => {
        const p = positions.get(n.ref);
        if (!p) return null;
        const match = searchLower && n.name.toLowerCase().includes(searchLower);
        return (
          <g
            key={n.ref}
            transform={`translate(${p.x},${p.y})`}
            onClick={() => clicked() && setSelection({ type: 'node', ref: n.ref })}
            data-testid="graph-node"
          >
            <rect
              width={NODE_WIDTH}
              height={NODE_HEIGHT}
              rx={4}
              className={`${classes.node} ${n.hasContract ? '' : classes.nodeNoContract} ${
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
    selection?.type === 'edge' ? graph.edges.find(e => e.id === selection.id) : undefined;
  const selectedFindings = selectedEdge
    ? sortFindings(
        selectedEdge.findings
          .map(id => findingById.get(id))
          .filter((f): f is ContractsFinding => !!f),
      )
    : selection?.type === 'node'
      ? sortFindings(
          graph.findings.filter(
            f => f.consumer === selection.ref || f.provider === selection.ref,
          ),
        )
      : [];

  const toggleSeverity = (s: Severity) =>
    setSeverities(prev => {
      const next = new Set(prev);
      if (next.has(s)) next.delete(s);
      else next.add(s);
      return next;
    });

  return (
    <Box>
      <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 8 }} mb={1}>
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
        <Typography variant="caption" color="textSecondary" data-testid="graph-stats">
          {visible.nodes.length} entities · {visible.edges.length} edges ·{' '}
          {visible.edges.filter(e => edgeSeverity.get(e.id)).length} with conflicts
        </Typography>
      </Box>
      <div className={classes.canvas} style={{ height }} data-testid="contracts-graph-canvas">
        <div className={classes.controls}>
          <Button size="small" variant="outlined" onClick={() => zoomBy(1.25)} aria-label="zoom in">
            +
          </Button>
          <Button size="small" variant="outlined" onClick={() => zoomBy(0.8)} aria-label="zoom out">
            −
          </Button>
          <Button size="small" variant="outlined" onClick={fit} aria-label="fit">
            fit
          </Button>
        </div>
        <svg
          ref={svgRef}
          width="100%"
          height="100%"
          className={classes.svg}
          data-testid="contracts-graph-svg"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerLeave={onPointerUp}
        >
          <g ref={viewportRef} data-testid="graph-viewport">
            <g>{edgeElements}</g>
            <g>{nodeElements}</g>
          </g>
        </svg>
        {selection && (
          <Paper className={classes.side} elevation={4} data-testid="graph-selection">
            <Box display="flex" alignItems="center">
              <Typography variant="subtitle1" style={{ flexGrow: 1 }}>
                {selectedEdge ? (
                  <>
                    <EntityRefLink entityRef={selectedEdge.from} /> →{' '}
                    <EntityRefLink entityRef={selectedEdge.to} /> · {selectedEdge.subject}
                  </>
                ) : selection.type === 'node' ? (
                  <EntityRefLink entityRef={selection.ref} />
                ) : null}
              </Typography>
              <IconButton size="small" aria-label="close" onClick={() => setSelection(undefined)}>
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

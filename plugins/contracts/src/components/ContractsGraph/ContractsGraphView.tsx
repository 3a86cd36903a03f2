import { lazy, Suspense, useMemo, useState } from 'react';
import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import type { ContractsFinding, ContractsGraph } from '../../api';
import { SEVERITY_COLOR } from '../shared';
import { Progress } from '@backstage/core-components';
import type { GraphHover } from './GraphCanvas';
import { webglAvailable } from './webgl';
import { GraphControls } from './GraphControls';
import { GraphLegend, GraphSelectionPanel, GraphTooltip } from './GraphDetails';
import { rulesOf, sliceGraph, teamColors } from './graphModel';
import { useGraphViewState } from './graphState';

const useStyles = makeStyles(theme => ({
  canvas: {
    position: 'relative',
    overflow: 'hidden',
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: 4,
    background: theme.palette.background.default,
  },
  list: { display: 'flex', flexDirection: 'column', gap: 2, width: '100%' },
  edgeButton: {
    textAlign: 'left',
    background: 'none',
    border: 'none',
    padding: '2px 0',
    cursor: 'pointer',
    color: theme.palette.text.primary,
    font: 'inherit',
  },
}));

// sigma (WebGL) is loaded only where it can draw: a chunk of its own, and never in jsdom
const GraphCanvas = lazy(() =>
  import('./GraphCanvas').then(m => ({ default: m.GraphCanvas })),
);

/** How many conflict edges the list under the drawing shows. */
const LIST_MAX = 200;

/** Props of {@link ContractsGraphView}. */
export interface ContractsGraphViewProps {
  graph: ContractsGraph;
  height?: number | string;
  /** Entity refs to highlight (e.g. the entity whose neighbourhood is shown). */
  highlight?: string[];
  /** Offer the system/owner slice (the page does; an entity's tab does not). */
  slicing?: boolean;
}

/**
 * The conflict graph with its filters, focus, legend, hover and selection. Everything the
 * user chooses lives in the URL (see `useGraphViewState`); what is drawn is `sliceGraph`'s
 * answer, drawn by `GraphCanvas` (sigma, WebGL). Without WebGL the filters, the legend, the
 * conflict list and the side panel still work.
 */
export const ContractsGraphView = ({
  graph,
  height = 600,
  highlight = [],
  slicing = false,
}: ContractsGraphViewProps) => {
  const classes = useStyles();
  const [state, update] = useGraphViewState();
  const [hover, setHover] = useState<GraphHover | undefined>();
  const [canDraw] = useState(webglAvailable);

  const { severities, rules, conflictsOnly, around, depth, from, to } = state;
  const slice = useMemo(
    () =>
      sliceGraph(graph, {
        severities,
        rules,
        conflictsOnly,
        around,
        depth,
        from,
        to,
      }),
    // severities and rules are new arrays on every URL change: compare their contents
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [graph, severities.join(), rules.join(), conflictsOnly, around, depth, from, to],
  );
  const allRules = useMemo(() => rulesOf(graph), [graph]);
  const teams = useMemo(() => teamColors(slice.nodes), [slice]);
  const nodeByRef = useMemo(
    () => new Map(graph.nodes.map(n => [n.ref, n])),
    [graph.nodes],
  );
  const edgeById = useMemo(
    () => new Map(graph.edges.map(e => [e.id, e])),
    [graph.edges],
  );
  const findingById = useMemo(
    () => new Map(graph.findings.map(f => [f.id, f])),
    [graph.findings],
  );

  const find = state.find?.toLowerCase();
  const highlighted = useMemo(() => {
    const out = new Set<string>([...highlight, ...slice.focus]);
    if (state.selected?.type === 'node') out.add(state.selected.ref);
    if (find) {
      for (const n of slice.nodes) {
        if (n.name.toLowerCase().includes(find)) out.add(n.ref);
      }
    }
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [slice, find, highlight.join(), state.selected]);

  const conflictEdges = slice.edges.filter(e => slice.edgeSeverity.get(e.id));

  const edgeFindings = (id: string): ContractsFinding[] =>
    (edgeById.get(id)?.findings ?? [])
      .map(f => findingById.get(f))
      .filter((f): f is ContractsFinding => !!f);
  const nodeFindings = (ref: string): ContractsFinding[] =>
    graph.findings.filter(f => f.consumer === ref || f.provider === ref);

  const selected = state.selected;
  const selectedEdge =
    selected?.type === 'edge' ? edgeById.get(selected.id) : undefined;
  let selectedFindings: ContractsFinding[] = [];
  if (selected?.type === 'edge') selectedFindings = edgeFindings(selected.id);
  if (selected?.type === 'node') selectedFindings = nodeFindings(selected.ref);

  return (
    <Box>
      <GraphControls
        state={state}
        update={update}
        nodes={graph.nodes}
        rules={allRules}
        slicing={slicing}
      />
      <Box display="flex" style={{ gap: 16 }} mb={1} flexWrap="wrap">
        <Typography
          variant="caption"
          color="textSecondary"
          data-testid="graph-stats"
        >
          {slice.nodes.length} entities · {slice.edges.length} edges ·{' '}
          {conflictEdges.length} with conflicts
          {slice.path && ` · path of ${slice.path.length - 1} hop(s)`}
        </Typography>
        {slice.notice && (
          <Typography
            variant="caption"
            color="error"
            data-testid="graph-notice"
          >
            {slice.notice}
          </Typography>
        )}
      </Box>
      <GraphLegend teams={teams.legend} otherTeams={teams.others} />
      <div className={classes.canvas} style={{ height }}>
        {canDraw ? (
          <Suspense fallback={<Progress />}>
            <GraphCanvas
              slice={slice}
              teamColor={teams.color}
              highlighted={highlighted}
              onHover={setHover}
              onSelect={s => update({ selected: s })}
            />
          </Suspense>
        ) : (
          <Box p={2} data-testid="contracts-graph-canvas">
            <Typography variant="body2">
              This browser cannot draw WebGL: the conflicts are listed below the
              graph's frame.
            </Typography>
          </Box>
        )}
        {hover && (
          <GraphTooltip
            hover={hover}
            node={hover.type === 'node' ? nodeByRef.get(hover.ref) : undefined}
            edge={hover.type === 'edge' ? edgeById.get(hover.id) : undefined}
            findings={
              hover.type === 'node'
                ? slice.nodeOpenFindings.get(hover.ref) ?? []
                : slice.edgeFindings.get(hover.id) ?? []
            }
          />
        )}
        {selected && (
          <GraphSelectionPanel
            selected={selected}
            edge={selectedEdge}
            findings={selectedFindings}
            onClose={() => update({ selected: undefined })}
          />
        )}
      </div>
      <Accordion variant="outlined" defaultExpanded={!canDraw}>
        <AccordionSummary expandIcon={<ExpandMoreIcon />}>
          <Typography variant="body2">
            Edges with conflicts in this view ({conflictEdges.length})
          </Typography>
        </AccordionSummary>
        <AccordionDetails>
          <div className={classes.list}>
            {conflictEdges.slice(0, LIST_MAX).map(e => {
              const sev = slice.edgeSeverity.get(e.id)!;
              return (
                <button
                  type="button"
                  key={e.id}
                  className={classes.edgeButton}
                  data-testid="conflict-edge"
                  data-edge-id={e.id}
                  data-severity={sev}
                  data-from={e.from}
                  data-to={e.to}
                  onClick={() => update({ selected: { type: 'edge', id: e.id } })}
                >
                  <span style={{ color: SEVERITY_COLOR[sev], fontWeight: 600 }}>
                    {sev}
                  </span>{' '}
                  {nodeByRef.get(e.from)?.name ?? e.from} →{' '}
                  {nodeByRef.get(e.to)?.name ?? e.to} · {e.subject} (
                  {slice.edgeFindings.get(e.id)?.length ?? 0})
                </button>
              );
            })}
            {conflictEdges.length > LIST_MAX && (
              <Typography variant="caption" color="textSecondary">
                … {conflictEdges.length - LIST_MAX} more: narrow the view with
                the filters above.
              </Typography>
            )}
          </div>
        </AccordionDetails>
      </Accordion>
    </Box>
  );
};

import Box from '@material-ui/core/Box';
import IconButton from '@material-ui/core/IconButton';
import Paper from '@material-ui/core/Paper';
import Typography from '@material-ui/core/Typography';
import { makeStyles, useTheme } from '@material-ui/core/styles';
import CloseIcon from '@material-ui/icons/Close';
import type {
  ContractsFinding,
  ContractsGraphEdge,
  ContractsGraphNode,
} from '../../api';
import {
  EntityRef,
  ItemErrorBoundary,
  SEVERITY_COLOR,
  SEVERITY_ORDER,
} from '../shared';
import { FindingItem, sortFindings } from '../ConflictsCard';
import { OTHER_TEAM_COLOR, nodeSize } from './graphModel';
import type { GraphHover } from './GraphCanvas';

const useStyles = makeStyles(theme => ({
  legend: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    columnGap: theme.spacing(1.5),
    rowGap: 2,
    fontSize: 12,
    marginBottom: theme.spacing(0.5),
    color: theme.palette.text.primary,
  },
  heading: { fontWeight: 600, color: theme.palette.text.secondary },
  row: { display: 'inline-flex', alignItems: 'center', gap: 4, lineHeight: '18px' },
  swatch: { display: 'inline-block', width: 18, flexShrink: 0 },
  tooltip: {
    position: 'absolute',
    zIndex: 3,
    pointerEvents: 'none',
    padding: theme.spacing(1),
    maxWidth: 360,
    fontSize: 12,
  },
  side: {
    position: 'absolute',
    top: 8,
    right: 8,
    bottom: 8,
    width: 420,
    maxWidth: '45%',
    overflowY: 'auto',
    padding: theme.spacing(1),
    zIndex: 2,
  },
}));

/** Legend: edge colour by worst severity, node colour by team, node size by open findings. */
export const GraphLegend = ({
  teams,
  otherTeams,
}: {
  teams: Array<{ owner: string; color: string; count: number }>;
  otherTeams: number;
}) => {
  const classes = useStyles();
  const theme = useTheme();
  const plain = theme.palette.type === 'dark' ? '#6b6b6b' : '#b0b0b0';
  const line = (color: string, width: number) => (
    <svg className={classes.swatch} height={10} aria-hidden>
      <line x1={0} y1={5} x2={12} y2={5} stroke={color} strokeWidth={width} />
      <path d="M11,1 L18,5 L11,9 z" fill={color} />
    </svg>
  );
  const dot = (color: string, r = 5) => (
    <svg className={classes.swatch} height={2 * r + 2} aria-hidden>
      <circle cx={9} cy={r + 1} r={r} fill={color} />
    </svg>
  );
  return (
    <div className={classes.legend} data-testid="graph-legend">
      <span className={classes.heading}>
        Edges (caller → provider) by worst finding:
      </span>
      {SEVERITY_ORDER.map(s => (
        <div key={s} className={classes.row}>
          {line(SEVERITY_COLOR[s], 3)} {s}
        </div>
      ))}
      <div className={classes.row}>
        {line(plain, 1)} no finding
      </div>
      <span className={classes.heading}>Node colour = owning team:</span>
      {teams.map(t => (
        <div key={t.owner} className={classes.row} title={t.owner}>
          {dot(t.color)} {t.owner.replace(/^group:default\//, '')} ({t.count})
        </div>
      ))}
      {(otherTeams > 0 || teams.length === 0) && (
        <div className={classes.row}>
          {dot(OTHER_TEAM_COLOR)}{' '}
          {otherTeams > 0 ? `${otherTeams} other teams` : 'no owner'}
        </div>
      )}
      <span className={classes.heading}>Node size = open findings:</span>
      <div className={classes.row}>
        {dot(theme.palette.text.secondary, nodeSize(0) / 2 + 1)} none
        {dot(theme.palette.text.secondary, nodeSize(4) / 2 + 1)} 4
        {dot(theme.palette.text.secondary, nodeSize(16) / 2 + 1)} 16
      </div>
    </div>
  );
};

function titles(findings: ContractsFinding[], max = 5) {
  const sorted = sortFindings(findings);
  return (
    <>
      {sorted.slice(0, max).map(f => (
        <div key={f.id}>
          <span style={{ color: SEVERITY_COLOR[f.severity], fontWeight: 600 }}>
            {String(f.severity)}
          </span>{' '}
          {String(f.title)}
        </div>
      ))}
      {sorted.length > max && <div>… {sorted.length - max} more</div>}
    </>
  );
}

/** What the pointer is over: an entity (kind, team, open findings) or an edge (operation/dataset). */
export const GraphTooltip = ({
  hover,
  node,
  edge,
  findings,
}: {
  hover: GraphHover;
  node?: ContractsGraphNode;
  edge?: ContractsGraphEdge;
  findings: ContractsFinding[];
}) => {
  const classes = useStyles();
  return (
    <Paper
      className={classes.tooltip}
      elevation={6}
      style={{ left: hover.x + 14, top: hover.y + 14 }}
      data-testid="graph-tooltip"
    >
      {node && (
        <>
          <strong>{node.name}</strong> · {node.kind}
          {node.owner && <div>owner: {node.owner}</div>}
          {!node.hasContract && <div>no contract</div>}
          <div>{findings.length} open finding(s)</div>
        </>
      )}
      {edge && (
        <>
          <div>
            {edge.from.replace(/^[^/]*\//, '')} →{' '}
            {edge.to.replace(/^[^/]*\//, '')}
          </div>
          <div>
            {edge.kind === 'call' ? 'operation' : edge.kind}:{' '}
            <strong>{edge.subject}</strong>
          </div>
        </>
      )}
      {titles(findings)}
    </Paper>
  );
};

/** The side panel of a selected node (its findings, a link to its page) or edge (its findings). */
export const GraphSelectionPanel = ({
  selected,
  edge,
  findings,
  onClose,
}: {
  selected: { type: 'node'; ref: string } | { type: 'edge'; id: string };
  edge?: ContractsGraphEdge;
  findings: ContractsFinding[];
  onClose: () => void;
}) => {
  const classes = useStyles();
  return (
    <Paper className={classes.side} elevation={4} data-testid="graph-selection">
      <Box display="flex" alignItems="center">
        <Typography variant="subtitle1" style={{ flexGrow: 1 }}>
          <ItemErrorBoundary what="selection" resetKeys={[selected, edge]}>
            {edge && (
              <>
                <EntityRef entityRef={edge.from} /> →{' '}
                <EntityRef entityRef={edge.to} /> · {edge.subject}
              </>
            )}
            {!edge && selected.type === 'node' && (
              <EntityRef entityRef={selected.ref} />
            )}
            {!edge && selected.type === 'edge' && <>Edge not in this view</>}
          </ItemErrorBoundary>
        </Typography>
        <IconButton size="small" aria-label="close" onClick={onClose}>
          <CloseIcon />
        </IconButton>
      </Box>
      {findings.length === 0 ? (
        <Typography variant="body2">No conflicts.</Typography>
      ) : (
        sortFindings(findings).map(f => <FindingItem key={f.id} finding={f} />)
      )}
    </Paper>
  );
};

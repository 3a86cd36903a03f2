import { useMemo, useState } from 'react';
import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import FormControl from '@material-ui/core/FormControl';
import InputLabel from '@material-ui/core/InputLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import Typography from '@material-ui/core/Typography';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import type { ContractsFinding } from '../../api';
import {
  EntityRef,
  FindingExplanation,
  ItemErrorBoundary,
  SEVERITY_ORDER,
  SeverityChip,
  severityRank,
  StatusChip,
  useAcceptDecision,
} from '../shared';
import { RecordDecisionDialog } from '../RecordDecisionDialog';

/** Says so when the user may not accept a finding (asked only once the finding is opened). */
const AcceptRefusal = ({ finding }: { finding: ContractsFinding }) => {
  if (!useAcceptDecision(finding).denied) {
    return null;
  }
  return (
    <Typography variant="caption" color="textSecondary">
      Only its deciders or owners can accept this finding
    </Typography>
  );
};

/** Findings sorted severity first, then by status (open first), then title. */
export function sortFindings<T extends ContractsFinding>(findings: T[]): T[] {
  const statusRank = { open: 0, 'needs-review': 1, accepted: 2 } as const;
  // a malformed finding (no title, say) sorts last among its peers instead of throwing
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return [...findings].sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      (statusRank[a.status] ?? 3) - (statusRank[b.status] ?? 3) ||
      text(a.title).localeCompare(text(b.title)) ||
      text(a.subject).localeCompare(text(b.subject)),
  );
}

/** Props of {@link FindingItem}. */
export interface FindingItemProps {
  finding: ContractsFinding;
  /** Open at first (when the item keeps its own state). */
  defaultExpanded?: boolean;
  /** Controlled: whether the finding is open (a list keeps it by finding id, across refetches). */
  expanded?: boolean;
  onExpandedChange?: (expanded: boolean) => void;
  /**
   * Controlled: opens the "Record decision" dialog, rendered by the caller. Without it the item
   * renders the dialog itself.
   */
  onRecordDecision?: (finding: ContractsFinding) => void;
}

const FindingItemContent = ({
  finding,
  defaultExpanded,
  expanded,
  onExpandedChange,
  onRecordDecision,
}: FindingItemProps) => {
  const [ownExpanded, setOwnExpanded] = useState(Boolean(defaultExpanded));
  const [dialogOpen, setDialogOpen] = useState(false);
  const isExpanded = expanded ?? ownExpanded;
  return (
    <>
      <Accordion
        expanded={isExpanded}
        onChange={(_e, next) =>
          onExpandedChange ? onExpandedChange(next) : setOwnExpanded(next)
        }
        TransitionProps={{ unmountOnExit: true }}
      >
        <AccordionSummary expandIcon={<ExpandMoreIcon />}>
          <Box
            display="flex"
            alignItems="center"
            flexWrap="wrap"
            style={{ gap: 8 }}
          >
            <SeverityChip severity={finding.severity} />
            <StatusChip status={finding.status} />
            <Typography variant="body2">
              <strong>{finding.title}</strong>:{' '}
              <EntityRef entityRef={finding.consumer} link={false} /> →{' '}
              <EntityRef entityRef={finding.provider} link={false} /> ·{' '}
              {finding.subject}
            </Typography>
          </Box>
        </AccordionSummary>
        <AccordionDetails>
          <Box width="100%">
            <FindingExplanation finding={finding} />
            <Box
              display="flex"
              justifyContent="flex-end"
              alignItems="center"
              style={{ gap: 8 }}
            >
              <AcceptRefusal finding={finding} />
              <Button
                variant="outlined"
                color="primary"
                size="small"
                style={{ flexShrink: 0 }}
                onClick={() =>
                  onRecordDecision
                    ? onRecordDecision(finding)
                    : setDialogOpen(true)
                }
              >
                Record decision
              </Button>
            </Box>
          </Box>
        </AccordionDetails>
      </Accordion>
      {/* beside the accordion, not in its collapsing region (unmounted when it closes) */}
      {!onRecordDecision && dialogOpen && (
        <RecordDecisionDialog
          open
          finding={finding}
          onClose={() => setDialogOpen(false)}
        />
      )}
    </>
  );
};

/**
 * One finding, expandable to its explanation, with a "Record decision" action. A finding that
 * cannot be rendered shows a one-line error in its place; the findings around it are not hurt.
 */
export const FindingItem = (props: FindingItemProps) => (
  <ItemErrorBoundary
    what="finding"
    id={props.finding?.id}
    resetKeys={[props.finding]}
  >
    <FindingItemContent {...props} />
  </ItemErrorBoundary>
);

/** Findings with severity and status filters. */
export const FindingsList = ({
  findings,
  emptyText = 'No conflicts.',
}: {
  findings: ContractsFinding[];
  emptyText?: string;
}) => {
  const [severity, setSeverity] = useState<string>('all');
  const [status, setStatus] = useState<string>('all');
  const shown = useMemo(
    () =>
      sortFindings(
        findings.filter(
          f =>
            (severity === 'all' || f.severity === severity) &&
            (status === 'all' || f.status === status),
        ),
      ),
    [findings, severity, status],
  );
  // Kept here by finding id, not in the items: a refetch that re-sorts, changes or filters out
  // a finding neither collapses an opened one nor closes a dialog being filled in.
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(
    () => new Set(),
  );
  const [recording, setRecording] = useState<ContractsFinding | undefined>();
  const setOpen = (id: string, open: boolean) =>
    setExpanded(prev => {
      const next = new Set(prev);
      if (open) next.add(id);
      else next.delete(id);
      return next;
    });
  // the dialog shows the finding as last answered, or as it was when opened if it went away
  const recordingNow =
    recording && (findings.find(f => f.id === recording.id) ?? recording);
  const dialog = recordingNow && (
    <RecordDecisionDialog
      key={recordingNow.id}
      open
      finding={recordingNow}
      onClose={() => setRecording(undefined)}
    />
  );
  if (findings.length === 0) {
    return (
      <>
        <Typography variant="body2">{emptyText}</Typography>
        {dialog}
      </>
    );
  }
  return (
    <>
      <Box display="flex" style={{ gap: 16 }} mb={1}>
        <FormControl size="small" style={{ minWidth: 140 }}>
          <InputLabel id="findings-severity">Severity</InputLabel>
          <Select
            labelId="findings-severity"
            value={severity}
            onChange={e => setSeverity(e.target.value as string)}
          >
            <MenuItem value="all">all</MenuItem>
            {SEVERITY_ORDER.map(s => (
              <MenuItem key={s} value={s}>
                {s}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <FormControl size="small" style={{ minWidth: 140 }}>
          <InputLabel id="findings-status">Status</InputLabel>
          <Select
            labelId="findings-status"
            value={status}
            onChange={e => setStatus(e.target.value as string)}
          >
            <MenuItem value="all">all</MenuItem>
            <MenuItem value="open">open</MenuItem>
            <MenuItem value="accepted">accepted</MenuItem>
            <MenuItem value="needs-review">needs-review</MenuItem>
          </Select>
        </FormControl>
        <Box flexGrow={1} />
        <Typography
          variant="caption"
          color="textSecondary"
          style={{ alignSelf: 'flex-end' }}
        >
          {shown.length} of {findings.length}
        </Typography>
      </Box>
      {shown.map(f => (
        <FindingItem
          key={f.id}
          finding={f}
          expanded={expanded.has(f.id)}
          onExpandedChange={open => setOpen(f.id, open)}
          onRecordDecision={setRecording}
        />
      ))}
      {shown.length === 0 && (
        <Typography variant="body2">No conflicts match the filters.</Typography>
      )}
      {dialog}
    </>
  );
};

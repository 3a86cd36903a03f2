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
  FindingExplanation,
  refName,
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
  return [...findings].sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      (statusRank[a.status] ?? 3) - (statusRank[b.status] ?? 3) ||
      a.title.localeCompare(b.title) ||
      a.subject.localeCompare(b.subject),
  );
}

/** One finding, expandable to its explanation, with a "Record decision" action. */
export const FindingItem = ({
  finding,
  defaultExpanded,
}: {
  finding: ContractsFinding;
  defaultExpanded?: boolean;
}) => {
  const [dialogOpen, setDialogOpen] = useState(false);
  return (
    <Accordion defaultExpanded={defaultExpanded} TransitionProps={{ unmountOnExit: true }}>
      <AccordionSummary expandIcon={<ExpandMoreIcon />}>
        <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 8 }}>
          <SeverityChip severity={finding.severity} />
          <StatusChip status={finding.status} />
          <Typography variant="body2">
            <strong>{finding.title}</strong>: {refName(finding.consumer)} →{' '}
            {refName(finding.provider)} · {finding.subject}
          </Typography>
        </Box>
      </AccordionSummary>
      <AccordionDetails>
        <Box width="100%">
          <FindingExplanation finding={finding} />
          <Box display="flex" justifyContent="flex-end" alignItems="center" style={{ gap: 8 }}>
            <AcceptRefusal finding={finding} />
            <Button
              variant="outlined"
              color="primary"
              size="small"
              onClick={() => setDialogOpen(true)}
            >
              Record decision
            </Button>
          </Box>
        </Box>
      </AccordionDetails>
      {dialogOpen && (
        <RecordDecisionDialog
          open={dialogOpen}
          finding={finding}
          onClose={() => setDialogOpen(false)}
        />
      )}
    </Accordion>
  );
};

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
  if (findings.length === 0) {
    return <Typography variant="body2">{emptyText}</Typography>;
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
        <Typography variant="caption" color="textSecondary" style={{ alignSelf: 'flex-end' }}>
          {shown.length} of {findings.length}
        </Typography>
      </Box>
      {shown.map(f => (
        <FindingItem key={f.id} finding={f} />
      ))}
      {shown.length === 0 && (
        <Typography variant="body2">No conflicts match the filters.</Typography>
      )}
    </>
  );
};

import Chip from '@material-ui/core/Chip';
import type {
  FindingStatus,
  Severity,
} from '@backstage-contracts/plugin-contracts-common';
import type { DecisionStatus } from '../../api';

/** Display order: what blocks integration first. */
export const SEVERITY_ORDER: Severity[] = ['error', 'tradeoff', 'warning', 'info'];

export const SEVERITY_COLOR: Record<Severity, string> = {
  error: '#d32f2f',
  warning: '#ed6c02',
  tradeoff: '#7b1fa2',
  info: '#607d8b',
};

export function severityRank(severity: Severity): number {
  const i = SEVERITY_ORDER.indexOf(severity);
  return i < 0 ? SEVERITY_ORDER.length : i;
}

/** The most severe of several severities (undefined for none). */
export function worstSeverity(severities: Severity[]): Severity | undefined {
  let worst: Severity | undefined;
  for (const s of severities) {
    if (!worst || severityRank(s) < severityRank(worst)) {
      worst = s;
    }
  }
  return worst;
}

export const SeverityChip = ({ severity }: { severity: Severity }) => (
  <Chip
    size="small"
    label={severity}
    style={{ backgroundColor: SEVERITY_COLOR[severity], color: '#fff' }}
  />
);

const STATUS_COLOR: Record<FindingStatus | DecisionStatus, string> = {
  open: '#d32f2f',
  accepted: '#2e7d32',
  'needs-review': '#ed6c02',
  proposed: '#0277bd',
  rejected: '#616161',
  superseded: '#9e9e9e',
  withdrawn: '#9e9e9e',
};

export const StatusChip = ({
  status,
}: {
  status: FindingStatus | DecisionStatus;
}) => (
  <Chip
    size="small"
    variant="outlined"
    label={status}
    style={{ borderColor: STATUS_COLOR[status], color: STATUS_COLOR[status] }}
  />
);

import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { InfoCard } from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import { entityRouteRef, useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { Severity } from '@backstage-contracts/plugin-contracts-common';
import type { ContractsFinding } from '../../api';
import {
  refName,
  SEVERITY_COLOR,
  SeverityChip,
  severityRank,
  useEntityContracts,
} from '../shared';

/** How many blocking findings the summary names; the rest are counted. */
const SHOWN = 3;

const useStyles = makeStyles(theme => ({
  card: { borderLeft: `6px solid ${SEVERITY_COLOR.error}` },
  item: {
    display: 'flex',
    alignItems: 'baseline',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
    minWidth: 0,
  },
  text: { minWidth: 0, overflowWrap: 'anywhere' },
}));

const isOpen = (f: ContractsFinding) =>
  f.status === 'open' || f.status === 'needs-review';

const NAMES: Record<Severity, [string, string]> = {
  error: ['error', 'errors'],
  warning: ['warning', 'warnings'],
  tradeoff: ['trade-off to decide', 'trade-offs to decide'],
  info: ['note', 'notes'],
};

/** `2 errors · 1 warning`: the open findings by severity, worst first. */
export function countBySeverity(findings: ContractsFinding[]): string {
  const counts = new Map<Severity, number>();
  for (const f of findings)
    counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => severityRank(a) - severityRank(b))
    .map(([s, n]) => `${n} ${NAMES[s]?.[n === 1 ? 0 : 1] ?? s}`)
    .join(' · ');
}

/** One line of what a finding compares: `checkout expects p95 < 200ms · risk: p95 = 3200ms`. */
function comparison(f: ContractsFinding): string {
  if (!f.expected && !f.actual) return '';
  return `${refName(f.consumer)} expects ${f.expected} · ${refName(
    f.provider,
  )}: ${f.actual}`;
}

/**
 * Where the eye goes first: on the Overview of an entity with open errors, the errors in a
 * compact card (what each compares) and the count of everything else open, linking to the
 * Contracts tab where the full cards are. Renders nothing while loading and when no error is
 * open.
 * @public
 */
export const ConflictSummaryCard = () => {
  const classes = useStyles();
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const entityRoute = useRouteRef(entityRouteRef);
  const { value } = useEntityContracts(entityRef);
  const open = (value?.findings ?? []).filter(isOpen);
  const errors = open.filter(f => f.severity === 'error');
  if (errors.length === 0) return null;
  const tab = `${entityRoute({
    kind: entity.kind.toLocaleLowerCase('en-US'),
    namespace: entity.metadata.namespace ?? 'default',
    name: entity.metadata.name,
  })}/contracts`;
  return (
    <InfoCard
      title={`Contract conflicts: ${errors.length} blocking integration`}
      subheader={`Open: ${countBySeverity(open)}`}
      className={classes.card}
      deepLink={{ title: 'All findings on the Contracts tab', link: tab }}
      noPadding={false}
    >
      <Box data-testid="conflict-summary">
        {errors.slice(0, SHOWN).map(f => (
          <div key={f.id} className={classes.item}>
            <SeverityChip severity={f.severity} />
            <div className={classes.text}>
              <Typography variant="body2" component="div">
                {/* one text: the finding's own title stays the Conflicts card's to match */}
                <strong>{`${f.title} — ${refName(f.consumer)} → ${refName(
                  f.provider,
                )}.${f.subject}`}</strong>
              </Typography>
              <Typography variant="body2" color="textSecondary" component="div">
                {comparison(f)}
              </Typography>
            </div>
          </div>
        ))}
        {errors.length > SHOWN && (
          <Typography variant="body2" color="textSecondary">
            and {errors.length - SHOWN} more
          </Typography>
        )}
      </Box>
    </InfoCard>
  );
};

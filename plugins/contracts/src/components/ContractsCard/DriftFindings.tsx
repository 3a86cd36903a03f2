import Box from '@material-ui/core/Box';
import ListItem from '@material-ui/core/ListItem';
import { Link } from '@backstage/core-components';
import type { ContractsFinding } from '../../api';
import {
  EntityRef,
  ItemErrorBoundary,
  SeverityChip,
  StatusChip,
  WrappingListItemText,
} from '../shared';
import { useDiscoveredLink } from './DiscoveredMark';

/** The rule that compares what the code does with what the contract declares. */
export const CONTRACT_DRIFT_RULE = 'contract-drift';

/** The drift findings on the entity's own contract (it is their consumer: the code is its). */
export function driftFindingsOf(
  findings: ContractsFinding[],
  entityRef: string,
): ContractsFinding[] {
  const self = entityRef.toLocaleLowerCase('en-US');
  return findings.filter(
    f =>
      f?.rule === CONTRACT_DRIFT_RULE &&
      typeof f.consumer === 'string' &&
      f.consumer.toLocaleLowerCase('en-US') === self,
  );
}

/**
 * What the code does, as the rule writes it: `5s at src/risk/client.ts:42`, `calls payment at
 * src/paymentClient.ts:32`, the location linked to the repository when the entity's source
 * location allows it.
 */
const CodeValue = ({ actual }: { actual: unknown }) => {
  const linkTo = useDiscoveredLink();
  if (typeof actual !== 'string' || !actual) return <em>(not shown)</em>;
  const m = /^(.*) at (\S+?):(\d+)(?::(\d+))?$/.exec(actual);
  if (!m) return <strong>{actual}</strong>;
  const [, value, file, line, column] = m;
  const at = {
    file,
    line: Number(line),
    column: column ? Number(column) : undefined,
  };
  const where = `${file}:${line}${column ? `:${column}` : ''}`;
  const url = linkTo(at);
  return (
    <>
      <strong>{value}</strong> at {url ? <Link to={url}>{where}</Link> : where}
    </>
  );
};

/** ` (contracts/dependencies.yaml:5)`: where the contract declares the value, when known. */
function declaredAt(finding: ContractsFinding): string {
  const loc = finding.location;
  if (!loc || typeof loc.file !== 'string' || !loc.file) return '';
  return ` (${loc.file}${typeof loc.line === 'number' ? `:${loc.line}` : ''})`;
}

const DriftLine = ({ finding }: { finding: ContractsFinding }) => (
  <ListItem disableGutters data-testid="drift-finding">
    <WrappingListItemText
      primary={
        <Box
          component="span"
          display="flex"
          alignItems="center"
          flexWrap="wrap"
          style={{ gap: 8 }}
        >
          <SeverityChip severity={finding.severity} />
          <StatusChip status={finding.status} />
          <span>
            <strong>{finding.title}</strong>: {finding.subject} on{' '}
            <EntityRef entityRef={finding.provider} />
          </span>
        </Box>
      }
      secondary={
        <>
          declared{' '}
          {finding.expected ? (
            <strong>{finding.expected}</strong>
          ) : (
            <em>(not shown)</em>
          )}
          {declaredAt(finding)}; in the code,{' '}
          <CodeValue actual={finding.actual} />
        </>
      }
    />
  </ListItem>
);

/** The contract-drift findings, one line each: what is declared, what the code does, where. */
export const DriftFindings = ({
  findings,
}: {
  findings: ContractsFinding[];
}) => (
  <>
    {findings.map((f, i) => (
      <ItemErrorBoundary
        key={typeof f.id === 'string' ? f.id : i}
        what="finding"
        id={f.id}
        resetKeys={[f]}
      >
        <DriftLine finding={f} />
      </ItemErrorBoundary>
    ))}
  </>
);

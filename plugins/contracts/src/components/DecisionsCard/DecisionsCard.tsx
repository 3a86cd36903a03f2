import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import Typography from '@material-ui/core/Typography';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi, errorApiRef } from '@backstage/core-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { isContractsAvailable } from '@internal/backstage-plugin-contracts-common';
import { contractsApiRef, ContractsFinding, Decision } from '../../api';
import { NotInGraphYet, StatusChip, useEntityContracts } from '../shared';
import { ContractsMissingAnnotation } from '../ContractsCard';
import { RecordDecisionDialog } from '../RecordDecisionDialog';

/** Newest first. */
export function sortDecisions(decisions: Decision[]): Decision[] {
  return [...decisions].sort((a, b) =>
    b.recordedAt.localeCompare(a.recordedAt),
  );
}

const MarkdownButton = ({ decision }: { decision: Decision }) => {
  const api = useApi(contractsApiRef);
  const errorApi = useApi(errorApiRef);
  const open = async () => {
    try {
      const text = await api.getDecisionMarkdown(decision.id);
      const url = URL.createObjectURL(
        new Blob([text], { type: 'text/markdown' }),
      );
      const a = document.createElement('a');
      a.href = url;
      a.download = `decision-${decision.id}.md`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      errorApi.post(e as Error);
    }
  };
  return (
    <Button size="small" onClick={open}>
      Markdown
    </Button>
  );
};

/** A list of decisions with status, deciders, review date and supersede chain. */
export const DecisionList = ({
  decisions,
  findings = [],
}: {
  decisions: Decision[];
  findings?: ContractsFinding[];
}) => {
  // the decision and its finding as they were when the dialog opened: a refetch that drops the
  // finding does not close a dialog being filled in
  const [superseding, setSuperseding] = useState<
    { decision: Decision; finding: ContractsFinding } | undefined
  >();
  const byId = new Map(decisions.map(d => [d.id, d]));
  const findingById = new Map(findings.map(f => [f.id, f]));
  const supersedingFinding =
    superseding &&
    (findingById.get(superseding.finding.id) ?? superseding.finding);
  return (
    <>
      <List dense disablePadding>
        {sortDecisions(decisions).map(d => (
          <ListItem key={d.id} divider disableGutters data-testid="decision">
            <Box width="100%">
              <Box display="flex" alignItems="center" style={{ gap: 8 }}>
                <StatusChip status={d.supersededBy ? 'superseded' : d.status} />
                <Typography variant="body2">
                  <strong>{d.title}</strong>
                </Typography>
                <Box flexGrow={1} />
                <MarkdownButton decision={d} />
                {!d.supersededBy && findingById.has(d.findingId) && (
                  <Button
                    size="small"
                    onClick={() =>
                      setSuperseding({
                        decision: d,
                        finding: findingById.get(d.findingId)!,
                      })
                    }
                  >
                    Supersede
                  </Button>
                )}
              </Box>
              <Typography variant="body2">Decision: {d.decision}</Typography>
              <Typography variant="body2" color="textSecondary">
                Rationale: {d.rationale}
              </Typography>
              <Typography
                variant="caption"
                component="div"
                color="textSecondary"
              >
                Deciders:{' '}
                {d.deciders.length
                  ? d.deciders.map((r, i) => (
                      <span key={r}>
                        {i > 0 && ', '}
                        <EntityRefLink entityRef={r} defaultKind="group" />
                      </span>
                    ))
                  : 'none named'}
                {' · '}Review by {d.reviewBy ?? 'no date'} · recorded by{' '}
                {d.recordedBy} on {d.recordedAt.slice(0, 10)}
              </Typography>
              {(d.supersedes || d.supersededBy) && (
                <Typography
                  variant="caption"
                  component="div"
                  color="textSecondary"
                >
                  {d.supersedes &&
                    `Supersedes “${
                      byId.get(d.supersedes)?.title ?? d.supersedes
                    }”. `}
                  {d.supersededBy &&
                    `Superseded by “${
                      byId.get(d.supersededBy)?.title ?? d.supersededBy
                    }”.`}
                </Typography>
              )}
            </Box>
          </ListItem>
        ))}
      </List>
      {superseding && supersedingFinding && (
        <RecordDecisionDialog
          open
          finding={supersedingFinding}
          supersedes={superseding.decision}
          onClose={() => setSuperseding(undefined)}
        />
      )}
    </>
  );
};

const DecisionsCardBody = ({ entityRef }: { entityRef: string }) => {
  const { value, loading, error } = useEntityContracts(entityRef);
  if (loading) return <Progress />;
  if (!value)
    return error ? <ResponseErrorPanel error={error} /> : <NotInGraphYet />;
  if (!value.decisions.length) {
    return (
      <Typography variant="body2">
        No trade-off decisions recorded yet. Record one from a conflict.
      </Typography>
    );
  }
  return (
    <DecisionList
      key={entityRef}
      decisions={value.decisions}
      findings={value.findings}
    />
  );
};

/**
 * The trade-off decisions on the entity's findings, newest first.
 * @public
 */
export const DecisionsCard = () => {
  const { entity } = useEntity();
  return (
    <InfoCard title="Trade-off decisions">
      {isContractsAvailable(entity) ? (
        <DecisionsCardBody entityRef={stringifyEntityRef(entity)} />
      ) : (
        <ContractsMissingAnnotation />
      )}
    </InfoCard>
  );
};

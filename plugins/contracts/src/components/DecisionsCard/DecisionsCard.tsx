import { useState } from 'react';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { isContractsAvailable } from '@backstage-contracts/plugin-contracts-common';
import type { ContractsFinding, Decision } from '../../api';
import {
  ItemErrorBoundary,
  NotInGraphYet,
  useEntityContracts,
} from '../shared';
import { ContractsMissingAnnotation } from '../ContractsCard';
import { RecordDecisionDialog } from '../RecordDecisionDialog';
import { DecisionItem } from './DecisionItem';
import { DecisionHistory } from './DecisionHistory';

/** Newest first (a record without a date last). */
export function sortDecisions(decisions: Decision[]): Decision[] {
  const at = (d: Decision | undefined) =>
    typeof d?.recordedAt === 'string' ? d.recordedAt : '';
  return [...decisions].sort((a, b) => at(b).localeCompare(at(a)));
}

/** The signed-in user's entity ref (undefined until known). */
function useUserRef(): string | undefined {
  const identityApi = useApi(identityApiRef);
  return useAsync(
    async () => (await identityApi.getBackstageIdentity()).userEntityRef,
    [identityApi],
  ).value;
}

/**
 * A list of decisions, newest first: status, deciders with their signatures, review date,
 * supersede chain, and the actions the user may take. Each record renders on its own: one that
 * cannot be shown says so in its place and the others are not hurt.
 */
export const DecisionList = ({
  decisions,
  findings = [],
}: {
  decisions: Decision[];
  findings?: ContractsFinding[];
}) => {
  const userRef = useUserRef();
  // the decision and its finding as they were when the dialog opened: a refetch that drops the
  // finding does not close a dialog being filled in
  const [superseding, setSuperseding] = useState<
    { decision: Decision; finding: ContractsFinding } | undefined
  >();
  const byId = new Map(decisions.map(d => [d?.id, d]));
  const findingById = new Map(findings.map(f => [f?.id, f]));
  const supersedingFinding =
    superseding &&
    (findingById.get(superseding.finding.id) ?? superseding.finding);
  return (
    <>
      <List dense disablePadding>
        {sortDecisions(decisions).map((d, i) => (
          <ListItem
            key={d?.id ?? `i${i}`}
            divider
            disableGutters
            data-testid="decision"
          >
            <ItemErrorBoundary what="decision" id={d?.id} resetKeys={[d]}>
              <DecisionItem
                decision={d}
                finding={findingById.get(d?.findingId)}
                userRef={userRef}
                titleOf={id => byId.get(id)?.title}
                onSupersede={(decision, finding) =>
                  setSuperseding({ decision, finding })
                }
              />
            </ItemErrorBoundary>
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
  const decisions = Array.isArray(value.decisions) ? value.decisions : [];
  const count =
    typeof value.decisionCount === 'number'
      ? value.decisionCount
      : decisions.length;
  if (count === 0 && decisions.length === 0) {
    return (
      <Typography variant="body2">
        No trade-off decisions recorded yet. Record one from a conflict.
      </Typography>
    );
  }
  return (
    <>
      {decisions.length === 0 ? (
        <Typography variant="body2">
          No current trade-off decisions: every record was superseded or
          withdrawn.
        </Typography>
      ) : (
        <DecisionList
          key={entityRef}
          decisions={decisions}
          findings={Array.isArray(value.findings) ? value.findings : []}
        />
      )}
      <DecisionHistory
        key={`h-${entityRef}`}
        entityRef={entityRef}
        count={count}
      />
    </>
  );
};

/**
 * The current trade-off decisions on the entity's findings, newest first, each with its
 * deciders' signatures; the whole history under "History (N)".
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

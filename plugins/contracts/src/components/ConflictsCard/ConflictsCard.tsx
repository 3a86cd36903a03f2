import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { isContractsAvailable } from '@backstage-contracts/plugin-contracts-common';
import { NotInGraphYet, useEntityContracts } from '../shared';
import { ContractsMissingAnnotation } from '../ContractsCard';
import { FindingsList } from './FindingsList';

const ConflictsCardBody = ({ entityRef }: { entityRef: string }) => {
  const { value, loading, error } = useEntityContracts(entityRef);
  if (loading) return <Progress />;
  if (!value)
    return error ? <ResponseErrorPanel error={error} /> : <NotInGraphYet />;
  return (
    // keyed by entity: what is open, and an open dialog, belong to this entity's findings
    <FindingsList
      key={entityRef}
      findings={value.findings}
      emptyText="No conflicts: every contract this entity takes part in holds."
    />
  );
};

/**
 * The findings where the entity is consumer or provider, severity first.
 * @public
 */
export const ConflictsCard = () => {
  const { entity } = useEntity();
  return (
    <InfoCard title="Conflicts">
      {isContractsAvailable(entity) ? (
        <ConflictsCardBody entityRef={stringifyEntityRef(entity)} />
      ) : (
        <ContractsMissingAnnotation />
      )}
    </InfoCard>
  );
};

import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { isContractsAvailable } from '@internal/backstage-plugin-contracts-common';
import { useEntityContracts } from '../shared';
import { ContractsMissingAnnotation } from '../ContractsCard';
import { FindingsList } from './FindingsList';

const ConflictsCardBody = ({ entityRef }: { entityRef: string }) => {
  const { value, loading, error } = useEntityContracts(entityRef);
  if (loading && !value) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  return (
    <FindingsList
      findings={value?.findings ?? []}
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

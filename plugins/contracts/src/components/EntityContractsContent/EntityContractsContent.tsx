import Grid from '@material-ui/core/Grid';
import { InfoCard } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { isContractsAvailable } from '@backstage-contracts/plugin-contracts-common';
import { ContractsCard, ContractsMissingAnnotation } from '../ContractsCard';
import { ConflictsCard } from '../ConflictsCard';
import { DecisionsCard } from '../DecisionsCard';
import { ContractHistoryCard } from '../ContractHistory';
import { ContractsGraphLoader } from '../ContractsGraph';
import { WhatIfPanel } from '../WhatIfPanel';
import { UnansweredNeedsCard } from '../UnansweredNeeds';
import { LatencyWaterfallCard } from '../LatencyWaterfall';
import { useEntityContracts } from '../shared';

const WhatIf = ({ entityRef }: { entityRef: string }) => {
  const { value } = useEntityContracts(entityRef);
  return <WhatIfPanel currentFindings={value?.findings ?? []} />;
};

/**
 * The Contracts tab of an entity page: the three cards, the latency and freshness waterfalls
 * along its chains, the contract history, the entity's
 * neighbourhood in the conflict graph, and the what-if panel.
 * @public
 */
export const EntityContractsContent = () => {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  if (!isContractsAvailable(entity)) {
    return <ContractsMissingAnnotation />;
  }
  return (
    <Grid container spacing={3} alignItems="stretch">
      <Grid item xs={12} md={6}>
        <ContractsCard />
      </Grid>
      <Grid item xs={12} md={6}>
        <ConflictsCard />
      </Grid>
      <Grid item xs={12}>
        <LatencyWaterfallCard hideWhenEmpty />
      </Grid>
      <Grid item xs={12}>
        <UnansweredNeedsCard hideWhenEmpty />
      </Grid>
      <Grid item xs={12}>
        <DecisionsCard />
      </Grid>
      <Grid item xs={12}>
        <ContractHistoryCard entityRef={entityRef} />
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Neighbourhood in the conflict graph">
          <ContractsGraphLoader
            query={{ around: entityRef, depth: 2 }}
            height={420}
            highlight={[entityRef]}
          />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <WhatIf entityRef={entityRef} />
      </Grid>
    </Grid>
  );
};

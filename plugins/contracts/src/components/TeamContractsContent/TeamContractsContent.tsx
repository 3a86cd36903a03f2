import Grid from '@material-ui/core/Grid';
import { InfoCard } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { TeamConflictsCard } from '../TeamConflictsCard';
import { ContractsGraphLoader } from '../ContractsGraph';
import { TeamUnansweredNeedsCard } from '../UnansweredNeeds';

/**
 * The Contracts tab of a Group page: the team's conflicts and its slice of the graph.
 * @public
 */
export const TeamContractsContent = () => {
  const { entity } = useEntity();
  const groupRef = stringifyEntityRef(entity);
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <TeamConflictsCard />
      </Grid>
      <Grid item xs={12}>
        <TeamUnansweredNeedsCard />
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="The team's part of the conflict graph">
          <ContractsGraphLoader query={{ owner: groupRef }} height={480} />
        </InfoCard>
      </Grid>
    </Grid>
  );
};

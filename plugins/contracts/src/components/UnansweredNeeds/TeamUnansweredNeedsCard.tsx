import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { UnansweredNeeds } from '../../api';
import { EntityRef } from '../shared';
import { UnansweredNeedsList } from './UnansweredNeedsList';
import { useUnanswered } from './useUnanswered';

/** The groups per provider, in the order the backend gave (most consumers first). */
function byProvider(
  groups: UnansweredNeeds[],
): Array<[string, UnansweredNeeds[]]> {
  const out = new Map<string, UnansweredNeeds[]>();
  for (const g of groups) {
    const list = out.get(g.provider);
    if (list) list.push(g);
    else out.set(g.provider, [g]);
  }
  return [...out];
}

/**
 * The team view's roll-up: the needs of others on everything the team owns that nothing it
 * promises answers, per owned entity.
 * @public
 */
export const TeamUnansweredNeedsCard = () => {
  const { entity } = useEntity();
  const owner = stringifyEntityRef(entity);
  const { value, loading, error } = useUnanswered({ owner });
  let body;
  if (loading && !value) body = <Progress />;
  else if (error) body = <ResponseErrorPanel error={error} />;
  else if (!value?.length)
    body = (
      <Typography variant="body2" color="textSecondary">
        Every need others state on what this team owns is answered by a promise.
      </Typography>
    );
  else {
    const consumers = value.reduce((n, g) => n + g.consumers, 0);
    body = (
      <>
        <Typography variant="body2" data-testid="team-unanswered-total">
          {consumers} need{consumers === 1 ? '' : 's'} of others on{' '}
          {byProvider(value).length} of the team's entities have no promise to
          check them against.
        </Typography>
        {byProvider(value).map(([provider, groups]) => (
          <Box key={provider} mt={2} data-testid="team-unanswered-provider">
            <Typography variant="subtitle2">
              <EntityRef entityRef={provider} />
            </Typography>
            <UnansweredNeedsList groups={groups} you />
          </Box>
        ))}
      </>
    );
  }
  return <InfoCard title="Needs the team has not answered">{body}</InfoCard>;
};

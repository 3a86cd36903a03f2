import Typography from '@material-ui/core/Typography';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { UnansweredNeedsList } from './UnansweredNeedsList';
import { useUnanswered } from './useUnanswered';

/**
 * The needs of others on this entity that it has not answered with any promise: on the page
 * of a provider with no contract at all, and on the Contracts tab of one whose contract is
 * silent on what others need. With `hideWhenEmpty` (the overview card), nothing is shown when
 * every need is answered.
 * @public
 */
export const UnansweredNeedsCard = ({
  hideWhenEmpty = false,
}: {
  hideWhenEmpty?: boolean;
}) => {
  const { entity } = useEntity();
  const provider = stringifyEntityRef(entity);
  const { value, loading, error } = useUnanswered({ provider });
  if (hideWhenEmpty && !error && (loading || !value?.length)) return null;
  let body;
  if (loading && !value) body = <Progress />;
  else if (error) body = <ResponseErrorPanel error={error} />;
  else if (!value?.length)
    body = (
      <Typography variant="body2" color="textSecondary">
        Every need others state on this entity is answered by a promise.
      </Typography>
    );
  else body = <UnansweredNeedsList groups={value} you />;
  return (
    <InfoCard
      title="Needs you have not answered"
      subheader="What other teams depend on here, with no promise of yours to check it against"
    >
      {body}
    </InfoCard>
  );
};

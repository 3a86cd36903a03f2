import Box from '@material-ui/core/Box';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import Typography from '@material-ui/core/Typography';
import { describeUnansweredNeeds } from '@backstage-contracts/plugin-contracts-common';
import type { UnansweredNeeds } from '../../api';
import { EntityRef, ItemErrorBoundary } from '../shared';

const KIND_HINT: Record<UnansweredNeeds['kind'], string> = {
  'no-contract':
    'Declare a promise, or import one you already write (ODCS, a Pyrra or OpenSLO SLO, OpenAPI) through contracts.io/ref.',
  'no-value':
    'Your contract names it but promises no value: add one, or import your SLO or data contract.',
  undeclared:
    'Your contract does not declare it: declare it, or tell them the right name.',
};

/**
 * Groups of unanswered needs, each as a sentence ("3 consumers depend on scoreTransaction
 * latency; you promise nothing") with every consumer's need below it.
 */
export const UnansweredNeedsList = ({
  groups,
  you = false,
}: {
  groups: UnansweredNeeds[];
  /** Worded for the provider's own page ("you promise nothing"). */
  you?: boolean;
}) => (
  <List dense disablePadding aria-label="Unanswered needs">
    {groups.map(g => (
      <ItemErrorBoundary
        key={`${g.provider}\n${g.subject}\n${g.aspect}`}
        what="unanswered need"
      >
        <ListItem
          disableGutters
          divider
          data-testid="unanswered-need"
          style={{ display: 'block' }}
        >
          <Typography variant="body1">
            {!you && (
              <>
                <EntityRef entityRef={g.provider} />
                {': '}
              </>
            )}
            <strong>{describeUnansweredNeeds(g, { you })}</strong>
          </Typography>
          <Box component="ul" my={0.5} pl={3}>
            {g.needs.map(n => (
              <li key={n.findingId}>
                <Typography variant="body2" component="span">
                  <EntityRef entityRef={n.consumer} />
                  {n.expected ? ` needs ${n.expected}` : ''}
                </Typography>
              </li>
            ))}
          </Box>
          {you && (
            <Typography variant="caption" color="textSecondary">
              {KIND_HINT[g.kind] ?? ''}
            </Typography>
          )}
        </ListItem>
      </ItemErrorBoundary>
    ))}
  </List>
);

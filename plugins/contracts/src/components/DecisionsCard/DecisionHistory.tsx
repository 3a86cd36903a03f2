import { useCallback, useEffect, useRef, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import ExpandLessIcon from '@material-ui/icons/ExpandLess';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { contractsApiRef, Decision } from '../../api';
import {
  apiErrorMessage,
  ItemErrorBoundary,
  useContractsRefresh,
} from '../shared';
import { DecisionItem } from './DecisionItem';

/** Records per page of `GET /decisions`. */
export const HISTORY_PAGE_SIZE = 20;

/**
 * "History (N)": every decision record on the entity's findings — superseded and withdrawn ones
 * too — paged from `GET /decisions`, read only. Fetched when opened, again after a change.
 */
export const DecisionHistory = ({
  entityRef,
  count,
}: {
  entityRef: string;
  /** The entity body's `decisionCount`. */
  count: number;
}) => {
  const api = useApi(contractsApiRef);
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<Decision[]>([]);
  const [next, setNext] = useState<string | undefined>();
  // a reload (after a change) makes the answers of earlier requests moot
  const generation = useRef(0);
  const [state, load] = useAsyncFn(
    async (cursor?: string) => {
      const mine = cursor ? generation.current : ++generation.current;
      const page = await api.getDecisions({
        entityRef,
        cursor,
        limit: HISTORY_PAGE_SIZE,
      });
      if (mine !== generation.current) return;
      const list = Array.isArray(page.items) ? page.items : [];
      setItems(prev => (cursor ? [...prev, ...list] : list));
      setNext(page.nextCursor);
    },
    [api, entityRef],
  );
  useEffect(() => {
    if (open) load();
  }, [open, load]);
  const openRef = useRef(open);
  openRef.current = open;
  useContractsRefresh(
    useCallback(() => {
      if (openRef.current) load();
    }, [load]),
  );

  const byId = new Map(items.map(d => [d?.id, d]));
  return (
    <Box mt={1}>
      <Button
        size="small"
        onClick={() => setOpen(o => !o)}
        aria-expanded={open}
        endIcon={open ? <ExpandLessIcon /> : <ExpandMoreIcon />}
      >
        History ({count})
      </Button>
      {open && (
        <Box data-testid="decision-history">
          <List dense disablePadding>
            {items.map((d, i) => (
              <ListItem
                key={d?.id ?? `i${i}`}
                divider
                disableGutters
                data-testid="history-decision"
              >
                <ItemErrorBoundary what="decision" id={d?.id} resetKeys={[d]}>
                  <DecisionItem
                    decision={d}
                    readOnly
                    titleOf={id => byId.get(id)?.title}
                  />
                </ItemErrorBoundary>
              </ListItem>
            ))}
          </List>
          {state.loading && <Progress />}
          {state.error && (
            <Alert severity="error">{apiErrorMessage(state.error)}</Alert>
          )}
          {!state.loading && !state.error && items.length === 0 && (
            <Typography variant="body2">No decision records.</Typography>
          )}
          {next && !state.loading && (
            <Button size="small" onClick={() => load(next)}>
              Show more
            </Button>
          )}
        </Box>
      )}
    </Box>
  );
};

import { useCallback, useEffect, useRef, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import Typography from '@material-ui/core/Typography';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { contractsApiRef, type HistoryItem } from '../../api';
import {
  ItemErrorBoundary,
  useContractsRefresh,
  useEntityContracts,
} from '../shared';
import { describeHistoryItem } from './describe';

/** Items per page of `GET /entities/…/history`. */
export const HISTORY_PAGE_SIZE = 20;

/** One line: the day, then what happened; throws (caught by its boundary) on a bad item. */
const HistoryLine = ({ item }: { item: HistoryItem }) => {
  const { day, text } = describeHistoryItem(item);
  return (
    <Box display="flex" alignItems="baseline" style={{ gap: 8 }}>
      <Typography
        variant="body2"
        color="textSecondary"
        component="span"
        style={{ minWidth: 88, flexShrink: 0 }}
        title={item.at}
      >
        {day}
      </Typography>
      <Typography variant="body2" component="span">
        {text}
      </Typography>
    </Box>
  );
};

/**
 * The entity's contract history: what each recompute changed (its contract, its findings
 * opened, closed or with new evidence, and the contract changes of the other parties that caused
 * them) and the decisions made on its findings, newest first, paged. Fetched again when the
 * graph changes. One item that cannot be shown says so in its place.
 * @public
 */
export const ContractHistoryCard = ({
  entityRef: given,
}: {
  /** Default: the entity of the page. */
  entityRef?: string;
}) => {
  const { entity } = useEntity();
  const entityRef = given ?? stringifyEntityRef(entity);
  const api = useApi(contractsApiRef);
  // the graph's time: a new one may have recorded a change
  const computedAt = useEntityContracts(entityRef).value?.computedAt;
  const [items, setItems] = useState<HistoryItem[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loaded, setLoaded] = useState(false);
  // a reload makes the answers of earlier requests moot
  const generation = useRef(0);
  const [state, load] = useAsyncFn(
    async (cursor?: string) => {
      const mine = cursor ? generation.current : ++generation.current;
      const page = await api.getEntityHistory(entityRef, {
        cursor,
        limit: HISTORY_PAGE_SIZE,
      });
      if (mine !== generation.current) return;
      const list = Array.isArray(page?.items) ? page.items : [];
      setItems(prev => (cursor ? [...prev, ...list] : list));
      setNext(
        typeof page?.nextCursor === 'string' ? page.nextCursor : undefined,
      );
      setLoaded(true);
    },
    [api, entityRef],
  );
  useEffect(() => {
    load();
  }, [load, computedAt]);
  useContractsRefresh(useCallback(() => load(), [load]));

  let body;
  if (!loaded && state.loading) {
    body = <Progress />;
  } else if (!loaded && state.error) {
    body = <ResponseErrorPanel error={state.error} />;
  } else if (!items.length) {
    body = (
      <Typography variant="body2" data-testid="contract-history-empty">
        No contract changes recorded for this entity yet. Changes of its
        contract, of the findings it is part of and of the decisions on them
        show here as they happen.
      </Typography>
    );
  } else {
    body = (
      <>
        <List dense disablePadding data-testid="contract-history">
          {items.map((item, i) => (
            <ListItem
              key={`${item?.type}-${item?.id ?? i}`}
              divider
              disableGutters
              data-testid="contract-history-item"
            >
              <ItemErrorBoundary
                what="history item"
                id={item?.id}
                resetKeys={[item]}
              >
                <HistoryLine item={item} />
              </ItemErrorBoundary>
            </ListItem>
          ))}
        </List>
        {loaded && state.error && <ResponseErrorPanel error={state.error} />}
        {state.loading && <Progress />}
        {next && !state.loading && (
          <Button size="small" onClick={() => load(next)}>
            Show more
          </Button>
        )}
      </>
    );
  }
  return <InfoCard title="Contract history">{body}</InfoCard>;
};

import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi } from '@backstage/core-plugin-api';
import { contractsApiRef, UnansweredNeeds, UnansweredQuery } from '../../api';
import { useContractsRefresh } from '../shared';

const MAX_PAGES = 20;

/** Every group of unanswered needs the query gives (page after page), kept current. */
export function useUnanswered(
  query: Omit<UnansweredQuery, 'cursor' | 'limit'>,
) {
  const api = useApi(contractsApiRef);
  const { provider, owner } = query;
  const state = useAsyncRetry(async (): Promise<UnansweredNeeds[]> => {
    const groups: UnansweredNeeds[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await api.getUnanswered({
        provider,
        owner,
        cursor,
        limit: 200,
      });
      groups.push(...res.items);
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    return groups;
  }, [api, provider, owner]);
  useContractsRefresh(state.retry);
  return state;
}

import { useEffect } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi } from '@backstage/core-plugin-api';
import { contractsApiRef } from '../../api';

const listeners = new Set<() => void>();

/** Tells every contracts view on the page that decisions or findings changed. */
export function notifyContractsChanged() {
  listeners.forEach(l => l());
}

/** Re-runs `retry` whenever {@link notifyContractsChanged} is called. */
export function useContractsRefresh(retry: () => void) {
  useEffect(() => {
    listeners.add(retry);
    return () => {
      listeners.delete(retry);
    };
  }, [retry]);
}

/** The contracts backend's view of one entity, refreshed when a decision is recorded. */
export function useEntityContracts(entityRef: string) {
  const api = useApi(contractsApiRef);
  const state = useAsyncRetry(() => api.getEntity(entityRef), [api, entityRef]);
  useContractsRefresh(state.retry);
  return state;
}

import { useCallback, useEffect, useState } from 'react';
import { configApiRef, useApi, useApiHolder } from '@backstage/core-plugin-api';
import type { ConfigApi } from '@backstage/core-plugin-api';
import { contractsApiRef } from '../../api';
import type { ContractsApi } from '../../api';
import {
  countContractsChange,
  DEFAULT_REFRESH_INTERVALS,
  EntityContractsSnapshot,
  EntityContractsStore,
  RefreshIntervals,
} from './entityContractsStore';

const listeners = new Set<() => void>();

/** Tells every contracts view on the page that decisions or findings changed. */
export function notifyContractsChanged() {
  countContractsChange();
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

/** `contracts.frontend.refreshIntervalSeconds` (see config.d.ts), else the default. */
export function refreshIntervalsFrom(config?: ConfigApi): RefreshIntervals {
  const seconds = config?.getOptionalNumber(
    'contracts.frontend.refreshIntervalSeconds',
  );
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    return DEFAULT_REFRESH_INTERVALS;
  }
  // 0 turns the periodic refetch off; anything else is at least every 5 s
  return {
    ...DEFAULT_REFRESH_INTERVALS,
    intervalMs: seconds === 0 ? 0 : Math.max(seconds, 5) * 1000,
  };
}

// one store per contracts API instance, that is per app
const stores = new WeakMap<ContractsApi, EntityContractsStore>();

function useStore(): EntityContractsStore {
  const api = useApi(contractsApiRef);
  const config = useApiHolder().get(configApiRef);
  let store = stores.get(api);
  if (!store) {
    store = new EntityContractsStore(api, refreshIntervalsFrom(config));
    stores.set(api, store);
  }
  return store;
}

/** The state of {@link useEntityContracts}. */
export interface EntityContractsState extends EntityContractsSnapshot {
  /** Asks the backend again now. */
  retry: () => void;
}

/**
 * The contracts backend's view of one entity. Every card of the entity shares one request,
 * refetched in the background (soon while the backend is still catching up with the catalog,
 * every minute otherwise, not while the page is hidden) and when a decision is recorded; the
 * last good answer stays shown while a refetch is in flight or fails.
 */
export function useEntityContracts(entityRef: string): EntityContractsState {
  const store = useStore();
  const [snapshot, setSnapshot] = useState(() => store.get(entityRef));
  useEffect(() => {
    const update = () => setSnapshot(store.get(entityRef));
    const unsubscribe = store.subscribe(entityRef, update);
    update();
    return unsubscribe;
  }, [store, entityRef]);
  const retry = useCallback(() => store.refresh(entityRef), [store, entityRef]);
  useContractsRefresh(retry);
  // on the render after the entity changed, before the effect above ran
  const current =
    snapshot.entityRef === entityRef ? snapshot : store.get(entityRef);
  return { ...current, retry };
}

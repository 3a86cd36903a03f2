import { useCallback, useEffect, useState } from 'react';
import { configApiRef, useApi, useApiHolder } from '@backstage/core-plugin-api';
import type { ConfigApi } from '@backstage/core-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import { contractsApiRef } from '../../api';
import type { ContractsApi } from '../../api';
import {
  countContractsChange,
  DEFAULT_REFRESH_INTERVALS,
  EntityContractsSnapshot,
  EntityContractsStore,
  RefreshIntervals,
} from './entityContractsStore';

/** The backend's signal channel (contracts-backend: CONTRACTS_SIGNAL_CHANNEL). */
const CONTRACTS_SIGNAL_CHANNEL = 'contracts';
/** A signal on it: what changed. */
type ContractsSignal = { kind: 'graph' | 'decisions'; at: string };

const listeners = new Set<() => void>();

/** Tells every contracts view on the page that decisions or findings changed. */
export function notifyContractsChanged() {
  countContractsChange();
  listeners.forEach(l => l());
}

/** The last signal handled (each view sees it; the first to see it tells them all). */
let lastHandled: string | undefined;

/**
 * Listens to the contracts backend's signals (`@backstage/plugin-signals`): when the graph or a
 * decision changed, every contracts view of the page asks again at once. Without the signals
 * plugin in the app, `isSignalsAvailable` is false and the views keep their periodic refetch.
 */
export function useContractsSignals(): { isSignalsAvailable: boolean } {
  const { lastSignal, isSignalsAvailable } = useSignal<ContractsSignal>(
    CONTRACTS_SIGNAL_CHANNEL,
  );
  useEffect(() => {
    if (!lastSignal) return;
    const key = `${lastSignal.kind}@${lastSignal.at}`;
    if (key === lastHandled) return;
    lastHandled = key;
    notifyContractsChanged();
  }, [lastSignal]);
  return { isSignalsAvailable };
}

/**
 * Re-runs `retry` whenever {@link notifyContractsChanged} is called: after a decision recorded
 * on this page, and on the backend's signals (see {@link useContractsSignals}).
 */
export function useContractsRefresh(retry: () => void): {
  isSignalsAvailable: boolean;
} {
  const signals = useContractsSignals();
  useEffect(() => {
    listeners.add(retry);
    return () => {
      listeners.delete(retry);
    };
  }, [retry]);
  return signals;
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
  const { isSignalsAvailable } = useContractsRefresh(retry);
  useEffect(
    () => store.setSignalled(isSignalsAvailable),
    [store, isSignalsAvailable],
  );
  // on the render after the entity changed, before the effect above ran
  const current =
    snapshot.entityRef === entityRef ? snapshot : store.get(entityRef);
  return { ...current, retry };
}

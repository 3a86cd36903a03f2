import type {
  DatabaseService,
  LifecycleService,
  LoggerService,
  RootConfigService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { EntityContract } from '@backstage-contracts/plugin-contracts-common';
import type { ContractsGraphService } from '../services/ContractsGraphService';
import { entityHashes } from '../services/analysis/entityTable';
import { startPolling } from '../services/polling';
import { readPrometheusRuntimeConfig } from './config';
import { DatabaseObservationsStore } from './DatabaseObservationsStore';
import { RuntimeVerifier } from './RuntimeVerifier';

/** The longest a replica takes to show a run another replica stored. */
const LOAD_INTERVAL_MS = 10_000;

/**
 * Runtime verification, when `contracts.runtime.prometheus.url` (or `urls`) is configured: a
 * scheduler task (one replica per interval) measures the bound promises and stores what it
 * measured; every replica loads the stored observations when a new run is stored and gives them
 * to the graph (rules `promise-drift`, `need-at-risk`; the Contracts card's observed values).
 * Without the configuration nothing is scheduled and bindings change nothing.
 */
export async function setUpRuntimeVerification(deps: {
  config: RootConfigService;
  database: DatabaseService;
  scheduler: SchedulerService;
  lifecycle: LifecycleService;
  logger: LoggerService;
  graph: ContractsGraphService;
}): Promise<void> {
  const runtime = readPrometheusRuntimeConfig(deps.config);
  if (!runtime) return;
  const { graph, logger } = deps;
  const store = await DatabaseObservationsStore.create({
    database: deps.database,
  });
  const verifier = new RuntimeVerifier({ store, config: runtime, logger });

  let loaded: string | undefined;
  const load = async () => {
    const at = await store.lastCheckedAt();
    if (at === loaded) return;
    await graph.setObservations(await store.all());
    loaded = at;
  };
  const quiet = (error: unknown) =>
    logger.debug('Contracts runtime observations load failed', {
      error: String(error),
    });
  load().catch(quiet);
  const intervalMs = Math.min(LOAD_INTERVAL_MS, runtime.intervalMs);
  const stop = startPolling({
    intervalMs,
    maxShare: 1,
    maxPauseMs: intervalMs,
    fn: load,
    onError: quiet,
  });
  deps.lifecycle.addShutdownHook(stop);

  await deps.scheduler.scheduleTask({
    id: 'contracts-runtime-verification',
    frequency: { milliseconds: runtime.intervalMs },
    timeout: {
      milliseconds: Math.max(
        runtime.intervalMs,
        4 * (runtime.endpoints[0].timeoutMs ?? 10_000),
      ),
    },
    initialDelay: { seconds: 1 },
    fn: async signal => {
      await graph.ready();
      const contracts: EntityContract[] = [];
      // (an entity's contract is parsed when read, each run: those without one are not read)
      const { entities } = graph.snapshot();
      for (const [k, hash] of entityHashes(entities)) {
        const contract =
          hash === undefined ? undefined : entities.get(k)?.contract;
        if (contract) contracts.push(contract);
      }
      await verifier.run(contracts, { signal });
      await load();
    },
  });
}

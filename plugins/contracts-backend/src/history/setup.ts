import type {
  DatabaseService,
  HttpAuthService,
  LoggerService,
  RootConfigService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type express from 'express';
import type { CatalogVisibility } from '../services/CatalogVisibility';
import type { ContractsGraphService } from '../services/ContractsGraphService';
import { readHistorySettings } from './config';
import { ContractHistoryRecorder } from './ContractHistoryRecorder';
import { DatabaseHistoryStore } from './DatabaseHistoryStore';
import { createHistoryRouter } from './historyRoutes';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The contract history, wired: its store, the recorder following the graph's snapshots, the
 * hourly pruning (one replica per period) and the route. Returns the router to mount.
 */
export async function setUpContractHistory(options: {
  config: RootConfigService;
  database: DatabaseService;
  logger: LoggerService;
  scheduler: SchedulerService;
  httpAuth: HttpAuthService;
  graph: ContractsGraphService;
  catalogVisibility: CatalogVisibility;
}): Promise<express.Router> {
  const { graph, logger } = options;
  const settings = readHistorySettings(options.config);
  const history = await DatabaseHistoryStore.create({
    database: options.database,
  });
  if (settings.enabled) {
    const recorder = new ContractHistoryRecorder({
      store: history,
      logger,
      worker: graph.historyWorker(),
    });
    graph.onPublish(s => recorder.onSnapshot(s));
    // a graph published before this listener was added
    if (graph.snapshot().computedAt) recorder.onSnapshot(graph.snapshot());
  }
  await options.scheduler.scheduleTask({
    id: 'contracts-history-prune',
    frequency: { hours: 1 },
    timeout: { minutes: 10 },
    initialDelay: { minutes: 1 },
    fn: async () => {
      const deleted = await history.prune({
        before: new Date(
          Date.now() - settings.retentionDays * DAY_MS,
        ).toISOString(),
        maxEvents: settings.maxEvents,
      });
      if (deleted) {
        logger.info('Contracts history pruned', { changes: deleted });
      }
    },
  });
  return createHistoryRouter({
    httpAuth: options.httpAuth,
    catalogVisibility: options.catalogVisibility,
    history,
    snapshot: async () => {
      await graph.ready();
      return graph.snapshot();
    },
  });
}

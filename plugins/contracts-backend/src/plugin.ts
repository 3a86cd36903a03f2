import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  type ContractRule,
  contractsPermissions,
  defaultRules,
} from '@backstage-contracts/plugin-contracts-common';
import { contractsRulesExtensionPoint } from '@backstage-contracts/plugin-contracts-node';
import { registerContractsActions } from './actions/contractsActions';
import { DatabaseDecisionsStore } from './database/DatabaseDecisionsStore';
import { SnapshotStore } from './database/SnapshotStore';
import { setUpContractHistory } from './history/setup';
import { setUpNotifications } from './notifications/setup';
import { contractsFindingResourceRef, isFindingPartyRule } from './permissions';
import { setUpRuntimeVerification } from './runtime/setup';
import { createRouter } from './service/router';
import { CatalogVisibility } from './services/CatalogVisibility';
import { readContractsSettings } from './services/config';
import {
  CatalogReadTimeoutError,
  ContractsGraphService,
} from './services/ContractsGraphService';
import { ContractsViews } from './services/ContractsViews';
import { startPolling } from './services/polling';
import {
  EventLoopAdmission,
  isDecisionWrite,
  readEventLoopAdmissionSettings,
} from './services/admission';
import { PERSISTED_SNAPSHOT_FORMAT } from './services/analysis/protocol';
import { readSnapshotSettings, SnapshotSync } from './services/SnapshotSync';
import { workerDatabaseSettings } from './services/analysis/workerDatabase';
import {
  DecisionsService,
  FindingAuthorizer,
} from './services/DecisionsService';

/** The most of the event loop's time the quick check may take (it slows down beyond). */
const QUICK_CHECK_MAX_SHARE = 0.05;
/** However slow the quick check, it runs at least this often. */
const QUICK_CHECK_MAX_PAUSE_MS = 30_000;

/**
 * The contracts backend plugin: keeps the conflict graph current and serves it under
 * `/api/contracts`.
 *
 * @public
 */
export const contractsPlugin = createBackendPlugin({
  pluginId: 'contracts',
  register(env) {
    const extraRules: ContractRule[] = [];
    env.registerExtensionPoint(contractsRulesExtensionPoint, {
      addRules(...rules) {
        extraRules.push(...rules);
      },
    });
    env.registerInit({
      deps: {
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        userInfo: coreServices.userInfo,
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        notifications: notificationService,
        signals: signalsServiceRef,
      },
      async init(deps) {
        const { logger, scheduler, lifecycle, permissionsRegistry } = deps;
        const settings = readContractsSettings(deps.config);

        const store = await DatabaseDecisionsStore.create({
          database: deps.database,
        });
        const decisions = new DecisionsService({
          store,
          logger,
          maxPerFinding: settings.decisions.maxPerFinding,
        });
        // on PostgreSQL the analysis worker has a connection of its own, and persists the
        // snapshots itself (README: Replicas and restarts)
        const database = workerDatabaseSettings(
          await deps.database.getClient(),
          deps.config,
        );
        const graph = new ContractsGraphService({
          catalog: deps.catalog,
          auth: deps.auth,
          logger,
          engineConfig: settings.engine,
          rules: [...defaultRules, ...extraRules],
          catalogReadTimeoutMs: settings.catalogReadTimeoutMs,
          quickCheckIntervalMs: settings.refreshIntervalMs,
          database,
        });

        permissionsRegistry.addPermissions(contractsPermissions);
        permissionsRegistry.addResourceType({
          resourceRef: contractsFindingResourceRef,
          permissions: contractsPermissions.filter(p => p.type === 'resource'),
          rules: [isFindingPartyRule],
          getResources: async ids => {
            const s = graph.snapshot();
            return ids.map(id => s.items.finding(id));
          },
        });
        const authorizer = new FindingAuthorizer({
          permissions: deps.permissions,
          ruleset: permissionsRegistry.getPermissionRuleset(
            contractsFindingResourceRef,
          ),
        });

        // One graph for every replica: the replica holding the compute lease reads the catalog
        // and persists each snapshot; every replica serves the latest persisted one, a starting
        // replica the last one at once (README: Replicas and restarts).
        const quiet = (what: string) => (error: unknown) =>
          logger.debug(`Contracts ${what} failed`, { error: String(error) });
        const snapshotSettings = readSnapshotSettings(deps.config);
        const sync = new SnapshotSync({
          store: await SnapshotStore.create({
            database: deps.database,
            keep: snapshotSettings.keep,
          }),
          host: graph,
          logger,
          format: PERSISTED_SNAPSHOT_FORMAT,
          settings: snapshotSettings,
          // the longest a computing replica goes without a successful check, and a takeover
          staleAfterMs:
            QUICK_CHECK_MAX_PAUSE_MS +
            settings.catalogReadTimeoutMs +
            snapshotSettings.leaseMs,
        });
        sync.start().catch(quiet('snapshot sync'));
        decisions.sync().catch(quiet('decisions sync'));
        // A large catalog makes the quick check slow: then it runs less often, so that it never
        // takes more than a small share of the event loop the requests are served on. (A failed
        // check is followed by the plain interval; timed-out ones in a row by doubling pauses.)
        // The graph and the decisions each have their own loop: one waiting does not hold the
        // other.
        const stopGraphPolling = startPolling({
          intervalMs: settings.refreshIntervalMs,
          maxShare: QUICK_CHECK_MAX_SHARE,
          maxPauseMs: QUICK_CHECK_MAX_PAUSE_MS,
          // a no-op on a replica that does not compute
          fn: () => sync.check(() => graph.refreshChanges()),
          onError: quiet('quick refresh'),
          // timed-out reads in a row: the catalog is overloaded, and the read given up on still
          // runs there; the pause doubles up to a slow check's (bench:decisions)
          backOff: error => error instanceof CatalogReadTimeoutError,
        });
        // The decisions sync reads only the change log after its cursor (an indexed range, empty
        // when nothing changed): it runs at its own interval and is never stretched, since its
        // time is spent waiting on the database, not on the event loop (bench:decisions: a
        // stretched pause made the replica lag 24 s at worst).
        const stopDecisionsPolling = startPolling({
          intervalMs: settings.decisions.syncIntervalMs,
          maxShare: 1,
          maxPauseMs: settings.decisions.syncIntervalMs,
          fn: () => decisions.sync(),
          onError: quiet('decisions sync'),
        });
        const stopPolling = () => {
          stopGraphPolling();
          stopDecisionsPolling();
        };
        lifecycle.addShutdownHook(async () => {
          stopPolling();
          await sync.stop();
          // the worker's own database connection closed, then the worker stopped
          await graph.close();
        });

        // What Prometheus measures for bound promises (when contracts.runtime.prometheus is set).
        await setUpRuntimeVerification({ ...deps, graph });

        // The full recompute, per period: every replica's task, a no-op unless it computes.
        await scheduler.scheduleTask({
          id: 'contracts-graph-full-recompute',
          ...settings.schedule,
          scope: 'local',
          fn: async abortSignal => {
            await graph.refreshAll(abortSignal);
          },
        });

        // deciders notified of new conflicts, decisions and reviews; open pages told of changes
        await setUpNotifications({ ...deps, graph, decisions });

        const catalogVisibility = new CatalogVisibility({
          ...deps,
          catalogTimeoutMs: settings.catalogReadTimeoutMs,
          ttlMs: settings.visibilityCacheMs,
        });
        // back-pressure: decision writes wait (503, Retry-After) while this host's event loop is
        // held beyond contracts.decisions.maxEventLoopDelay, so that its other requests keep it
        const admission = new EventLoopAdmission(
          readEventLoopAdmissionSettings(deps.config),
        );
        admission.start();
        lifecycle.addShutdownHook(() => admission.stop());
        deps.httpRouter.use(admission.middleware(isDecisionWrite));
        deps.httpRouter.use(
          await createRouter({
            logger,
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            graph,
            decisions,
            authorizer,
            userInfo: deps.userInfo,
            limits: settings.decisions,
            catalogVisibility,
          }),
        );
        // the same answers as actions (get-contracts, check-contract, explain-finding), which
        // @backstage/plugin-mcp-actions-backend serves to coding agents over MCP
        registerContractsActions({
          actionsRegistry: deps.actionsRegistry,
          views: new ContractsViews({ graph, decisions, catalogVisibility }),
          decisions,
        });
        // the contract history: recorded per recompute, served under /entities/…/history
        deps.httpRouter.use(
          await setUpContractHistory({
            ...deps,
            graph,
            catalogVisibility,
          }),
        );
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
      },
    });
  },
});

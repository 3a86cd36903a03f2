/*
 * The Backstage Contracts portal backend: the catalog, guest sign-in, the permission
 * framework, the app, and the contracts plugins. SQLite by default (app-config.yaml),
 * PostgreSQL through app-config.production.yaml or the environment.
 */

import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

// auth: the guest provider for local use
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

// catalog, with the contracts module that validates contracts at ingestion
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
backend.add(import('@backstage-contracts/plugin-catalog-backend-module-contracts'));

// permissions
backend.add(import('@backstage/plugin-permission-backend'));
// allows everything, except accepting contract findings the user is no party of
backend.add(import('./modules/permissionPolicy'));

// contracts: the conflict graph service and decision records
backend.add(import('@backstage-contracts/plugin-contracts-backend'));

// notifications to the deciders of a finding, and signals that update the open pages
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// MCP: the contracts actions (get-contracts, check-contract, explain-finding) for coding agents,
// at /api/mcp-actions/v1 (app-config.yaml: backend.actions.pluginSources, mcpActions)
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// scorecards: tech-insights with the JSON rules engine and the contracts facts (app-config.yaml:
// techInsights.factRetrievers.contractsFactRetriever, techInsights.factChecker.checks)
backend.add(import('@backstage-community/plugin-tech-insights-backend'));
backend.add(
  import('@backstage-community/plugin-tech-insights-backend-module-jsonfc'),
);
backend.add(
  import('@backstage-contracts/plugin-tech-insights-backend-module-contracts'),
);

backend.start();

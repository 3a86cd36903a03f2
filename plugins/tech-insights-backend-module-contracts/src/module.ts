import { createBackendModule } from '@backstage/backend-plugin-api';
import { techInsightsFactRetrieversExtensionPoint } from '@backstage-community/plugin-tech-insights-node';
import {
  CONTRACTS_FACT_RETRIEVER_ID,
  createContractsFactRetriever,
} from './contractsFactRetriever';

/**
 * Tech Insights module of Backstage Contracts: adds the contracts fact retriever. It runs on the
 * cadence of `techInsights.factRetrievers.contractsFactRetriever` (tech-insights schedules only
 * the retrievers configured there).
 *
 * @public
 */
export const techInsightsModuleContracts = createBackendModule({
  pluginId: 'tech-insights',
  moduleId: 'contracts',
  register(env) {
    env.registerInit({
      deps: { retrievers: techInsightsFactRetrieversExtensionPoint },
      async init({ retrievers }) {
        retrievers.addFactRetrievers({
          [CONTRACTS_FACT_RETRIEVER_ID]: createContractsFactRetriever(),
        });
      },
    });
  },
});

import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { ContractsProcessor } from './processor/ContractsProcessor';

/**
 * Catalog module of Backstage Contracts: resolves `contracts.io/ref` into
 * `contracts.io/resolved` and validates contracts at ingestion.
 *
 * @public
 */
export const catalogModuleContracts = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'contracts',
  register(env) {
    env.registerInit({
      deps: {
        logger: coreServices.logger,
        reader: coreServices.urlReader,
        catalog: catalogProcessingExtensionPoint,
      },
      async init({ logger, reader, catalog }) {
        catalog.addProcessor(new ContractsProcessor({ reader, logger }));
      },
    });
  },
});

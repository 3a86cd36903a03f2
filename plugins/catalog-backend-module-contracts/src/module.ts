import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';

/**
 * Catalog module of Backstage Contracts: validates contracts at ingestion.
 *
 * @public
 */
export const catalogModuleContracts = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'contracts',
  register(env) {
    env.registerInit({
      deps: { logger: coreServices.logger },
      async init({ logger }) {
        logger.debug('contracts catalog module ready');
      },
    });
  },
});

import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleContracts from '@backstage-contracts/plugin-catalog-backend-module-contracts';
import path from 'node:path';
import { EXAMPLES_DIR } from './exampleCatalog';

/**
 * The real catalog backend reading the repository's example catalog (`examples/all.yaml`, a
 * file location), with the real contracts catalog module resolving `contracts.io/ref`: features
 * for `startTestBackend`, and the catalog's part of the root config.
 */
export const realExampleCatalog = {
  features: [catalogPlugin, catalogModuleContracts],
  config: {
    rules: [
      {
        allow: [
          'Component',
          'System',
          'API',
          'Resource',
          'Location',
          'Group',
          'User',
        ],
      },
    ],
    locations: [{ type: 'file', target: path.join(EXAMPLES_DIR, 'all.yaml') }],
  },
};

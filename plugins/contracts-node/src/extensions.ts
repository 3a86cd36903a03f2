import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { ContractRule } from '@backstage-contracts/plugin-contracts-common';

/**
 * Lets backend modules add custom contract rules to the contracts backend.
 *
 * @example
 * ```ts
 * createBackendModule({
 *   pluginId: 'contracts',
 *   moduleId: 'my-rules',
 *   register(env) {
 *     env.registerInit({
 *       deps: { rules: contractsRulesExtensionPoint },
 *       async init({ rules }) {
 *         rules.addRules(myRule);
 *       },
 *     });
 *   },
 * });
 * ```
 * @public
 */
export interface ContractsRulesExtensionPoint {
  addRules(...rules: ContractRule[]): void;
}

/**
 * Extension point `contracts.rules`.
 * @public
 */
export const contractsRulesExtensionPoint =
  createExtensionPoint<ContractsRulesExtensionPoint>({
    id: 'contracts.rules',
  });

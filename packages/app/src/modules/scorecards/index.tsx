import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import type { Entity } from '@backstage/catalog-model';

/** The kinds the contracts backend reads: the entities tech-insights has contract facts for. */
const hasContractFacts = (entity: Entity) =>
  ['component', 'resource', 'api', 'system'].includes(
    entity.kind.toLocaleLowerCase('en-US'),
  );

/** The contracts checks' results (tech-insights) on the entity page. */
const contractsScorecardCard = EntityCardBlueprint.make({
  name: 'contracts-scorecard',
  params: {
    filter: hasContractFacts,
    loader: () =>
      import('./ContractsScorecardCard').then(m => (
        <m.ContractsScorecardCard />
      )),
  },
});

/** Scorecards in the example app: a card of the catalog plugin's entity page. */
export const scorecardsModule = createFrontendModule({
  pluginId: 'catalog',
  extensions: [contractsScorecardCard],
});

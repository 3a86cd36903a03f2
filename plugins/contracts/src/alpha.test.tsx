/* The new frontend system: blueprints, filters and the page. */
import { screen } from '@testing-library/react';
import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import contractsPlugin, {
  contractsApi,
  contractsPage,
  entityContractsCard,
  entityContractsContent,
  entityTeamConflictsCard,
} from './alpha';
import { checkoutEntity, plainEntity, renderWith, riskTeam } from './__testUtils__';

describe('contracts plugin (new frontend system)', () => {
  it('declares the API, page, cards and contents', () => {
    expect(contractsPlugin).toBeDefined();
    expect(contractsApi).toBeDefined();
  });

  it('shows the entity cards only on entities with a contract, the team card only on groups', () => {
    const card = createExtensionTester(entityContractsCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    )!;
    expect(card(checkoutEntity)).toBe(true);
    expect(card(plainEntity)).toBe(false);
    expect(card(riskTeam)).toBe(false);
    const team = createExtensionTester(entityTeamConflictsCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    )!;
    expect(team(riskTeam)).toBe(true);
    expect(team(checkoutEntity)).toBe(false);
  });

  it('mounts the graph page at /contracts and renders it', async () => {
    const tester = createExtensionTester(contractsPage);
    expect(tester.get(coreExtensionData.routePath)).toBe('/contracts');
    await renderWith(tester.get(coreExtensionData.reactElement));
    expect(await screen.findByText(/No entities with contracts/)).toBeInTheDocument();
  });

  it('adds the Contracts tab at …/contracts', () => {
    const tester = createExtensionTester(entityContractsContent);
    expect(tester.get(coreExtensionData.routePath)).toBe('contracts');
  });
});

import { Content, Header, Page } from '@backstage/core-components';

/**
 * The conflict graph page.
 * @public
 */
export const ContractsPage = () => (
  <Page themeId="tool">
    <Header
      title="Contracts"
      subtitle="Cross-service contracts and their conflicts"
    />
    <Content>
      <div data-testid="contracts-page">Conflict graph</div>
    </Content>
  </Page>
);

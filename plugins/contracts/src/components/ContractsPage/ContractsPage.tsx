import {
  Content,
  ContentHeader,
  Header,
  Page,
} from '@backstage/core-components';
import { ContractsGraphLoader, useGraphViewState } from '../ContractsGraph';

/**
 * The graph with its filters, without the page chrome. The system/owner slice, like every
 * other choice on the graph, is in the URL (`?system=…&owner=…&around=…&depth=…`).
 */
export const ContractsGraphPageContent = () => {
  const [{ system, owner }] = useGraphViewState();
  return (
    <>
      <ContentHeader title="Conflict graph" />
      <ContractsGraphLoader
        query={{ system, owner }}
        height="max(420px, calc(100vh - 330px))"
        slicing
      />
    </>
  );
};

/**
 * The conflict graph page: the whole graph or a system/owner slice.
 * @public
 */
export const ContractsPage = () => (
  <Page themeId="tool">
    <Header title="Contracts" subtitle="Cross-service contracts and their conflicts" />
    <Content>
      <div data-testid="contracts-page">
        <ContractsGraphPageContent />
      </div>
    </Content>
  </Page>
);

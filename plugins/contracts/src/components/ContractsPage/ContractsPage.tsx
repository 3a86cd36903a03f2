import { useState } from 'react';
import Box from '@material-ui/core/Box';
import TextField from '@material-ui/core/TextField';
import {
  Content,
  ContentHeader,
  Header,
  Page,
} from '@backstage/core-components';
import { ContractsGraphLoader } from '../ContractsGraph';

/** The graph with system/owner slicing, without the page chrome. */
export const ContractsGraphPageContent = () => {
  const [system, setSystem] = useState('');
  const [owner, setOwner] = useState('');
  const [applied, setApplied] = useState<{ system?: string; owner?: string }>({});
  const apply = () =>
    setApplied({ system: system.trim() || undefined, owner: owner.trim() || undefined });
  return (
    <>
      <ContentHeader title="Conflict graph">
        <Box
          component="form"
          display="flex"
          style={{ gap: 8 }}
          onSubmit={(e: React.FormEvent) => {
            e.preventDefault();
            apply();
          }}
        >
          <TextField
            size="small"
            id="graph-system"
            label="System"
            placeholder="system:default/fraud-detection"
            value={system}
            onChange={e => setSystem(e.target.value)}
            onBlur={apply}
          />
          <TextField
            size="small"
            id="graph-owner"
            label="Owner"
            placeholder="group:default/risk-team"
            value={owner}
            onChange={e => setOwner(e.target.value)}
            onBlur={apply}
          />
          <button type="submit" hidden />
        </Box>
      </ContentHeader>
      <ContractsGraphLoader query={applied} height="calc(100vh - 260px)" />
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

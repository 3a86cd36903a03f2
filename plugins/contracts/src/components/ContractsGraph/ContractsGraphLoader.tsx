import useAsync from 'react-use/esm/useAsync';
import Typography from '@material-ui/core/Typography';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { contractsApiRef, GraphQuery } from '../../api';
import { ContractsGraphView } from './ContractsGraphView';

function mark(name: string) {
  try {
    performance.mark(name);
  } catch {
    // marks are best effort
  }
}

/**
 * Loads a slice of the conflict graph and shows it. Marks `contracts-graph-request` and
 * `contracts-graph-data` for timing (the drawing marks `contracts-graph-rendered`).
 */
export const ContractsGraphLoader = ({
  query,
  height,
  highlight,
  slicing,
}: {
  query: GraphQuery;
  height?: number | string;
  highlight?: string[];
  /** Offer the system/owner slice in the graph's controls. */
  slicing?: boolean;
}) => {
  const api = useApi(contractsApiRef);
  const { value, loading, error } = useAsync(async () => {
    mark('contracts-graph-request');
    const graph = await api.getGraph(query);
    mark('contracts-graph-data');
    return graph;
  }, [api, query.around, query.depth, query.owner, query.system]);

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value || value.nodes.length === 0) {
    return (
      <Typography variant="body2">
        No entities with contracts in this slice of the graph.
      </Typography>
    );
  }
  return (
    <ContractsGraphView
      graph={value}
      height={height}
      highlight={highlight}
      slicing={slicing}
    />
  );
};
